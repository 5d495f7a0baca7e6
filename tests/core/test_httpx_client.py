"""tokenkit.httpx_client / async_httpx_client: session()'s retry policy on httpx2 and httpx.

Scripted transports (the libraries' ``MockTransport``) state the server in a line; a live
mock with injected faults (``MockAPI.fail_next``) checks the real stack. Every test runs on
both libraries, sync and async. No test waits on a clock: retried answers carry
``Retry-After: 0`` or ``backoff_factor=0``.
"""

from __future__ import annotations

import asyncio
import importlib
import socket
from typing import Any

import pytest

import tokenkit
from tokenkit import BearerAuth, ClientCredentials, RefreshingAuth, ServerUnreachableError, Token
from tokenkit.httpx_client import AsyncRetryTransport, RetryTransport
from tokenkit.mock import MockAPI


@pytest.fixture(params=["httpx2", "httpx"])
def lib(request: pytest.FixtureRequest) -> Any:
    return importlib.import_module(request.param)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Script:
    """Answers in order from ``answers`` (status, headers) or raises an exception given there; counts calls."""

    def __init__(self, lib: Any, answers: list[Any]) -> None:
        self.lib = lib
        self.answers = answers
        self.seen: list[Any] = []

    def __call__(self, request: Any) -> Any:
        self.seen.append(request)
        answer = self.answers[min(len(self.seen), len(self.answers)) - 1]
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("scripted failure", request=request)
        status, headers = answer
        return self.lib.Response(status, headers=headers, json={"n": len(self.seen)})


def call(lib: Any, mode: str, script: Script, method: str = "GET", **kwargs: Any) -> Any:
    """One request through the factory for ``mode`` with ``script`` as the server."""
    kwargs.setdefault("backoff_factor", 0)
    transport = lib.MockTransport(script)
    if mode == "sync":
        with tokenkit.httpx_client(lib=lib.__name__, transport=transport, base_url="https://api.test", **kwargs) as client:
            return client.request(method, "/data", json={"a": 1})

    async def run() -> Any:
        async with tokenkit.async_httpx_client(lib=lib.__name__, transport=transport, base_url="https://api.test", **kwargs) as client:
            return await client.request(method, "/data", json={"a": 1})

    return asyncio.run(run())


def test_503_with_retry_after_is_retried(lib, mode):
    script = Script(lib, [(503, {"Retry-After": "0"}), (429, {"Retry-After": "0"}), (200, {})])
    response = call(lib, mode, script)
    assert response.status_code == 200 and response.json() == {"n": 3} and len(script.seen) == 3


def test_a_retry_after_longer_than_max_wait_comes_back_at_once(lib, mode):
    script = Script(lib, [(429, {"Retry-After": "3600"}), (200, {})])
    response = call(lib, mode, script, max_wait=60)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3600"
    assert len(script.seen) == 1


def test_when_retries_run_out_the_last_answer_is_returned(lib, mode):
    script = Script(lib, [(503, {})])
    response = call(lib, mode, script, retries=2)
    assert response.status_code == 503 and len(script.seen) == 3


def test_retry_after_that_is_no_delay_falls_back_on_backoff(lib, mode):
    script = Script(lib, [(503, {"Retry-After": "soon"}), (503, {"Retry-After": "-5"}), (200, {})])
    assert call(lib, mode, script).status_code == 200 and len(script.seen) == 3


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_not_retried_unless_asked(lib, mode, method):
    script = Script(lib, [(503, {"Retry-After": "0"}), (200, {})])
    assert call(lib, mode, script, method).status_code == 503 and len(script.seen) == 1
    script = Script(lib, [(503, {"Retry-After": "0"}), (200, {})])
    assert call(lib, mode, script, method, allowed_methods=None).status_code == 200 and len(script.seen) == 2
    assert script.seen[1].content == script.seen[0].content and b'"a"' in script.seen[1].content  # the body went again


def test_other_statuses_are_not_retried(lib, mode):
    for status in (400, 401, 500):
        script = Script(lib, [(status, {"Retry-After": "0"}), (200, {})])
        assert call(lib, mode, script).status_code == status and len(script.seen) == 1


def test_a_refused_connection_is_retried_once_then_is_server_unreachable(lib, mode):
    script = Script(lib, [lib.ConnectError])
    with pytest.raises(ServerUnreachableError) as info:
        call(lib, mode, script, "POST")  # nothing was sent: even a POST may be retried
    assert len(script.seen) == 2 and not info.value.timed_out
    assert isinstance(info.value.original, lib.ConnectError) and "api.test" in str(info.value)


def test_a_read_timeout_is_retried_for_get_only(lib, mode):
    script = Script(lib, [lib.ReadTimeout, (200, {})])
    assert call(lib, mode, script).status_code == 200 and len(script.seen) == 2
    script = Script(lib, [lib.ReadTimeout, (200, {})])
    with pytest.raises(ServerUnreachableError) as info:
        call(lib, mode, script, "POST")
    assert len(script.seen) == 1 and info.value.timed_out and info.value.timeout == 10.0


