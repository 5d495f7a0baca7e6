"""RefreshingAuth: cache, refresh before expiry, one refresh for many threads, one resend on 401."""

from __future__ import annotations

import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tokenkit import RefreshingAuth, ServerUnreachableError, Token, TokenEndpointError

from .conftest import CountingSource, credentials, make_response, scripted_session

URL = "https://api.example.test/data"


class FakeSource:
    """Issues tok-1, tok-2, … expiring ``lifetime`` seconds after issue on ``clock``."""

    def __init__(self, clock, lifetime=100.0, refresh_tokens=False, refresh_error=None):
        self.clock = clock
        self.lifetime = lifetime
        self.refresh_tokens = refresh_tokens
        self.refresh_error = refresh_error
        self.issued = 0
        self.log: list[str] = []
        self._lock = threading.Lock()

    def _issue(self) -> Token:
        with self._lock:
            self.issued += 1
            n = self.issued
        return Token(f"tok-{n}-abcdefghijklmnop", expires_at=self.clock() + self.lifetime,
                     refresh_token=f"rt-{n}-abcdefghijklmnop" if self.refresh_tokens else None, clock=self.clock)

    def fetch(self) -> Token:
        self.log.append("fetch")
        return self._issue()

    def refresh(self, token: Token) -> Token:
        self.log.append(f"refresh:{token.refresh_token[:4]}")
        if self.refresh_error is not None:
            raise self.refresh_error
        return self._issue()


def ok(*_):
    return (200, {}, {"ok": True})


def test_fetches_once_and_caches(clock):
    source = FakeSource(clock)
    auth = RefreshingAuth(source, clock=clock)
    session, adapter = scripted_session(ok)
    for _ in range(3):
        session.get(URL, auth=auth)
    assert source.log == ["fetch"]
    assert [r.headers["Authorization"] for r in adapter.sent] == ["Bearer tok-1-abcdefghijklmnop"] * 3
    assert auth.generation == 1 and auth.refreshes == 1


def test_refreshes_skew_seconds_before_expiry(clock):
    source = FakeSource(clock, lifetime=100)
    seen: list[Token] = []
    auth = RefreshingAuth(source, skew=30, clock=clock, on_refresh=seen.append)
    session, adapter = scripted_session(ok)
    session.get(URL, auth=auth)
    clock.advance(69)  # 31 s left: still fresh
    session.get(URL, auth=auth)
    clock.advance(2)  # 29 s left: stale, renew first
    session.get(URL, auth=auth)
    assert source.log == ["fetch", "fetch"]
    assert adapter.sent[-1].headers["Authorization"] == "Bearer tok-2-abcdefghijklmnop"
    assert [t.access_token[:5] for t in seen] == ["tok-1", "tok-2"]


def test_uses_the_refresh_token_when_there_is_one(clock):
    source = FakeSource(clock, refresh_tokens=True)
    auth = RefreshingAuth(source, clock=clock)
    auth.get_token()
    clock.advance(200)
    assert auth.get_token().access_token.startswith("tok-2")
    assert source.log == ["fetch", "refresh:rt-1"]


def test_falls_back_to_fetch_when_the_refresh_token_is_refused(clock):
    error = TokenEndpointError(error="invalid_grant", error_description="reused")
    source = FakeSource(clock, refresh_tokens=True, refresh_error=error)
    auth = RefreshingAuth(source, clock=clock)
    auth.get_token()
    clock.advance(200)
    assert auth.get_token().access_token.startswith("tok-2")
    assert source.log == ["fetch", "refresh:rt-1", "fetch"]


def test_other_refresh_errors_are_raised(clock):
    error = TokenEndpointError(error="invalid_client")
    source = FakeSource(clock, refresh_tokens=True, refresh_error=error)
    auth = RefreshingAuth(source, clock=clock)
    auth.get_token()
    clock.advance(200)
    with pytest.raises(TokenEndpointError):
        auth.get_token()


def test_a_stale_but_valid_token_survives_a_failed_early_refresh(clock, caplog):
    source = FakeSource(clock, refresh_tokens=True, refresh_error=ServerUnreachableError("https://auth.test/token"))
    auth = RefreshingAuth(source, skew=30, clock=clock)
    first = auth.get_token()
    clock.advance(80)  # 20 s left: stale, refresh fails, the old token is still good
    with caplog.at_level(logging.WARNING, logger="tokenkit"):
        assert auth.get_token() == first
    assert "early refresh failed" in caplog.text
    clock.advance(30)  # now really expired: the failure is raised
    with pytest.raises(ServerUnreachableError):
        auth.get_token()


