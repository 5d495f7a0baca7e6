"""TokenPool: round-robin, cooldown on 429 for Retry-After, failover, bounded waiting, stats."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate

import pytest
import requests

from tokenkit import BearerAuth, RateLimitedError, StaticToken, TokenPool

from .conftest import credentials, scripted_session

URL = "https://api.example.test/data"
TOKENS = ["token-a-0123456789", "token-b-0123456789", "token-c-0123456789"]


def used(adapter):
    return [r.headers["Authorization"][len("Bearer token-"):][:1] for r in adapter.sent]


def test_round_robin(clock):
    pool = TokenPool(TOKENS, clock=clock, sleep=clock.sleep)
    session, adapter = scripted_session(lambda r, i: (200, {}, {}))
    for _ in range(7):
        session.get(URL, auth=pool)
    assert used(adapter) == list("abcabca")
    assert [s.requests for s in pool.stats()] == [3, 2, 2]


def test_429_cools_the_token_and_resends_with_the_next(clock):
    pool = TokenPool(TOKENS, clock=clock, sleep=clock.sleep)

    def script(request, i):
        if i == 0:
            return (429, {"Retry-After": "30"}, {"error": "rate_limited"})
        return (200, {}, {})

    session, adapter = scripted_session(script)
    r = session.get(URL, auth=pool)
    assert r.status_code == 200 and [h.status_code for h in r.history] == [429]
    assert used(adapter) == ["a", "b"]
    for _ in range(4):
        session.get(URL, auth=pool)
    assert used(adapter) == ["a", "b", "c", "b", "c", "b"]  # a is cooling: skipped
    a = pool.stats()[0]
    assert (a.rate_limited, a.cooling_until, a.cooling_for) == (1, clock() + 30, 30)
    clock.advance(31)
    assert pool.stats()[0].cooling_until is None
    session.get(URL, auth=pool)
    session.get(URL, auth=pool)
    assert used(adapter)[-2:] == ["c", "a"]  # back in rotation


def test_retry_after_as_http_date_and_default(clock):
    pool = TokenPool(TOKENS[:2], clock=clock, sleep=clock.sleep, default_cooldown=7)
    answers = iter([
        (429, {"Retry-After": formatdate(__import__("time").time() + 120, usegmt=True)}, {}),
        (429, {}, {}),
        (200, {}, {}),
    ])
    session, _ = scripted_session(lambda r, i: next(answers))
    r = session.get(URL, auth=pool)
    assert r.status_code == 200
    a, b = pool.stats()
    assert clock.slept == [7]  # b had no Retry-After: default cooldown; the pool waited for it
    assert 100 < a.cooling_for <= 113  # HTTP date (120 s, relative to the wall clock) minus that wait
    assert (a.rate_limited, b.rate_limited) == (1, 1)


def test_all_cooling_waits_for_the_first_then_resends(clock):
    pool = TokenPool(TOKENS[:2], clock=clock, sleep=clock.sleep, max_wait=10)
    answers = iter([(429, {"Retry-After": "5"}, {}), (429, {"Retry-After": "3"}, {}), (200, {}, {})])
    session, adapter = scripted_session(lambda r, i: next(answers))
    r = session.get(URL, auth=pool)
    assert r.status_code == 200
    assert clock.slept == [3]
    assert used(adapter) == ["a", "b", "b"]
    assert len(r.history) == 2


def test_raises_when_the_wait_would_exceed_max_wait(clock):
    pool = TokenPool(TOKENS[:2], clock=clock, sleep=clock.sleep, max_wait=10)
    session, adapter = scripted_session(lambda r, i: (429, {"Retry-After": "60"}, {"error": "rate_limited"}))
    with pytest.raises(RateLimitedError) as info:
        session.get(URL, auth=pool)
    assert info.value.retry_after == 60
    assert info.value.response is not None and info.value.response.status_code == 429
    assert "max_wait" in str(info.value)
    assert clock.slept == []  # no pointless sleeping
    assert len(adapter.sent) == 2
    with pytest.raises(RateLimitedError):  # the next request fails fast, before sending
        session.get(URL, auth=pool)
    assert len(adapter.sent) == 2


def test_resends_are_bounded_when_everything_keeps_failing(clock):
    pool = TokenPool(TOKENS, clock=clock, sleep=clock.sleep, max_wait=1000)
    session, adapter = scripted_session(lambda r, i: (429, {"Retry-After": "1"}, {}))
    r = session.get(URL, auth=pool)
    assert r.status_code == 429
    assert len(adapter.sent) == len(TOKENS) + 1  # each token once, plus one after waiting


def test_accepts_sources_and_token_objects(clock):
    pool = TokenPool([StaticToken("token-a-0123456789"), "token-b-0123456789"], clock=clock, sleep=clock.sleep)
    session, adapter = scripted_session(lambda r, i: (200, {}, {}))
    session.get(URL, auth=pool)
    session.get(URL, auth=pool)
    assert used(adapter) == ["a", "b"]


def test_stats_and_repr_are_masked(clock):
    pool = TokenPool(TOKENS, clock=clock, sleep=clock.sleep)
    text = repr(pool) + str(pool.stats())
    assert all(t not in text for t in TOKENS)
    assert len(pool) == 3
    with pytest.raises(ValueError):
        TokenPool([])


def test_thread_safe_counting(clock):
    pool = TokenPool(TOKENS, clock=clock, sleep=clock.sleep)
    session, adapter = scripted_session(lambda r, i: (200, {}, {}))
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda _: session.get(URL, auth=pool), range(300)))
    assert [s.requests for s in pool.stats()] == [100, 100, 100]


# -- against the mock: rate-limited client, 5 requests per 2 s per token -----------------------------


def test_pool_spreads_load_and_fails_over_on_429(fresh_mock):
    source = credentials(fresh_mock, "rate-limited")
    tokens = [source.fetch() for _ in range(3)]
    pool = TokenPool(tokens, clock=fresh_mock.clock.now, sleep=fresh_mock.clock.advance, max_wait=5)
    url = f"{fresh_mock.url}/data"
    with requests.Session() as s:
        # 15 requests: 5 per token, exactly each token's limit, so no 429 at all
        statuses = [s.get(url, auth=pool).status_code for _ in range(15)]
        assert statuses == [200] * 15
        assert [st.requests for st in pool.stats()] == [5, 5, 5]
        assert [st.rate_limited for st in pool.stats()] == [0, 0, 0]
        # every token is at its limit now: the next request meets 429 on each, then the pool
        # waits (on the mock's clock, no real sleep) for the first window to reset
        r = s.get(url, auth=pool)
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [429, 429, 429]
    assert [st.rate_limited for st in pool.stats()] == [1, 1, 1]


def test_pool_moves_on_from_an_exhausted_token(fresh_mock):
    source = credentials(fresh_mock, "rate-limited")
    tired, fresh1, fresh2 = (source.fetch() for _ in range(3))
    url = f"{fresh_mock.url}/data"
    for _ in range(5):
        assert requests.get(url, auth=BearerAuth(tired), timeout=5).status_code == 200
    pool = TokenPool([tired, fresh1, fresh2], clock=fresh_mock.clock.now, sleep=fresh_mock.clock.advance)
    r = requests.get(url, auth=pool, timeout=5)
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [429]
    first = pool.stats()[0]
    assert first.rate_limited == 1 and 0 < first.cooling_for <= 2  # the mock's Retry-After
    assert [st.requests for st in pool.stats()] == [1, 1, 0]


def test_pool_with_threads_against_the_mock(fresh_mock):
    source = credentials(fresh_mock, "rate-limited")
    pool = TokenPool([source.fetch() for _ in range(4)], clock=fresh_mock.clock.now,
                     sleep=lambda s: None, max_wait=0)
    url = f"{fresh_mock.url}/data"
    lock = threading.Lock()
    outcomes: list[object] = []

    def call(_):
        try:
            status = requests.get(url, auth=pool, timeout=5).status_code
        except RateLimitedError:
            status = "limited"
        with lock:
            outcomes.append(status)

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(call, range(30)))
    assert outcomes.count(200) == 20  # 4 tokens x 5 requests in the (frozen) window
    assert set(outcomes) <= {200, 429, "limited"}
    assert sum(st.rate_limited for st in pool.stats()) >= 1
