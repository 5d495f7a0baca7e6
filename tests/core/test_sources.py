"""Token sources: static, environment, client credentials and refresh-token grants."""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import parse_qsl

import pytest
import requests

from tokenkit import (
    ClientCredentials,
    EnvToken,
    RefreshableSource,
    ServerUnreachableError,
    StaticToken,
    Token,
    TokenEndpointError,
    TokenSource,
)
from tokenkit.mock import OTHER_AUDIENCE

from .conftest import credentials, scripted_session

TOKEN_ANSWER = (200, {"Content-Type": "application/json"}, {"access_token": "at-1234567890", "token_type": "Bearer", "expires_in": 60})


def test_static_token_is_a_source_but_not_refreshable():
    source = StaticToken("plain-token-1234567890")
    assert isinstance(source, TokenSource)
    assert not isinstance(source, RefreshableSource)
    assert source.fetch() == Token("plain-token-1234567890")
    assert source == StaticToken(Token("plain-token-1234567890"))


def test_client_credentials_is_refreshable():
    assert isinstance(ClientCredentials("https://x/token", "id", "secret"), RefreshableSource)


def test_env_token_reads_at_fetch_time(monkeypatch):
    monkeypatch.setenv("TOKENKIT_TEST_TOKEN_ABC", "first-token-123456")
    source = EnvToken("TOKENKIT_TEST_TOKEN_ABC")
    assert source.fetch().access_token == "first-token-123456"
    monkeypatch.setenv("TOKENKIT_TEST_TOKEN_ABC", "second-token-123456")
    assert source.fetch().access_token == "second-token-123456"


def test_basic_auth_form_urlencodes_id_and_secret_first():
    """RFC 6749 §2.3.1: id and secret are application/x-www-form-urlencoded, then base64."""
    session, adapter = scripted_session([TOKEN_ANSWER])
    source = ClientCredentials("https://auth.test/token", "my client", "p@ss:w%rd+é", session=session)
    source.fetch()
    header = adapter.sent[0].headers["Authorization"]
    assert header.startswith("Basic ")
    decoded = base64.b64decode(header[6:]).decode()
    assert decoded == "my+client:p%40ss%3Aw%25rd%2B%C3%A9"
    body = dict(parse_qsl(adapter.bodies[0]))
    assert body == {"grant_type": "client_credentials"}
    assert adapter.kwargs[0]["timeout"] == 10.0


def test_post_and_json_methods_put_credentials_in_the_body():
    session, adapter = scripted_session([TOKEN_ANSWER, TOKEN_ANSWER])
    ClientCredentials("https://auth.test/token", "id", "s", scope=["a", "b"], audience="aud",
                      auth_method="client_secret_post", session=session).fetch()
    ClientCredentials("https://auth.test/token", "id", "s", auth_method="json", session=session).fetch()
    assert dict(parse_qsl(adapter.bodies[0])) == {
        "grant_type": "client_credentials", "scope": "a b", "audience": "aud", "client_id": "id", "client_secret": "s"}
    assert json.loads(adapter.bodies[1]) == {"grant_type": "client_credentials", "client_id": "id", "client_secret": "s"}
    assert "Authorization" not in adapter.sent[0].headers


def test_unknown_auth_method_is_refused():
    with pytest.raises(ValueError):
        ClientCredentials("https://x/token", "id", "s", auth_method="nope")  # type: ignore[arg-type]


def test_non_json_answer_is_explained():
    session, _ = scripted_session([(200, {"Content-Type": "text/html"}, None)])
    with pytest.raises(TokenEndpointError) as info:
        ClientCredentials("https://auth.test/token", "id", "s", session=session).fetch()
    assert info.value.error == "invalid_response"
    assert "not JSON" in str(info.value)


def test_refresh_keeps_the_old_refresh_token_when_none_is_issued():
    session, adapter = scripted_session([TOKEN_ANSWER])
    source = ClientCredentials("https://auth.test/token", "id", "s", session=session)
    new = source.refresh(Token("old-access-123456", refresh_token="rt-kept-123456"))
    assert new.refresh_token == "rt-kept-123456"
    assert dict(parse_qsl(adapter.bodies[0])) == {"grant_type": "refresh_token", "refresh_token": "rt-kept-123456"}
    with pytest.raises(ValueError):
        source.refresh(Token("no-refresh-123456"))


def test_unreachable_server_says_so(unused_url):
    source = ClientCredentials(f"{unused_url}/oauth/token", "id", "s", timeout=2)
    with pytest.raises(ServerUnreachableError) as info:
        source.fetch()
    message = str(info.value)
    assert "not answering" in message and unused_url in message and "mock" in message
    assert isinstance(info.value, requests.ConnectionError)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.fixture
