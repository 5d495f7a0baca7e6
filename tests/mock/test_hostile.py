"""Hostile input never gets a 5xx, never burns or leaks a credential (issue 8, mock part).

Each test names the probe it replays; every answer must be a 4xx with the usual RFC error
body (or, for revocation/introspection of garbage, the 200 the RFCs prescribe).
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import socket
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from starlette.testclient import TestClient

from tokenkit.mock import MockAPI, Settings
from tokenkit.mock.app import create_app
from tokenkit.secrets import mask

from .conftest import bearer, get_token

NESTED = "[" * 2500 + "]" * 2500  # ~5 KB: RecursionError in a plain json.loads


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


NESTED_HEADER_TOKEN = b64(NESTED.encode()) + "." + b64(b"{}") + ".c2ln"
NESTED_CLAIMS_TOKEN = b64(b'{"alg":"RS256"}') + "." + b64(NESTED.encode()) + ".c2ln"


def assert_rfc_error(response: requests.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_description"] and body["hint"], body
    return body


def client_auth(api: MockAPI, client_id: str = "notes-app") -> tuple[str, str]:
    return client_id, api.clients[client_id].client_secret


def raw_request(api: MockAPI, method: str, path: str, headers: list[tuple[str, bytes]], body: bytes = b"") -> tuple[int, bytes]:
    """One request with header bytes exactly as given (requests would refuse or re-encode them)."""
    connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=10)
    try:
        connection.putrequest(method, path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# -- deeply nested JSON -----------------------------------------------------------------


@pytest.mark.parametrize("token", [NESTED_HEADER_TOKEN, NESTED_CLAIMS_TOKEN], ids=["header", "claims"])
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/data", lambda t: {"Authorization": f"Bearer {t}"}),
        ("/me", lambda t: {"Authorization": f"Bearer {t}"}),
        ("/notes", lambda t: {"Authorization": f"Bearer {t}"}),
        ("/raw-token/data", lambda t: {"Authorization": t}),
        ("/api-key/data", lambda t: {"X-API-Key": t}),
    ],
)
def test_nested_json_token_is_a_401_on_every_credential_form(mock_api: MockAPI, token: str, path: str, headers) -> None:
    body = assert_rfc_error(requests.get(mock_api.url + path, headers=headers(token), timeout=5), 401, "invalid_token")
    assert "malformed" in body["error_description"]


@pytest.mark.parametrize("token", [NESTED_HEADER_TOKEN, NESTED_CLAIMS_TOKEN], ids=["header", "claims"])
def test_nested_json_token_to_revoke_and_introspect(mock_api: MockAPI, token: str) -> None:
    revoked = requests.post(f"{mock_api.url}/oauth/revoke", data={"token": token}, auth=client_auth(mock_api), timeout=5)
    assert revoked.status_code == 200  # RFC 7009 2.2: an invalid token is not an error
    inspected = requests.post(f"{mock_api.url}/oauth/introspect", data={"token": token}, auth=client_auth(mock_api), timeout=5)
    assert inspected.status_code == 200 and inspected.json() == {"active": False}


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
@pytest.mark.parametrize("document", ["[" * 3000 + "]" * 3000, '{"a":' * 1500 + "1" + "}" * 1500], ids=["arrays", "objects"])
def test_nested_json_body_is_a_400(mock_api: MockAPI, path: str, document: str) -> None:
    response = requests.post(mock_api.url + path, data=document, headers={"Content-Type": "application/json"}, auth=client_auth(mock_api), timeout=5)
    assert "nests deeper" in assert_rfc_error(response, 400, "invalid_request")["error_description"]


def test_nested_json_note_is_a_4xx(mock_api: MockAPI, notes_token: str) -> None:
    response = requests.post(f"{mock_api.url}/notes", data="[" * 3000 + "]" * 3000, headers={**bearer(notes_token), "Content-Type": "application/json"}, timeout=5)
    assert response.status_code in {400, 422} and response.json()["error"]


# -- non-ASCII Basic ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
@pytest.mark.parametrize("value", ["Basic é".encode("latin-1"), "Basic é".encode(), b"Basic \xff\xfe==", "Basic Zm9v6Q==".encode()])
def test_non_ascii_basic_is_invalid_client(mock_api: MockAPI, path: str, value: bytes) -> None:
    body = b"grant_type=client_credentials&token=x"
    status, answer = raw_request(mock_api, "POST", path, [("Authorization", value), ("Content-Type", b"application/x-www-form-urlencoded")], body)
    assert status == 401, answer
    assert json.loads(answer)["error"] == "invalid_client"


# -- odd claim types in tokens the mock itself signed ------------------------------------


@pytest.fixture(scope="module")
def asgi() -> Iterator[tuple[TestClient, Any]]:
    app = create_app(Settings(issuer="http://mock.test"))
    with TestClient(app, base_url="http://mock.test") as client:
        yield client, app.state.mock.tenant


ODD_CLAIMS = {
    "exp string": {"exp": "soon"},
    "nbf string": {"nbf": "now"},
    "iat string": {"iat": "then"},
    "exp NaN": {"exp": math.nan},
    "nbf NaN": {"nbf": math.nan},
    "exp Infinity": {"exp": math.inf},
    "exp -Infinity": {"exp": -math.inf},
    "exp 1e300": {"exp": 1e300},
    "exp 10**400": {"exp": 10**400},
    "exp -1e20": {"exp": -1e20},
    "exp true": {"exp": True},
    "exp list": {"exp": [1]},
    "nbf object": {"nbf": {"a": 1}},
    "client_id list": {"client_id": ["notes-app"]},
    "sub number": {"sub": 7},
    "jti null": {"jti": None},
    "scope number": {"scope": 5},
}


@pytest.mark.parametrize("odd", list(ODD_CLAIMS.values()), ids=list(ODD_CLAIMS))
def test_signed_tokens_with_odd_claim_types_are_401(asgi, odd: dict[str, Any]) -> None:
    client, state = asgi
    now = int(state.clock.now())
    claims = {
        "iss": "http://mock.test", "sub": "notes-app", "aud": "https://analytics.tokenkit.test", "iat": now, "nbf": now,
        "exp": now + 600, "jti": "odd", "scope": "data:read notes:read", "client_id": "notes-app", **odd,
    }
    key = state.keys.current
    token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "at+jwt"})
    for path in ("/me", "/data", "/notes"):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 401, (path, response.text)
        assert response.json()["error"] == "invalid_token", response.text  # PyJWT itself refuses some (sub, jti)
    inspected = client.post("/oauth/introspect", data={"token": token}, auth=("notes-app", state.clients["notes-app"].client_secret))
    assert inspected.status_code == 200 and inspected.json() == {"active": False}


# -- duplicate credentials ------------------------------------------------------------------


def test_two_authorization_headers_are_400_invalid_request_and_logged(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock)["access_token"]
    for path in ("/data", "/me", "/raw-token/data"):
        status, answer = raw_request(fresh_mock, "GET", path, [("Authorization", f"Bearer {token}".encode())] * 2)
        assert status == 400, answer
        body = json.loads(answer)
        assert body["error"] == "invalid_request" and "2 Authorization headers" in body["error_description"]
    status, answer = raw_request(fresh_mock, "GET", "/api-key/data", [("X-API-Key", token.encode()), ("X-API-Key", b"other")])
    assert status == 400 and "X-API-Key" in json.loads(answer)["error_description"]
    basic = b"Basic " + base64.b64encode(":".join(client_auth(fresh_mock)).encode())
    status, answer = raw_request(fresh_mock, "POST", "/oauth/token", [("Authorization", basic)] * 2 + [("Content-Type", b"application/x-www-form-urlencoded")], b"grant_type=client_credentials")
    assert status == 400 and json.loads(answer)["error"] == "invalid_request"

    entries = requests.get(f"{fresh_mock.url}/mock/log", params={"limit": 50}, timeout=5).json()["entries"]
    judged = [entry for entry in entries if entry["path"] == "/data" and entry["status"] == 400]
    assert judged and "2 Authorization headers" in judged[-1]["refused_because"]
    assert judged[-1]["auth"].startswith("2 credential headers: Bearer ") and mask(token) in judged[-1]["auth"]
    assert token not in json.dumps(entries)


# -- body limits while reading ------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _read_answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    data = b""
    while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + int(data.split(b"content-length: ")[1].split(b"\r\n")[0]):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize(("path", "status"), [("/oauth/token", 400), ("/oauth/revoke", 400), ("/notes", 413), ("/notes/1", 413), ("/data", 413)])
def test_a_100_mb_content_length_is_refused_before_the_body_is_sent(mock_api: MockAPI, path: str, status: int) -> None:
    method = "PUT" if path == "/notes/1" else "POST"
    with socket.create_connection(("127.0.0.1", mock_api.port), timeout=10) as sock:
        sock.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {100 * 1024 * 1024}\r\n\r\n".encode()
        )
        # Not one byte of the body is sent: the answer must come anyway.
        answer_status, body = _read_answer(sock)
    assert answer_status == status and body["error"] == "invalid_request" and "accepts at most" in body["error_description"]


@pytest.mark.parametrize("path", ["/oauth/token", "/notes"])
def test_a_chunked_100_mb_body_is_stopped_while_it_streams(fresh_mock: MockAPI, path: str) -> None:
    rss_before = _rss_bytes()
    chunk = b"a" * 65536
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    token = get_token(fresh_mock)["access_token"]
    with socket.create_connection(("127.0.0.1", fresh_mock.port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n".encode()
            + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        try:
            while sent < 100 * 1024 * 1024:
                sock.sendall(framed)
                sent += len(chunk)
        except OSError:
            pass  # the server answered and closed: it stopped reading
        status, body = _read_answer(sock)
    assert status in {400, 413} and body["error"] == "invalid_request", body
    assert sent < 50 * 1024 * 1024, f"the server kept reading: {sent} bytes went in"
    assert _rss_bytes() - rss_before < 40 * 1024 * 1024


# -- refresh: validate first, redeem last; reuse revokes the family's access tokens ---------------


def _refresh(api: MockAPI, refresh_token: str, **extra: str) -> requests.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    return requests.post(api.token_url, data=data, auth=client_auth(api), timeout=5)


def test_a_refused_refresh_does_not_burn_the_refresh_token(fresh_mock: MockAPI) -> None:
    first = get_token(fresh_mock, "notes-app", scope="data:read")
    assert_rfc_error(_refresh(fresh_mock, first["refresh_token"], scope="notes:write"), 400, "invalid_scope")
    assert_rfc_error(_refresh(fresh_mock, first["refresh_token"], scope="admin"), 400, "invalid_scope")
    again = _refresh(fresh_mock, first["refresh_token"])
    assert again.status_code == 200, again.text
    assert again.json()["scope"] == "data:read"


def test_reuse_revokes_every_access_token_of_the_family(fresh_mock: MockAPI) -> None:
    first = get_token(fresh_mock)
    second = _refresh(fresh_mock, first["refresh_token"]).json()
    third = _refresh(fresh_mock, second["refresh_token"]).json()
    outsider = get_token(fresh_mock)  # another family of the same client
    for answer in (first, second, third):
        assert requests.get(f"{fresh_mock.url}/me", headers=bearer(answer["access_token"]), timeout=5).status_code == 200

    reuse = assert_rfc_error(_refresh(fresh_mock, first["refresh_token"]), 400, "invalid_grant")
    assert "every token of this family" in reuse["error_description"]
    for answer in (first, second, third):
        refused = requests.get(f"{fresh_mock.url}/me", headers=bearer(answer["access_token"]), timeout=5)
        assert "revoked" in assert_rfc_error(refused, 401, "invalid_token")["error_description"]
    assert_rfc_error(_refresh(fresh_mock, third["refresh_token"]), 400, "invalid_grant")
    assert requests.get(f"{fresh_mock.url}/me", headers=bearer(outsider["access_token"]), timeout=5).status_code == 200


def test_revoking_a_refresh_token_revokes_its_access_tokens(fresh_mock: MockAPI) -> None:
    # RFC 7009 2.1: revoking a refresh token should invalidate the access tokens of the same grant.
    first = get_token(fresh_mock)
    second = _refresh(fresh_mock, first["refresh_token"]).json()
    assert requests.post(f"{fresh_mock.url}/oauth/revoke", data={"token": second["refresh_token"]}, auth=client_auth(fresh_mock), timeout=5).status_code == 200
    for answer in (first, second):
        assert requests.get(f"{fresh_mock.url}/me", headers=bearer(answer["access_token"]), timeout=5).status_code == 401


# -- no secret echoed, even typed into the wrong field --------------------------------------------


def _log_text(api: MockAPI) -> str:
    return json.dumps(requests.get(f"{api.url}/mock/log", params={"limit": 200}, timeout=5).json())


def test_swapped_client_id_and_secret_are_masked_in_error_and_log(fresh_mock: MockAPI) -> None:
    client_id, secret = client_auth(fresh_mock)
    swapped = requests.post(fresh_mock.token_url, data={"grant_type": "client_credentials", "client_id": secret, "client_secret": client_id}, timeout=5)
    body = assert_rfc_error(swapped, 400, "invalid_client")
    assert secret not in swapped.text and mask(secret) in body["error_description"]
    alone = requests.post(fresh_mock.token_url, data={"grant_type": "client_credentials", "client_id": secret}, timeout=5)
    assert secret not in alone.text and mask(secret) in alone.json()["error_description"]
    by_basic = requests.post(fresh_mock.token_url, data={"grant_type": "client_credentials"}, auth=(secret, client_id), timeout=5)
    assert by_basic.status_code == 401 and secret not in by_basic.text and secret not in str(by_basic.headers)
    typo = requests.post(fresh_mock.token_url, data={"grant_type": "client_credentials", "client_id": "notes-ap", "client_secret": secret}, timeout=5)
    assert "'notes-ap'" in typo.json()["error_description"], "short id-like values are still echoed, to spot typos"
    assert secret not in _log_text(fresh_mock)


@pytest.mark.parametrize("field", ["scope", "audience", "grant_type", "refresh_token"])
def test_a_token_pasted_into_a_parameter_is_masked(fresh_mock: MockAPI, field: str) -> None:
    token = get_token(fresh_mock)["access_token"]
    data = {"grant_type": "refresh_token" if field == "refresh_token" else "client_credentials", field: token}
    response = requests.post(fresh_mock.token_url, data=data, auth=client_auth(fresh_mock), timeout=5)
    assert 400 <= response.status_code < 500
    assert token not in response.text and token not in str(response.headers)
    assert token not in _log_text(fresh_mock)
    if field in {"scope", "audience", "grant_type"}:
        assert mask(token) in response.json()["error_description"]


def test_secrets_in_other_echoed_places_are_masked(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock)["access_token"]
    secret = fresh_mock.clients["notes-app"].client_secret
    answers = [
        requests.post(fresh_mock.token_url, data={"grant_type": "client_credentials"}, headers={"Authorization": f"{secret} x"}, timeout=5),
        requests.post(fresh_mock.token_url, json={token: 1, "grant_type": "client_credentials"}, auth=client_auth(fresh_mock), timeout=5),
        requests.post(fresh_mock.token_url, data="x", headers={"Content-Type": token}, timeout=5),
        requests.get(f"{fresh_mock.url}/data", headers={"Authorization": f"{secret} {token}"}, timeout=5),
        requests.get(f"{fresh_mock.url}/raw-token/data", headers={"Authorization": f"{secret} {token}"}, timeout=5),
        requests.post(f"{fresh_mock.url}/notes", json={"title": "t", token: "x"}, headers=bearer(token), timeout=5),
        requests.get(f"{fresh_mock.url}/{token}", timeout=5),
        requests.get(f"{fresh_mock.url}/data", params={token: "1"}, headers=bearer(token), timeout=5),
    ]
    for response in answers:
        assert 400 <= response.status_code < 500, response.text
        for value in (token, secret):
            assert value not in response.text and value not in str(response.headers), response.text
    log = _log_text(fresh_mock)
    assert secret not in log and token not in log


# -- the Host header never steers a Location ---------------------------------------------------------


def test_slash_redirects_are_relative_whatever_the_host_header(mock_api: MockAPI, notes_token: str) -> None:
    for path, target in (("/notes/", "/notes"), ("/health/", "/health"), ("/public/weather/?city=Porto", "/public/weather?city=Porto")):
        response = requests.get(f"{mock_api.url}{path}", headers={**bearer(notes_token), "Host": "evil.example"}, allow_redirects=False, timeout=5)
        assert response.status_code == 307 and response.headers["Location"] == target, response.headers
    followed = requests.get(f"{mock_api.url}/public/weather/", params={"city": "Porto"}, timeout=5)
    assert followed.status_code == 200 and followed.json()["city"] == "Porto"
    discovery = requests.get(f"{mock_api.url}/.well-known/openid-configuration", headers={"Host": "evil.example"}, timeout=5).json()
    assert discovery["token_endpoint"] == f"{mock_api.url}/oauth/token", "a configured issuer ignores the Host header"
    created = requests.post(f"{mock_api.url}/notes", json={"title": "t"}, headers={**bearer(notes_token), "Host": "evil.example"}, timeout=5)
    assert created.headers["Location"].startswith("/notes/")


def test_unknown_query_parameters_are_named(mock_api: MockAPI, notes_token: str) -> None:
    response = requests.get(f"{mock_api.url}/data", params={"regoin": "EU"}, headers=bearer(notes_token), timeout=5)
    body = assert_rfc_error(response, 400, "invalid_request")
    assert "'regoin'" in body["error_description"] and "region" in body["error_description"]
    refused = requests.get(f"{mock_api.url}/data", params={"access_token": notes_token}, timeout=5)
    assert "URL" in assert_rfc_error(refused, 400, "invalid_request")["error_description"], "the token-in-URL lesson still comes first"
