"""diagnose(): header parsing, then every case against real answers from the mock."""

from __future__ import annotations

import base64
import html
import json
import time
from email.utils import formatdate

import pytest
import requests

from tokenkit import (
    ApiKeyAuth,
    BearerAuth,
    Diagnosis,
    HeaderAuth,
    ServerUnreachableError,
    diagnose,
    parse_retry_after,
    parse_www_authenticate,
)
from tokenkit.diagnose import rate_limit_info, retry_after_seconds
from tokenkit.mock import MockAPI, OTHER_AUDIENCE

from .conftest import credentials, make_response

# -- parsing ---------------------------------------------------------------------------------------


def test_parse_bearer_challenge_with_quotes_and_commas():
    [c] = parse_www_authenticate(
        'Bearer realm="example", error="invalid_token", '
        'error_description="The token expired, get \\"another\\" one", scope="a b"'
    )
    assert c.scheme == "Bearer"
    assert c.params == {
        "realm": "example",
        "error": "invalid_token",
        "error_description": 'The token expired, get "another" one',
        "scope": "a b",
    }


def test_parse_several_challenges_and_token68():
    challenges = parse_www_authenticate('Basic realm="a, b", Bearer realm="c", error=invalid_token, Negotiate abc123==')
    assert [c.scheme for c in challenges] == ["Basic", "Bearer", "Negotiate"]
    assert challenges[0].params == {"realm": "a, b"}
    assert challenges[1].params == {"realm": "c", "error": "invalid_token"}
    assert challenges[2].token68 == "abc123=="


def test_parse_bare_scheme_and_empty():
    assert parse_www_authenticate("Bearer")[0].params == {}
    assert parse_www_authenticate("") == []
    assert parse_www_authenticate(None) == []
    [c] = parse_www_authenticate('bearer  REALM = "x" ')
    assert c.get("realm") == "x"


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 1.5 ") == 1.5
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == 30
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_rate_limit_headers():
    now = 1_700_000_000.0
    ietf = {"RateLimit-Limit": "5", "RateLimit-Remaining": "0", "RateLimit-Reset": "2"}
    github = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": str(int(now + 40))}
    assert rate_limit_info(ietf, now=now) == {"limit": 5, "remaining": 0, "reset_in": 2}
    assert rate_limit_info(github, now=now) == {"limit": 60, "remaining": 3, "reset_in": 40}
    assert retry_after_seconds(make_response(429, headers=ietf), now=now) == 2
    assert retry_after_seconds(make_response(429, headers={"Retry-After": "9", **ietf})) == 9
    assert retry_after_seconds(make_response(200, headers={**ietf, "RateLimit-Remaining": "3"})) is None


# -- cases against the mock ------------------------------------------------------------------------


def token_request(api: MockAPI, data=None, auth=None, json_body=None) -> requests.Response:
    return requests.post(api.token_url, data=data, json=json_body, auth=auth, timeout=5)


def basic(api, client_id="notes-app", secret=None):
    client = api.clients[client_id]
    return (client.client_id, client.client_secret if secret is None else secret)


@pytest.fixture(scope="module")
def tokens(mock_api):
    return {
        "notes": credentials(mock_api, "notes-app", mock_clock=False).fetch(),
        "reader": credentials(mock_api, "analytics-reader", mock_clock=False).fetch(),
    }


def check(d: Diagnosis, kind: str, status: int, *, about_tokens=True, token_endpoint=False) -> None:
    assert d.kind == kind, str(d)
    assert d.status == status
    assert d.about_tokens is about_tokens
    assert d.token_endpoint is token_endpoint
    text = str(d)
    assert text.startswith(f"HTTP {status}")
    assert d.summary in text
    assert html.escape(d.summary) in d._repr_html_()


