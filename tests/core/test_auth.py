"""BearerAuth, HeaderAuth, ApiKeyAuth: one header (or query parameter), equality, masked repr."""

from __future__ import annotations

import requests

from tokenkit import ApiKeyAuth, BearerAuth, HeaderAuth, Token, mask

from .conftest import credentials

SECRET = "tok-0123456789abcdefghijklmnopqrstuvwxyz"


def prepared(auth, url="https://api.example.test/data?x=1"):
    return requests.Request("GET", url, auth=auth).prepare()


def test_bearer_sets_the_authorization_header():
    assert prepared(BearerAuth(SECRET)).headers["Authorization"] == f"Bearer {SECRET}"


def test_auths_accept_a_token_object():
    token = Token(SECRET)
    assert prepared(BearerAuth(token)).headers["Authorization"] == f"Bearer {SECRET}"
    assert prepared(ApiKeyAuth(token)).headers["X-API-Key"] == SECRET


def test_header_auth_variants():
    assert prepared(HeaderAuth(SECRET, scheme=None)).headers["Authorization"] == SECRET
    assert prepared(HeaderAuth(SECRET, scheme="Token")).headers["Authorization"] == f"Token {SECRET}"
    r = prepared(HeaderAuth(SECRET, header="X-Auth", scheme=None))
    assert r.headers["X-Auth"] == SECRET and "Authorization" not in r.headers


def test_api_key_in_header_or_query():
    assert prepared(ApiKeyAuth(SECRET)).headers["X-API-Key"] == SECRET
    assert prepared(ApiKeyAuth(SECRET, header="X-Key")).headers["X-Key"] == SECRET
    r = prepared(ApiKeyAuth(SECRET, query="api_key"))
    assert r.url == f"https://api.example.test/data?x=1&api_key={SECRET}"
    assert "X-API-Key" not in r.headers


def test_equality_like_requests_auths():
    assert BearerAuth(SECRET) == BearerAuth(Token(SECRET))
    assert BearerAuth(SECRET) != BearerAuth(SECRET + "x")
    assert BearerAuth(SECRET) == HeaderAuth(SECRET)
    assert HeaderAuth(SECRET, scheme=None) != HeaderAuth(SECRET)
    assert HeaderAuth(SECRET, header="x-auth") == HeaderAuth(SECRET, header="X-Auth")
    assert ApiKeyAuth(SECRET) == ApiKeyAuth(SECRET)
    assert ApiKeyAuth(SECRET) != ApiKeyAuth(SECRET, query="api_key")
    assert ApiKeyAuth(SECRET) != BearerAuth(SECRET)


def test_reprs_are_masked():
    for auth in (BearerAuth(SECRET), HeaderAuth(SECRET, scheme=None), ApiKeyAuth(SECRET), ApiKeyAuth(SECRET, query="k")):
        assert SECRET not in repr(auth) and SECRET not in str(auth)
        assert mask(SECRET) in repr(auth)


def test_bad_token_type_is_refused():
    import pytest

    with pytest.raises(TypeError):
        BearerAuth(None)  # type: ignore[arg-type]


def test_each_form_against_the_mock(mock_api):
    token = credentials(mock_api, "analytics-reader", mock_clock=False).fetch()
    url = mock_api.url
    assert requests.get(f"{url}/data", auth=BearerAuth(token), timeout=5).status_code == 200
    assert requests.get(f"{url}/raw-token/data", auth=HeaderAuth(token, scheme=None), timeout=5).status_code == 200
    assert requests.get(f"{url}/api-key/data", auth=ApiKeyAuth(token), timeout=5).status_code == 200
    assert requests.get(f"{url}/api-key/data", auth=ApiKeyAuth(token, query="api_key"), timeout=5).status_code == 200
    # and the wrong form for each endpoint is refused
    assert requests.get(f"{url}/raw-token/data", auth=BearerAuth(token), timeout=5).status_code == 401
    assert requests.get(f"{url}/data", auth=HeaderAuth(token, scheme=None), timeout=5).status_code == 401


def test_flow_auth_drives_a_generator_and_bounds_resends():
    """A custom FlowAuth (no __init__ at all) that would like to resend forever gets one resend."""
    from tokenkit import FlowAuth

    from .conftest import scripted_session

    class Greedy(FlowAuth):
        def auth_flow(self, request):
            n = 0
            request.headers["X-Try"] = str(n)
            response = yield request
            while response.status_code == 401:
                n += 1
                request = request.copy()
                request.headers["X-Try"] = str(n)
                response = yield request

    session, adapter = scripted_session(lambda r, i: (401, {"Set-Cookie": "s=1"}, {}))
    r = session.get("https://api.example.test/x", auth=Greedy())
    assert [p.headers["X-Try"] for p in adapter.sent] == ["0", "1"]
    assert r.status_code == 401 and len(r.history) == 1
    assert r.history[0].request.headers["X-Try"] == "0"
