"""RFC 7009 revocation and RFC 7662 introspection."""

from __future__ import annotations

import requests

from tokenkit.mock import MockAPI

from .conftest import bearer, get_token


def auth(api: MockAPI, client_id: str = "notes-app") -> tuple[str, str]:
    return client_id, api.clients[client_id].client_secret


def introspect(api: MockAPI, token: str, client_id: str = "notes-app") -> dict:
    response = requests.post(f"{api.url}/oauth/introspect", data={"token": token}, auth=auth(api, client_id), timeout=5)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.json()


def test_revoked_access_token_is_refused_everywhere_at_once(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock)["access_token"]
    assert introspect(fresh_mock, token)["active"] is True
    revoked = requests.post(f"{fresh_mock.url}/oauth/revoke", data={"token": token, "token_type_hint": "access_token"}, auth=auth(fresh_mock), timeout=5)
    assert revoked.status_code == 200
    for path in ("/me", "/data", "/notes"):
        response = requests.get(fresh_mock.url + path, headers=bearer(token), timeout=5)
        assert response.status_code == 401 and "revoked" in response.json()["error_description"]
    assert introspect(fresh_mock, token) == {"active": False}


def test_revoking_a_refresh_token(fresh_mock: MockAPI) -> None:
    answer = get_token(fresh_mock)
    info = introspect(fresh_mock, answer["refresh_token"])
    assert info["active"] is True and info["token_type"] == "refresh_token"
    requests.post(f"{fresh_mock.url}/oauth/revoke", data={"token": answer["refresh_token"]}, auth=auth(fresh_mock), timeout=5).raise_for_status()
    refreshed = requests.post(fresh_mock.token_url, data={"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]}, auth=auth(fresh_mock), timeout=5)
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert introspect(fresh_mock, answer["refresh_token"]) == {"active": False}


def test_revocation_rules(fresh_mock: MockAPI) -> None:
    url = f"{fresh_mock.url}/oauth/revoke"
    # RFC 7009 2.2: an unknown or invalid token is not an error.
    assert requests.post(url, data={"token": "garbage"}, auth=auth(fresh_mock), timeout=5).status_code == 200
    missing = requests.post(url, data={}, auth=auth(fresh_mock), timeout=5)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert requests.post(url, data={"token": "x"}, timeout=5).status_code == 400  # no client auth
    others = get_token(fresh_mock, "short-lived")["access_token"]
    refused = requests.post(url, data={"token": others}, auth=auth(fresh_mock), timeout=5)
    assert refused.status_code == 400 and "another client" in refused.json()["error_description"]
    assert requests.get(f"{fresh_mock.url}/me", headers=bearer(others), timeout=5).status_code == 200


def test_introspection_of_active_and_expired_tokens(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock, "short-lived")["access_token"]
    info = introspect(fresh_mock, token, client_id="analytics-reader")
    assert info["active"] is True and info["client_id"] == "short-lived" and info["token_type"] == "Bearer"
    assert info["scope"] == "data:read notes:read notes:write" and info["exp"] - info["iat"] == 60
    fresh_mock.clock.advance(120)
    assert introspect(fresh_mock, token) == {"active": False}
    assert introspect(fresh_mock, "not-a-token") == {"active": False}
    unauthenticated = requests.post(f"{fresh_mock.url}/oauth/introspect", data={"token": token}, timeout=5)
    assert unauthenticated.status_code == 400 and unauthenticated.json()["error"] == "invalid_client"


def test_an_api_that_checks_locally_accepts_a_revoked_token_until_it_expires(fresh_mock: MockAPI) -> None:
    """Revocation as it really is: a self-contained JWT checked only locally stays valid until exp."""
    token = get_token(fresh_mock, "short-lived")["access_token"]
    requests.post(f"{fresh_mock.url}/oauth/revoke", data={"token": token}, auth=auth(fresh_mock, "short-lived"), timeout=5).raise_for_status()
    introspecting = requests.get(f"{fresh_mock.url}/data", headers=bearer(token), timeout=5)
    assert introspecting.status_code == 401 and introspecting.json()["error_reason"] == "revoked"
    local = requests.get(f"{fresh_mock.url}/local-check/data", headers=bearer(token), timeout=5)
    assert local.status_code == 200 and local.json()["rows"], "the local check cannot know about the revocation"
    fresh_mock.clock.advance(60 + 6)  # past exp and the leeway: now both refuse
    late = requests.get(f"{fresh_mock.url}/local-check/data", headers=bearer(token), timeout=5)
    assert late.status_code == 401 and late.json()["error_reason"] == "expired"


def test_the_local_check_still_checks_signature_scope_and_time(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock)["access_token"]
    assert requests.get(f"{fresh_mock.url}/local-check/data", timeout=5).json()["error_reason"] == "missing_credentials"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert requests.get(f"{fresh_mock.url}/local-check/data", headers=bearer(forged), timeout=5).json()["error_reason"] == "bad_signature"
    spec = requests.get(f"{fresh_mock.url}/openapi.json", timeout=5).json()["paths"]["/local-check/data"]["get"]
    assert spec["tags"] == ["revocation"] and "revoked" in spec["description"]
