"""Starting a JupyterLab for a test or a script: free port, private Jupyter folders, a copy of the lessons.

Shared by the browser tests' ``lab_url`` fixture, ``tests/test_lab_terminal.py`` (which
starts it through ``make lab``) and ``scripts/screenshots.py``, so the three start the same
server the same way. No Playwright here: the terminal test needs none.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


class LabDidNotStart(RuntimeError):
    """JupyterLab exited, or did not answer in time; the message carries its log."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def jupyter_dirs(work: Path) -> dict[str, str]:
    """Environment variables that keep every Jupyter setting and runtime file inside ``work``."""
    return {
        "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
        "JUPYTER_CONFIG_DIR": str(work / "config"),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
        "IPYTHONDIR": str(work / "ipython"),
    }


def copy_lessons(work: Path) -> Path:
    """Copy the lessons into ``work/notebooks`` (returned) and quiet JupyterLab's news toast.

    A copy, because JupyterLab autosaves what it runs and the committed notebooks (with
    their nbval-checked outputs) must not change.
    """
    root = work / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    # Lesson 08 reads the repository's .gitignore and .env.example from the notebooks' parent
    # folder, as it does in a clone; give the copy the same layout.
    for name in (".gitignore", ".env.example"):
        shutil.copy2(ROOT / name, work / name)
    settings = work / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "get Jupyter news?" toast: the machine is offline and it covers the page.
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    return root


def lab_args(port: int, token: str | None) -> list[str]:
    """``jupyter lab`` options for a headless server on loopback ``port``.

    ``token=None`` opens it with no token, password or XSRF check (a browser test's page
    needs no login); otherwise requests must send ``Authorization: token <token>``.
    """
    auth = (
        ["--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True"]
        if token is None
        else [f"--IdentityProvider.token={token}"]
    )
    args = [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        *auth,
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # CI runs as root; the server listens on loopback only
    return args


def wait_for_lab(
    url: str, process: subprocess.Popen[bytes], log: Path, token: str | None = None, timeout: float = 60.0, what: str = "JupyterLab"
) -> None:
    """Return once ``url/api/status`` answers 200; raise :class:`LabDidNotStart` if ``process`` exits first or time runs out."""
    headers = {"Authorization": f"token {token}"} if token else {}
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise LabDidNotStart(f"{what} exited with {process.returncode}; its log ({log}):\n{_read(log)}")
        try:
            if requests.get(f"{url}/api/status", headers=headers, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise LabDidNotStart(f"{what} did not answer within {timeout:g} s; its log ({log}):\n{_read(log)}")
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process``; kill it if it has not ended after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def _read(log: Path) -> str:
    try:
        return log.read_text(errors="replace")
    except OSError as exc:
        return f"(unreadable: {exc})"
