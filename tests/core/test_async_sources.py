"""The async token path, directly: ClientCredentials.afetch/arefresh and RefreshingAuth under asyncio.

Against a live mock and tiny loopback servers, on httpx2 and on httpx (the source is given
an ``AsyncClient`` of each). The same rules as the sync path: no redirects followed (same
origin or another), a deadline for the whole answer, a size limit, masked secrets, and
odd answers refused as TokenEndpointError. Under asyncio, 64 tasks that meet an expired
token cause one token request, and the event loop keeps running while it is fetched.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tokenkit import ClientCredentials, RefreshingAuth, ServerUnreachableError, Token, TokenEndpointError
from tokenkit.mock import MockAPI
from tokenkit.sources import MAX_ANSWER_BYTES

from .conftest import FakeClock
from .servers import Received, Server, serve, trickler

SECRET = "cs-Very-Secret-42-value-QRS"


@pytest.fixture(params=["httpx2", "httpx"])
def lib(request: pytest.FixtureRequest) -> Any:
    return importlib.import_module(request.param)


def afetch(lib: Any, source: ClientCredentials, call: str = "fetch") -> Token:
    """Run ``source.afetch()`` (or ``arefresh``) on a fresh loop with an AsyncClient of ``lib``."""

    async def run() -> Token:
        async with lib.AsyncClient() as client:
            source.async_client = client
            if call == "refresh":
                return await source.arefresh(Token("at-old-0123456789", refresh_token="rt-Refresh-Token-77-value-LMN"))
            return await source.afetch()

    return asyncio.run(run())


def answering(status: int, headers: dict[str, str], body: bytes) -> Any:
    def answer(_: Received, __: Server) -> tuple[int, dict[str, str], bytes]:
        return status, headers, body

    return answer


@pytest.fixture(scope="module")
def origin_b() -> Iterator[Server]:
    with serve(answering(200, {"Content-Type": "application/json"}, b'{"access_token": "stolen-0123456789"}'), host="127.0.0.2") as b:
        yield b


# -- one source, the live mock -------------------------------------------------------------

def test_afetch_and_arefresh_get_tokens_from_the_mock(lib, fresh_mock):
    client = fresh_mock.add_client("async-app", ["data:read"], refresh_tokens=True)
    source = ClientCredentials(fresh_mock.token_url, client.client_id, client.client_secret, scope="data:read")
    token = afetch(lib, source)
    assert token.access_token.count(".") == 2 and token.refresh_token and "data:read" in token.scopes

    async def renew() -> Token:
        async with lib.AsyncClient() as http:
            source.async_client = http
            return await source.arefresh(token)

    renewed = asyncio.run(renew())
    assert renewed.access_token != token.access_token
    assert [e.path for e in fresh_mock.log(None)].count("/oauth/token") == 2


@pytest.mark.parametrize("spaced", ["", " ", "\n"])
def test_a_wrong_secret_is_masked_and_whitespace_is_named(lib, fresh_mock, spaced):
    client = fresh_mock.clients["notes-app"]
    secret = (SECRET if not spaced else client.client_secret + spaced)
    source = ClientCredentials(fresh_mock.token_url, client.client_id, secret)
    with pytest.raises(TokenEndpointError) as info:
        afetch(lib, source)
    error = info.value
    text = f"{error}\n{error.diagnosis}\n{error.diagnosis.details}"
    assert error.error == "invalid_client" and error.response.status_code == 401
    assert secret.strip() not in text and client.client_secret not in text
    if spaced:
        assert "whitespace" in text and ("a space" in text or "a newline" in text)


# -- redirects, deadline, size, odd answers: small loopback servers --------------------------

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("call", ["fetch", "refresh"])
def test_a_redirect_to_another_origin_is_refused_and_nothing_goes_there(lib, origin_b, status, call):
    origin_b.received.clear()
    with serve(answering(status, {"Location": f"{origin_b.url}/oauth/token"}, b"")) as a:
        with pytest.raises(TokenEndpointError) as info:
            afetch(lib, ClientCredentials(f"{a.url}/oauth/token", "notes-app", SECRET, timeout=5), call)
        assert len(a.received) == 1
    assert origin_b.received == []
    assert info.value.error == "redirect" and "another server" in str(info.value) and SECRET not in str(info.value)


def test_a_same_origin_redirect_is_refused_too(lib):
    with serve(answering(308, {"Location": f"/v2/oauth/token?client_secret={SECRET}"}, b"")) as a:
        with pytest.raises(TokenEndpointError) as info:
            afetch(lib, ClientCredentials(f"{a.url}/oauth/token", "notes-app", SECRET, auth_method="client_secret_post", timeout=5))
        assert len(a.received) == 1
    message = str(info.value)
    assert "same server" in message and f"{a.url}/v2/oauth/token" in message and SECRET not in message


def test_a_trickling_answer_hits_the_whole_answer_deadline(lib):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    with trickler(head, b"{" + b" " * 5000, interval=0.02) as slow:
        with pytest.raises(ServerUnreachableError) as info:
            afetch(lib, ClientCredentials(f"{slow.url}/oauth/token", "notes-app", SECRET, timeout=0.3))
    assert info.value.timed_out and info.value.timeout == 0.3
    assert slow.sent < 5000  # gave up long before the drip ended: a deadline, not a per-read timeout


def test_a_server_that_drips_its_headers_hits_the_deadline_too(lib):
    with trickler(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 5000, interval=0.02) as slow:
        with pytest.raises(ServerUnreachableError) as info:
            afetch(lib, ClientCredentials(f"{slow.url}/oauth/token", "notes-app", SECRET, timeout=0.3))
    assert info.value.timed_out and slow.sent < 5000


def test_an_oversized_answer_is_refused(lib):
    body = b'{"access_token": "' + b"a" * (MAX_ANSWER_BYTES + 10) + b'"}'
    with serve(answering(200, {"Content-Type": "application/json"}, body)) as a:
        with pytest.raises(TokenEndpointError) as info:
            afetch(lib, ClientCredentials(f"{a.url}/oauth/token", "notes-app", SECRET, timeout=5))
    assert info.value.error == "invalid_response" and f"larger than {MAX_ANSWER_BYTES} bytes" in str(info.value)


ODD_ANSWERS = {
    "not JSON": (200, {"Content-Type": "text/html"}, b"<html>login</html>"),
    "a JSON list": (200, {"Content-Type": "application/json"}, b'["access_token"]'),
    "no access_token": (200, {"Content-Type": "application/json"}, b'{"token_type": "Bearer"}'),
    "a token with spaces": (200, {"Content-Type": "application/json"}, b'{"access_token": "two words", "token_type": "Bearer"}'),
    "token_type a number": (200, {"Content-Type": "application/json"}, b'{"access_token": "abcdef0123456789", "token_type": 7}'),
    "deeply nested": (200, {"Content-Type": "application/json"}, b"[" * 100_000 + b"]" * 100_000),
    "an RFC 6749 error": (400, {"Content-Type": "application/json"}, json.dumps({"error": "invalid_scope"}).encode()),
}


@pytest.mark.parametrize("name", list(ODD_ANSWERS))
def test_odd_token_answers_are_token_endpoint_errors(lib, name):
    with serve(answering(*ODD_ANSWERS[name])) as a:
        with pytest.raises(TokenEndpointError) as info:
            afetch(lib, ClientCredentials(f"{a.url}/oauth/token", "notes-app", SECRET, timeout=5))
    assert SECRET not in str(info.value)


# -- RefreshingAuth under asyncio: 64 tasks, one token request, a loop that keeps running -----

class TickingSource(ClientCredentials):
    """ClientCredentials that notes the ticker's count as each async token request starts and ends
    (afetch and arefresh alike: notes-app's tokens come with a refresh token)."""

    ticks: list[int]
    during: list[tuple[int, int]]

    async def _arequest_token(self, params: dict[str, str]) -> Token:
        start = self.ticks[0]
        token = await super()._arequest_token(params)
        self.during.append((start, self.ticks[0]))
        return token


def test_64_tasks_meet_an_expired_token_one_request_all_succeed_loop_runs(lib, fresh_mock):
    clock = FakeClock(start=2_000_000_000.0)
    client = fresh_mock.clients["notes-app"]
    source = TickingSource(fresh_mock.token_url, client.client_id, client.client_secret, clock=clock, timeout=10)
    source.ticks, source.during = [0], []
    auth = RefreshingAuth(source, clock=clock)

    async def run() -> list[int]:
        stop = asyncio.Event()

        async def ticker() -> None:
            while not stop.is_set():
                source.ticks[0] += 1
                await asyncio.sleep(0.005)

        tick_task = asyncio.create_task(ticker())
        async with lib.AsyncClient() as token_client, lib.AsyncClient(auth=auth, base_url=fresh_mock.url) as http:
            source.async_client = token_client  # not `http`: its own auth would wait for itself
            assert (await http.get("/data")).status_code == 200  # the first token
            clock.advance(7200)  # past its expiry, for the auth and the source alike
            fresh_mock.fail_next("/oauth/token", None, times=1, delay=0.4)  # the renewal is slow to come
            statuses = [r.status_code for r in await asyncio.gather(*(http.get("/data") for _ in range(64)))]
        stop.set()
        await tick_task
        return statuses

    statuses = asyncio.run(run())
    assert statuses == [200] * 64
    token_requests = [e for e in fresh_mock.log(None) if e.path == "/oauth/token"]
    assert len(token_requests) == 2  # the first token and exactly one renewal for 64 tasks
    assert len(source.during) == 2
    start, end = source.during[-1]
    assert end - start >= 10, "the event loop stood still while the token was fetched"
