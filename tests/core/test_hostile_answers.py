"""Hostile or careless servers: odd token answers and odd Retry-After values.

Every odd token answer is a TokenEndpointError (never a TypeError, OverflowError or a
token that expires at NaN); every Retry-After either gives the 429 back or waits a
sensible time, in ``session()``, ``parse_retry_after``, ``diagnose`` and ``TokenPool``.
"""

from __future__ import annotations

import json

import pytest
import requests

from tokenkit import (
    ClientCredentials,
    RateLimitedError,
    TokenEndpointError,
    TokenKitError,
    TokenPool,
    diagnose,
    parse_retry_after,
    session,
)
from tokenkit.headers import MAX_RETRY_AFTER

from .conftest import FakeClock
from .servers import Received, Server, serve

GOOD = '"access_token": "at-0123456789abcdef", "token_type": "Bearer", "expires_in": 3600'
ODD_ANSWERS = {
    "expires_in 10**400": f'{{{GOOD[:-19]} "expires_in": 1{"0" * 400}}}',
    "expires_in 1e999": f'{{{GOOD[:-19]} "expires_in": 1e999}}',
    "expires_in 1e300": f'{{{GOOD[:-19]} "expires_in": 1e300}}',
    "expires_in 1e20": f'{{{GOOD[:-19]} "expires_in": 1e20}}',
    "expires_in NaN": f'{{{GOOD[:-19]} "expires_in": NaN}}',
    "expires_in Infinity": f'{{{GOOD[:-19]} "expires_in": Infinity}}',
    "expires_in -Infinity": f'{{{GOOD[:-19]} "expires_in": -Infinity}}',
    "expires_in negative": f'{{{GOOD[:-19]} "expires_in": -5}}',
    "expires_in true": f'{{{GOOD[:-19]} "expires_in": true}}',
    "expires_in soon": f'{{{GOOD[:-19]} "expires_in": "soon"}}',
    "expires_in list": f'{{{GOOD[:-19]} "expires_in": [3600]}}',
    "scope number": f'{{{GOOD}, "scope": 5}}',
    "scope list": f'{{{GOOD}, "scope": ["a", "b"]}}',
    "scope object": f'{{{GOOD}, "scope": {{"a": 1}}}}',
    "scope deep": f'{{{GOOD}, "scope": {"[" * 3000}{"]" * 3000}}}',
    "token_type number": '{"access_token": "at-0123456789abcdef", "token_type": 5}',
    "token_type list": '{"access_token": "at-0123456789abcdef", "token_type": ["Bearer"]}',
    "token_type with CRLF": '{"access_token": "at-0123456789abcdef", "token_type": "Bearer\\r\\nX-Evil: 1"}',
    "refresh_token number": f'{{{GOOD}, "refresh_token": 12345}}',
    "refresh_token object": f'{{{GOOD}, "refresh_token": {{"t": 1}}}}',
    "refresh_token with newline": f'{{{GOOD}, "refresh_token": "rt\\nX-Evil: 1"}}',
    "access_token with CRLF": '{"access_token": "at\\r\\nX-Evil: 1", "token_type": "Bearer"}',
    "access_token with space": '{"access_token": "at 0123", "token_type": "Bearer"}',
    "access_token number": '{"access_token": 12345, "token_type": "Bearer"}',
    "access_token empty": '{"access_token": "", "token_type": "Bearer"}',
    "no access_token": '{"token_type": "Bearer"}',
    "a list": "[1, 2, 3]",
    "a string": '"at-0123456789abcdef"',
    "null": "null",
    "deeply nested": "[" * 100_000 + "]" * 100_000,
    "deep object": '{"a": ' * 50_000 + "1" + "}" * 50_000,
    "not JSON": "<html>hello</html>",
    "empty": "",
}


def answering(body: str, status: int = 200) -> object:
    def answer(_: Received, __: Server) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json"}, body.encode()
    return answer


