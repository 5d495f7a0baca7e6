"""Every lesson, run in a real JupyterLab in headless Chromium, as a learner would.

For each lesson: open it, run all cells, wait for the kernel to go idle, and check that
no cell failed, no traceback appeared and no widget failed to display. The lessons with
tokenkit widgets are run (Restart & Run All) and then used through the page by
test_widget_lessons.py, so they are not run twice. Screenshots of failures are saved in
tests/artifacts/.
"""

from __future__ import annotations

import json

import pytest

from .conftest import NOTEBOOKS, widget_lessons
from .lab import open_notebook, page_problems, run_all_cells

pytestmark = pytest.mark.browser

LESSONS = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def shows_widgets(name: str) -> bool:
    notebook = json.loads((NOTEBOOKS / name).read_text())
    return any(WIDGET_VIEW in output.get("data", {}) for cell in notebook["cells"] for output in cell.get("outputs", []))


def test_there_are_lessons() -> None:
    assert len(LESSONS) >= 10, LESSONS


@pytest.mark.parametrize("lesson", [name for name in LESSONS if name not in widget_lessons()])
def test_lesson_runs_clean_in_jupyterlab(page, lab_url: str, lesson: str) -> None:
    open_notebook(page, lab_url, lesson)
    state = run_all_cells(page)
    assert not state["errors"], f"{lesson}: {state['errors']}"
    assert state["executed"] == state["total"], f"{lesson}: {state['executed']} of {state['total']} code cells ran"
    assert not page_problems(page), f"{lesson}: {page_problems(page)}"
    if shows_widgets(lesson):
        assert page.locator(".jupyter-widgets").count() > 0, f"{lesson}: widgets were expected but none rendered"