def test_other_transport_errors_pass_through_unchanged(lib, mode):
    script = Script(lib, [lib.UnsupportedProtocol])
    with pytest.raises(lib.UnsupportedProtocol):
        call(lib, mode, script)
    assert len(script.seen) == 1


def test_a_closed_port_is_server_unreachable(lib, mode):
    with socket.socket() as s:  # a port that was free a moment ago, with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/data"
    with pytest.raises(ServerUnreachableError) as info:
        if mode == "sync":
            with tokenkit.httpx_client(lib=lib.__name__, backoff_factor=0) as client:
                client.get(url)
        else:
            async def run() -> None:
                async with tokenkit.async_httpx_client(lib=lib.__name__, backoff_factor=0) as client:
                    await client.get(url)
            asyncio.run(run())
    assert f"127.0.0.1:{port}" in str(info.value) and "Is it started" in str(info.value)


def test_defaults_timeout_jitter_and_the_library(lib):
    client = tokenkit.httpx_client(lib=lib.__name__, jitter=0.25, timeout=3.0)
    aclient = tokenkit.async_httpx_client(lib=lib.__name__, jitter=0.25, timeout=3.0)
    try:
        for c, transport in ((client, RetryTransport), (aclient, AsyncRetryTransport)):
            assert isinstance(c, (lib.Client, lib.AsyncClient)) and c.timeout.read == 3.0
            assert isinstance(c._transport, transport)
            assert c._transport.retry.backoff_jitter == 0.25 and c._transport.retry.max_wait == 60.0
        assert tokenkit.httpx_client(lib=lib.__name__).timeout.read == 10.0
    finally:
        client.close()
        asyncio.run(aclient.aclose())


def test_an_unknown_library_is_refused():
    with pytest.raises(ValueError, match="httpx2"):
        tokenkit.httpx_client(lib="aiohttp")


def test_auth_flows_run_above_the_retries(lib, mode):
    """A 503 is retried below the auth; the 401 after it still renews the token once."""
    tokens = iter(["first-token-0000000000", "second-token-000000000"])

    class Source:
        def fetch(self) -> Token:
            return Token(next(tokens))

        async def afetch(self) -> Token:
            return self.fetch()

    def server(request: Any) -> Any:
        seen.append(request.headers["Authorization"])
        if len(seen) == 1:
            return lib.Response(503, headers={"Retry-After": "0"})
        if request.headers["Authorization"].endswith("first-token-0000000000"):
            return lib.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return lib.Response(200, json={"ok": True})

    seen: list[str] = []
    response = call(lib, mode, server, auth=RefreshingAuth(Source()))  # type: ignore[arg-type]
    assert response.status_code == 200
    assert seen == ["Bearer first-token-0000000000"] * 2 + ["Bearer second-token-000000000"]


# -- a live mock with faults ---------------------------------------------------------------

def _token(api: MockAPI) -> Token:
    client = api.clients["notes-app"]
    return ClientCredentials(api.token_url, client.client_id, client.client_secret).fetch()


def _live(lib: Any, mode: str, api: MockAPI, auth: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("backoff_factor", 0)
    if mode == "sync":
        with tokenkit.httpx_client(auth, lib=lib.__name__, **kwargs) as client:
            return client.get(f"{api.url}/data")

    async def run() -> Any:
        async with tokenkit.async_httpx_client(auth, lib=lib.__name__, **kwargs) as client:
            return await client.get(f"{api.url}/data")

    return asyncio.run(run())


def test_live_503s_are_retried_until_the_answer_comes(lib, mode, fresh_mock):
    auth = BearerAuth(_token(fresh_mock))
    fresh_mock.fail_next("/data", 503, times=2, retry_after=0)
    assert _live(lib, mode, fresh_mock, auth).status_code == 200
    assert [e.status for e in fresh_mock.log(None) if e.path == "/data"] == [503, 503, 200]


def test_live_429_beyond_max_wait_is_handed_back_for_diagnose(lib, mode, fresh_mock):
    auth = BearerAuth(_token(fresh_mock))
    fresh_mock.fail_next("/data", 429, times=1, retry_after=3600)
    response = _live(lib, mode, fresh_mock, auth, max_wait=30)
    assert response.status_code == 429 and tokenkit.diagnose(response).retry_after == 3600
    assert [e.status for e in fresh_mock.log(None) if e.path == "/data"] == [429]


def test_live_a_slow_answer_is_a_timed_out_server_unreachable(lib, mode, fresh_mock):
    auth = BearerAuth(_token(fresh_mock))
    fresh_mock.fail_next("/data", None, times=3, delay=1.0)
    with pytest.raises(ServerUnreachableError) as info:
        _live(lib, mode, fresh_mock, auth, timeout=0.2, retries=1)
    assert info.value.timed_out and info.value.timeout == 0.2
