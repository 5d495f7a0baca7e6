"""Discovery, JWKS, and standard libraries using the mock unchanged."""

from __future__ import annotations

import jwt
import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from tokenkit.mock import API_AUDIENCE, MockAPI


def test_discovery_documents_point_at_real_endpoints(mock_api: MockAPI) -> None:
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        metadata = requests.get(mock_api.url + path, timeout=5).json()
        assert metadata["issuer"] == mock_api.url
        assert metadata["token_endpoint"] == mock_api.token_url
        assert "client_credentials" in metadata["grant_types_supported"]
        for endpoint in ("jwks_uri",):
            assert requests.get(metadata[endpoint], timeout=5).status_code == 200
    jwks = requests.get(mock_api.url + "/.well-known/jwks.json", timeout=5).json()
    (key,) = jwks["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert "d" not in key and "p" not in key, "the JWKS must hold the public key only"


def test_requests_oauthlib_client_credentials_flow_unchanged(mock_api: MockAPI, monkeypatch) -> None:
    # oauthlib insists on https unless told that this is a local, plain-http server.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    client = mock_api.clients["notes-app"]
    session = OAuth2Session(client=BackendApplicationClient(client_id=client.client_id))
    token = session.fetch_token(token_url=mock_api.token_url, client_id=client.client_id, client_secret=client.client_secret)
    assert token["token_type"] == "Bearer" and token["access_token"]
    assert session.get(mock_api.url + "/me", timeout=5).json()["client_id"] == "notes-app"
    # The same library with the secret in the body instead of HTTP Basic.
    other = OAuth2Session(client=BackendApplicationClient(client_id=client.client_id))
    body_token = other.fetch_token(token_url=mock_api.token_url, client_id=client.client_id, client_secret=client.client_secret, include_client_id=True)
    assert body_token["access_token"]


def test_pyjwkclient_verifies_a_token_from_the_discovery_document(mock_api: MockAPI) -> None:
    client = mock_api.clients["analytics-reader"]
    token = requests.post(mock_api.token_url, data={"grant_type": "client_credentials"}, auth=(client.client_id, client.client_secret), timeout=5).json()["access_token"]
    jwks_uri = requests.get(mock_api.url + "/.well-known/openid-configuration", timeout=5).json()["jwks_uri"]
    signing_key = jwt.PyJWKClient(jwks_uri).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=API_AUDIENCE, issuer=mock_api.url)
    assert claims["client_id"] == "analytics-reader"