def test_on_refresh_errors_are_logged_not_raised(clock, caplog):
    def boom(token):
        raise RuntimeError("disk full")

    auth = RefreshingAuth(FakeSource(clock), clock=clock, on_refresh=boom)
    with caplog.at_level(logging.ERROR, logger="tokenkit"):
        assert auth.get_token()
    assert "refresh listener" in caplog.text and "failed" in caplog.text


def test_401_refreshes_once_and_resends(clock):
    source = FakeSource(clock)
    auth = RefreshingAuth(source, clock=clock)

    def script(request, i):
        if request.headers["Authorization"].startswith("Bearer tok-1"):
            return (401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"error": "invalid_token"})
        return (200, {}, {"ok": True})

    session, adapter = scripted_session(script)
    r = session.get(URL, auth=auth)
    assert r.status_code == 200
    assert len(adapter.sent) == 2
    assert [h.status_code for h in r.history] == [401]
    assert r.request.headers["Authorization"] == "Bearer tok-2-abcdefghijklmnop"
    assert r.history[0].request.headers["Authorization"] == "Bearer tok-1-abcdefghijklmnop"  # the copy was changed, not the original
    assert source.log == ["fetch", "fetch"]


def test_401_twice_is_returned_not_looped(clock):
    source = FakeSource(clock)
    auth = RefreshingAuth(source, clock=clock)
    session, adapter = scripted_session(lambda req, i: (401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {}))
    r = session.get(URL, auth=auth)
    assert r.status_code == 401
    assert len(adapter.sent) == 2  # the original and exactly one resend
    assert len(r.history) == 1
    r = session.get(URL, auth=auth)  # the next request gets its own single retry
    assert len(adapter.sent) == 4


def test_a_static_token_is_not_resent(clock):
    auth = RefreshingAuth("static-token-1234567890", clock=clock)
    session, adapter = scripted_session(lambda req, i: (401, {}, {}))
    assert session.get(URL, auth=auth).status_code == 401
    assert len(adapter.sent) == 1


def test_file_body_is_rewound_for_the_resend(clock):
    auth = RefreshingAuth(FakeSource(clock), clock=clock)
    calls = iter([(401, {}, {}), (200, {}, {})])
    session, adapter = scripted_session(lambda req, i: next(calls))
    body = io.BytesIO(b"hello world")
    r = session.post(URL, data=body, auth=auth)
    assert r.status_code == 200
    assert adapter.bodies == [b"hello world", b"hello world"]


def test_a_generator_body_cannot_be_resent(clock):
    auth = RefreshingAuth(FakeSource(clock), clock=clock)
    session, adapter = scripted_session(lambda req, i: (401, {}, {}))
    r = session.post(URL, data=(chunk for chunk in [b"a", b"b"]), auth=auth)
    assert r.status_code == 401 and len(adapter.sent) == 1


def test_non_401_answers_pass_through(clock):
    auth = RefreshingAuth(FakeSource(clock), clock=clock)
    session, adapter = scripted_session(lambda req, i: (403, {}, {}))
    assert session.get(URL, auth=auth).status_code == 403
    assert len(adapter.sent) == 1


def test_64_threads_one_refresh_unit(clock):
    release = threading.Event()
    source = CountingSource(FakeSource(clock), delay=release)
    auth = RefreshingAuth(source, clock=clock)
    with ThreadPoolExecutor(64) as pool:
        futures = [pool.submit(auth.get_token) for _ in range(64)]
        release.set()
        tokens = {f.result().access_token for f in futures}
    assert source.calls == 1
    assert tokens == {"tok-1-abcdefghijklmnop"}


def test_waiting_threads_share_a_failure_instead_of_retrying(clock):
    release = threading.Event()

    class Failing:
        calls = 0

        def fetch(self):
            Failing.calls += 1
            release.wait(5)
            raise TokenEndpointError(error="invalid_client")

    auth = RefreshingAuth(Failing(), clock=clock)
    entered = threading.Semaphore(0)

    def call():
        entered.release()
        return auth.get_token()

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(call) for _ in range(16)]
        for _ in range(16):
            entered.acquire()
        threading.Event().wait(0.1)  # let them all reach the lock (setup only, nothing timed is asserted)
        release.set()
        errors = [f.exception() for f in futures]
    assert all(isinstance(e, TokenEndpointError) for e in errors)
    assert Failing.calls == 1
    with pytest.raises(TokenEndpointError):  # a later caller tries again
        auth.get_token()
    assert Failing.calls == 2