@pytest.mark.parametrize(
    ("make", "error", "status"),
    [
        (lambda api: token_request(api, {"scope": "data:read"}, basic(api)), "invalid_request", 400),
        (lambda api: token_request(api, {"grant_type": "client_credentials"}, basic(api, secret="wrong")), "invalid_client", 401),
        (lambda api: token_request(api, {"grant_type": "client_credentials", "client_id": "notes-app",
                                         "client_secret": "wrong"}), "invalid_client", 400),
        (lambda api: token_request(api, {"grant_type": "refresh_token", "refresh_token": "rt_unknown"}, basic(api)), "invalid_grant", 400),
        (lambda api: token_request(api, {"grant_type": "refresh_token", "refresh_token": "x"},
                                   basic(api, "analytics-reader")), "unauthorized_client", 400),
        (lambda api: token_request(api, {"grant_type": "password"}, basic(api)), "unsupported_grant_type", 400),
        (lambda api: token_request(api, {"grant_type": "client_credentials", "scope": "notes:write"},
                                   basic(api, "analytics-reader")), "invalid_scope", 400),
        (lambda api: token_request(api, json_body={"grant_type": "client_credentials", "client_id": "nobody",
                                                   "client_secret": "x"}), "invalid_client", 400),
    ],
)
def test_token_endpoint_errors(mock_api, make, error, status):
    r = make(mock_api)
    d = diagnose(r)
    check(d, f"token_endpoint:{error}", status, token_endpoint=True)
    assert d.error == error
    assert d.error_description and d.causes and d.actions
    for client in mock_api.clients.values():
        assert client.client_secret not in str(d)


def test_invalid_client_shows_which_client_and_method(mock_api):
    d = diagnose(token_request(mock_api, {"grant_type": "client_credentials"}, basic(mock_api, secret="wrong-secret-value ")))
    assert d.details["client_id"] == "notes-app"
    assert d.details["client_auth"] == "HTTP Basic"
    assert "wrong-secret-value" not in str(d)
    assert "whitespace" in d.details["warning"]


def test_reused_refresh_token_is_invalid_grant(mock_api):
    source = credentials(mock_api, "notes-app")
    first = source.fetch()
    source.refresh(first)
    r = token_request(mock_api, {"grant_type": "refresh_token", "refresh_token": first.refresh_token}, basic(mock_api))
    d = diagnose(r)
    check(d, "token_endpoint:invalid_grant", 400, token_endpoint=True)
    assert "already used" in d.error_description
    assert first.refresh_token not in str(d) and first.refresh_token not in d._repr_html_()


def test_missing_credentials(mock_api):
    d = diagnose(requests.get(f"{mock_api.url}/data", timeout=5))
    check(d, "missing_credentials", 401)
    assert d.challenge.scheme == "Bearer" and d.challenge.get("error") is None


@pytest.mark.parametrize(
    ("path", "auth"),
    [
        ("/data", lambda t: HeaderAuth(t, scheme="Token")),
        ("/data", lambda t: HeaderAuth(t, scheme=None)),
        ("/raw-token/data", lambda t: BearerAuth(t)),
        ("/data", lambda t: ApiKeyAuth(t)),
        ("/api-key/data", lambda t: BearerAuth(t)),
    ],
)
def test_wrong_scheme_or_header(mock_api, tokens, path, auth):
    token = tokens["reader"]
    d = diagnose(requests.get(f"{mock_api.url}{path}", auth=auth(token), timeout=5))
    check(d, "wrong_scheme", 401)
    assert token.access_token not in str(d)


def test_basic_credentials_sent_to_the_api_are_a_wrong_scheme(mock_api):
    d = diagnose(requests.get(f"{mock_api.url}/data", auth=basic(mock_api), timeout=5))
    check(d, "wrong_scheme", 401)
    assert d.details["sent_scheme"] == "Basic"


def test_expired(fresh_mock):
    token = credentials(fresh_mock, "short-lived", mock_clock=False).fetch()
    fresh_mock.clock.advance(120)
    d = diagnose(requests.get(f"{fresh_mock.url}/me", auth=BearerAuth(token), timeout=5))
    check(d, "expired", 401)
    assert d.details["token"] != token.access_token
    # this machine's clock still thinks the token is fresh: the diagnosis says the clocks differ
    assert any("clock" in cause for cause in d.causes)


