"""PoolMonitor: a TokenPool's per-token counters, 429s and cooldowns, by hand and live."""

from __future__ import annotations

import pytest
import requests

from tokenkit import RateLimitedError, TokenPool
from tokenkit.widgets import PoolMonitor

from .conftest import FakeClock, get_token, rendered_rows, shown_text, wait_for


def test_counts_rotation_and_a_cooldown(fresh_mock):
    """rate-limited allows 5 requests per 2 s per token: the 6th on one token gets a 429."""
    token = get_token(fresh_mock, "rate-limited")
    clock = FakeClock(0.0)
    pool = TokenPool([token], max_wait=0, clock=clock, sleep=clock.advance)
    monitor = PoolMonitor(pool, live=False)
    assert repr(monitor) == "PoolMonitor(1 token)"
    assert "0 requests" in monitor.summary.value and "1 token ·" in monitor.summary.value and "ready" in monitor.table.value
    with requests.Session() as s:
        for _ in range(5):
            assert s.get(f"{fresh_mock.url}/data", auth=pool, timeout=10).status_code == 200
        with pytest.raises(RateLimitedError):
            s.get(f"{fresh_mock.url}/data", auth=pool, timeout=10)
    [row] = monitor.refresh()
    assert (row.requests, row.rate_limited) == (6, 1)
    assert "6 requests · 1 × 429 · 1 cooling down" in monitor.summary.value
    heading, line = rendered_rows(monitor.table.value)
    assert heading == ["#", "token", "requests", "429s", "state"]  # five cells, not "429sstate"
    assert line[0] == "0" and line[2:4] == ["6", "1"] and line[4].startswith("cooling down ")
    clock.advance(row.cooling_for + 0.1)
    monitor.refresh_button.click()
    assert "ready" in monitor.table.value and "0 cooling down" in monitor.summary.value
    assert token not in shown_text(monitor)
    assert monitor.error_text == ""


def test_round_robin_is_visible(mock_api):
    tokens = [get_token(mock_api), get_token(mock_api, "analytics-reader")]
    pool = TokenPool(tokens)
    monitor = PoolMonitor(pool, live=False)
    with requests.Session() as s:
        for _ in range(4):
            s.get(f"{mock_api.url}/data", auth=pool, timeout=10).raise_for_status()
    stats = monitor.refresh()
    assert [s.requests for s in stats] == [2, 2]
    assert monitor.stats == stats
    assert "4 requests · 0 × 429" in monitor.summary.value
    assert "tokenkit-pool-table" in monitor.table._dom_classes
    assert "tokenkit-pool-monitor" in monitor._dom_classes


def test_live_monitor_follows_the_pool_and_stops(mock_api):
    pool = TokenPool([get_token(mock_api)])
    monitor = PoolMonitor(pool, interval=0.02)
    try:
        thread = monitor._ticker._thread
        assert monitor.live and thread.daemon
        requests.get(f"{mock_api.url}/data", auth=pool, timeout=10).raise_for_status()
        assert wait_for(lambda: "1 request ·" in monitor.summary.value)
    finally:
        monitor.stop()
    assert not thread.is_alive()


def test_errors_while_reading_the_pool_are_shown():
    class Broken(TokenPool):
        def stats(self):  # type: ignore[override]
            raise RuntimeError("counter lock poisoned")

    monitor = PoolMonitor(Broken(["a-token-that-is-long-enough"]), live=False)
    assert monitor.error_text == "RuntimeError: counter lock poisoned"


def test_needs_a_pool():
    with pytest.raises(TypeError, match="TokenPool"):
        PoolMonitor(object(), live=False)  # type: ignore[arg-type]


def test_redraws_on_pool_events_and_stops_listening_when_closed(fresh_mock):
    """A 429 redraws the table at once (no tick, no click); a closed monitor is no longer a listener."""
    token = get_token(fresh_mock, "rate-limited")
    clock = FakeClock(0.0)
    pool = TokenPool([token], max_wait=0, clock=clock, sleep=clock.advance)
    monitor = PoolMonitor(pool, live=False)
    with requests.Session() as s:
        for _ in range(5):
            s.get(f"{fresh_mock.url}/data", auth=pool, timeout=10)
        with pytest.raises(RateLimitedError):
            s.get(f"{fresh_mock.url}/data", auth=pool, timeout=10)
    assert "1 × 429" in monitor.summary.value  # drawn by the rate_limited event
    monitor.close()
    assert pool._listeners.snapshot == ()
