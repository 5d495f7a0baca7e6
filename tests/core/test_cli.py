"""The tokenkit command: decode, token, mock; one-line errors, masked output unless --raw."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tokenkit.cli import main

from .conftest import credentials

VENV_BIN = Path(sys.executable).parent


def run(argv, *, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_err = sys.stderr
    sys.stderr = err
    try:
        code = main(argv, stdout=out, stdin=io.StringIO(stdin))
    except SystemExit as exc:  # argparse usage errors and --help
        code = int(exc.code or 0)
    finally:
        sys.stderr = old_err
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def no_tokenkit_env(monkeypatch, tmp_path):
    for name in ("TOKENKIT_API_URL", "TOKENKIT_TOKEN_URL", "TOKENKIT_CLIENT_ID", "TOKENKIT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the repository


@pytest.fixture(scope="module")
def a_token(mock_api):
    return credentials(mock_api, "notes-app", mock_clock=False).fetch()


def test_decode_text_and_json(a_token):
    code, out, err = run(["decode", a_token.access_token])
    assert code == 0 and err == ""
    assert "UNVERIFIED" in out and '"notes-app"' in out
    assert a_token.access_token not in out
    code, out, _ = run(["decode", "--json", a_token.access_token])
    data = json.loads(out)
    assert data["verified"] is False and data["claims"]["sub"] == "notes-app"


def test_decode_from_stdin(a_token):
    code, out, _ = run(["decode", "-"], stdin=f"Bearer {a_token.access_token}\n")
    assert code == 0 and "notes-app" in out


def test_decode_verify(a_token, mock_api):
    code, out, err = run(["decode", "--verify", "--issuer", mock_api.url, "--audience", "https://analytics.tokenkit.test",
                          a_token.access_token])
    assert code == 0, err
    assert "VERIFIED" in out and "UNVERIFIED" not in out
    code, _, err = run(["decode", "--verify", a_token.access_token])
    assert code == 1 and "--issuer" in err


def test_decode_errors_are_one_line():
    code, out, err = run(["decode", "not.a-jwt"])
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("tokenkit: error:")
    assert "Traceback" not in err
    code, _, err = run(["decode", "-"], stdin="")
    assert code == 1 and "empty" in err


def test_token_from_flags_is_masked(mock_api):
    client = mock_api.clients["analytics-reader"]
    code, out, err = run(["token", "--api-url", mock_api.url, "--client-id", client.client_id,
                          "--client-secret", client.client_secret])
    assert code == 0, err
    assert "access_token:" in out and "masked" in out and "data:read" in out
    assert client.client_secret not in out
    assert "eyJ" in out and out.count(".") < 3  # a prefix of the JWT, never the whole


def test_token_raw_and_json(mock_api):
    client = mock_api.clients["notes-app"]
    base = ["token", "--token-url", mock_api.token_url, "--client-id", client.client_id, "--client-secret", client.client_secret]
    code, out, _ = run(base + ["--raw"])
    assert code == 0
    raw = out.strip()
    assert raw.count(".") == 2 and "\n" not in raw
    code, out, _ = run(base + ["--json", "--scope", "notes:read"])
    data = json.loads(out)
    assert data["scope"] == "notes:read" and data["token_type"] == "Bearer"
    assert data["refresh_token"] and "chars" in data["access_token"]


def test_token_from_environment_and_dotenv(mock_api, monkeypatch, tmp_path):
    client = mock_api.clients["analytics-reader"]
    monkeypatch.setenv("TOKENKIT_API_URL", mock_api.url)
    (tmp_path / ".env").write_text(f"TOKENKIT_CLIENT_ID={client.client_id}\nTOKENKIT_CLIENT_SECRET={client.client_secret}\n")
    code, out, err = run(["token", "--auth-method", "client_secret_post"])
    assert code == 0, err
    assert "data:read" in out
    monkeypatch.delenv("TOKENKIT_CLIENT_ID", raising=False)
    monkeypatch.delenv("TOKENKIT_CLIENT_SECRET", raising=False)


def test_token_missing_settings_name_the_variable():
    code, out, err = run(["token"])
    assert code == 1 and out == ""
    assert "TOKENKIT_API_URL" in err and err.count("\n") == 1


def test_token_wrong_secret_and_unreachable(mock_api):
    code, _, err = run(["token", "--api-url", mock_api.url, "--client-id", "notes-app", "--client-secret", "wrong-secret-123"])
    assert code == 1 and "invalid_client" in err and "wrong-secret-123" not in err
    code, _, err = run(["token", "--api-url", "http://127.0.0.1:9", "--client-id", "x", "--client-secret", "y", "--timeout", "2"])
    assert code == 1 and "not answering" in err and "Traceback" not in err


def test_usage_errors_exit_2():
    assert run([])[0] == 2
    assert run(["frobnicate"])[0] == 2


def test_mock_help_lists_the_mock_flags(capsys):
    code, _, _ = run(["mock", "--help"])
    assert code == 0 and "--port" in capsys.readouterr().out


def test_mock_command_runs_the_lead_s_serve_module(monkeypatch):
    import tokenkit.mock.serve as serve

    seen = {}

    def fake_run(args):
        seen["port"] = args.port
        return 0

    monkeypatch.setattr(serve, "run", fake_run)
    assert run(["mock", "--port", "0"])[0] == 0
    assert seen == {"port": 0}


def test_console_script_and_python_m(a_token):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    script = VENV_BIN / "tokenkit"
    commands = [[sys.executable, "-m", "tokenkit", "decode", "-"]]
    if script.exists():
        commands.append([str(script), "decode", "-"])
    for command in commands:
        done = subprocess.run(command, input=a_token.access_token, capture_output=True, text=True, env=env, timeout=30)
        assert done.returncode == 0, done.stderr
        assert "notes-app" in done.stdout
    done = subprocess.run([sys.executable, "-m", "tokenkit", "decode", "x.y"], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_mock_without_its_extras_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tokenkit.mock.serve", None)  # makes the import fail
    code, out, err = run(["mock"])
    from tokenkit.doctor import install_extra

    assert code == 2 and install_extra("mock") in err and "Traceback" not in err
    assert "tokenkit-auth[mock]" in err or "[mock]" in err.split("pip install", 1)[1]


def test_doctor_command_delegates(monkeypatch):
    import tokenkit.doctor as doctor

    seen = {}

    def fake_main(start_mock=True):
        seen["start_mock"] = start_mock
        return 0

    monkeypatch.setattr(doctor, "main", fake_main)
    assert run(["doctor", "--no-mock"])[0] == 0
    assert seen == {"start_mock": False}


def test_every_token_flag_has_help_text():
    from tokenkit.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name in ("token", "decode"):
        for action in commands.choices[name]._actions:
            assert action.help, f"tokenkit {name} {action.option_strings or action.dest} has no help text"


def test_messages_name_flags_not_python_keywords(mock_api):
    issued = credentials(mock_api, "notes-app", mock_clock=False).fetch()
    code, _, err = run(["decode", "--verify", "--issuer", mock_api.url, issued.access_token])
    assert code == 1 and "--audience" in err and "audience=" not in err
    code, _, err = run(["token", "--api-url", mock_api.url, "--client-id", "notes-app", "--client-secret", "wrong-secret-123"])
    assert code == 1 and "auth_method=" not in err
    code, _, err = run(["token", "--api-url", mock_api.url, "--client-id", "notes-app", "--client-secret", "wrong-secret-123 "])
    assert code == 1 and "your client_secret ends with a space" in err and err.count("\n") == 1


def test_decode_token_type_flag(mock_api):
    issued = credentials(mock_api, "notes-app", mock_clock=False).fetch()
    base = ["decode", "--verify", "--issuer", mock_api.url, "--audience", "https://analytics.tokenkit.test"]
    code, out, err = run([*base, "--token-type", "at+jwt", issued.access_token])
    assert code == 0, err
    code, _, err = run([*base, "--token-type", "JWT", issued.access_token])  # an ID-token check refuses it
    assert code == 1 and "not 'JWT'" in err and "--token-type any" in err and "token_type=" not in err
    code, _, err = run([*base, "--token-type", "any", issued.access_token])
    assert code == 0, err