def unused_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- against the mock ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post", "json"])
def test_fetch_with_each_auth_method(mock_api, method):
    token = credentials(mock_api, "analytics-reader", auth_method=method).fetch()
    assert token.scopes == ("data:read",)
    assert token.refresh_token is None
    assert 3590 < token.expires_in <= 3600
    r = requests.get(f"{mock_api.url}/data", headers={"Authorization": token.authorization}, timeout=5)
    assert r.status_code == 200


def test_scope_and_audience_are_sent(mock_api):
    token = credentials(mock_api, "notes-app", scope="notes:read", audience=OTHER_AUDIENCE).fetch()
    assert token.scopes == ("notes:read",)
    from tokenkit import decode

    assert decode(token).claims["aud"] == OTHER_AUDIENCE


def test_refresh_token_rotation(mock_api):
    source = credentials(mock_api, "notes-app")
    first = source.fetch()
    assert first.refresh_token
    second = source.refresh(first)
    assert second.refresh_token and second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    third = source.refresh(second.refresh_token)  # a plain string works too
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)
    # reusing a rotated refresh token is refused (and revokes the family)
    with pytest.raises(TokenEndpointError) as info:
        source.refresh(first)
    assert info.value.error == "invalid_grant"
    assert info.value.status_code == 400
    assert info.value.diagnosis.kind == "token_endpoint:invalid_grant"


def test_wrong_secret_is_invalid_client_with_diagnosis(mock_api):
    client = mock_api.clients["notes-app"]
    bad = ClientCredentials(mock_api.token_url, client.client_id, client.client_secret + "x")
    with pytest.raises(TokenEndpointError) as info:
        bad.fetch()
    err = info.value
    assert err.error == "invalid_client" and err.status_code == 401
    assert err.response is not None and err.response.headers["WWW-Authenticate"].startswith("Basic")
    assert err.diagnosis.kind == "token_endpoint:invalid_client"
    assert "wrong" in (err.error_description or "")
    assert client.client_secret not in str(err)


def test_invalid_scope(mock_api):
    with pytest.raises(TokenEndpointError) as info:
        credentials(mock_api, "analytics-reader", scope="notes:write").fetch()
    assert info.value.error == "invalid_scope"


def test_refresh_grant_refused_for_a_client_without_it(mock_api):
    with pytest.raises(TokenEndpointError) as info:
        credentials(mock_api, "analytics-reader").refresh("rt_something")
    assert info.value.error == "unauthorized_client"


def test_revoke_and_introspect(mock_api):
    source = credentials(mock_api, "notes-app")
    token = source.fetch()
    assert source.introspect(token)["active"] is True
    source.revoke(token)
    assert source.introspect(token) == {"active": False}
    r = requests.get(f"{mock_api.url}/me", headers={"Authorization": token.authorization}, timeout=5)
    assert r.status_code == 401


def test_from_env_builds_the_token_url(mock_api, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    client = mock_api.clients["analytics-reader"]
    monkeypatch.delenv("TOKENKIT_TOKEN_URL", raising=False)
    monkeypatch.setenv("TOKENKIT_API_URL", mock_api.url + "/")
    monkeypatch.setenv("TOKENKIT_CLIENT_ID", client.client_id)
    (tmp_path / ".env").write_text(f"TOKENKIT_CLIENT_SECRET={client.client_secret}\n")
    monkeypatch.delenv("TOKENKIT_CLIENT_SECRET", raising=False)
    source = ClientCredentials.from_env()
    assert source.token_url == mock_api.token_url
    assert source.fetch().scopes == ("data:read",)
    assert "TOKENKIT_CLIENT_SECRET" not in os.environ  # read from the file, not exported


def test_from_env_an_exported_api_url_beats_a_token_url_in_the_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOKENKIT_TOKEN_URL", raising=False)
    monkeypatch.setenv("TOKENKIT_API_URL", "http://exported.test")
    (tmp_path / ".env").write_text(
        "TOKENKIT_TOKEN_URL=http://stale.test/oauth/token\nTOKENKIT_CLIENT_ID=a\nTOKENKIT_CLIENT_SECRET=b\n"
    )
    assert ClientCredentials.from_env().token_url == "http://exported.test/oauth/token"
    monkeypatch.setenv("TOKENKIT_TOKEN_URL", "http://exported.test/token")
    assert ClientCredentials.from_env().token_url == "http://exported.test/token"


def test_from_env_file_token_url_beats_file_api_url(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("TOKENKIT_TOKEN_URL", "TOKENKIT_API_URL", "TOKENKIT_CLIENT_ID", "TOKENKIT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(
        "TOKENKIT_API_URL=http://api.test\nTOKENKIT_TOKEN_URL=http://auth.test/token\n"
        "TOKENKIT_CLIENT_ID=a\nTOKENKIT_CLIENT_SECRET=b\n"
    )
    assert ClientCredentials.from_env().token_url == "http://auth.test/token"
