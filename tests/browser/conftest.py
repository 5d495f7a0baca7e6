"""A real JupyterLab, started on a free port with no token, and Debian's Chromium to drive it.

The lessons are copied to a temporary folder first: JupyterLab autosaves what it runs,
and the committed notebooks (with their nbval-checked outputs) must not change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest
from .server import NOTEBOOKS, ROOT, LabDidNotStart, copy_lessons, free_port, jupyter_dirs, lab_args, stop, wait_for_lab

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing in CI: .ci/run must install it (scripts/ensure-chromium.sh)")
    pytest.skip("Chromium is not installed: sudo apt-get install chromium (make test installs it when run as root)")


@pytest.fixture(scope="package")
def lab_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_chromium()
    work = tmp_path_factory.mktemp("jupyterlab")
    root = copy_lessons(work)
    port = free_port()
    command = [
        sys.executable, "-m", "jupyter", "lab", *lab_args(port, token=None),
        f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "jupyterlab.log"
    log = open(log_path, "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **jupyter_dirs(work)}, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_lab(url, process, log_path)
        except LabDidNotStart as exc:
            pytest.fail(str(exc))
        yield url
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """Headless Chromium for the browser tests: Playwright's sync API allows one instance per thread.

    Package scope, not session: while Playwright's sync API is open it keeps an event loop
    running in the main thread, and every later test that calls ``asyncio.run`` (the async
    core tests, lesson 10 under nbval) would fail with "cannot be called from a running
    event loop". Closing it when the browser tests are done gives the rest a clean thread.
    """
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="package")
def browser(lab_url: str, chromium: Any) -> Any:
    """:func:`chromium`, once JupyterLab is up (for the tests that drive the lessons)."""
    return chromium


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember each phase's report on the test item, so fixtures can screenshot failures."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


def widget_lessons() -> list[str]:
    """Lessons whose code uses tokenkit.widgets (lesson 00's plain ipywidgets slider is not one)."""
    return sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if "tokenkit.widgets" in path.read_text())


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser page per test; on failure a full-page screenshot goes to tests/artifacts."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