def test_not_yet_valid(fresh_mock):
    """The mock's clock only moves forward, so it cannot itself see a token from its future;
    this uses a token issued on its moved clock and the mock's own wording for the refusal."""
    fresh_mock.clock.advance(600)
    future = credentials(fresh_mock, "notes-app", mock_clock=False).fetch()
    r = make_response(
        401,
        headers={"WWW-Authenticate": 'Bearer realm="tokenkit-mock", error="invalid_token", '
                                     'error_description="The access token is not valid until 2030-01-01T00:00:00Z (nbf); '
                                     'this server\'s time is 2029-12-31T23:50:00Z."'},
        request=requests.Request("GET", "https://api.test/me", auth=BearerAuth(future)).prepare(),
    )
    check(diagnose(r), "not_yet_valid", 401)


def test_bad_signature(mock_api, tokens):
    header, payload, signature = tokens["notes"].access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "admin"
    forged = f"{header}.{base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b'=').decode()}.{signature}"
    d = diagnose(requests.get(f"{mock_api.url}/me", auth=BearerAuth(forged), timeout=5))
    check(d, "bad_signature", 401)
    assert d.details["token_scopes"] == ["admin"]


def test_unknown_key(mock_api):
    with MockAPI() as other:
        foreign = credentials(other, "notes-app", mock_clock=False).fetch()
    d = diagnose(requests.get(f"{mock_api.url}/me", auth=BearerAuth(foreign), timeout=5))
    check(d, "unknown_key", 401)


def test_wrong_audience(mock_api):
    token = credentials(mock_api, "notes-app", audience=OTHER_AUDIENCE).fetch()
    d = diagnose(requests.get(f"{mock_api.url}/me", auth=BearerAuth(token), timeout=5))
    check(d, "wrong_audience", 401)
    assert d.details["token_aud"] == OTHER_AUDIENCE


def test_revoked(mock_api):
    source = credentials(mock_api, "notes-app")
    token = source.fetch()
    source.revoke(token)
    d = diagnose(requests.get(f"{mock_api.url}/me", auth=BearerAuth(token), timeout=5))
    check(d, "revoked", 401)


@pytest.mark.parametrize("bad", ["abc", "a.b", "eyJhbGciOiJSUzI1NiJ9.%%%.sig"])
def test_malformed(mock_api, bad):
    d = diagnose(requests.get(f"{mock_api.url}/me", headers={"Authorization": f"Bearer {bad}"}, timeout=5))
    check(d, "malformed", 401)


def test_algorithm_not_allowed(mock_api):
    import jwt

    hs = jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256")
    d = diagnose(requests.get(f"{mock_api.url}/me", auth=BearerAuth(hs), timeout=5))
    check(d, "algorithm_not_allowed", 401)


def test_other_invalid_token_with_an_expired_jwt_is_called_expired():
    """A terse server (no description): the token's own exp tells the story."""
    payload = base64.urlsafe_b64encode(json.dumps({"exp": time.time() - 60}).encode()).rstrip(b"=").decode()
    token = f"eyJhbGciOiJSUzI1NiJ9.{payload}.sig"
    r = make_response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                      request=requests.Request("GET", "https://api.test/x", auth=BearerAuth(token)).prepare())
    assert diagnose(r).kind == "expired"
    opaque = requests.Request("GET", "https://api.test/x", auth=BearerAuth("opaque-token-123456")).prepare()
    r = make_response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}, request=opaque)
    assert diagnose(r).kind == "invalid_token"


def test_insufficient_scope_names_the_missing_scope(mock_api, tokens):
    r = requests.post(f"{mock_api.url}/notes", json={"title": "t", "body": "b", "tags": []},
                      auth=BearerAuth(tokens["reader"]), timeout=5)
    d = diagnose(r)
    check(d, "insufficient_scope", 403)
    assert d.details["required_scope"] == ["notes:write"]
    assert d.details["token_scopes"] == ["data:read"]
    assert d.details["missing_scopes"] == ["notes:write"]
    assert "notes:write" in d.summary


