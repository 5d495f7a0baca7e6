"""Two origins: a credential sent to the first never reaches the second through a redirect.

Origin A (127.0.0.1) answers every request with a redirect to origin B (127.0.0.2, the
same path and query, so a key in the URL is echoed into ``Location`` as careless or
hostile servers do). B records everything it receives. For every auth class and every
``ClientCredentials`` call, B must never see a credential.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from tokenkit import (
    ApiKeyAuth,
    BearerAuth,
    ClientCredentials,
    HeaderAuth,
    RefreshingAuth,
    StaticToken,
    Token,
    TokenEndpointError,
    TokenPool,
    session,
)

from .servers import Received, Server, serve

TOKEN = "tk-Secret-0123456789-abcdefXYZ"  # >= 12 characters, unique enough to search for
OTHER = "tk-Other-9876543210-zyxwvuABC"
CLIENT_SECRET = "cs-Very-Secret-42-value-QRS"
REFRESH = "rt-Refresh-Token-77-value-LMN"
STATUSES = (301, 302, 303, 307, 308)


def ok(_: Received, __: Server) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, b'{"ok": true}'


@pytest.fixture(scope="module")
def origin_b() -> Iterator[Server]:
    with serve(ok, host="127.0.0.2") as server:
        yield server


@pytest.fixture
def b(origin_b: Server) -> Server:
    origin_b.received.clear()
    return origin_b


@pytest.fixture(scope="module")
def origin_a(origin_b: Server) -> Iterator[Server]:
    """Redirects ``/<status>/<rest>`` to origin B's ``/<rest>`` with that status (same query)."""
    def answer(got: Received, _: Server) -> tuple[int, dict[str, str], bytes]:
        status, _, rest = got.path.lstrip("/").partition("/")
        return int(status), {"Location": f"{origin_b.url}/{rest}"}, b""

    with serve(answer) as server:
        yield server


@pytest.fixture
def a(origin_a: Server) -> Server:
    origin_a.received.clear()
    return origin_a


def leaked(server: Server, *secrets: str) -> list[str]:
    return [s for got in server.received for s in secrets if s in got.text()]


def custom_auths() -> tuple[ApiKeyAuth | HeaderAuth, ...]:
    """The auths whose credential is not ``Authorization``, so no library strips it for them.

    The two header forms come first: a test may check ``finals[:2]`` for the token.
    """
    return ApiKeyAuth(TOKEN), HeaderAuth(TOKEN, header="X-Token"), ApiKeyAuth(TOKEN, query="api_key")


def start_to_final(got: Received, server: Server) -> tuple[int, dict[str, str], bytes]:
    """A same-origin redirect: ``/start<rest>`` answers 307 to ``/final<rest>``, which answers 200."""
    if got.path.startswith("/final"):
        return ok(got, server)
    return 307, {"Location": "/final" + got.path[len("/start"):]}, b""


AUTHS = {
    "BearerAuth": lambda: BearerAuth(TOKEN),
    "HeaderAuth X-Token": lambda: HeaderAuth(TOKEN, header="X-Token"),
    "HeaderAuth X-Token raw": lambda: HeaderAuth(TOKEN, header="X-Token", scheme=None),
    "HeaderAuth Authorization raw": lambda: HeaderAuth(TOKEN, scheme=None),
    "ApiKeyAuth header": lambda: ApiKeyAuth(TOKEN),
    "ApiKeyAuth custom header": lambda: ApiKeyAuth(TOKEN, header="X-Custom-Key"),
    "ApiKeyAuth query api_key": lambda: ApiKeyAuth(TOKEN, query="api_key"),
    "ApiKeyAuth query key": lambda: ApiKeyAuth(TOKEN, query="key"),
    "RefreshingAuth(str)": lambda: RefreshingAuth(TOKEN),
    "RefreshingAuth(source)": lambda: RefreshingAuth(StaticToken(Token(TOKEN))),
    "TokenPool": lambda: TokenPool([TOKEN, OTHER]),
}


@pytest.mark.parametrize("name", list(AUTHS))
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_auth_class_sends_its_credential_to_another_origin(name, status, method, a, b):
    response = requests.request(method, f"{a.url}/{status}/data?x=1", auth=AUTHS[name](), json={"n": 1}, timeout=5)
    assert response.status_code == 200 and response.url.startswith(b.url)
    assert [r.status_code for r in response.history] == [status]
    assert len(a.received) == 1 and (TOKEN in a.received[0].text() or OTHER in a.received[0].text())
    assert len(b.received) == 1
    assert not leaked(b, TOKEN, OTHER)
    # the record of the first hop still shows what went to the first origin
    first = response.history[0].request
    assert TOKEN in (first.url + json.dumps(dict(first.headers))) or OTHER in json.dumps(dict(first.headers))


@pytest.mark.parametrize("name", list(AUTHS))
def test_through_tokenkit_session_too(name, a, b):
    with session(AUTHS[name](), retries=0, timeout=5) as s:
        assert s.get(f"{a.url}/307/data").status_code == 200
        assert len(b.received) == 1 and not leaked(b, TOKEN, OTHER)


def test_a_protocol_relative_location_is_another_origin_too(b):
    def answer(got: Received, _: Server) -> tuple[int, dict[str, str], bytes]:
        return 307, {"Location": f"//127.0.0.2:{b.port}{got.path}"}, b""

    with serve(answer) as a:
        for auth in custom_auths():
            assert requests.get(f"{a.url}/data", auth=auth, timeout=5).status_code == 200
    assert len(b.received) == 3 and not leaked(b, TOKEN)


