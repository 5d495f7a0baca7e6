"""RequestExplorer: the form drives tokenkit.explore; the response, headers and diagnosis are shown."""

from __future__ import annotations

import socket

import pytest
import requests

from tokenkit import explore
from tokenkit.widgets import PASTE, RequestExplorer
from tokenkit.widgets import explorer as explorer_module

from .conftest import get_token, rendered_rows, shown_text


@pytest.fixture
def tokens(mock_api):
    return {"notes-app token": get_token(mock_api), "analytics token": get_token(mock_api, "analytics-reader")}


def test_defaults_and_controls(mock_api, tokens):
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    assert repr(ex) == "RequestExplorer()"
    assert ex._repr_mimebundle_()["text/plain"] == "RequestExplorer()"
    assert ex.method_select.options == ("GET", "POST", "PUT", "PATCH", "DELETE")
    assert ex.method_select.value == "GET"
    assert ex.path_input.value == "/data"
    assert ex.auth_select.options == explore.AUTH_FORMS and ex.auth_select.value == "Bearer"
    assert ex.token_select.options == ("notes-app token", "analytics token", PASTE)
    assert ex.token_select.value == "notes-app token"
    assert ex.token_paste.layout.display == "none"
    assert ex.body_input.disabled  # GET sends no body
    assert ex.send_button.description == "Send"
    for widget, css in [
        (ex, "tokenkit-explorer"),
        (ex.send_button, "tokenkit-send"),
        (ex.status, "tokenkit-status"),
        (ex.diagnosis_view, "tokenkit-diagnosis"),
        (ex.path_input, "tokenkit-path"),
        (ex.body_input, "tokenkit-body"),
        (ex.token_paste, "tokenkit-token-paste"),
    ]:
        assert css in widget._dom_classes


def test_click_send_shows_status_headers_body_and_diagnosis(mock_api, tokens):
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    ex.send_button.click()
    assert ex.response is not None and ex.response.status_code == 200
    assert "200 OK · GET" in ex.status.value and "/data" in ex.status.value
    assert "sent Authorization: Bearer eyJh…" in ex.status.value
    assert "content-type" in ex.headers_view.value.lower()
    assert "weekly-active-users" in ex.body_view.value
    assert ex.diagnosis_view.value.startswith("<div")
    assert ex.diagnosis is not None and ex.diagnosis.ok
    assert ex.error_text == "" and ex.error is None
    assert not ex.send_button.disabled


def test_send_returns_the_response_like_a_click(mock_api, tokens):
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    response = ex.send()
    assert response is ex.response and response.status_code == 200


def test_no_credentials_gives_a_diagnosed_401(mock_api, tokens):
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    ex.auth_select.value = "none"
    assert ex.token_select.disabled
    response = ex.send()
    assert response.status_code == 401
    assert "sent no credentials" in ex.status.value
    assert ex.diagnosis.kind == "missing_credentials"
    assert "401" in ex.diagnosis_view.value
    heading, *headers = rendered_rows(ex.headers_view.value)
    assert heading == ["Response headers"]
    assert ["www-authenticate", response.headers["WWW-Authenticate"]] in headers  # name and value, two cells


@pytest.mark.parametrize(("form", "path"), [("raw token", "/raw-token/data"), ("X-API-Key", "/api-key/data")])
def test_other_forms_reach_their_endpoints(mock_api, tokens, form, path):
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    assert ex.send(path=path, form=form).status_code == 200


def test_wrong_scope_is_a_403_with_the_missing_scope(mock_api, tokens):
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    response = ex.send("POST", "/notes", token_source="analytics token", body={"title": "x", "body": "y"})
    assert response.status_code == 403
    assert ex.diagnosis.kind == "insufficient_scope"
    assert "notes:write" in ex.diagnosis_view.value


def test_post_patch_delete_a_note_through_the_form(fresh_mock):
    ex = RequestExplorer(fresh_mock.url, token=get_token(fresh_mock))
    assert ex.token_select.value == "token"
    ex.method_select.value = "POST"
    assert not ex.body_input.disabled
    ex.path_input.value = "/notes"
    ex.body_input.value = '{"title": "Shopping", "body": "milk"}'
    ex.send_button.click()
    assert ex.response.status_code == 201
    note = f"/notes/{ex.response.json()['id']}"
    assert ex.send("PATCH", note, body='{"title": "Groceries"}').json()["title"] == "Groceries"
    assert ex.send("DELETE", note).status_code in (200, 204)
    assert ex.send("GET", note).status_code == 404
    assert ex.diagnosis.about_tokens is False


