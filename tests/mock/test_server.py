"""Starting the mock three ways, its request log, its offline docs."""

from __future__ import annotations

import argparse
import io
import platform
import sys
import socket
import threading
import time

import pytest
import requests

from tokenkit.mock import MockAPI, Settings
from tokenkit.mock.app import create_app
from tokenkit.mock.serve import add_arguments, describe, run

from .conftest import bearer, get_token


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_start_answers_at_once_and_stop_frees_the_port() -> None:
    api = MockAPI().start()
    try:
        assert api.running
        assert requests.get(api.url + "/health", timeout=2).json() == {"status": "ok"}
        port = api.port
    finally:
        api.stop()
    assert not api.running
    assert port is not None and port_is_free(port)
    api.stop()  # twice is fine


def test_two_mocks_at_once_are_independent() -> None:
    with MockAPI() as first, MockAPI() as second:
        assert first.port != second.port
        first.clock.advance(100)
        assert second.clock.offset == 0
        assert first.clients["notes-app"].client_secret != second.clients["notes-app"].client_secret


def test_using_a_mock_before_start_says_how() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        MockAPI().url


def test_busy_port_gives_a_clear_error() -> None:
    with MockAPI() as api:
        with pytest.raises(OSError, match="port=0"):
            MockAPI(port=api.port).start()


def test_repr_never_shows_secrets(mock_api: MockAPI) -> None:
    text = repr(mock_api) + repr(mock_api.clients)
    for client in mock_api.clients.values():
        assert client.client_secret not in text
    assert "notes-app" in text


def test_request_log_masks_credentials(fresh_mock: MockAPI) -> None:
    answer = get_token(fresh_mock)
    requests.get(fresh_mock.url + "/me", headers=bearer(answer["access_token"]), timeout=5)
    requests.get(fresh_mock.url + "/data", timeout=5)
    entries = fresh_mock.log(limit=3)
    assert [(e.method, e.path, e.status) for e in entries] == [("POST", "/oauth/token", 200), ("GET", "/me", 200), ("GET", "/data", 401)]
    assert entries[0].auth.startswith("Basic ") and entries[1].auth.startswith("Bearer eyJ")
    assert entries[1].client_id == "notes-app" and entries[2].refused_because.startswith("No credentials")
    served = requests.get(fresh_mock.url + "/mock/log", params={"limit": 10}, timeout=5).text
    everything = repr(entries) + served
    assert answer["access_token"] not in everything
    assert fresh_mock.clients["notes-app"].client_secret not in everything
    for token_part in answer["access_token"].split("."):
        assert token_part not in everything


def test_docs_work_offline(mock_api: MockAPI) -> None:
    page = requests.get(mock_api.url + "/docs", timeout=5).text
    assert "cdn" not in page.lower() and "/docs-static/swagger-ui-bundle.js" in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert requests.get(f"{mock_api.url}/docs-static/{asset}", timeout=5).status_code == 200
    spec = requests.get(mock_api.url + "/openapi.json", timeout=5).json()
    assert "/oauth/token" in spec["paths"] and "/notes/{note_id}" in spec["paths"]


def test_factory_reads_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENKIT_MOCK_SEED", "room-7")
    monkeypatch.setenv("TOKENKIT_MOCK_RATE_LIMITS", "0")
    monkeypatch.setenv("TOKENKIT_MOCK_ISSUER", "https://mock.classroom.test")
    app = create_app()
    settings = app.state.mock.settings
    assert settings == Settings(issuer="https://mock.classroom.test", seed="room-7", rate_limits=False, leeway=5)
    with MockAPI(seed="room-7") as api:
        assert app.state.mock.tenant.clients["notes-app"].client_secret == api.clients["notes-app"].client_secret
    monkeypatch.setenv("TOKENKIT_MOCK_RATE_LIMITS", "maybe")
    with pytest.raises(ValueError, match="TOKENKIT_MOCK_RATE_LIMITS"):
        create_app()


def test_terminal_command_prints_url_and_credentials_then_stops() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out, stop = io.StringIO(), threading.Event()
    code: list[int] = []
    thread = threading.Thread(target=lambda: code.append(run(parser.parse_args(["--port", "0", "--seed", "s"]), out, stop)))
    thread.start()
    deadline = time.monotonic() + 10
    while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    text = out.getvalue()
    url = text.split("listening on ")[1].split()[0]
    assert requests.get(url + "/health", timeout=2).status_code == 200
    assert "notes-app" in text and "rate-limited" in text
    stop.set()
    thread.join(10)
    assert code == [0]


def test_the_banner_lists_the_public_client_and_the_demo_people(mock_api: MockAPI) -> None:
    out = io.StringIO()
    describe(mock_api, out)
    lines = out.getvalue().splitlines()
    public = [line for line in lines if line.split()[:1] == ["cli-app"]]
    assert len(public) == 1 and "(public, no secret)" in public[0] and "notes:read" in public[0]
    for name, password in mock_api.users.items():
        assert [line.split() for line in lines if line.split()[:1] == [name]] == [[name, password]]
    assert lines[-1] == "Press Ctrl-C to stop."


def test_terminal_command_on_a_busy_port_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with MockAPI() as api:
        assert run(parser.parse_args(["--port", str(api.port)])) == 2
    assert "port=0" in capsys.readouterr().err


def test_uvicorn_gets_uvloop_and_httptools_when_installed() -> None:
    """The mock extra installs both (on CPython outside Windows); MockAPI and the command use them."""
    from importlib.util import find_spec

    from tokenkit.mock.server import server_stack

    expected = {
        "loop": "uvloop" if find_spec("uvloop") else "asyncio",
        "http": "httptools" if find_spec("httptools") else "h11",
    }
    assert server_stack() == expected
    if sys.platform != "win32" and platform.python_implementation() == "CPython":
        assert expected == {"loop": "uvloop", "http": "httptools"}, "the mock extra should have installed both"
    with MockAPI() as api:
        assert api._server is not None
        assert (api._server.config.loop, api._server.config.http) == (expected["loop"], expected["http"])