def test_same_origin_redirects_keep_the_credential():
    with serve(start_to_final) as a:
        for auth in custom_auths():
            assert requests.get(f"{a.url}/start", auth=auth, timeout=5).status_code == 200
        finals = [r for r in a.received if r.path.startswith("/final")]
        assert len(finals) == 3
        assert all(TOKEN in r.text() for r in finals[:2])  # the headers went along on the same origin
        # the query key went along only because the server put it into Location itself


# -- the token endpoint: never follows a redirect --------------------------------------------

def source_for(url: str, auth_method: str) -> ClientCredentials:
    return ClientCredentials(f"{url}/oauth/token", "notes-app", CLIENT_SECRET, auth_method=auth_method, timeout=5)


CALLS = {
    "fetch": lambda s: s.fetch(),
    "refresh": lambda s: s.refresh(Token("at-old-0123456789", refresh_token=REFRESH)),
    "refresh(str)": lambda s: s.refresh(REFRESH),
    "revoke": lambda s: s.revoke(TOKEN),
    "introspect": lambda s: s.introspect(TOKEN),
}


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post", "json"])
def test_client_credentials_never_follow_a_redirect_to_another_origin(call, status, auth_method, a, b):
    with pytest.raises(TokenEndpointError) as info:
        CALLS[call](source_for(f"{a.url}/{status}", auth_method))
    assert len(a.received) == 1
    assert b.received == []  # nothing at all went to the other origin
    message = str(info.value)
    assert f"127.0.0.2:{b.port}" in message and "redirect" in message and "another server" in message
    assert info.value.error == "redirect" and info.value.response.status_code == status
    for secret in (CLIENT_SECRET, REFRESH, TOKEN):
        assert secret not in message


def test_client_credentials_refuse_a_same_origin_redirect_and_say_where_it_pointed():
    def answer(got: Received, _: Server) -> tuple[int, dict[str, str], bytes]:
        return 308, {"Location": "/v2/oauth/token?client_secret=" + CLIENT_SECRET}, b""

    with serve(answer) as a:
        with pytest.raises(TokenEndpointError) as info:
            source_for(a.url, "client_secret_post").fetch()
        assert len(a.received) == 1  # not resent, not even to the same server
    message = str(info.value)
    assert f"{a.url}/v2/oauth/token" in message and "same server" in message and "token_url" in message
    assert CLIENT_SECRET not in message  # the echoed query string is not shown


def test_a_redirect_inside_a_refreshing_auth_is_a_token_endpoint_error(a, b):
    auth = RefreshingAuth(source_for(f"{a.url}/307", "client_secret_basic"))
    with pytest.raises(TokenEndpointError):
        requests.get(f"{b.url}/data", auth=auth, timeout=5)
    assert not leaked(b, CLIENT_SECRET)


# -- httpx2 and httpx: the client factories strip what httpx does not -------------------------

def _follow(lib_name: str, mode: str, method: str, url: str, auth: object) -> object:
    """One request with follow_redirects=True through tokenkit's client factory for ``lib_name``."""
    import asyncio

    import tokenkit

    if mode == "sync":
        with tokenkit.httpx_client(auth, lib=lib_name, retries=0, timeout=5, follow_redirects=True) as client:
            return client.request(method, url, json={"n": 1})

    async def run() -> object:
        async with tokenkit.async_httpx_client(auth, lib=lib_name, retries=0, timeout=5, follow_redirects=True) as client:
            return await client.request(method, url, json={"n": 1})

    return asyncio.run(run())


@pytest.mark.parametrize("name", list(AUTHS))
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("lib_name", ["httpx2", "httpx"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_httpx_clients_from_tokenkit_never_forward_a_credential_to_another_origin(name, status, lib_name, mode, a, b):
    response = _follow(lib_name, mode, "POST", f"{a.url}/{status}/data?x=1", AUTHS[name]())
    assert response.status_code == 200 and str(response.url).startswith(b.url)  # type: ignore[attr-defined]
    assert len(a.received) == 1 and (TOKEN in a.received[0].text() or OTHER in a.received[0].text())
    assert len(b.received) == 1 and "x=1" in b.received[0].path
    assert not leaked(b, TOKEN, OTHER)


@pytest.mark.parametrize("lib_name", ["httpx2", "httpx"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_httpx_clients_keep_the_credential_on_the_same_origin(lib_name, mode):
    with serve(start_to_final) as a:
        for auth in custom_auths():
            assert _follow(lib_name, mode, "GET", f"{a.url}/start", auth).status_code == 200  # type: ignore[attr-defined]
        finals = [r for r in a.received if r.path.startswith("/final")]
        assert len(finals) == 3 and all(TOKEN in r.text() for r in finals[:2])


@pytest.mark.parametrize("lib_name", ["httpx2", "httpx"])
def test_a_plain_httpx_client_forwards_custom_headers_as_the_docstrings_warn(lib_name, a, b):
    """httpx's own behaviour, the reason for the factories' hook (if httpx ever changes, update the docs)."""
    import importlib

    lib = importlib.import_module(lib_name)
    with lib.Client(auth=HeaderAuth(TOKEN, header="X-Token"), follow_redirects=True, timeout=5) as client:
        assert client.get(f"{a.url}/307/data").status_code == 200
    assert leaked(b, TOKEN) == [TOKEN]
