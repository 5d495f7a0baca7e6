"""A lesson's mock lives as long as its kernel: one per name, replaced on a re-run, stopped at exit.

Lessons start ``MockAPI(name="lesson")``. Running the setup cell again must not pile up
servers, and a kernel restart (Restart & Run All) must stop the server before the kernel
process is gone, promptly enough that Jupyter never has to kill the kernel.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import requests
from jupyter_client.manager import KernelManager

from tokenkit.mock import MockAPI


def answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def eventually(condition: Callable[[], bool], within: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``within`` seconds passed (a wait, not a timing assert)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_named_mock_replaces_the_previous_one_of_that_name() -> None:
    first = MockAPI(name="lesson-test").start()
    try:
        old_port = first.port
        second = MockAPI(name="lesson-test").start()
        try:
            assert second.running and not first.running
            assert second.port != old_port
            assert requests.get(f"{second.url}/health", timeout=5).status_code == 200
            assert old_port is not None and eventually(lambda: not answers(old_port)), "the replaced server frees its port"
            assert first.clients["notes-app"].client_id == "notes-app", "a replaced mock's state stays readable"
        finally:
            second.stop()
    finally:
        first.stop()


def test_unnamed_and_differently_named_mocks_are_left_alone() -> None:
    with MockAPI() as plain, MockAPI(name="lesson-a") as a:
        with MockAPI(name="lesson-b") as b:
            assert plain.running and a.running and b.running
        assert plain.running and a.running
        with MockAPI() as another:
            assert plain.running and another.running


def test_stopping_a_named_mock_frees_its_name() -> None:
    first = MockAPI(name="lesson-test").start()
    first.stop()
    second = MockAPI(name="lesson-test").start()
    try:
        assert second.running and not first.running
        first.stop()  # stopping the old one again does not touch the new one
        assert second.running
    finally:
        second.stop()


def test_a_kernel_restart_stops_the_lessons_mock_before_the_kernel_exits(tmp_path: Path) -> None:
    """What Restart Kernel does in JupyterLab: a shutdown request, then (only if needed) a kill.

    A probe registered with ``atexit`` before tokenkit is imported runs after tokenkit's own
    exit handler, so it sees whether the mock was stopped by then; that it runs at all shows
    the kernel exited by itself rather than being killed.
    """
    probe_file = tmp_path / "probe.json"
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)

        def run(code: str) -> None:
            reply = client.execute_interactive(code, timeout=60, output_hook=lambda msg: None)
            assert reply["content"]["status"] == "ok", reply["content"]

        run(
            "import atexit, json, socket\n"
            "_port = []\n"
            "def _probe():\n"
            "    with socket.socket() as s:\n"
            "        refused = s.connect_ex(('127.0.0.1', _port[0])) != 0\n"
            f"    open({str(probe_file)!r}, 'w').write(json.dumps({{'refused': refused}}))\n"
            "atexit.register(_probe)\n"
        )
        run(
            "import requests\n"
            "from tokenkit.mock import MockAPI\n"
            "api = MockAPI(name='lesson').start()\n"
            "api = MockAPI(name='lesson').start()   # the setup cell, run twice\n"
            "_port.append(api.port)\n"
            "kept_alive = requests.Session()\n"
            "kept_alive.get(api.url + '/health').raise_for_status()   # an open keep-alive connection\n"
        )
        manager.restart_kernel(now=False)
        assert probe_file.exists(), "the kernel was killed instead of exiting: its exit handlers never ran"
        assert json.loads(probe_file.read_text()) == {"refused": True}, "the mock still answered while the kernel exited"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
