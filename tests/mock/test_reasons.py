"""Every refusal of a protected endpoint names its cause as a tokenkit.reasons.Reason.

The code travels twice, in the JSON body (``error_reason``) and as an auth-param of the
``WWW-Authenticate`` challenge, and the two always agree: ``diagnose`` reads either.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
from collections.abc import Callable

import jwt
import pytest
import requests

from tokenkit.mock import OTHER_AUDIENCE, MockAPI
from tokenkit.reasons import REASON_FIELD, Reason, parse_reason

from .conftest import bearer, get_token

Send = Callable[[MockAPI], requests.Response]


def _get(api: MockAPI, path: str = "/data", **kwargs: object) -> requests.Response:
    return requests.get(api.url + path, timeout=5, **kwargs)  # type: ignore[arg-type]


def _signed(api: MockAPI, header: dict[str, object] | None = None, **claims: object) -> str:
    """A JWT signed with the mock's own key: valid apart from what the test changes."""
    now = int(api.clock.now())
    base = {
        "iss": api.url, "sub": "notes-app", "aud": "https://analytics.tokenkit.test", "iat": now, "nbf": now,
        "exp": now + 600, "jti": "j1", "scope": "data:read", "client_id": "notes-app",
    }
    key = api.tenant.keys.current
    full = {k: v for k, v in {**base, **claims}.items() if v is not None}
    return jwt.encode(full, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "at+jwt", **(header or {})})


def _revoked(api: MockAPI) -> requests.Response:
    token = get_token(api)["access_token"]
    client = api.clients["notes-app"]
    requests.post(f"{api.url}/oauth/revoke", data={"token": token}, auth=(client.client_id, client.client_secret), timeout=5).raise_for_status()
    return _get(api, headers=bearer(token))


def _expired(api: MockAPI) -> requests.Response:
    token = get_token(api)["access_token"]
    api.clock.advance(3600 + 60)
    return _get(api, headers=bearer(token))


def _rate_limited(api: MockAPI) -> requests.Response:
    token = get_token(api, "rate-limited")["access_token"]
    for _ in range(5):
        _get(api, headers=bearer(token))
    return _get(api, headers=bearer(token))


def _other_header(api: MockAPI) -> str:
    return base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "kid": "nope", "typ": "at+jwt"}).encode()).rstrip(b"=").decode()


CASES: dict[Reason, tuple[int, Send]] = {
    Reason.MISSING_CREDENTIALS: (401, lambda api: _get(api)),
    Reason.WRONG_SCHEME: (401, lambda api: _get(api, headers={"Authorization": "Token abc"})),
    Reason.MALFORMED: (401, lambda api: _get(api, headers=bearer("not-a-jwt"))),
    Reason.BAD_SIGNATURE: (401, lambda api: _get(api, headers=bearer(_signed(api)[:-6] + "AAAAAA"))),
    Reason.UNKNOWN_KEY: (401, lambda api: _get(api, headers=bearer(f"{_other_header(api)}.e30.sig"))),
    Reason.ALGORITHM_NOT_ALLOWED: (401, lambda api: _get(api, headers=bearer(jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256")))),
    Reason.WRONG_TOKEN_TYPE: (401, lambda api: _get(api, headers=bearer(_signed(api, {"typ": "JWT"})))),
    Reason.WRONG_AUDIENCE: (401, lambda api: _get(api, headers=bearer(get_token(api, audience=OTHER_AUDIENCE)["access_token"]))),
    Reason.WRONG_ISSUER: (401, lambda api: _get(api, headers=bearer(_signed(api, iss="https://elsewhere.test")))),
    Reason.MISSING_CLAIM: (401, lambda api: _get(api, headers=bearer(_signed(api, client_id=None)))),
    Reason.EXPIRED: (401, _expired),
    Reason.NOT_YET_VALID: (401, lambda api: _get(api, headers=bearer(_signed(api, nbf=int(api.clock.now()) + 3600)))),
    Reason.REVOKED: (401, _revoked),
    Reason.UNKNOWN_CLIENT: (401, lambda api: _get(api, headers=bearer(_signed(api, client_id="gone", sub="gone")))),
    Reason.TOKEN_IN_URL: (400, lambda api: _get(api, params={"access_token": "abc"})),
    Reason.DUPLICATE_CREDENTIALS: (400, lambda api: _two_api_keys(api)),
    Reason.CREDENTIAL_TOO_LONG: (400, lambda api: _get(api, headers=bearer("x" * 9000))),
    Reason.INSUFFICIENT_SCOPE: (403, lambda api: requests.post(f"{api.url}/notes", json={"title": "t"}, headers=bearer(get_token(api, "analytics-reader")["access_token"]), timeout=5)),
    Reason.RATE_LIMITED: (429, _rate_limited),
}


def _two_api_keys(api: MockAPI) -> requests.Response:
    """Two X-API-Key headers (requests would fold them into one, so http.client sends them)."""
    connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=5)
    try:
        connection.putrequest("GET", "/api-key/data")
        connection.putheader("X-API-Key", "a")
        connection.putheader("X-API-Key", "b")
        connection.endheaders()
        raw = connection.getresponse()
        response = requests.Response()
        response.status_code = raw.status
        response.headers.update(dict(raw.getheaders()))
        response._content = raw.read()
        return response
    finally:
        connection.close()


def test_every_reason_is_covered() -> None:
    assert set(CASES) == set(Reason), "a Reason the mock never sends, or a case for a code that does not exist"


@pytest.mark.parametrize("reason", list(CASES), ids=[reason.value for reason in CASES])
def test_the_refusal_names_its_reason_in_body_and_challenge(fresh_mock: MockAPI, reason: Reason) -> None:
    status, send = CASES[reason]
    response = send(fresh_mock)
    assert response.status_code == status, response.text
    body = response.json()
    assert parse_reason(body[REASON_FIELD]) is reason, body
    if status in {400, 401, 403}:
        found = re.search(r'\berror_reason="([a-z_]+)"', response.headers["WWW-Authenticate"])
        assert found and parse_reason(found.group(1)) is reason, response.headers["WWW-Authenticate"]


def test_a_jwt_of_another_type_signed_by_the_mock_is_refused(fresh_mock: MockAPI) -> None:
    for typ in ("JWT", "id_token+jwt", None):  # None: no typ header at all
        token = _signed(fresh_mock, {"typ": typ})
        assert jwt.get_unverified_header(token).get("typ") == typ
        response = _get(fresh_mock, "/me", headers=bearer(token))
        assert response.status_code == 401 and response.json()[REASON_FIELD] == "wrong_token_type", (typ, response.text)
        assert "at+jwt" in response.json()["error_description"]
    for typ in ("at+jwt", "AT+JWT", "application/at+jwt"):
        assert _get(fresh_mock, "/me", headers=bearer(_signed(fresh_mock, {"typ": typ}))).status_code == 200, typ


def test_token_endpoint_errors_keep_their_rfc_6749_codes_only(fresh_mock: MockAPI) -> None:
    """RFC 6749's error code is the token endpoint's machine-readable reason; Reason has none of those."""
    response = requests.post(fresh_mock.token_url, data={"grant_type": "client_credentials"}, auth=("notes-app", "wrong"), timeout=5)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert REASON_FIELD not in response.json()
