"""Protected endpoints: public vs protected, every RFC 6750 refusal, forms, scopes, limits."""

from __future__ import annotations

import base64
import json

import jwt
import requests

from tokenkit.mock import OTHER_AUDIENCE, MockAPI

from .conftest import bearer, get_token


def get(api: MockAPI, path: str, **kwargs) -> requests.Response:
    return requests.get(api.url + path, timeout=5, **kwargs)


def challenge(response: requests.Response) -> str:
    return response.headers["WWW-Authenticate"]


def assert_invalid_token(response: requests.Response, *words: str) -> None:
    assert response.status_code == 401, response.text
    assert challenge(response).startswith('Bearer realm="tokenkit-mock", error="invalid_token", error_description="')
    body = response.json()
    assert body["error"] == "invalid_token" and body["hint"]
    for word in words:
        assert word.lower() in body["error_description"].lower(), body["error_description"]
    assert body["error_description"].replace('"', "'") in challenge(response)


def test_public_endpoints_need_no_token(mock_api: MockAPI) -> None:
    for path in ("/public/weather", "/public/prices", "/", "/health"):
        assert get(mock_api, path).status_code == 200


def test_no_credentials_gives_a_bare_bearer_challenge(mock_api: MockAPI) -> None:
    response = get(mock_api, "/data")
    assert response.status_code == 401
    # RFC 6750 3.1: no error code; the reason is an extra auth-param (RFC 7235 2.1)
    assert challenge(response) == 'Bearer realm="tokenkit-mock", error_reason="missing_credentials"'
    assert response.json()["error_reason"] == "missing_credentials"
    assert "Authorization: Bearer" in response.json()["error_description"]


def test_valid_token_reaches_data_and_me(mock_api: MockAPI, notes_token: str) -> None:
    data = get(mock_api, "/data", headers=bearer(notes_token))
    assert data.status_code == 200 and data.json()["rows"]
    me = get(mock_api, "/me", headers=bearer(notes_token)).json()
    assert me["client_id"] == "notes-app" and me["scope"] == "data:read notes:read notes:write"
    assert 3590 <= me["expires_in"] <= 3600


def test_lowercase_bearer_scheme_is_accepted(mock_api: MockAPI, notes_token: str) -> None:
    # Auth schemes are case-insensitive (RFC 9110 11.1).
    assert get(mock_api, "/me", headers={"Authorization": f"bearer {notes_token}"}).status_code == 200


def test_wrong_schemes_and_shapes(mock_api: MockAPI, notes_token: str) -> None:
    assert_invalid_token(get(mock_api, "/data", headers={"Authorization": notes_token}), "no scheme")
    assert_invalid_token(get(mock_api, "/data", headers={"Authorization": f"Token {notes_token}"}), "scheme 'token'")
    assert_invalid_token(get(mock_api, "/data", headers={"Authorization": "Basic dXNlcjpwYXNz"}), "scheme 'basic'")
    assert_invalid_token(get(mock_api, "/data", headers={"Authorization": f"Bearer Bearer {notes_token}"}), "twice")
    assert_invalid_token(get(mock_api, "/data", headers={"Authorization": "Bearer "}), "no token")
    assert_invalid_token(get(mock_api, "/data", headers={"X-API-Key": notes_token}), "x-api-key")


def test_malformed_tokens(mock_api: MockAPI) -> None:
    assert_invalid_token(get(mock_api, "/data", headers=bearer("abc.def")), "3 base64url parts", "has 2")
    assert_invalid_token(get(mock_api, "/data", headers=bearer("!!!.@@@.###")), "malformed")
    header = base64.urlsafe_b64encode(json.dumps({"alg": "RS256"}).encode()).decode().rstrip("=")
    assert_invalid_token(get(mock_api, "/data", headers=bearer(f"{header}.e30.sig")), "unknown key")


def test_tampered_payload_fails_the_signature(mock_api: MockAPI, notes_token: str) -> None:
    head, payload, signature = notes_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] += " admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert_invalid_token(get(mock_api, "/data", headers=bearer(f"{head}.{forged}.{signature}")), "signature")


def test_alg_none_and_hs256_with_the_public_key_are_refused(mock_api: MockAPI, notes_token: str) -> None:
    claims = jwt.decode(notes_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(notes_token)["kid"]
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
    assert_invalid_token(get(mock_api, "/data", headers=bearer(unsigned)), "'none' is not allowed")
    # The classic key-confusion attack: HMAC-sign with the server's public key as the secret.
    public_jwk = requests.get(mock_api.url + "/.well-known/jwks.json", timeout=5).json()["keys"][0]
    public_pem = jwt.algorithms.RSAAlgorithm.from_jwk(public_jwk).public_bytes(
        encoding=__import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.PEM,
        format=__import__("cryptography.hazmat.primitives.serialization", fromlist=["PublicFormat"]).PublicFormat.SubjectPublicKeyInfo,
    )
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode()).decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    import hashlib
    import hmac

    signature = base64.urlsafe_b64encode(hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()).decode().rstrip("=")
    assert_invalid_token(get(mock_api, "/data", headers=bearer(f"{header}.{body}.{signature}")), "'hs256' is not allowed")


def test_token_from_another_server_is_an_unknown_key(mock_api: MockAPI) -> None:
    with MockAPI() as other:
        foreign = get_token(other)["access_token"]
    assert_invalid_token(get(mock_api, "/data", headers=bearer(foreign)), "unknown key")


def test_wrong_audience(mock_api: MockAPI) -> None:
    token = get_token(mock_api, audience=OTHER_AUDIENCE)["access_token"]
    assert_invalid_token(get(mock_api, "/data", headers=bearer(token)), "another audience")


