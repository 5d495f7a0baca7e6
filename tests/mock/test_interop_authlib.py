"""Standard clients against the mock's person logins, unchanged: Authlib's OAuth2Session with PKCE,
and the strict checks openid-client makes (exact RFC error codes, ``state`` echoed byte for
byte, ``iss`` in the authorization response equal to the discovered issuer, RFC 9207).

The browser is played by requests: it opens the authorization URL, submits the login form,
and follows the redirect to a real one-shot loopback listener on a free port, as in RFC 8252.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2.rfc6749.errors import MismatchingStateException
from authlib.integrations.requests_client import OAuth2Session

from tokenkit.mock import MockAPI

from .pages import read, submit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: RFC 6749 §5.2 and RFC 8628 §3.5: every error code a token endpoint may answer.
TOKEN_ERRORS = {
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
    "authorization_pending", "slow_down", "access_denied", "expired_token",
}


class Listener:
    """A one-shot loopback redirect listener on a free port, as a native app runs (RFC 8252 §7.3)."""

    def __init__(self) -> None:
        self.received: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server name
                listener.received.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"You can close this tab.")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 5  # a test that fails before the redirect does not hang on the listener
        self.redirect_uri = f"http://127.0.0.1:{self.server.server_port}/callback"
        self.thread = threading.Thread(target=self.server.handle_request, daemon=True)

    def __enter__(self) -> "Listener":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join(timeout=5)
        self.server.server_close()

    @property
    def url(self) -> str:
        (path,) = self.received
        return f"http://127.0.0.1:{self.server.server_port}{path}"


@pytest.fixture
def metadata(fresh_mock: MockAPI) -> dict[str, Any]:
    document = requests.get(f"{fresh_mock.url}/.well-known/openid-configuration", timeout=5).json()
    assert document["issuer"] == fresh_mock.url  # openid-client: the issuer is the discovery URL's prefix
    return document


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as running:
        yield running


def browser_login(authorization_url: str, user: str, password: str, *, follow: bool = True) -> requests.Response:
    """What a person does in the browser: open the URL, sign in, get sent back to the app."""
    page = read(requests.get(authorization_url, timeout=5))
    assert page.status == 200, page.html
    answer = submit(page, "approve", username=user, password=password)
    assert answer.status_code == 303
    return requests.get(answer.headers["Location"], timeout=5) if follow else answer


def test_authlib_pkce_login_to_a_loopback_listener_then_refresh(fresh_mock: MockAPI, metadata: dict[str, Any], listener: Listener) -> None:
    session = OAuth2Session("cli-app", redirect_uri=listener.redirect_uri, scope="data:read notes:read", code_challenge_method="S256")
    verifier = generate_token(64)
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    assert browser_login(url, "alice", fresh_mock.users["alice"]).status_code == 200
    back = dict(parse_qsl(urlsplit(listener.url).query))
    assert back["state"] == state and back["iss"] == metadata["issuer"]

    token = session.fetch_token(metadata["token_endpoint"], authorization_response=listener.url, code_verifier=verifier, state=state)
    assert token["token_type"] == "Bearer" and token["refresh_token"] and token["scope"] == "data:read notes:read"
    assert session.get(f"{fresh_mock.url}/me", timeout=5).json()["sub"] == "alice"

    refreshed = session.refresh_token(metadata["token_endpoint"])
    assert refreshed["access_token"] != token["access_token"] and refreshed["refresh_token"] != token["refresh_token"]
    assert session.get(f"{fresh_mock.url}/me", timeout=5).json()["sub"] == "alice"


def test_authlib_refuses_a_forged_state_and_the_mock_echoes_state_byte_for_byte(fresh_mock: MockAPI, metadata: dict[str, Any]) -> None:
    tricky = "a b&c=d/é?%20+"
    session = OAuth2Session("cli-app", redirect_uri="http://[::1]:1/cb", code_challenge_method="S256")
    verifier = generate_token(64)
    url, _ = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier, state=tricky)
    location = browser_login(url, "bob", fresh_mock.users["bob"], follow=False).headers["Location"]
    assert dict(parse_qsl(urlsplit(location).query))["state"] == tricky
    forged = location.replace("state=", "state=x", 1)
    with pytest.raises(MismatchingStateException):
        session.fetch_token(metadata["token_endpoint"], authorization_response=forged, code_verifier=verifier, state=tricky)
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=verifier, state=tricky)
    assert session.get(f"{fresh_mock.url}/me", timeout=5).json()["sub"] == "bob" and token["scope"]


def test_authlib_sees_the_exact_rfc_error_codes(fresh_mock: MockAPI, metadata: dict[str, Any]) -> None:
    session = OAuth2Session("cli-app", redirect_uri="http://127.0.0.1:9/cb", code_challenge_method="S256")
    verifier = generate_token(64)
    url, _ = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    location = browser_login(url, "alice", fresh_mock.users["alice"], follow=False).headers["Location"]
    with pytest.raises(OAuthError) as wrong:
        session.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=generate_token(64))
    assert wrong.value.error == "invalid_grant"
    with pytest.raises(OAuthError) as burned:
        session.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)
    assert burned.value.error == "invalid_grant"

    # The device grant through the same generic client: the RFC 8628 codes, exactly.
    start = requests.post(metadata["device_authorization_endpoint"], data={"client_id": "cli-app"}, timeout=5).json()
    device = OAuth2Session("cli-app")
    with pytest.raises(OAuthError) as pending:
        device.fetch_token(metadata["token_endpoint"], grant_type=DEVICE_GRANT, device_code=start["device_code"])
    assert pending.value.error == "authorization_pending"
    fresh_mock.approve_device(start["user_code"], user="alice")
    token = device.fetch_token(metadata["token_endpoint"], grant_type=DEVICE_GRANT, device_code=start["device_code"])
    assert token["access_token"] and token["refresh_token"]


def strict_error(response: requests.Response, expected: str) -> None:
    """openid-client's reading of an error: 400/401 JSON, ``error`` a known code, description a string."""
    assert response.status_code in (400, 401), response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == expected and body["error"] in TOKEN_ERRORS
    assert isinstance(body["error_description"], str)
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_strict_error_codes_at_the_token_endpoint(fresh_mock: MockAPI, metadata: dict[str, Any]) -> None:
    token_url, device_url = metadata["token_endpoint"], metadata["device_authorization_endpoint"]
    public = {"client_id": "cli-app"}
    notes = fresh_mock.clients["notes-app"]
    cases: list[tuple[str, dict[str, str], tuple[str, str] | None, str]] = [
        (token_url, {**public, "grant_type": "authorization_code", "redirect_uri": "http://127.0.0.1:9/cb", "code_verifier": "v" * 43}, None, "invalid_request"),
        (token_url, {**public, "grant_type": "authorization_code", "code": "nope", "redirect_uri": "http://127.0.0.1:9/cb"}, None, "invalid_grant"),
        (token_url, {**public, "grant_type": DEVICE_GRANT, "device_code": "nope"}, None, "invalid_grant"),
        (token_url, {**public, "grant_type": "client_credentials"}, None, "unauthorized_client"),
        (token_url, {**public, "grant_type": "password", "username": "alice", "password": "x"}, None, "unsupported_grant_type"),
        (token_url, {"grant_type": "authorization_code", "code": "nope", "redirect_uri": "http://127.0.0.1:9/cb"}, (notes.client_id, notes.client_secret), "unauthorized_client"),
        (token_url, {"grant_type": "authorization_code", "code": "x"}, ("cli-app", "not-a-secret"), "invalid_client"),
        (device_url, {**public, "scope": "openid"}, None, "invalid_scope"),
        (device_url, {"client_id": "nobody"}, None, "invalid_client"),
    ]
    for url, data, auth, expected in cases:
        strict_error(requests.post(url, data=data, auth=auth, timeout=5), expected)