def test_concurrent_401s_cause_one_refresh(clock):
    """Threads that got a 401 with the same token: one renews, the others use its token."""
    source = CountingSource(FakeSource(clock))
    auth = RefreshingAuth(source, clock=clock)
    auth.get_token()
    barrier = threading.Barrier(8)

    def script(request, i):
        if request.headers["Authorization"].startswith("Bearer tok-1"):
            barrier.wait(5)  # all 8 first sends get their 401 together
            return (401, {}, {})
        return (200, {}, {})

    session, adapter = scripted_session(script)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: session.get(URL, auth=auth).status_code, range(8)))
    assert statuses == [200] * 8
    assert source.calls == 2  # the first fetch and exactly one renewal


def test_repr_and_eq(clock):
    source = FakeSource(clock)
    auth = RefreshingAuth(source, clock=clock)
    assert "none yet" in repr(auth)
    auth.get_token()
    assert "tok-1-abcdefghijklmnop" not in repr(auth)
    assert auth == RefreshingAuth(source) and auth != RefreshingAuth(FakeSource(clock))


# -- against the mock -----------------------------------------------------------------------------


def test_expiry_on_the_mock_clock_costs_one_refresh(fresh_mock):
    source = CountingSource(credentials(fresh_mock, "short-lived"))
    auth = RefreshingAuth(source, clock=fresh_mock.clock.now)
    with requests.Session() as s:
        assert s.get(f"{fresh_mock.url}/notes", auth=auth).status_code == 200
        first = auth.token
        fresh_mock.clock.advance(61)  # the 60 s token is now expired on the server too
        r = s.get(f"{fresh_mock.url}/notes", auth=auth)
    assert r.status_code == 200 and r.history == []  # renewed before sending: no 401 at all
    assert (source.fetches, source.refreshes) == (1, 1)  # short-lived has refresh tokens
    assert auth.token.refresh_token != first.refresh_token  # rotated


def test_server_side_expiry_is_caught_by_the_401_retry(fresh_mock):
    """The client's clock says fresh, the server's says expired: one 401, one refresh, one resend."""
    source = CountingSource(credentials(fresh_mock, "short-lived", mock_clock=False))
    auth = RefreshingAuth(source)  # real clock: cannot see the mock's clock move
    with requests.Session() as s:
        assert s.get(f"{fresh_mock.url}/me", auth=auth).status_code == 200
        fresh_mock.clock.advance(120)
        r = s.get(f"{fresh_mock.url}/me", auth=auth)
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [401]
    assert source.calls == 2


def test_revoked_token_is_replaced_after_one_401(fresh_mock):
    inner = credentials(fresh_mock, "notes-app")
    source = CountingSource(inner)
    auth = RefreshingAuth(source, clock=fresh_mock.clock.now)
    with requests.Session() as s:
        assert s.get(f"{fresh_mock.url}/notes", auth=auth).status_code == 200
        inner.revoke(auth.token)
        r = s.post(f"{fresh_mock.url}/notes", json={"title": "t", "body": "b", "tags": []}, auth=auth)
    assert r.status_code == 201
    assert len(r.history) == 1 and r.history[0].status_code == 401
    assert source.refreshes == 1  # the refresh token still works after revoking the access token


def test_a_token_the_server_keeps_refusing_is_resent_once(fresh_mock):
    """Wrong audience: every new token is refused too; the 401 comes back after one resend."""
    from tokenkit.mock import OTHER_AUDIENCE

    source = CountingSource(credentials(fresh_mock, "analytics-reader", audience=OTHER_AUDIENCE))
    auth = RefreshingAuth(source, clock=fresh_mock.clock.now)
    r = requests.get(f"{fresh_mock.url}/data", auth=auth, timeout=5)
    assert r.status_code == 401 and len(r.history) == 1
    assert source.calls == 2


def test_64_threads_with_an_expired_token_cause_one_token_request(quiet_mock):
    source = CountingSource(credentials(quiet_mock, "analytics-reader"))
    auth = RefreshingAuth(source, clock=quiet_mock.clock.now)
    assert requests.get(f"{quiet_mock.url}/data", auth=auth, timeout=5).status_code == 200
    quiet_mock.clock.advance(3600)
    barrier = threading.Barrier(64)

    def call(_):
        barrier.wait(10)
        return requests.get(f"{quiet_mock.url}/data", auth=auth, timeout=10).status_code

    with ThreadPoolExecutor(64) as pool:
        statuses = list(pool.map(call, range(64)))
    assert statuses == [200] * 64
    assert source.calls == 2  # the first token, then exactly one for all 64 threads
    assert auth.generation == 2


def test_response_helper_builds_responses():
    assert make_response(204).status_code == 204
