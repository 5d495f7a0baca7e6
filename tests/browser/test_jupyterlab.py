"""Every lesson, run in a real JupyterLab in headless Chromium, as a learner would.

For each lesson: open it, run all cells, wait for the kernel to go idle, and check that
no cell failed and no widget failed to display. Screenshots of failures are saved in
tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, NOTEBOOKS, ROOT
from .lab import open_notebook, run_all_cells

pytestmark = pytest.mark.browser

LESSONS = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
DOCS_IMAGES = ROOT / "docs" / "images"


def shows_widgets(name: str) -> bool:
    notebook = json.loads((NOTEBOOKS / name).read_text())
    return any(WIDGET_VIEW in output.get("data", {}) for cell in notebook["cells"] for output in cell.get("outputs", []))


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_there_are_lessons() -> None:
    assert len(LESSONS) >= 10, LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_clean_in_jupyterlab(page, lab_url: str, lesson: str) -> None:
    open_notebook(page, lab_url, lesson)
    state = run_all_cells(page)
    assert not state["errors"], f"{lesson}: {state['errors']}"
    assert state["executed"] == state["total"], f"{lesson}: {state['executed']} of {state['total']} code cells ran"
    failed_widgets = page.locator(".jp-OutputArea-output").get_by_text("Error displaying widget")
    assert failed_widgets.count() == 0, f"{lesson}: a widget failed to display"
    if shows_widgets(lesson):
        assert page.locator(".jupyter-widgets").count() > 0, f"{lesson}: widgets were expected but none rendered"


def save_screenshot(locator, name: str, mask: list | None = None) -> None:
    """Screenshots for the README: always into tests/artifacts, and into docs/images when
    TOKENKIT_UPDATE_SCREENSHOTS=1 (so a normal test run never changes committed files).
    The token box is masked: even a dead mock's token does not belong in a picture."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / name), mask=mask or [], animations="disabled")
    if os.environ.get("TOKENKIT_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / name, DOCS_IMAGES / name)


def _lesson(prefix: str) -> str:
    matches = [name for name in LESSONS if name.startswith(prefix)]
    assert matches, f"no lesson {prefix}_*.ipynb"
    return matches[0]


def test_token_inspector_in_the_page(page, lab_url: str) -> None:
    """Paste a token into the inspector, see its claims, verify it against the JWKS."""
    open_notebook(page, lab_url, _lesson("04"))
    assert not run_all_cells(page, keep_mock=True)["errors"]
    inspector = page.locator(".tokenkit-inspector").last
    inspector.scroll_into_view_if_needed()
    box = inspector.locator(".tokenkit-token-input textarea")
    token = box.input_value()
    assert token.count(".") == 2, "lesson 04 shows the inspector with a token to inspect"
    box.fill("")
    inspector.locator(".tokenkit-claims").get_by_text("client_id").wait_for(state="detached", timeout=10_000)
    box.fill(token)  # what a paste does: the whole token arrives at once
    claims = inspector.locator(".tokenkit-claims")
    claims.get_by_text("client_id").first.wait_for(timeout=10_000)
    assert "https://analytics.tokenkit.test" in claims.inner_text()
    inspector.locator("button.tokenkit-verify").click()
    result = inspector.locator(".tokenkit-verify-result")
    result.get_by_text("VERIFIED", exact=False).first.wait_for(timeout=15_000)
    assert token not in page.locator("body").inner_text(), "the full token must not appear as page text"
    save_screenshot(inspector, "token-inspector.png", mask=[box])


def test_request_explorer_in_the_page(page, lab_url: str) -> None:
    """Send a request from the explorer, see the status, then a refused one and its diagnosis."""
    open_notebook(page, lab_url, _lesson("05"))
    assert not run_all_cells(page, keep_mock=True)["errors"]
    explorer = page.locator(".tokenkit-explorer").last
    explorer.scroll_into_view_if_needed()
    explorer.locator(".tokenkit-method select").select_option("GET")
    explorer.locator(".tokenkit-path input").fill("/data")
    explorer.locator(".tokenkit-auth-form select").select_option("Bearer")
    sources = explorer.locator(".tokenkit-token-source select option").all_inner_texts()
    named = [label for label in sources if label != "paste a token"]
    assert named, "lesson 05 gives the explorer at least one named token"
    explorer.locator(".tokenkit-token-source select").select_option(label=named[0])
    explorer.locator("button.tokenkit-send").click()
    status = explorer.locator(".tokenkit-status")
    status.get_by_text("200", exact=False).first.wait_for(timeout=15_000)

    explorer.locator(".tokenkit-auth-form select").select_option("none")
    explorer.locator("button.tokenkit-send").click()
    status.get_by_text("401", exact=False).first.wait_for(timeout=15_000)
    diagnosis = explorer.locator(".tokenkit-diagnosis")
    diagnosis.get_by_text("credentials", exact=False).first.wait_for(timeout=10_000)
    save_screenshot(explorer, "request-explorer.png")
