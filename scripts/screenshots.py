"""Re-make the README's pictures (docs/images/*.png) from a real JupyterLab in headless Chromium.

    .venv/bin/python scripts/screenshots.py            # both pictures
    .venv/bin/python scripts/screenshots.py token-inspector

Each picture is a lesson run as a learner runs it: JupyterLab on a free loopback port,
the lessons copied to a temporary folder (JupyterLab autosaves, and the committed
notebooks must not change), every cell above the lesson's last one run, then the widget
used through the page. The token inspector's box shows the token *masked*
(``tokenkit.mask``: first and last characters and the length), written into the visible
text box only, so the widget keeps decoding the real token underneath. A painted block
over the box (Playwright's ``mask=``) looked like a rendering bug in the README's first
picture.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.lab import open_notebook, run_all_cells  # noqa: E402  (the browser test's own driver)
from tests.browser.server import copy_lessons, free_port, jupyter_dirs, lab_args, stop, wait_for_lab  # noqa: E402
from tokenkit.secrets import mask  # noqa: E402

DOCS_IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}


@contextmanager
def jupyterlab() -> Iterator[tuple[str, str]]:
    """A JupyterLab over a copy of the lessons; yields its URL and token."""
    with tempfile.TemporaryDirectory(prefix="tokenkit-screenshots-") as temporary:
        work = Path(temporary)
        root = copy_lessons(work)
        port, token = free_port(), secrets.token_urlsafe(24)
        command = [
            sys.executable, "-m", "jupyter", "lab", *lab_args(port, token),
            f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
        ]  # fmt: skip
        log = work / "jupyterlab.log"
        with open(log, "w") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **jupyter_dirs(work)}, cwd=root)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_lab(url, process, log, token)
            yield url, token
        finally:
            stop(process)


def _lesson(prefix: str) -> str:
    return next(path.name for path in sorted((ROOT / "notebooks").glob(f"{prefix}_*.ipynb")))


def _run_lesson(page: Page, url: str, prefix: str) -> None:
    open_notebook(page, url, _lesson(prefix))
    state = run_all_cells(page, keep_mock=True)
    if state["errors"]:
        raise RuntimeError(f"lesson {prefix} failed in JupyterLab: {state['errors']}")


def token_inspector(page: Page, url: str) -> Path:
    """Lesson 04's inspector: a token pasted, its claims shown and its signature verified."""
    _run_lesson(page, url, "04")
    inspector = page.locator(".tokenkit-inspector").last
    inspector.scroll_into_view_if_needed()
    box = inspector.locator(".tokenkit-token-input textarea")
    token = box.input_value()
    if token.count(".") != 2:
        raise RuntimeError("lesson 04 no longer shows the inspector with a token in it")
    box.fill("")
    box.fill(token)  # what a paste does
    inspector.locator(".tokenkit-claims").get_by_text("client_id").first.wait_for(timeout=10_000)
    inspector.locator("button.tokenkit-verify").click()
    inspector.locator(".tokenkit-verify-result").get_by_text("VERIFIED", exact=False).first.wait_for(timeout=15_000)
    # Show the masked form in the visible box only: setting the DOM value fires no input
    # event, so the widget's model (and everything decoded from it) keeps the real token.
    box.evaluate("(element, shown) => { element.value = shown; element.blur(); }", mask(token))
    if token in page.locator("body").inner_text() or box.input_value() != mask(token):
        raise RuntimeError("the token would appear whole in the picture")
    return _save(inspector, "token-inspector.png")


def request_explorer(page: Page, url: str) -> Path:
    """Lesson 05's explorer: a refused request and its diagnosis."""
    _run_lesson(page, url, "05")
    explorer = page.locator(".tokenkit-explorer").last
    explorer.scroll_into_view_if_needed()
    explorer.locator(".tokenkit-method select").select_option("GET")
    explorer.locator(".tokenkit-path input").fill("/data")
    explorer.locator(".tokenkit-auth-form select").select_option("none")
    explorer.locator("button.tokenkit-send").click()
    explorer.locator(".tokenkit-status").get_by_text("401", exact=False).first.wait_for(timeout=15_000)
    explorer.locator(".tokenkit-diagnosis").get_by_text("credentials", exact=False).first.wait_for(timeout=10_000)
    return _save(explorer, "request-explorer.png")


def _save(locator, name: str) -> Path:
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    path = DOCS_IMAGES / name
    locator.screenshot(path=str(path), animations="disabled")
    return path


PICTURES: dict[str, Callable[[Page, str], Path]] = {"token-inspector": token_inspector, "request-explorer": request_explorer}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pictures", nargs="*", metavar="picture", help=f"any of {', '.join(PICTURES)} (default: all)")
    names = parser.parse_args(argv).pictures or list(PICTURES)
    unknown = set(names) - set(PICTURES)
    if unknown:
        parser.error(f"no picture named {', '.join(sorted(unknown))}; choose from {', '.join(PICTURES)}")
    with jupyterlab() as (url, token), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            # Log the browser in once; the lab pages then carry the session cookie.
            login = context.new_page()
            login.goto(f"{url}/lab?token={token}")
            login.close()
            for name in names:
                page = context.new_page()
                path = PICTURES[name](page, url)
                page.close()
                print(f"wrote {path.relative_to(ROOT)}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