@pytest.mark.parametrize("name", list(ODD_ANSWERS))
def test_odd_token_answers_are_token_endpoint_errors(name):
    with serve(answering(ODD_ANSWERS[name])) as server:
        source = ClientCredentials(f"{server.url}/oauth/token", "notes-app", "cs-0123456789-secret", timeout=5)
        with pytest.raises(TokenEndpointError) as info:
            source.fetch()
        assert info.value.error == "invalid_response"
        str(info.value)
        # and the refresh grant reads answers the same way
        with pytest.raises(TokenEndpointError):
            source.refresh("rt-0123456789abcdef")


def test_a_plain_answer_still_works_and_a_quoted_expires_in_is_accepted():
    with serve(answering(f'{{{GOOD[:-19]} "expires_in": "3600", "scope": "a b"}}')) as server:
        token = ClientCredentials(f"{server.url}/oauth/token", "notes-app", "cs-0123456789-secret").fetch()
    assert token.scopes == ("a", "b") and 3590 < token.expires_in <= 3600


@pytest.mark.parametrize("body", ["[]", '"x"', "[" * 50_000 + "]" * 50_000, '{"active": "yes"}', "{}"])
def test_odd_introspection_answers_are_token_endpoint_errors(body):
    with serve(answering(body)) as server:
        source = ClientCredentials(f"{server.url}/oauth/token", "notes-app", "cs-0123456789-secret", timeout=5)
        with pytest.raises(TokenEndpointError):
            source.introspect("at-0123456789abcdef")


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"error": {"a": 1}, "error_description": [1]}', "[1]"])
def test_odd_error_answers_are_token_endpoint_errors(body):
    with serve(answering(body, status=400)) as server:
        source = ClientCredentials(f"{server.url}/oauth/token", "notes-app", "cs-0123456789-secret", timeout=5)
        with pytest.raises(TokenEndpointError) as info:
            source.fetch()
    assert info.value.error_description is None or isinstance(info.value.error_description, str)
    str(info.value.diagnosis)


# -- Retry-After -----------------------------------------------------------------------------

RETRY_AFTER = {
    "1.5": None, "0.05": 0.05, "-5": None, "soon": None, "": None, "0x10": None, "NaN": None, "inf": None,
    "1e400": None, "3, 4": None, " 2 ": 2.0,
    "99999999999999999999999": MAX_RETRY_AFTER, "1" + "0" * 400: MAX_RETRY_AFTER,
    "Wed, 21 Oct 2015 07:28:00 GMT": 0.0, "Fri, 31 Dec 9999 23:59:59 GMT": MAX_RETRY_AFTER,
    "Fri, 31 Dec 99999 23:59:59 GMT": None, "Mon, 99 Foo 2020 99:99:99 GMT": None,
}
RETRY_AFTER["1.5"] = 1.5


@pytest.mark.parametrize("value", list(RETRY_AFTER))
def test_parse_retry_after_never_raises(value):
    assert parse_retry_after(value) == RETRY_AFTER[value]


def limited(value: str) -> object:
    def answer(_: Received, __: Server) -> tuple[int, dict[str, str], bytes]:
        return 429, {"Retry-After": value, "Content-Type": "application/json"}, json.dumps({"error": "rate_limited"}).encode()
    return answer


@pytest.mark.parametrize("value", list(RETRY_AFTER))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_session_gives_back_the_429_for_any_retry_after(value, method):
    with serve(limited(value)) as server, session(retries=1, backoff_factor=0, max_wait=1.0, timeout=5) as s:
        response = s.request(method, f"{server.url}/data")
        assert response.status_code == 429
        # retried at most once, and only when the wait was short enough (or no usable value)
        assert 1 <= len(server.received) <= 2
        d = diagnose(response)
        assert d.kind == "rate_limited"
        assert d.retry_after is None or 0 <= d.retry_after <= MAX_RETRY_AFTER
        str(d)


