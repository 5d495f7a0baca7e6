"""tokenkit.widgets as a package: import rules, reprs, and live views that never hold a process."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

from tokenkit.widgets import PoolMonitor, RequestExplorer, TokenInspector, TokenLifeView
from tokenkit.widgets._base import Ticker, one_line, table

from .conftest import rendered_rows, wait_for

JWT = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_import_tokenkit_never_loads_ipywidgets_but_widgets_do():
    done = run("import sys, tokenkit; print('ipywidgets' in sys.modules)")
    assert done.stdout.strip() == "False", done.stderr
    done = run("import sys, tokenkit.widgets; print('ipywidgets' in sys.modules)")
    assert done.stdout.strip() == "True", done.stderr


def test_widgets_build_without_a_kernel_and_a_live_one_does_not_hold_the_process():
    code = f"""
import json
from tokenkit import TokenPool
from tokenkit.widgets import TokenInspector, RequestExplorer, PoolMonitor
views = [TokenInspector({JWT!r}), RequestExplorer("http://127.0.0.1:9"), PoolMonitor(TokenPool([{JWT!r}]))]
print(json.dumps([repr(v) for v in views]))
"""  # live views left running on purpose: the interpreter must still exit at once
    done = run(code)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["TokenInspector()", "RequestExplorer()", "PoolMonitor(1 token)"]


def test_text_plain_of_every_view_is_fixed(mock_api):
    from tokenkit import RefreshingAuth, TokenPool

    views = [
        TokenInspector(JWT, live=False),
        RequestExplorer(mock_api.url, token=JWT),
        PoolMonitor(TokenPool([JWT]), live=False),
        TokenLifeView(RefreshingAuth(JWT), live=False),
    ]
    for view in views:
        text = view._repr_mimebundle_()["text/plain"]
        assert text == repr(view)
        assert JWT not in text and "127.0.0.1" not in text


class _Counter:
    def __init__(self) -> None:
        self.ticks = 0

    def tick(self) -> None:
        self.ticks += 1

    def show_error(self, exc: BaseException) -> None:  # pragma: no cover - not reached
        raise AssertionError(exc)


def test_ticker_ends_when_its_view_is_dropped():
    view = _Counter()
    ticker = Ticker(view, interval=0.01)  # type: ignore[arg-type]
    ticker.start()
    assert wait_for(lambda: view.ticks >= 2)
    del view
    gc.collect()
    assert wait_for(lambda: not ticker._thread.is_alive())


def test_ticker_survives_a_failing_tick():
    class Failing(_Counter):
        def __init__(self) -> None:
            super().__init__()
            self.errors: list[str] = []

        def tick(self) -> None:
            super().tick()
            raise RuntimeError("once a second")

        def show_error(self, exc: BaseException) -> None:
            self.errors.append(one_line(exc))

    view = Failing()
    ticker = Ticker(view, interval=0.01)  # type: ignore[arg-type]
    ticker.start()
    assert wait_for(lambda: view.ticks >= 3)
    ticker.stop()
    assert view.errors[0] == "RuntimeError: once a second"
    assert not ticker._thread.is_alive()
    assert ticker._thread.daemon


def test_ticker_needs_a_positive_interval():
    with pytest.raises(ValueError):
        Ticker(_Counter(), interval=0)  # type: ignore[arg-type]


def test_one_line_masks_jwts_and_known_secrets_and_stays_short():
    line = one_line(RuntimeError(f"bad {JWT}\nand secret-value-123 " + "x" * 500), ["secret-value-123"])
    assert JWT not in line and "secret-value-123" not in line
    assert line.startswith("RuntimeError: bad eyJh…")
    assert "\n" not in line and len(line) <= 300
    assert one_line(KeyError()) == "KeyError"



def test_close_closes_every_widget_the_view_made():
    view = TokenInspector(JWT, interval=0.02)
    button = view.verify_button  # inside an HBox
    view.close()
    assert view.comm is None and button.comm is None and view.token_input.comm is None
    assert not view.live


def test_tables_keep_labels_on_one_line_and_columns_apart():
    """The shared table: "www-authenticate" never breaks at its hyphen; cells never touch."""
    html = table([["<code>www-authenticate</code>", "Bearer error=&quot;invalid_token&quot;"]], headings=["name", "value"], wrap=[1])
    assert rendered_rows(html) == [["name", "value"], ["www-authenticate", 'Bearer error="invalid_token"']]
    label, value = html.split("<td ")[1:]
    assert "white-space:nowrap" in label and "padding:1px 16px" in label
    assert "white-space:nowrap" not in value and "overflow-wrap:anywhere" in value
    assert "text-align:left" in html.split("<th ")[1]
