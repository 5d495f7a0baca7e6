"""Driving one notebook in JupyterLab through its own application object.

JupyterLab is started with ``expose_app_in_browser``, so the test can ask the app what a
person would see — the kernel's status, each cell's execution count and outputs — instead
of guessing from CSS that changes between JupyterLab versions.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page

_CURRENT = "window.jupyterapp && window.jupyterapp.shell.currentWidget"

_STATE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  for (const [index, cell] of cells.entries()) {
    for (const output of cell.model.outputs.toJSON()) {
      if (output.output_type === 'error') errors.push(`code cell ${index + 1}: ${output.ename}: ${output.evalue}`);
    }
  }
  return {
    kernel: kernel ? kernel.status : 'none',
    total: cells.length,
    executed: cells.filter(c => c.model.executionCount !== null).length,
    running: cells.filter(c => (c.promptNode && c.promptNode.textContent || '').includes('*')).length,
    errors,
  };
}"""


def open_notebook(page: Page, lab_url: str, name: str) -> None:
    page.goto(f"{lab_url}/lab/tree/{name}?reset")
    page.wait_for_function(f"{_CURRENT} && window.jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)
    page.evaluate("async () => { await window.jupyterapp.shell.currentWidget.sessionContext.ready; }")
    page.wait_for_function(
        "() => { const s = window.jupyterapp.shell.currentWidget.sessionContext.session;"
        " return s && s.kernel && s.kernel.status === 'idle'; }",
        timeout=60_000,
    )


def run_all_cells(page: Page, timeout: float = 180.0, *, keep_mock: bool = False) -> dict[str, Any]:
    """Run every cell, then wait until the kernel is idle and nothing is still running.

    With ``keep_mock`` the last cell (the lesson's ``api.stop()``) is left unrun, so the
    lesson's widgets can still talk to its mock. Run-all stops at the first error, so an
    error also ends the wait.
    """
    if keep_mock:
        page.evaluate(
            "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
            " nb.activeCellIndex = nb.widgets.length - 1;"
            " return window.jupyterapp.commands.execute('notebook:run-all-above'); }"
        )
    else:
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    unrun = 1 if keep_mock else 0
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        state = page.evaluate(_STATE_JS)
        settled = state["kernel"] == "idle" and state["running"] == 0 and (state["executed"] >= state["total"] - unrun or state["errors"])
        if settled:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 1.0:  # widgets render just after the last reply
                return state
        else:
            quiet_since = None
        time.sleep(0.25)
    raise TimeoutError(f"cells still running after {timeout:.0f} s: {page.evaluate(_STATE_JS)}")
