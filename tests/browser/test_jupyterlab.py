"""Every lesson, run in a real JupyterLab in headless Chromium, as a learner would.

For each lesson: open it, run all cells, wait for the kernel to go idle, and check that
no cell failed and no widget failed to display. Screenshots of failures are saved in
tests/artifacts/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, NOTEBOOKS
from .lab import open_notebook, run_all_cells

pytestmark = pytest.mark.browser

LESSONS = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


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
    assert page.get_by_text("Error displaying widget").count() == 0, f"{lesson}: a widget failed to display"
    if shows_widgets(lesson):
        assert page.locator(".jupyter-widgets").count() > 0, f"{lesson}: widgets were expected but none rendered"
