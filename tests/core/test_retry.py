"""session(): urllib3 Retry through HTTPAdapter for 429/503, Retry-After honoured, default timeout."""

from __future__ import annotations

import socket

import pytest
import requests
import urllib3.util.retry
from requests.adapters import HTTPAdapter

from tokenkit import BearerAuth, ServerUnreachableError, TimeoutSession, session

from .conftest import credentials


@pytest.fixture
def no_real_sleep(monkeypatch):
    """urllib3 sleeps through time.sleep inside its retry module; record instead of waiting."""
    slept: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", slept.append)
    return slept


def test_session_mounts_a_retry_policy_for_429_and_503():
    s = session(retries=4, backoff_factor=0.25)
    adapter = s.get_adapter("https://example.test/")
    assert isinstance(adapter, HTTPAdapter)
    retry = adapter.max_retries
    assert retry.total == 4 and retry.status == 4
    assert retry.backoff_factor == 0.25
    assert set(retry.status_forcelist) == {429, 503}
    assert retry.respect_retry_after_header
    assert not retry.raise_on_status
    assert "POST" not in retry.allowed_methods and "GET" in retry.allowed_methods
    assert s.get_adapter("http://example.test/") is adapter


def test_default_timeout_is_applied_unless_given(monkeypatch):
    seen: list[object] = []

    def fake_request(self, method, url, *args, **kwargs):
        seen.append(kwargs.get("timeout", "missing"))
        return requests.Response()

    monkeypatch.setattr(requests.Session, "request", fake_request)
    s = session(timeout=7)
    s.get("http://example.test/")
    s.get("http://example.test/", timeout=1)
    s.post("http://example.test/", timeout=None)
    assert seen == [7, 1, None]
    assert isinstance(s, TimeoutSession) and isinstance(s, requests.Session)


def test_auth_is_set():
    auth = BearerAuth("t-0123456789abcdef")
    assert session(auth).auth is auth


def test_429_is_retried_after_retry_after(fresh_mock, no_real_sleep, monkeypatch):
    token = credentials(fresh_mock, "rate-limited").fetch()
    url = f"{fresh_mock.url}/data"
    s = session(BearerAuth(token), retries=2)
    for _ in range(5):
        assert s.get(url).status_code == 200

    # Sleeping "advances" the mock's clock so the rate window really resets, without waiting.
    def sleep(seconds):
        no_real_sleep.append(seconds)
        fresh_mock.clock.advance(seconds)

    monkeypatch.setattr(urllib3.util.retry.time, "sleep", sleep)
    r = s.get(url)
    assert r.status_code == 200
    assert no_real_sleep and 1 <= no_real_sleep[0] <= 2  # the mock's Retry-After, not the backoff


def test_when_retries_run_out_the_last_429_is_returned(fresh_mock, no_real_sleep):
    token = credentials(fresh_mock, "rate-limited").fetch()
    s = session(BearerAuth(token), retries=2)
    for _ in range(5):
        s.get(f"{fresh_mock.url}/data")
    r = s.get(f"{fresh_mock.url}/data")
    assert r.status_code == 429  # a response to diagnose, not a RetryError
    assert len(no_real_sleep) == 2


def test_post_is_not_retried(fresh_mock, no_real_sleep):
    token = credentials(fresh_mock, "rate-limited", scope="data:read").fetch()
    s = session(BearerAuth(token), retries=3)
    for _ in range(5):
        s.get(f"{fresh_mock.url}/data")
    r = s.post(f"{fresh_mock.url}/notes", json={"title": "x", "body": "y", "tags": []})
    assert r.status_code == 429
    assert no_real_sleep == []


def test_unreachable_server_is_explained(no_real_sleep):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ServerUnreachableError) as info:
        session(retries=3).get(f"http://127.0.0.1:{port}/data?api_key=secret-key-value")
    assert f"127.0.0.1:{port}" in str(info.value)
    assert "secret-key-value" not in str(info.value)  # the query string is not repeated
    assert isinstance(info.value, requests.ConnectionError)


def test_a_retry_after_longer_than_max_wait_returns_the_429_at_once(fresh_mock, no_real_sleep):
    token = credentials(fresh_mock, "rate-limited").fetch()
    s = session(BearerAuth(token), retries=3, max_wait=0.5)  # the mock asks for 1-2 s
    for _ in range(5):
        s.get(f"{fresh_mock.url}/data")
    r = s.get(f"{fresh_mock.url}/data")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert no_real_sleep == []  # not slept, not retried early into another 429


def test_max_wait_survives_urllib3s_copies_and_caps_backoff():
    retry = session(max_wait=7).get_adapter("http://example.test/").max_retries
    assert retry.max_wait == 7 and retry.backoff_max == 7
    later = retry.new(total=1)
    assert later.max_wait == 7 and later.backoff_max == 7


def test_backoff_without_retry_after_follows_urllib3():
    """Documented in session(): first retry at once, then backoff_factor * 2 ** (n - 1)."""
    retry = session(retries=3, backoff_factor=0.5).get_adapter("http://x/").max_retries
    waits = []
    for _ in range(3):
        retry = retry.new(
            history=retry.history + (urllib3.util.retry.RequestHistory("GET", "/data", None, 503, None),)
        )
        waits.append(retry.get_backoff_time())
    assert waits == [0, 1.0, 2.0]


def test_jitter_is_urllib3s_backoff_jitter_and_survives_each_attempt():
    from tokenkit.retry import make_retry

    retry = make_retry(jitter=0.5)
    assert retry.backoff_jitter == 0.5
    assert retry.new(total=1).backoff_jitter == 0.5 and retry.new(total=1).max_wait == retry.max_wait
    assert make_retry().backoff_jitter == 0.0
    http = session(jitter=0.25)
    assert http.get_adapter("http://x").max_retries.backoff_jitter == 0.25
