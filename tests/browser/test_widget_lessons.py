"""The learner's real path through the widget lessons: Restart & Run All, then use the widgets.

Lesson 00 tells a lost learner to use "Restart Kernel and Run All Cells". Afterwards every
widget must still work: the mock a widget talks to lives as long as the kernel, and the
live views keep following their token, clock and pool. For each lesson that shows a
tokenkit widget, this test opens it in a real JupyterLab, restarts and runs it all, then
uses the widget through the page the way the lesson invites (paste and verify, Send,
Refresh now, run the clock cell again, run the burst again) and checks what it shows, that
no cell failed and that no traceback or widget error appeared anywhere.

One lesson is driven once per test, on the session's one JupyterLab; the generic
"runs clean" test in test_jupyterlab.py leaves these lessons to this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page

from tokenkit.secrets import mask

from .conftest import ARTIFACTS, widget_lessons
from .lab import cell_output_text, open_notebook, page_problems, rerun_cell, restart_and_run_all

pytestmark = pytest.mark.browser

WAIT = 15_000  # ms: generous for a loaded CI machine; each wait ends as soon as the page is right


# -- what the page shows -----------------------------------------------------------------------

_WRAPPED_JS = """root => Array.from(root.querySelectorAll('td, th'))
  .filter(cell => getComputedStyle(cell).whiteSpace === 'nowrap' || cell.cellIndex === 0)
  .filter(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
    return tops.size > 1;
  })
  .map(cell => cell.textContent.trim())"""

_HEADING_GAPS_JS = """table => {
  const texts = Array.from(table.querySelectorAll('tr:first-child th')).map(th => {
    const range = document.createRange();
    range.selectNodeContents(th);
    const box = range.getBoundingClientRect();
    return {text: th.textContent.trim(), left: box.left, right: box.right};
  });
  return texts.slice(1).map((next, i) => ({pair: `${texts[i].text}|${next.text}`, gap: next.left - texts[i].right}));
}"""


def wrapped_labels(table: Locator) -> list[str]:
    """Label cells (first column, or marked not to wrap) whose text the browser broke over lines."""
    return table.evaluate(_WRAPPED_JS)


def narrow_heading_gaps(table: Locator, least: float = 8.0) -> list[str]:
    """Pairs of neighbouring column headings with less than ``least`` px between their texts."""
    return [f"{g['pair']} ({g['gap']:.0f} px)" for g in table.evaluate(_HEADING_GAPS_JS) if g["gap"] < least]


def seconds_left(state_text: str) -> float | None:
    found = re.search(r"(\d+) s left", state_text)
    return float(found.group(1)) if found else None


def obtained(counts_text: str) -> int:
    found = re.match(r"\s*(\d+) tokens? obtained", counts_text)
    assert found, f"the life view's count reads {counts_text!r}"
    return int(found.group(1))


def renewal_lines(view: Locator) -> list[str]:
    return [line for line in view.locator(".tokenkit-refresh-events li").all_inner_texts() if line.strip()]


def requests_in(summary_text: str) -> int:
    found = re.search(r"(\d+) requests?\b", summary_text)
    assert found, f"the pool monitor's summary reads {summary_text!r}"
    return int(found.group(1))


def wait_until(page: Page, check: Callable[[], bool], what: str, timeout_ms: int = WAIT) -> None:
    """Poll the page until ``check()`` holds (a live widget redraws about once a second)."""
    for _ in range(timeout_ms // 250):
        if check():
            return
        page.wait_for_timeout(250)
    assert check(), f"still not true after {timeout_ms / 1000:.0f} s: {what}; the page shows {page_problems(page)}"


def shown(page: Page, css: str) -> Locator:
    """The last widget with class ``css``, scrolled into view and drawn.

    JupyterLab skips the layout of cells outside the viewport (content-visibility), and
    their text reads as empty until the browser has drawn them once in view.
    """
    widget = page.locator(css).last
    widget.scroll_into_view_if_needed()
    wait_until(page, lambda: widget.inner_text().strip() != "", f"{css} is drawn")
    return widget


def save_artifact(locator: Locator, name: str) -> None:
    """A picture of a widget in tests/artifacts (the README's are made by scripts/screenshots.py)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / name), animations="disabled")


# -- one driver per widget lesson --------------------------------------------------------------


def use_token_inspector(page: Page) -> None:
    """Lesson 04: paste the token, verify it against the mock's keys, then run the clock cell
    again and watch the inspector count the token out without being touched."""
    inspector = shown(page, ".tokenkit-inspector")
    box = inspector.locator(".tokenkit-token-input textarea")
    token = box.input_value()
    assert token.count(".") == 2, "lesson 04 shows the inspector with a token to inspect"
    box.fill("")
    inspector.locator(".tokenkit-claims").get_by_text("client_id").wait_for(state="detached", timeout=WAIT)
    box.fill(token)  # what a paste does: the whole token arrives at once
    claims = inspector.locator(".tokenkit-claims")
    claims.get_by_text("client_id").first.wait_for(timeout=WAIT)
    assert "https://analytics.tokenkit.test" in claims.inner_text()
    assert not wrapped_labels(claims), wrapped_labels(claims)
    inspector.locator("button.tokenkit-verify").click()
    result = inspector.locator(".tokenkit-verify-result")
    result.get_by_text("VERIFIED", exact=False).first.wait_for(timeout=WAIT)  # the mock's JWKS answered
    state = inspector.locator(".tokenkit-state")
    assert "FRESH" in state.inner_text()

    index, ran = rerun_cell(page, after="MockAPI", containing="api.clock.advance(")
    assert not ran["errors"], ran["errors"]
    assert cell_output_text(page, index).strip(), "the clock cell printed nothing"
    inspector.scroll_into_view_if_needed()  # back to the widget, as the learner scrolls back
    wait_until(page, lambda: "EXPIRED" in state.inner_text(), "the inspector shows the token expired by the mock's clock")
    inspector.locator("button.tokenkit-verify").click()
    result.get_by_text("REFUSED", exact=False).first.wait_for(timeout=WAIT)
    assert "expired" in result.inner_text().lower()
    assert "UNVERIFIED" in inspector.locator(".tokenkit-status").inner_text()  # the earlier VERIFIED is taken back

    assert token not in page.locator("body").inner_text(), "the full token must not appear as page text"
    # The picture shows the token masked: set in the visible box only (no input event), so
    # the widget keeps the real token underneath.
    box.evaluate("(element, shown) => { element.value = shown; element.blur(); }", mask(token))
    save_artifact(inspector, "token-inspector.png")


def use_request_explorer(page: Page) -> None:
    """Lesson 05: Send with a named token (200), then with none (401 and its diagnosis)."""
    explorer = shown(page, ".tokenkit-explorer")
    explorer.locator(".tokenkit-method select").select_option("GET")
    explorer.locator(".tokenkit-path input").fill("/data")
    explorer.locator(".tokenkit-auth-form select").select_option("Bearer")
    sources = explorer.locator(".tokenkit-token-source select option").all_inner_texts()
    named = [label for label in sources if label != "paste a token"]
    assert named, "lesson 05 gives the explorer at least one named token"
    explorer.locator(".tokenkit-token-source select").select_option(label=named[0])
    explorer.locator("button.tokenkit-send").click()
    status = explorer.locator(".tokenkit-status")
    wait_until(page, lambda: "200" in status.inner_text(), "Send with a named token answers 200")

    # A token where the server wants a Bearer one: a 401 whose WWW-Authenticate is long.
    explorer.locator(".tokenkit-auth-form select").select_option("raw token")
    explorer.locator("button.tokenkit-send").click()
    status.get_by_text("401", exact=False).first.wait_for(timeout=WAIT)
    headers = explorer.locator(".tokenkit-headers")
    headers.get_by_text("www-authenticate").first.wait_for(timeout=WAIT)
    assert not wrapped_labels(headers), f"header names broken over lines: {wrapped_labels(headers)}"

    explorer.locator(".tokenkit-auth-form select").select_option("none")
    explorer.locator("button.tokenkit-send").click()
    status.get_by_text("sent no credentials", exact=False).first.wait_for(timeout=WAIT)
    explorer.locator(".tokenkit-diagnosis").get_by_text("credentials", exact=False).first.wait_for(timeout=WAIT)
    save_artifact(explorer, "request-explorer.png")


def use_token_life_view(page: Page) -> None:
    """Lesson 06: Refresh now adds a renewal; running the clock cell again moves the state
    line (nobody presses anything), and once the token is stale its request renews it."""
    view = shown(page, ".tokenkit-life-view")
    state, counts = view.locator(".tokenkit-state"), view.locator(".tokenkit-refresh-count")
    events = view.locator(".tokenkit-refresh-events")
    assert events.inner_text().splitlines()[0].strip() == "Renewals", events.inner_text()  # its own line
    assert re.search(r"(FRESH|STALE|EXPIRED)", state.inner_text()), state.inner_text()

    before, listed = obtained(counts.inner_text()), len(renewal_lines(view))
    view.locator("button.tokenkit-refresh-now").click()
    wait_until(page, lambda: obtained(counts.inner_text()) == before + 1, "Refresh now counts one more token")
    wait_until(page, lambda: len(renewal_lines(view)) == listed + 1, "Refresh now lists the renewal")
    assert "FRESH" in state.inner_text()
    renewed_left = seconds_left(state.inner_text())
    assert renewed_left is not None, state.inner_text()

    renewals = len(renewal_lines(view))
    for _ in range(3):  # each run moves the mock's clock; within three the token goes stale
        index, ran = rerun_cell(page, after="TokenLifeView(", containing="api.clock.advance(")
        assert not ran["errors"], ran["errors"]
        assert "200" in cell_output_text(page, index), cell_output_text(page, index)
        view.scroll_into_view_if_needed()
        if len(renewal_lines(view)) > renewals:
            break  # the request found the token stale and renewed it: the hook drew it
        # No renewal: the state line must still show the time the clock took away.
        wait_until(
            page,
            lambda: (seconds_left(state.inner_text()) or 0) < renewed_left - 5 or "EXPIRED" in state.inner_text(),
            f"the life view follows the mock's clock (was {renewed_left:.0f} s left)",
        )
    wait_until(page, lambda: len(renewal_lines(view)) > renewals, "running the clock cell again renews a stale token")
    assert renewal_lines(view)[0].startswith(f"#{obtained(counts.inner_text())} at"), renewal_lines(view)
    save_artifact(view, "token-life-view.png")


def use_pool_monitor(page: Page) -> None:
    """Lesson 07: run the burst cell again; the monitor counts it with no Refresh pressed."""
    monitor = shown(page, ".tokenkit-pool-monitor")
    summary, table = monitor.locator(".tokenkit-pool-summary"), monitor.locator(".tokenkit-pool-table")
    assert not narrow_heading_gaps(table), f"crowded column headings: {narrow_heading_gaps(table)}"
    before = requests_in(summary.inner_text())
    index, ran = rerun_cell(page, after="PoolMonitor(", containing="auth = pool")
    assert not ran["errors"], ran["errors"]
    assert cell_output_text(page, index).strip(), "the burst cell printed nothing"
    monitor.scroll_into_view_if_needed()
    wait_until(page, lambda: requests_in(summary.inner_text()) > before, f"the monitor counts the new burst (had {before})")
    save_artifact(monitor, "pool-monitor.png")


def use_device_prompt(page: Page) -> None:
    """Lesson 11: the device prompt ends "Logged in."; running the login cell again logs in again."""
    view = shown(page, ".tokenkit-device-prompt")
    wait_until(page, lambda: "Logged in" in view.inner_text(), "the device prompt says the login ended")
    index, ran = rerun_cell(page, after="MockAPI(name=", containing="prompt_and_approve")
    assert not ran["errors"], ran["errors"]
    assert "logged in as alice" in cell_output_text(page, index), cell_output_text(page, index)
    again = shown(page, ".tokenkit-device-prompt")
    wait_until(page, lambda: "Logged in" in again.inner_text(), "the new prompt says the login ended")
    save_artifact(again, "device-prompt.png")


DRIVERS: dict[str, Callable[[Page], None]] = {
    "04": use_token_inspector,
    "05": use_request_explorer,
    "06": use_token_life_view,
    "07": use_pool_monitor,
    "11": use_device_prompt,
}


def test_every_widget_lesson_is_driven() -> None:
    """A new lesson with a tokenkit widget needs a driver here, or its widgets go untested."""
    assert sorted(name[:2] for name in widget_lessons()) == sorted(DRIVERS)


@pytest.mark.parametrize("lesson", widget_lessons())
def test_widgets_work_after_restart_and_run_all(page: Page, lab_url: str, lesson: str) -> None:
    open_notebook(page, lab_url, lesson)
    state = restart_and_run_all(page)
    assert not state["errors"], f"{lesson}: {state['errors']}"
    assert state["executed"] == state["total"], f"{lesson}: {state['executed']} of {state['total']} code cells ran"
    assert page.locator(".tokenkit-widget").count() > 0, f"{lesson}: no tokenkit widget rendered"
    DRIVERS[lesson[:2]](page)
    assert not page_problems(page), f"{lesson}: {page_problems(page)}"
