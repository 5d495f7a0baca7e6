"""notebooks/scripts/fetch_report.py, the capstone script lesson 09 shows, run as a real process.

The lesson used to write the script with ``%%writefile {SCRIPT}``, which after a kernel
restart wrote a file literally named ``{SCRIPT}``. Now the script is a committed file, and
this test runs it the way a scheduler would: a new Python, its settings only from the
environment, its exit status the verdict. It runs in an empty directory so no ``.env``
of the checkout is found.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from tokenkit.mock import MockAPI

SCRIPT = Path(__file__).resolve().parent.parent / "notebooks" / "scripts" / "fetch_report.py"


def run_script(cwd: Path, **settings: str | None) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("TOKENKIT_")}
    env.update({name: value for name, value in settings.items() if value is not None})
    return subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60, env=env, cwd=cwd)


def settings_for(api: MockAPI, client_id: str = "notes-app") -> dict[str, str]:
    return {
        "TOKENKIT_API_URL": api.url,
        "TOKENKIT_CLIENT_ID": client_id,
        "TOKENKIT_CLIENT_SECRET": api.clients[client_id].client_secret,
    }


def test_the_script_saves_the_report_as_a_note_and_exits_0(fresh_mock: MockAPI, tmp_path: Path) -> None:
    settings = settings_for(fresh_mock)
    run = run_script(tmp_path, **settings)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("saved note "), run.stdout
    assert {"APAC", "EU", "NA"} <= {line.split()[0] for line in run.stdout.splitlines()[1:]}, run.stdout
    assert settings["TOKENKIT_CLIENT_SECRET"] not in run.stdout + run.stderr

    reply = requests.post(fresh_mock.token_url, data={"grant_type": "client_credentials"},
                          auth=("notes-app", settings["TOKENKIT_CLIENT_SECRET"]), timeout=10)
    notes = requests.get(f"{fresh_mock.url}/notes", headers={"Authorization": f"Bearer {reply.json()['access_token']}"}, timeout=10)
    titles = [note["title"] for note in notes.json()["notes"]]
    assert any(title.startswith("Weekly active users") for title in titles), titles


def test_a_wrong_secret_is_a_configuration_error_exit_2(fresh_mock: MockAPI, tmp_path: Path) -> None:
    run = run_script(tmp_path, **{**settings_for(fresh_mock), "TOKENKIT_CLIENT_SECRET": "not-the-secret"})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "invalid_client" in run.stderr and "not-the-secret" not in run.stderr


def test_a_missing_variable_is_named_exit_2(fresh_mock: MockAPI, tmp_path: Path) -> None:
    run = run_script(tmp_path, **{**settings_for(fresh_mock), "TOKENKIT_API_URL": None})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "TOKENKIT_API_URL" in run.stderr


def test_a_client_without_the_scope_is_refused_exit_2(fresh_mock: MockAPI, tmp_path: Path) -> None:
    run = run_script(tmp_path, **settings_for(fresh_mock, "analytics-reader"))  # may not have notes:write
    assert run.returncode == 2, run.stdout + run.stderr
    assert "invalid_scope" in run.stderr


def test_a_server_that_is_not_there_is_try_later_exit_3(tmp_path: Path) -> None:
    with MockAPI() as gone:
        settings = settings_for(gone)
    run = run_script(tmp_path, **settings)  # the mock has stopped: nothing answers at its port
    assert run.returncode == 3, run.stdout + run.stderr
    assert "network" in run.stderr
