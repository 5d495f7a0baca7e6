"""`tokenkit doctor` runs in JupyterLab's own Terminal, opened from the server `make lab` starts.

Lesson 00 and the instructors' guide tell learners to run `tokenkit doctor` on a terminal.
The terminal JupyterLab opens is a child of the server, so it sees the server's PATH: this
test starts the server through `make lab` itself (headless, on a free loopback port, with a
token) from an environment where .venv is *not* on PATH, like a fresh shell, then opens a
terminal through the Jupyter Server REST API, types the command into its websocket, and
reads what the terminal prints.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import websocket

from tests.browser.server import LabDidNotStart, free_port, jupyter_dirs, lab_args, wait_for_lab

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def _fresh_shell_environment(work: Path) -> dict[str, str]:
    """The environment of a new shell: no venv activated, Jupyter's state kept in ``work``."""
    path = [entry for entry in os.environ.get("PATH", os.defpath).split(os.pathsep) if entry and not Path(entry).resolve().is_relative_to(VENV.resolve())]
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "PYTHONHOME", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    env.update(jupyter_dirs(work), PATH=os.pathsep.join(path), SHELL=env.get("SHELL") or "/bin/bash")
    return env


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(url, token) of a JupyterLab started by `make lab`, stopped (its process group) afterwards."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed; the README's fallback line starts JupyterLab by hand")
    work = tmp_path_factory.mktemp("lab-terminal")
    port, token = free_port(), secrets.token_urlsafe(24)
    # .venv is already set up (this test runs in it): tell make not to rebuild its stamp.
    checksum = subprocess.run(["cksum", "pyproject.toml"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()[0]
    command = ["make", "--no-print-directory", "-o", f".venv/.ready-lessons-{checksum}", "lab", f"LAB_ARGS={' '.join(lab_args(port, token))}"]
    log_path = work / "jupyterlab.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=_fresh_shell_environment(work), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_lab(url, process, log_path, token, what="make lab")
        except LabDidNotStart as exc:
            pytest.fail(str(exc))
        yield url, token
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # make, its shell and jupyter: the group we started
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_in_terminal(url: str, token: str, command: str, timeout: float = 60.0) -> tuple[int, str]:
    """Open a JupyterLab terminal, type ``command``, and return (its exit status, what it printed)."""
    headers = {"Authorization": f"token {token}"}
    created = requests.post(f"{url}/api/terminals", headers=headers, timeout=10)
    assert created.status_code == 200, created.text
    name = created.json()["name"]
    socket_url = url.replace("http://", "ws://") + f"/terminals/websocket/{name}"
    connection = websocket.create_connection(socket_url, header=[f"Authorization: token {token}"], timeout=timeout)
    try:
        # The marker is printed by printf, so the echo of the typed line cannot match it.
        connection.send(json.dumps(["stdin", f"{command}; printf 'EXIT=%s=\\n' $?\r"]))
        screen = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kind, *payload = json.loads(connection.recv())
            if kind == "stdout":
                screen += payload[0]
                found = re.search(r"EXIT=(\d+)=", ANSI.sub("", screen))
                if found:
                    return int(found.group(1)), ANSI.sub("", screen)
            elif kind == "disconnect":
                break
        raise AssertionError(f"the terminal did not finish {command!r}:\n{ANSI.sub('', screen)}")
    finally:
        connection.close()
        requests.delete(f"{url}/api/terminals/{name}", headers=headers, timeout=10)


def test_tokenkit_doctor_runs_in_the_terminal_of_make_lab(lab: tuple[str, str]) -> None:
    url, token = lab
    status, screen = run_in_terminal(url, token, 'echo "VENV=$VIRTUAL_ENV"; command -v tokenkit && tokenkit doctor')
    assert status == 0, screen
    assert f"{VENV / 'bin' / 'tokenkit'}\n" in screen, f"the terminal's tokenkit is not this .venv's:\n{screen}"
    assert f"VENV={VENV}\n" in screen, screen
    assert "mock API" in screen and "All good: ready for the lessons." in screen, screen
    assert "command not found" not in screen, screen
