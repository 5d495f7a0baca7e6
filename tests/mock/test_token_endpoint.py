"""POST /oauth/token, as RFC 6749 describes it, and every refusal it can give."""

from __future__ import annotations

import base64
import time

import jwt
import pytest
import requests

from tokenkit.mock import API_AUDIENCE, OTHER_AUDIENCE, MockAPI

from .conftest import get_token


def post(api: MockAPI, **kwargs):
    return requests.post(api.token_url, timeout=5, **kwargs)


def secret(api: MockAPI, client_id: str = "notes-app") -> str:
    return api.clients[client_id].client_secret


def test_client_credentials_with_basic_returns_a_complete_token_answer(mock_api: MockAPI) -> None:
    response = post(mock_api, data={"grant_type": "client_credentials"}, auth=("notes-app", secret(mock_api)))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    answer = response.json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 3600
    assert answer["scope"] == "data:read notes:read notes:write"
    assert answer["refresh_token"].startswith("rt_")
    header = jwt.get_unverified_header(answer["access_token"])
    assert header["alg"] == "RS256" and header["kid"]
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert set(claims) >= {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "scope", "client_id"}
    assert claims["iss"] == mock_api.url
    assert claims["aud"] == API_AUDIENCE
    assert claims["sub"] == claims["client_id"] == "notes-app"
    assert claims["exp"] - claims["iat"] == 3600


def test_client_secret_in_form_body(mock_api: MockAPI) -> None:
    data = {"grant_type": "client_credentials", "client_id": "analytics-reader", "client_secret": secret(mock_api, "analytics-reader")}
    answer = post(mock_api, data=data).json()
    assert answer["scope"] == "data:read"
    assert "refresh_token" not in answer, "analytics-reader is not allowed refresh tokens"


def test_json_body_as_vendor_docs_show_it(mock_api: MockAPI) -> None:
    body = {"grant_type": "client_credentials", "client_id": "notes-app", "client_secret": secret(mock_api), "audience": API_AUDIENCE}
    response = post(mock_api, json=body)
    assert response.status_code == 200
    assert jwt.decode(response.json()["access_token"], options={"verify_signature": False})["aud"] == API_AUDIENCE