def test_wrong_issuer() -> None:
    # On a wildcard address (a classroom server) no issuer is fixed: the server speaks as
    # whatever base URL a request used, so a token fetched through one host name is from
    # "another issuer" at another. Requests go to loopback; only the Host header differs.
    with MockAPI(host="0.0.0.0") as api:
        local = f"http://127.0.0.1:{api.port}"
        client = api.clients["notes-app"]
        one, two = {"Host": "one.test"}, {"Host": "two.test"}
        answer = requests.post(local + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, client.client_secret), headers=one, timeout=5)
        token = answer.json()["access_token"]
        assert jwt.decode(token, options={"verify_signature": False})["iss"] == "http://one.test"
        assert requests.get(local + "/me", headers={**bearer(token), **one}, timeout=5).status_code == 200
        assert_invalid_token(requests.get(local + "/me", headers={**bearer(token), **two}, timeout=5), "another issuer", "http://two.test")


def test_expiry_follows_the_mock_clock_with_leeway(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock, "short-lived")["access_token"]
    fresh_mock.clock.advance(60 + 2)  # inside the 5 s leeway
    assert get(fresh_mock, "/me", headers=bearer(token)).status_code == 200
    fresh_mock.clock.advance(10)
    assert_invalid_token(get(fresh_mock, "/me", headers=bearer(token)), "expired", "s ago")


def test_not_yet_valid(fresh_mock: MockAPI) -> None:
    fresh_mock.clock.advance(600)
    token = get_token(fresh_mock)["access_token"]
    fresh_mock.clock.reset()
    assert_invalid_token(get(fresh_mock, "/me", headers=bearer(token)), "not valid until")


def test_insufficient_scope_is_403_with_the_scope_needed(mock_api: MockAPI) -> None:
    token = get_token(mock_api, "analytics-reader")["access_token"]
    response = requests.post(mock_api.url + "/notes", json={"title": "x"}, headers=bearer(token), timeout=5)
    assert response.status_code == 403
    assert challenge(response).startswith('Bearer realm="tokenkit-mock", error="insufficient_scope"')
    assert challenge(response).endswith('scope="notes:write", error_reason="insufficient_scope"')
    body = response.json()
    assert body["scope"] == "notes:write" and "data:read" in body["error_description"]


def test_raw_token_endpoint(mock_api: MockAPI, notes_token: str) -> None:
    assert get(mock_api, "/raw-token/data", headers={"Authorization": notes_token}).status_code == 200
    assert_invalid_token(get(mock_api, "/raw-token/data", headers=bearer(notes_token)), "raw token", "bearer")
    assert_invalid_token(get(mock_api, "/raw-token/data", headers={"X-API-Key": notes_token}), "x-api-key")


def test_api_key_endpoint(mock_api: MockAPI, notes_token: str) -> None:
    assert get(mock_api, "/api-key/data", headers={"X-API-Key": notes_token}).status_code == 200
    assert get(mock_api, "/api-key/data", params={"api_key": notes_token}).status_code == 200
    assert_invalid_token(get(mock_api, "/api-key/data", headers=bearer(notes_token)), "x-api-key", "authorization header")
    assert get(mock_api, "/api-key/data").status_code == 401


def test_token_in_url_query_is_refused(mock_api: MockAPI, notes_token: str) -> None:
    response = get(mock_api, "/data", params={"access_token": notes_token})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_oversized_and_odd_headers_are_refused_not_500(mock_api: MockAPI) -> None:
    huge = get(mock_api, "/data", headers=bearer("a" * 9000))
    assert huge.status_code == 400 and "at most" in huge.json()["error_description"]
    for value in ("Bearer \u00e9\u00e9.\u00e9.\u00e9".encode("latin-1"), b"Bearer a.b.c.d", b"Bearer ..", b"Bearer"):
        response = get(mock_api, "/data", headers={"Authorization": value})
        assert response.status_code in (400, 401), (value, response.status_code)


def test_rate_limit_headers_and_429(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock, "rate-limited")["access_token"]
    remaining = []
    for _ in range(5):
        response = get(fresh_mock, "/data", headers=bearer(token))
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == response.headers["X-RateLimit-Limit"] == "5"
        remaining.append(int(response.headers["RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    limited = get(fresh_mock, "/data", headers=bearer(token))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 2
    assert limited.json()["error"] == "rate_limited" and limited.json()["retry_after"] == int(limited.headers["Retry-After"])
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(fresh_mock.clock.now())
    # Another token of the same client has its own window.
    other = get_token(fresh_mock, "rate-limited")["access_token"]
    assert get(fresh_mock, "/data", headers=bearer(other)).status_code == 200
    # Moving the clock past the window ends the wait.
    fresh_mock.clock.advance(2)
    assert get(fresh_mock, "/data", headers=bearer(token)).status_code == 200


def test_rate_limits_can_be_turned_off() -> None:
    with MockAPI(rate_limits=False) as api:
        token = get_token(api, "rate-limited")["access_token"]
        statuses = {get(api, "/data", headers=bearer(token)).status_code for _ in range(8)}
        assert statuses == {200}
        assert "RateLimit-Limit" not in get(api, "/data", headers=bearer(token)).headers


def test_unknown_route_and_method_answer_in_the_same_shape(mock_api: MockAPI) -> None:
    missing = get(mock_api, "/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = requests.delete(mock_api.url + "/public/weather", timeout=5)
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_a_token_cut_or_extended_blames_the_signature_not_the_header(mock_api: MockAPI, notes_token: str) -> None:
    for damaged in (notes_token + "x", notes_token[:-1], notes_token + "xxxx"):
        response = get(mock_api, "/data", headers=bearer(damaged))
        assert response.status_code == 401
        description = response.json()["error_description"].lower()
        assert "signature" in description and "header" not in description, (damaged[-6:], description)
