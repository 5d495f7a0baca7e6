"""The same auth objects on httpx2 and httpx, sync and async: scripted transports, no server.

Every test runs on both libraries (``lib``). The transports are the libraries' own
``MockTransport``: a function from request to response, so each test states the server's
behaviour in a line and checks what was sent.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from typing import Any

import pytest

from tokenkit import (
    ApiKeyAuth,
    BearerAuth,
    HeaderAuth,
    RateLimitedError,
    RefreshingAuth,
    Token,
    TokenPool,
    diagnose,
    raise_for_auth,
)
from tokenkit.errors import AuthenticationError

from .conftest import FakeClock


@pytest.fixture(params=["httpx2", "httpx"])
def lib(request: pytest.FixtureRequest) -> Any:
    return importlib.import_module(request.param)


class Server:
    """A scripted API: accepts ``self.valid`` tokens, counts what it saw."""

    def __init__(self, lib: Any, valid: set[str] | None = None) -> None:
        self.lib = lib
        self.valid = valid if valid is not None else set()
        self.seen: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.limited: dict[str, int] = {}  # token -> 429s still to give

    def __call__(self, request: Any) -> Any:
        self.seen.append(dict(request.headers))
        self.urls.append(str(request.url))
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else auth
        if self.limited.get(token, 0) > 0:
            self.limited[token] -= 1
            return self.lib.Response(429, headers={"Retry-After": "5"}, json={"error": "rate_limited"})
        if token in self.valid:
            return self.lib.Response(200, json={"ok": True})
        return self.lib.Response(
            401,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token", error_reason="expired"'},
            json={"error": "invalid_token", "error_reason": "expired"},
        )

    def client(self, auth: Any) -> Any:
        return self.lib.Client(transport=self.lib.MockTransport(self), auth=auth, base_url="https://api.test")

    def aclient(self, auth: Any) -> Any:
        return self.lib.AsyncClient(transport=self.lib.MockTransport(self), auth=auth, base_url="https://api.test")


class Source:
    """A token source with sync and async fetches, numbered tokens, and a count of calls."""

    def __init__(self, clock: FakeClock, lifetime: float = 600, delay: float = 0.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.delay = delay
        self.calls = 0
        self.threads: set[int] = set()
        self._lock = threading.Lock()

    def _next(self) -> Token:
        with self._lock:
            self.calls += 1
            n = self.calls
        return Token(f"token-number-{n:04d}-abcdef", expires_at=self.clock() + self.lifetime, clock=self.clock)

    def fetch(self) -> Token:
        self.threads.add(threading.get_ident())
        return self._next()

    async def afetch(self) -> Token:
        await asyncio.sleep(self.delay)  # the loop runs other tasks meanwhile
        return self._next()


TOKEN = "abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        (BearerAuth(TOKEN), "Authorization", f"Bearer {TOKEN}"),
        (HeaderAuth(TOKEN, scheme=None), "Authorization", TOKEN),
        (HeaderAuth(TOKEN, header="X-Token", scheme="Token"), "X-Token", f"Token {TOKEN}"),
        (ApiKeyAuth(TOKEN), "X-API-Key", TOKEN),
    ],
)
def test_simple_auths_are_httpx_auths_sync_and_async(lib, auth, header, value):
    assert isinstance(auth, lib.Auth)
    server = Server(lib, {TOKEN})
    with server.client(auth) as client:
        client.get("/data")
    asyncio.run(_aget(server, auth))
    assert [seen[header.lower()] for seen in server.seen] == [value, value]


async def _aget(server: Server, auth: Any, path: str = "/data") -> Any:
    async with server.aclient(auth) as client:
        return await client.get(path)


def test_api_key_in_the_query(lib):
    server = Server(lib)
    with server.client(ApiKeyAuth(TOKEN, query="api_key")) as client:
        client.get("/data?x=1")
    assert server.urls == [f"https://api.test/data?x=1&api_key={TOKEN}"]


def test_refreshing_auth_renews_once_on_401_and_resends_sync(lib):
    clock = FakeClock()
    source = Source(clock)
    auth = RefreshingAuth(source, clock=clock)
    server = Server(lib)
    with server.client(auth) as client:
        server.valid = {"token-number-0002-abcdef"}  # the first token is refused (revoked, say)
        response = client.get("/data")
    assert response.status_code == 200 and source.calls == 2
    assert [r.status_code for r in response.history] == [401]
    assert response.history[0].request.headers["Authorization"].endswith("0001-abcdef")  # history keeps what was sent
    assert response.request.headers["Authorization"].endswith("0002-abcdef")


def test_refreshing_auth_renews_once_on_401_and_resends_async(lib):
    clock = FakeClock()
    source = Source(clock)
    auth = RefreshingAuth(source, clock=clock)
    server = Server(lib, {"token-number-0002-abcdef"})
    response = asyncio.run(_aget(server, auth))
    assert response.status_code == 200 and source.calls == 2 and not source.threads  # afetch, no thread


def test_a_second_401_is_handed_back_not_resent_again(lib):
    clock = FakeClock()
    source = Source(clock)
    server = Server(lib)  # accepts nothing
    with server.client(RefreshingAuth(source, clock=clock)) as client:
        response = client.get("/data")
    assert response.status_code == 401 and len(server.seen) == 2 and source.calls == 2
    with pytest.raises(AuthenticationError) as info:
        raise_for_auth(response)
    assert info.value.diagnosis is not None and info.value.diagnosis.kind == "expired"
    assert info.value.diagnosis.reason == "expired"


def test_renews_before_expiry(lib):
    clock = FakeClock()
    source = Source(clock, lifetime=100)
    auth = RefreshingAuth(source, skew=30, clock=clock)
    server = Server(lib, {"token-number-0001-abcdef", "token-number-0002-abcdef"})
    with server.client(auth) as client:
        client.get("/data")
        clock.advance(71)  # inside the skew: STALE
        client.get("/data")
    assert source.calls == 2 and len(server.seen) == 2  # renewed before sending, no 401 on the way


def test_64_tasks_meet_an_expired_token_one_fetch_all_succeed(lib):
    clock = FakeClock()
    source = Source(clock, lifetime=60, delay=0.05)
    auth = RefreshingAuth(source, clock=clock)
    server = Server(lib, {"token-number-0001-abcdef", "token-number-0002-abcdef"})

    async def burst() -> list[int]:
        async with server.aclient(auth) as client:
            await client.get("/data")  # the first token
            clock.advance(3600)  # every task now meets an expired token
            answers = await asyncio.gather(*(client.get("/data") for _ in range(64)))
            return [a.status_code for a in answers]

    statuses = asyncio.run(burst())
    assert statuses == [200] * 64
    assert source.calls == 2  # the first token, and exactly one renewal for the 64


def test_sync_and_async_users_share_one_state(lib):
    clock = FakeClock()
    source = Source(clock, lifetime=60)
    auth = RefreshingAuth(source, clock=clock)
    server = Server(lib, {"token-number-0001-abcdef"})
    with server.client(auth) as client:
        client.get("/data")  # a thread fetched token 1
    assert asyncio.run(_aget(server, auth)).status_code == 200  # the loop uses it, fetches nothing
    assert source.calls == 1 and auth.generation == 1
    clock.advance(3600)
    server.valid.add("token-number-0002-abcdef")
    assert asyncio.run(_aget(server, auth)).status_code == 200  # the loop renews...
    with server.client(auth) as client:
        assert client.get("/data").status_code == 200  # ...and the thread uses that one
    assert source.calls == 2 and auth.generation == 2


def test_a_source_without_afetch_is_fetched_off_the_loop(lib):
    clock = FakeClock()

    class SyncOnly:
        def fetch(self) -> Token:
            SyncOnly.thread = threading.get_ident()
            return Token(TOKEN, expires_at=clock() + 600, clock=clock)

    auth = RefreshingAuth(SyncOnly(), clock=clock)
    server = Server(lib, {TOKEN})
    assert asyncio.run(_aget(server, auth)).status_code == 200
    assert SyncOnly.thread != threading.get_ident()  # a worker thread, not the loop's


def test_listeners_hear_renewals_from_both_sides(lib):
    clock = FakeClock()
    auth = RefreshingAuth(Source(clock), clock=clock)
    heard: list[str] = []
    unsubscribe = auth.add_listener(lambda t: heard.append(t.access_token[-11:]))
    server = Server(lib, {"token-number-0001-abcdef"})
    with server.client(auth) as client:
        client.get("/data")
    clock.advance(3600)
    asyncio.run(auth.arefresh())
    unsubscribe()
    auth.refresh()
    assert heard == ["0001-abcdef", "0002-abcdef"]


def test_token_pool_rotates_on_429_sync_and_async(lib):
    tokens = [f"pool-token-{i}-abcdefghijk" for i in range(3)]
    server = Server(lib, set(tokens))
    clock = FakeClock()
    pool = TokenPool(tokens, clock=clock, sleep=clock.sleep)
    events: list[tuple[str, int | None]] = []
    pool.add_listener(lambda e: events.append((e.kind, e.index)))
    server.limited = {tokens[0]: 1}
    with server.client(pool) as client:
        assert client.get("/data").status_code == 200
    assert [s["authorization"][7:] for s in server.seen] == tokens[:2]
    assert events == [("sent", 0), ("rate_limited", 0), ("sent", 1)]
    server.limited = {tokens[2]: 1}
    response = asyncio.run(_aget(server, pool))
    assert response.status_code == 200 and server.seen[-1]["authorization"][7:] == tokens[1]
    assert pool.stats()[0].rate_limited == 1 and pool.stats()[2].rate_limited == 1


def test_token_pool_waits_then_gives_up_with_a_diagnosis(lib):
    token = "only-token-abcdefghijklmnop"
    server = Server(lib, {token})
    server.limited = {token: 99}
    clock = FakeClock()
    slept: list[float] = []

    async def asleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    pool = TokenPool([token], max_wait=6, clock=clock, sleep=clock.sleep, asleep=asleep)
    response = asyncio.run(_aget(server, pool))
    assert response.status_code == 429 and slept == [5.0]  # waited once (awaited), tried again, handed back
    pool = TokenPool([token], max_wait=4, clock=clock, sleep=clock.sleep, asleep=asleep)
    with pytest.raises(RateLimitedError) as info:
        asyncio.run(_aget(server, pool))
    assert slept == [5.0]  # a 5 s cooldown is more than max_wait=4 allows: no wait, an error
    assert info.value.retry_after == pytest.approx(5.0)
    assert info.value.diagnosis is not None and info.value.diagnosis.kind == "rate_limited"


def test_diagnose_reads_an_httpx_response(lib):
    request = lib.Request("GET", "https://api.test/data", headers={"Authorization": "Bearer not-a-jwt-abcdefghijkl"})
    response = lib.Response(
        403,
        headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="notes:write"'},
        json={"error": "insufficient_scope"},
        request=request,
    )
    d = diagnose(response)
    assert d.kind == "insufficient_scope" and d.details["required_scope"] == ["notes:write"]
    assert d.method == "GET" and d.url == "https://api.test/data"
    assert "not-a-jwt-abcdefghijkl" not in str(d)
    bare = lib.Response(429, headers={"Retry-After": "7"})  # no request attached
    assert diagnose(bare).retry_after == 7


def test_an_auth_made_before_httpx_is_imported_is_still_an_httpx_auth():
    """Post-import hook: httpx2 imported after tokenkit (and after the auth was made) adopts at once."""
    import subprocess
    import sys

    code = (
        "import sys, tokenkit\n"
        "auth = tokenkit.RefreshingAuth('abcdefghijklmnopqrstuvwxyz')\n"
        "assert 'httpx2' not in sys.modules and 'httpx' not in sys.modules\n"
        "import httpx2\n"
        "print(isinstance(auth, httpx2.Auth), isinstance(tokenkit.BearerAuth('abcdefghijklmnop'), httpx2.Auth))\n"
        "import httpx\n"
        "print(isinstance(auth, httpx.Auth), [type(f).__name__ for f in sys.meta_path].count('_AdoptOnImport'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True", "0"]  # and the hook removed itself