def test_paste_a_token(mock_api):
    token = get_token(mock_api)
    ex = RequestExplorer(mock_api.url)
    assert ex.token_select.options == (PASTE,)
    assert ex.token_paste.layout.display is None  # revealed
    assert "paste one" in ex.token_preview.value
    ex.token_paste.value = token
    assert "eyJh…" in ex.token_preview.value and "notes:write" in ex.token_preview.value
    assert ex.send().status_code == 200


def test_send_with_a_token_argument_pastes_it(mock_api, tokens):
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    assert ex.send(token=get_token(mock_api)).status_code == 200
    assert ex.token_select.value == PASTE


def test_bad_json_is_not_sent_and_says_where(mock_api, tokens):
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    assert ex.send("POST", "/notes", body='{"title": "x",}') is None
    assert "Not sent" in ex.status.value
    assert ex.error_text.startswith("ValueError: the body is not valid JSON")
    assert "line 1, column 15" in ex.error_text
    assert ex.response is None and ex.body_view.value == ""


def test_missing_token_and_foreign_host_are_not_sent(mock_api):
    ex = RequestExplorer(mock_api.url)
    assert ex.send() is None
    assert "needs a token" in ex.error_text
    ex.token_paste.value = get_token(mock_api)
    assert ex.send(path="https://evil.test/steal") is None
    assert "another server" in ex.error_text


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_that_does_not_answer(tokens):
    ex = RequestExplorer(f"http://127.0.0.1:{_closed_port()}", tokens=tokens, timeout=2)
    ex.send_button.click()
    assert ex.response is None
    assert "No answer" in ex.status.value
    assert ex.error_text.startswith("ServerUnreachableError: the server at http://127.0.0.1:")
    assert ex.diagnosis.kind == "unreachable"
    assert "not running" in ex.diagnosis_view.value


def test_callback_errors_are_shown_and_the_button_comes_back(mock_api, tokens, monkeypatch):
    secret = tokens["notes-app token"]

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"transport fell over with {kwargs['token']}")

    monkeypatch.setattr(explorer_module.explore, "send", broken)
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    ex.send_button.click()
    assert ex.error_text.startswith("RuntimeError: transport fell over with eyJh…")
    assert secret not in ex.errors.value
    assert not ex.send_button.disabled


def test_tokens_are_masked_everywhere_but_the_paste_field(mock_api, tokens):
    pasted = get_token(mock_api)
    ex = RequestExplorer(mock_api.url, tokens=tokens)
    ex.send()
    ex.send(token=pasted)
    ex.send("POST", "/oauth/token", form="none")  # a token endpoint answer in the body view
    text = shown_text(ex, skip=(ex.token_paste,))
    for secret in [*tokens.values(), pasted]:
        assert secret not in text


def test_token_endpoint_answer_is_masked_and_session_auth_is_shown(mock_api):
    """A session's own auth still applies with "none"; the status line says what really went out."""
    client = mock_api.clients["notes-app"]
    session = requests.Session()
    session.auth = (client.client_id, client.client_secret)  # HTTP Basic client authentication
    ex = RequestExplorer(mock_api.url, session=session)
    response = ex.send("POST", "/oauth/token", form="none", body={"grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    assert "sent Authorization: Basic " in ex.status.value
    assert client.client_secret not in shown_text(ex)
    assert response.json()["access_token"] not in ex.body_view.value
    assert "&quot;access_token&quot;: &quot;eyJh…" in ex.body_view.value
    assert "&quot;token_type&quot;: &quot;Bearer&quot;" in ex.body_view.value


def test_earlier_answers_are_shown(mock_api):
    from tests.core.conftest import scripted_session

    session, adapter = scripted_session([(302, {"Location": "/data/v2"}, None), (200, {}, {"ok": True})])
    ex = RequestExplorer("http://api.test", token="a-token-long-enough-to-mask", session=session)
    assert ex.send().status_code == 200
    assert "200 OK · GET http://api.test/data/v2" in ex.status.value
    assert "· after 302" in ex.status.value
    assert len(adapter.sent) == 2