@pytest.mark.parametrize("value", list(RETRY_AFTER))
def test_token_pool_cools_down_sensibly_for_any_retry_after(value):
    clock = FakeClock()
    pool = TokenPool(["tk-one-0123456789", "tk-two-0123456789"], clock=clock, sleep=clock.sleep, max_wait=2.0)
    with serve(limited(value)) as server:
        try:
            response = requests.get(f"{server.url}/data", auth=pool, timeout=5)
            assert response.status_code == 429
        except RateLimitedError as exc:
            assert exc.retry_after is not None and 0 <= exc.retry_after <= MAX_RETRY_AFTER
    assert all(0 <= s <= 2.0 for s in clock.slept)  # never slept longer than max_wait
    assert all(0 <= row.cooling_for <= MAX_RETRY_AFTER for row in pool.stats())


def test_every_tokenkit_error_here_is_a_tokenkit_error():
    assert issubclass(TokenEndpointError, TokenKitError) and issubclass(RateLimitedError, TokenKitError)


# -- a server that echoes what it was sent ------------------------------------------------------

def echoing(got: Received, _: Server) -> tuple[int, dict[str, str], bytes]:
    """An invalid_client refusal that quotes the whole request back, headers and body."""
    echoed = got.body.decode() + " " + got.headers.get("Authorization", "")
    body = {"error": "invalid_client", "error_description": f"no such client; you sent {echoed}", "hint": echoed}
    return 401, {"Content-Type": "application/json", "WWW-Authenticate": 'Basic realm="x"'}, json.dumps(body).encode()


SECRET = "Qw7-xZ2p_Lk9mN4vB8cR3tY6uI1oP5aS"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub3Rlcy1hcHAiLCJleHAiOjR9.c2lnbmF0dXJlLXZhbHVlLWhlcmU"


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post", "json"])
@pytest.mark.parametrize("mistake", ["swapped", "token in scope", "right way round"])
def test_echoed_secrets_are_masked_in_errors_and_diagnoses(auth_method, mistake):
    client_id, secret, scope = "notes-app", SECRET, "notes:read"
    if mistake == "swapped":
        client_id, secret = SECRET, "notes-app"
    if mistake == "token in scope":
        scope = f"notes:read {JWT}"
    with serve(echoing) as server:
        source = ClientCredentials(f"{server.url}/oauth/token", client_id, secret, scope=scope, auth_method=auth_method)
        with pytest.raises(TokenEndpointError) as info:
            source.fetch()
    error = info.value
    d = error.diagnosis
    texts = [str(error), str(error.error_description), str(d), d._repr_html_(), repr(d.to_dict()), repr(source)]
    assert error.error == "invalid_client" and "no such client" in error.error_description
    for text in texts:
        assert SECRET not in text and JWT not in text
    assert SECRET[:4] in str(d)  # shown masked, ends kept, so it can be recognised


@pytest.mark.parametrize(("client_id", "secret", "said"), [
    ("notes-app", "{secret}\n", "your client_secret ends with a newline — was it copied with one?"),
    ("notes-app", "{secret} ", "your client_secret ends with a space"),
    ("notes-app", " {secret}", "your client_secret starts with a space"),
    (" notes-app", "{secret}", "your client_id starts with a space"),
    ("notes-app\t", "{secret}", "your client_id ends with a tab"),
])
@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_invalid_client_says_when_a_credential_has_surrounding_whitespace(mock_api, client_id, secret, said, auth_method):
    real = mock_api.clients["notes-app"].client_secret
    source = ClientCredentials(mock_api.token_url, client_id, secret.format(secret=real), auth_method=auth_method)
    with pytest.raises(TokenEndpointError) as info:
        source.fetch()
    assert info.value.error == "invalid_client"
    assert said in str(info.value) and said in str(info.value.diagnosis)
    assert real not in str(info.value) + str(info.value.diagnosis)
