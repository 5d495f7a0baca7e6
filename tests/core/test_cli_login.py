"""``tokenkit login``: a person's login from the terminal, the token shown masked, and where it is cached."""

from __future__ import annotations

import argparse
import io
import os
import stat
from pathlib import Path
from typing import Any

import pytest

import tokenkit.login
from tokenkit.cache import TokenCache, cache_key
from tokenkit.cli import build_parser, main


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


@pytest.fixture
def approve_prompts(fresh_mock: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The default prompt still prints; then the person (alice) approves at once."""
    shown: list[str] = []
    real = tokenkit.login.show_prompt

    def prompt_and_approve(prompt: tokenkit.login.DevicePrompt) -> object:
        shown.append(prompt.user_code)
        result = real(prompt)
        fresh_mock.approve_device(prompt.user_code, "alice")
        return result

    monkeypatch.setattr(tokenkit.login, "show_prompt", prompt_and_approve)
    return shown


def test_device_login_prints_the_masked_token_and_the_cache(
    fresh_mock: Any, approve_prompts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tokens.json"
    code, out = run("login", "--device", fresh_mock.url, "--client-id", "cli-app", "--scope", "notes:read", "--cache", str(path))
    assert code == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert approve_prompts and approve_prompts[0] in err and "/oauth/device" in err  # the prompt, on stderr
    token = TokenCache(path).load(cache_key(fresh_mock.url, "cli-app", "notes:read"))
    assert token is not None and token.refresh_token
    assert token.access_token not in out + err and token.refresh_token not in out + err
    assert out.startswith("logged in\naccess_token: eyJ") and "…" in out
    assert f"cached in:    {path} (readable by you only)" in out
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # the next run uses the cache: nobody is asked again
    code, again = run("login", "--device", fresh_mock.url, "--client-id", "cli-app", "--scope", "notes:read", "--cache", str(path))
    assert code == 0 and len(approve_prompts) == 1 and "cached in:" in again


def test_no_cache_writes_nothing(fresh_mock: Any, approve_prompts: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    code, out = run("login", "--device", fresh_mock.url, "--client-id", "cli-app", "--no-cache", "--json")
    assert code == 0 and '"cache": null' in out and '"access_token": "eyJ' in out
    assert list(tmp_path.iterdir()) == []


def test_a_denied_login_is_one_line_and_exit_1(fresh_mock: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(tokenkit.login, "show_prompt", lambda p: fresh_mock.deny_device(p.user_code))
    code, out = run("login", "--device", fresh_mock.url, "--client-id", "cli-app", "--no-cache")
    err = capsys.readouterr().err
    assert code == 1 and out == ""
    assert err.startswith("tokenkit: error:") and "access_denied" in err and err.count("\n") == 1


def test_a_wrong_issuer_is_explained(mock_api: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("login", "--device", mock_api.url + "/nothing-here", "--client-id", "cli-app", "--no-cache")
    err = capsys.readouterr().err
    assert code == 1 and "Is this the issuer URL?" in err


def test_a_grant_and_a_client_id_are_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run("login", "--client-id", "cli-app")
    assert caught.value.code == 2 and "--device" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("login", "--device", "http://127.0.0.1:9", "--pkce", "http://127.0.0.1:9", "--client-id", "x")


def test_every_login_flag_has_help() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    login = commands.choices["login"]
    flags = [a for a in login._actions if a.option_strings and a.dest != "help"]
    assert {f.dest for f in flags} >= {"device", "pkce", "client_id", "scope", "cache", "no_cache", "no_browser", "json"}
    assert all(f.help and len(f.help) > 15 for f in flags)


def test_pkce_login_opens_the_browser_and_prints_the_masked_token(
    fresh_mock: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading
    import webbrowser

    import requests

    opened: list[str] = []

    def browser(url: str) -> bool:  # the system browser, with alice approving on the page
        opened.append(url)
        landing = fresh_mock.approve_authorization(url, "alice")
        threading.Thread(target=requests.get, args=(landing,), kwargs={"timeout": 10}).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    path = tmp_path / "tokens.json"
    code, out = run("login", "--pkce", fresh_mock.url, "--client-id", "cli-app", "--cache", str(path), "--login-timeout", "20")
    err = capsys.readouterr().err
    assert code == 0, err
    assert opened and "code_challenge_method=S256" in opened[0]
    token = TokenCache(path).load(cache_key(fresh_mock.url, "cli-app", None))
    assert token is not None and token.access_token not in out + err
    assert "logged in\naccess_token: eyJ" in out and str(path) in out


def test_pkce_no_browser_prints_the_link(fresh_mock: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("login", "--pkce", fresh_mock.url, "--client-id", "cli-app", "--no-cache", "--no-browser", "--login-timeout", "0.2")
    err = capsys.readouterr().err
    assert code == 1
    assert "Open this link in your browser" in err and "/oauth/authorize?" in err
    assert "no answer from the browser within 0.2 s" in err
