"""tokenkit.explore: the request explorer's logic, without widgets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
import requests

from tokenkit import ApiKeyAuth, BearerAuth, HeaderAuth, ServerUnreachableError, Token, diagnose
from tokenkit import explore
from tokenkit.explore import (
    AUTH_FORMS,
    auth_for,
    join_url,
    parse_json_body,
    pretty_body,
    send,
    sent_credentials,
    status_line,
)

from .conftest import make_response, scripted_session

JWT = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6ImRhdGE6cmVhZCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def notes_token(api) -> str:
    client = api.clients["notes-app"]
    answer = requests.post(
        api.token_url,
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
        timeout=10,
    )
    return answer.json()["access_token"]


# -- auth_for --------------------------------------------------------------------------------------


def test_auth_forms_are_the_four_the_lessons_teach():
    assert AUTH_FORMS == ("none", "Bearer", "raw token", "X-API-Key")


def test_auth_for_maps_each_form_to_the_core_auth():
    assert auth_for("none", JWT) is None
    assert auth_for("Bearer", JWT) == BearerAuth(JWT)
    assert auth_for("raw token", JWT) == HeaderAuth(JWT, scheme=None)
    assert auth_for("X-API-Key", JWT) == ApiKeyAuth(JWT)


def test_auth_for_accepts_a_token_object_and_strips_a_pasted_newline():
    assert auth_for("Bearer", Token(JWT)) == BearerAuth(JWT)
    assert auth_for("Bearer", f"  {JWT}\n") == BearerAuth(JWT)


@pytest.mark.parametrize("token", [None, "", "   \n"])
def test_auth_for_needs_a_token_except_for_none(token):
    assert auth_for("none", token) is None
    with pytest.raises(ValueError, match="needs a token"):
        auth_for("Bearer", token)


def test_auth_for_refuses_an_unknown_form():
    with pytest.raises(ValueError, match="unknown auth form 'Basic'"):
        auth_for("Basic", JWT)


# -- parse_json_body -------------------------------------------------------------------------------


def test_parse_json_body_reads_json_and_treats_blank_as_no_body():
    assert parse_json_body('{"title": "x", "tags": ["a"]}') == {"title": "x", "tags": ["a"]}
    assert parse_json_body("[1, 2]") == [1, 2]
    assert parse_json_body("") is None
    assert parse_json_body("  \n ") is None
    assert parse_json_body(None) is None


def test_parse_json_body_names_line_and_column():
    with pytest.raises(ValueError) as info:
        parse_json_body('{\n  "title": "x"\n  "body": "y"\n}')
    message = str(info.value)
    assert "not valid JSON" in message
    assert "line 3, column 3" in message


def test_parse_json_body_hints_at_single_quotes():
    with pytest.raises(ValueError, match="double quotes"):
        parse_json_body("{'title': 'x'}")


# -- join_url ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("http://h:1", "/data", "http://h:1/data"),
        ("http://h:1/", "/data", "http://h:1/data"),
        ("http://h:1", "data", "http://h:1/data"),
        ("http://h:1/api", "/notes/3", "http://h:1/api/notes/3"),  # urljoin would drop /api
        ("http://h:1/api/", "notes?tag=a", "http://h:1/api/notes?tag=a"),
        ("http://h:1", "", "http://h:1/"),
        ("http://h:1", None, "http://h:1/"),
        ("http://h:1", "  /data \n", "http://h:1/data"),
        ("http://h:1", "//evil.test/x", "http://h:1/evil.test/x"),  # stays on the base host
        ("http://h:1/api", "http://h:1/api/data", "http://h:1/api/data"),
    ],
)
def test_join_url(base, path, expected):
    assert join_url(base, path) == expected


def test_join_url_refuses_another_host():
    with pytest.raises(ValueError, match="another server"):
        join_url("http://h:1", "https://evil.test/data?api_key=secret")
    with pytest.raises(ValueError, match="another server"):
        join_url("http://h:1", "http://h:12/data")  # a port prefix is not the same origin


def test_join_url_needs_an_absolute_base():
    with pytest.raises(ValueError, match="base URL"):
        join_url("localhost:8000", "/data")


# -- send, offline -----------------------------------------------------------------------------------


def test_send_builds_the_request_from_the_form():
    session, adapter = scripted_session([(201, {}, {"id": 1})])
    response = send(
        "post", "http://api.test", "/notes", form="Bearer", token=JWT, body_text='{"title": "x"}', session=session
    )
    assert response.status_code == 201
    [sent] = adapter.sent
    assert sent.method == "POST"
    assert sent.url == "http://api.test/notes"
    assert sent.headers["Authorization"] == f"Bearer {JWT}"
    assert sent.headers["Accept"] == "application/json"
    assert json.loads(sent.body) == {"title": "x"}
    assert adapter.kwargs[0]["timeout"] == 10


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_send_leaves_the_body_off_methods_without_one(method):
    session, adapter = scripted_session([(200, {}, {})])
    send(method, "http://api.test", "/notes/1", form="none", body_text="{not even json", session=session)
    assert adapter.sent[0].body is None
    assert "Authorization" not in adapter.sent[0].headers


def test_send_checks_the_form_before_sending():
    session, adapter = scripted_session([])
    with pytest.raises(ValueError, match="line 1, column 2"):
        send("PUT", "http://api.test", "/notes/1", token=JWT, body_text="{oops}", session=session)
    with pytest.raises(ValueError, match="unknown method"):
        send("FETCH", "http://api.test", "/data", token=JWT, session=session)
    with pytest.raises(ValueError, match="needs a token"):
        send("GET", "http://api.test", "/data", form="X-API-Key", token=None, session=session)
    assert adapter.sent == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_send_turns_a_refused_connection_into_server_unreachable():
    port = _closed_port()
    with pytest.raises(ServerUnreachableError) as info:
        send("GET", f"http://127.0.0.1:{port}", "/data", token=JWT, timeout=2)
    assert f"127.0.0.1:{port}" in str(info.value)
    assert JWT not in str(info.value)
    assert isinstance(info.value, requests.ConnectionError)
    assert diagnose(info.value).kind == "unreachable"


# -- describing the exchange -------------------------------------------------------------------------


def test_sent_credentials_masks_and_keeps_the_scheme():
    headers = {"Authorization": f"Bearer {JWT}", "X-API-Key": JWT}
    request = requests.Request("GET", "http://h/x", headers=headers).prepare()
    shown = dict(sent_credentials(request))
    assert shown["Authorization"].startswith("Bearer eyJh…")
    assert shown["X-API-Key"].startswith("eyJh…")
    assert JWT not in repr(shown)
    assert sent_credentials(requests.Request("GET", "http://h/x").prepare()) == []
    assert sent_credentials(None) == []


def test_pretty_body_indents_json_and_masks_secret_fields():
    body = {"access_token": JWT, "token_type": "Bearer", "nested": [{"refresh_token": "rt_" + "x" * 30}]}
    response = make_response(200, json_body=body)
    text = pretty_body(response)
    assert '"token_type": "Bearer"' in text
    assert JWT not in text and "rt_xxxx" not in text
    assert "chars)" in text
    assert text.startswith("{\n  ")


def test_pretty_body_text_empty_and_long():
    assert pretty_body(make_response(500, text="Internal error")) == "Internal error"
    assert pretty_body(make_response(204)) == "(empty body)"
    long = pretty_body(make_response(200, text="x" * 50), limit=10)
    assert long.startswith("x" * 10) and "40 more characters" in long


def test_status_line_has_no_query_string():
    request = requests.Request("GET", "http://h:1/data?api_key=secret").prepare()
    response = make_response(401, request=request, url=request.url)
    response.reason = "Unauthorized"
    assert status_line(response) == "401 Unauthorized · GET http://h:1/data"


# -- against the mock ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "path"), [("Bearer", "/data"), ("raw token", "/raw-token/data"), ("X-API-Key", "/api-key/data")]
)
def test_each_form_is_accepted_where_the_mock_expects_it(mock_api, form, path):
    response = send("GET", mock_api.url, path, form=form, token=notes_token(mock_api))
    assert response.status_code == 200, response.text


def test_wrong_form_and_no_token_are_refused_by_the_mock(mock_api):
    token = notes_token(mock_api)
    assert send("GET", mock_api.url, "/data", form="raw token", token=token).status_code == 401
    missing = send("GET", mock_api.url, "/data", form="none", token=None)
    assert missing.status_code == 401
    assert diagnose(missing).kind == "missing_credentials"


def test_crud_round_trip_on_notes(fresh_mock):
    token = notes_token(fresh_mock)
    created = send("POST", fresh_mock.url, "/notes", token=token, body_text='{"title": "t", "body": "b"}')
    assert created.status_code == 201
    note = f"/notes/{created.json()['id']}"
    assert send("PATCH", fresh_mock.url, note, token=token, body_text='{"title": "t2"}').json()["title"] == "t2"
    assert send("GET", fresh_mock.url, note, token=token).json()["title"] == "t2"
    assert send("DELETE", fresh_mock.url, note, token=token).status_code in (200, 204)
    assert send("GET", fresh_mock.url, note, token=token).status_code == 404


def test_explore_does_not_import_ipywidgets():
    code = "import sys, tokenkit.explore; print('ipywidgets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
    assert explore.__name__ == "tokenkit.explore"