def test_forbidden_without_scope_is_not_called_a_scope_problem():
    d = diagnose(make_response(403, json_body={"error": "forbidden"}))
    assert d.kind == "forbidden"


def test_rate_limited(fresh_mock):
    token = credentials(fresh_mock, "rate-limited").fetch()
    with requests.Session() as s:
        for _ in range(5):
            s.get(f"{fresh_mock.url}/data", auth=BearerAuth(token))
        r = s.get(f"{fresh_mock.url}/data", auth=BearerAuth(token))
    d = diagnose(r)
    check(d, "rate_limited", 429)
    assert 1 <= d.retry_after <= 2
    assert d.rate_limit["limit"] == 5 and d.rate_limit["remaining"] == 0
    assert "wait" in d.summary


@pytest.mark.parametrize(
    ("make", "kind", "status"),
    [
        (lambda api: requests.get(f"{api.url}/public/weather", timeout=5), "ok", 200),
        (lambda api: requests.get(f"{api.url}/no/such/thing", timeout=5), "not_found", 404),
        (lambda api: requests.delete(f"{api.url}/public/weather", timeout=5), "method_not_allowed", 405),
    ],
)
def test_answers_that_are_not_about_tokens(mock_api, make, kind, status):
    d = diagnose(make(mock_api))
    check(d, kind, status, about_tokens=False)
    assert d.ok is (status == 200)


def test_invalid_body_and_missing_note(mock_api, tokens):
    auth = BearerAuth(tokens["notes"])
    d = diagnose(requests.post(f"{mock_api.url}/notes", json={"nope": 1}, auth=auth, timeout=5))
    check(d, "bad_request", 422, about_tokens=False)
    d = diagnose(requests.get(f"{mock_api.url}/notes/999999", auth=auth, timeout=5))
    check(d, "not_found", 404, about_tokens=False)


def test_token_in_the_url_is_an_invalid_request(mock_api, tokens):
    r = requests.get(f"{mock_api.url}/data", params={"access_token": tokens["reader"].access_token}, timeout=5)
    d = diagnose(r)
    assert d.status == 400 and d.kind == "invalid_request"
    assert d.about_tokens
    assert tokens["reader"].access_token not in str(d) and tokens["reader"].access_token not in (d.url or "")


def test_server_errors_are_not_about_tokens():
    d = diagnose(make_response(500, json_body={"error": "server_error"}))
    assert (d.kind, d.about_tokens) == ("server_error", False)
    d = diagnose(make_response(503, headers={"Retry-After": "7"}))
    assert d.retry_after == 7 and "7" in d.actions[0]
    assert diagnose(make_response(302)).kind == "redirect"


def test_diagnose_an_exception():
    d = diagnose(ServerUnreachableError("http://127.0.0.1:9/oauth/token"))
    assert d.status is None and d.kind == "unreachable" and not d.about_tokens
    assert "No HTTP answer" in str(d)


def test_to_dict_is_json_serialisable(mock_api):
    d = diagnose(requests.get(f"{mock_api.url}/data", timeout=5))
    data = d.to_dict()
    json.dumps(data)
    assert data["challenge"]["scheme"] == "Bearer"


def test_bearer_with_two_words_is_a_wrong_scheme(mock_api, tokens):
    t = tokens["reader"].access_token
    d = diagnose(requests.get(f"{mock_api.url}/data", headers={"Authorization": f"Bearer Bearer {t}"}, timeout=5))
    check(d, "wrong_scheme", 401)
    assert t not in str(d)


def test_repr_is_one_short_line_without_the_evidence() -> None:
    from tokenkit.diagnose import Diagnosis

    diagnosis = Diagnosis(403, "insufficient_scope", "The token lacks notes:write.", details={"token": "eyJh…abcd (700 chars)"})
    assert repr(diagnosis) == "<Diagnosis 403 insufficient_scope: The token lacks notes:write.>"
