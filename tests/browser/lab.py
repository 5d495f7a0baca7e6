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
      // A traceback printed to stderr (a background thread's, or a logged exception) is one too.
      const text = Array.isArray(output.text) ? output.text.join('') : (output.text || '');
      if (output.output_type === 'stream' && output.name === 'stderr' && text.includes('Traceback')) {
        errors.push(`code cell ${index + 1}: traceback on stderr: ${text.trim().split('\\n').pop()}`);
      }
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
    return _wait_until_settled(page, timeout, unrun=1 if keep_mock else 0)


def restart_and_run_all(page: Page, timeout: float = 180.0) -> dict[str, Any]:
    """Kernel > Restart Kernel and Run All Cells…, confirmed in its dialog, as a learner does it.

    The command's promise settles when the last cell has run (or the first has failed), so
    the wait cannot mistake the cells' numbers from before the restart for a finished run.
    """
    page.evaluate(
        "() => { window.__tokenkitRestartRun = null;"
        " window.jupyterapp.commands.execute('notebook:restart-run-all').then("
        "  ok => { window.__tokenkitRestartRun = {ok: !!ok}; },"
        "  error => { window.__tokenkitRestartRun = {error: String(error)}; }); }"
    )
    page.locator(".jp-Dialog .jp-mod-accept").click(timeout=30_000)  # "Restart"
    page.wait_for_function("() => window.__tokenkitRestartRun !== null", timeout=timeout * 1000)
    outcome = page.evaluate("() => window.__tokenkitRestartRun")
    if "error" in outcome:
        raise RuntimeError(f"Restart Kernel and Run All Cells failed: {outcome['error']}")
    return _wait_until_settled(page, timeout)


def rerun_cell(page: Page, after: str, containing: str, timeout: float = 60.0) -> tuple[int, dict[str, Any]]:
    """Run again the first code cell below the one whose source has ``after`` that has ``containing``.

    What a learner does to "run the clock cell again". Returns the cell's position (0-based,
    among all cells) and the notebook's state once the kernel is idle again.
    """
    index = page.evaluate(_FIND_CELL_JS, [after, containing])
    if index < 0:
        raise LookupError(f"no code cell containing {containing!r} below the cell with {after!r}")
    before = page.evaluate(_EXECUTION_COUNT_JS, index)
    page.evaluate(
        "index => { const nb = window.jupyterapp.shell.currentWidget.content;"
        " nb.activeCellIndex = index; nb.deselectAll();"
        " return window.jupyterapp.commands.execute('notebook:run-cell'); }",
        index,
    )
    page.wait_for_function(
        f"([index, before]) => {{ const count = ({_EXECUTION_COUNT_JS})(index); return count !== null && count !== before; }}",
        arg=[index, before],
        timeout=timeout * 1000,
    )
    return index, _wait_until_settled(page, timeout)


def cell_output_text(page: Page, index: int) -> str:
    """The text of cell ``index``'s outputs (streams and plain-text results)."""
    return page.evaluate(
        "index => window.jupyterapp.shell.currentWidget.content.widgets[index].model.outputs.toJSON()"
        ".map(o => [].concat(o.text || (o.data && o.data['text/plain']) || []).join('')).join('')",
        index,
    )


_FIND_CELL_JS = """([after, containing]) => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const source = cell => cell.model.sharedModel.getSource();
  const start = cells.findIndex(cell => cell.model.type === 'code' && source(cell).includes(after));
  if (start < 0) return -1;
  for (let i = start + 1; i < cells.length; i++) {
    if (cells[i].model.type === 'code' && source(cells[i]).includes(containing)) return i;
  }
  return -1;
}"""

_EXECUTION_COUNT_JS = "index => window.jupyterapp.shell.currentWidget.content.widgets[index].model.executionCount"


def _wait_until_settled(page: Page, timeout: float, *, unrun: int = 0) -> dict[str, Any]:
    """Wait until the kernel is idle, no cell is queued and every cell (but ``unrun``) has run."""
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


def page_problems(page: Page) -> list[str]:
    """Everything on the page that says something went wrong: failed cells, tracebacks,
    widgets that did not display, and any tokenkit widget's error line."""
    problems = list(page.evaluate(_STATE_JS)["errors"])
    failed = page.locator(".jp-OutputArea-output").get_by_text("Error displaying widget")
    if failed.count():
        problems.append(f"{failed.count()} widget(s) failed to display")
    for line in page.locator(".tokenkit-widget .tokenkit-errors").all_inner_texts():
        if line.strip():
            problems.append(f"widget error: {line.strip()}")
    return problems