def test_basic_credentials_are_form_urlencoded_before_base64(mock_api: MockAPI) -> None:
    # RFC 6749 2.3.1: a client library may percent-encode the id and secret; the server decodes them.
    encoded = base64.b64encode(b"notes%2Dapp:" + secret(mock_api).replace("-", "%2D").encode()).decode()
    response = post(mock_api, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {encoded}"})
    assert response.status_code == 200, response.text


def test_scope_subset_is_granted(mock_api: MockAPI) -> None:
    answer = get_token(mock_api, "notes-app", scope="notes:read")
    assert answer["scope"] == "notes:read"


def test_other_known_audience_is_issued(mock_api: MockAPI) -> None:
    answer = get_token(mock_api, "notes-app", audience=OTHER_AUDIENCE)
    assert jwt.decode(answer["access_token"], options={"verify_signature": False})["aud"] == OTHER_AUDIENCE


def assert_oauth_error(response: requests.Response, status: int, error: str, *words: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["hint"]
    for word in words:
        assert word.lower() in body["error_description"].lower(), body["error_description"]
    return body


def test_wrong_secret_with_basic_is_401_with_basic_challenge(mock_api: MockAPI) -> None:
    response = post(mock_api, data={"grant_type": "client_credentials"}, auth=("notes-app", "not-the-secret"))
    assert_oauth_error(response, 401, "invalid_client", "client_secret is wrong")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="tokenkit-mock"'


def test_wrong_secret_in_body_is_400_without_challenge(mock_api: MockAPI) -> None:
    data = {"grant_type": "client_credentials", "client_id": "notes-app", "client_secret": "nope"}
    response = post(mock_api, data=data)
    assert_oauth_error(response, 400, "invalid_client", "wrong")
    assert "WWW-Authenticate" not in response.headers


def test_unknown_client_lists_the_demo_clients(mock_api: MockAPI) -> None:
    response = post(mock_api, data={"grant_type": "client_credentials"}, auth=("notes-ap", "x"))
    assert_oauth_error(response, 401, "invalid_client", "unknown client_id", "notes-app", "analytics-reader")


def test_no_client_credentials(mock_api: MockAPI) -> None:
    assert_oauth_error(post(mock_api, data={"grant_type": "client_credentials"}), 400, "invalid_client", "no client credentials")
    response = post(mock_api, data={"grant_type": "client_credentials", "client_id": "notes-app"})
    assert_oauth_error(response, 400, "invalid_client", "without a client_secret")


def test_two_client_auth_methods_are_refused(mock_api: MockAPI) -> None:
    data = {"grant_type": "client_credentials", "client_secret": secret(mock_api)}
    response = post(mock_api, data=data, auth=("notes-app", secret(mock_api)))
    assert_oauth_error(response, 400, "invalid_request", "authenticated twice")


def test_parameters_in_query_string_are_explained(mock_api: MockAPI) -> None:
    params = {"grant_type": "client_credentials", "client_id": "notes-app", "client_secret": secret(mock_api)}
    response = post(mock_api, params=params)
    body = assert_oauth_error(response, 400, "invalid_request", "query string")
    assert "data=" in body["hint"]


def test_missing_and_unsupported_grant_types(mock_api: MockAPI) -> None:
    auth = ("notes-app", secret(mock_api))
    assert_oauth_error(post(mock_api, data={}, auth=auth), 400, "invalid_request", "grant_type is missing")
    assert_oauth_error(post(mock_api, data={"grant_type": "password"}, auth=auth), 400, "unsupported_grant_type", "client_credentials")
    assert_oauth_error(post(mock_api, data={"grant_type": "magic"}, auth=auth), 400, "unsupported_grant_type", "unknown")


def test_scope_the_client_may_not_have(mock_api: MockAPI) -> None:
    response = post(mock_api, data={"grant_type": "client_credentials", "scope": "notes:write"}, auth=("analytics-reader", secret(mock_api, "analytics-reader")))
    assert_oauth_error(response, 400, "invalid_scope", "notes:write", "data:read")


def test_unknown_audience(mock_api: MockAPI) -> None:
    response = post(mock_api, data={"grant_type": "client_credentials", "audience": "https://evil.example"}, auth=("notes-app", secret(mock_api)))
    assert_oauth_error(response, 400, "invalid_request", "unknown audience")


def test_bad_bodies_are_400_never_500(mock_api: MockAPI) -> None:
    auth = ("notes-app", secret(mock_api))
    cases = [
        {"data": "{not json", "headers": {"Content-Type": "application/json"}},
        {"data": "[1, 2]", "headers": {"Content-Type": "application/json"}},
        {"json": {"grant_type": "client_credentials", "scope": ["data:read"]}},
        {"data": "grant_type=client_credentials", "headers": {"Content-Type": "text/plain"}},
        {"data": "grant_type=client_credentials&grant_type=refresh_token", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"data": b"\xff\xfe", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"data": "x=" + "a" * 20000, "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    ]
    for case in cases:
        response = post(mock_api, auth=auth, **case)
        assert response.status_code == 400, (case, response.text)
        assert response.json()["error"] == "invalid_request"


def test_malformed_basic_header_is_invalid_client(mock_api: MockAPI) -> None:
    for header in ("Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = post(mock_api, data={"grant_type": "client_credentials"}, headers={"Authorization": header})
        assert_oauth_error(response, 401, "invalid_client")


def test_bearer_token_sent_to_token_endpoint_is_explained(mock_api: MockAPI, notes_token: str) -> None:
    response = post(mock_api, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Bearer {notes_token}"})
    assert_oauth_error(response, 400, "invalid_request", "client credentials")


class TestRefreshTokens:
    def refresh(self, api: MockAPI, refresh_token: str, client_id: str = "notes-app", **extra: str) -> requests.Response:
        return post(api, data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}, auth=(client_id, secret(api, client_id)))

    def test_refresh_rotates_and_reuse_revokes_the_family(self, fresh_mock: MockAPI) -> None:
        first = get_token(fresh_mock)
        second = self.refresh(fresh_mock, first["refresh_token"])
        assert second.status_code == 200
        rotated = second.json()["refresh_token"]
        assert rotated != first["refresh_token"]
        assert second.json()["access_token"] != first["access_token"]

        reused = self.refresh(fresh_mock, first["refresh_token"])
        assert_oauth_error(reused, 400, "invalid_grant", "already used", "rotate")
        # Reuse looks like theft: the newest token of that family is revoked too.
        assert_oauth_error(self.refresh(fresh_mock, rotated), 400, "invalid_grant", "revoked")

    def test_refresh_can_narrow_but_not_widen_scope(self, fresh_mock: MockAPI) -> None:
        first = get_token(fresh_mock, scope="notes:read data:read")
        narrowed = self.refresh(fresh_mock, first["refresh_token"], scope="notes:read")
        assert narrowed.json()["scope"] == "notes:read"
        widened = self.refresh(fresh_mock, narrowed.json()["refresh_token"], scope="notes:write")
        assert_oauth_error(widened, 400, "invalid_scope", "notes:write")

    def test_refresh_errors(self, fresh_mock: MockAPI) -> None:
        first = get_token(fresh_mock)
        assert_oauth_error(self.refresh(fresh_mock, "rt_unknown"), 400, "invalid_grant", "unknown")
        assert_oauth_error(self.refresh(fresh_mock, first["refresh_token"], client_id="short-lived"), 400, "invalid_grant", "another client")
        assert_oauth_error(self.refresh(fresh_mock, first["refresh_token"], client_id="analytics-reader"), 400, "unauthorized_client", "not allowed")
        missing = post(fresh_mock, data={"grant_type": "refresh_token"}, auth=("notes-app", secret(fresh_mock)))
        assert_oauth_error(missing, 400, "invalid_request", "refresh_token is missing")

    def test_refresh_token_expires_on_the_mock_clock(self, fresh_mock: MockAPI) -> None:
        first = get_token(fresh_mock)
        fresh_mock.clock.advance(25 * 3600)
        assert_oauth_error(self.refresh(fresh_mock, first["refresh_token"]), 400, "invalid_grant", "expired")


def test_short_lived_client_and_clock(fresh_mock: MockAPI) -> None:
    answer = get_token(fresh_mock, "short-lived")
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert answer["expires_in"] == 60 and claims["exp"] - claims["iat"] == 60
    fresh_mock.clock.advance(3600)
    later = jwt.decode(get_token(fresh_mock, "short-lived")["access_token"], options={"verify_signature": False})
    assert later["iat"] >= time.time() + 3600 - 5


def test_seeded_secrets_are_stable_and_differ_per_client() -> None:
    with MockAPI(seed="workshop-42") as first, MockAPI(seed="workshop-42") as second:
        assert first.clients["notes-app"].client_secret == second.clients["notes-app"].client_secret
        assert first.clients["notes-app"].client_secret != first.clients["short-lived"].client_secret
    with MockAPI() as unseeded:
        assert unseeded.clients["notes-app"].client_secret != first.clients["notes-app"].client_secret


def test_clock_only_moves_forward(fresh_mock: MockAPI) -> None:
    with pytest.raises(ValueError, match="forward"):
        fresh_mock.clock.advance(-1)
