"""Helpers for the widget tests: tokens from the mock, and every text a widget shows."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

import ipywidgets as w
import requests

from tokenkit.mock import MockAPI

AUDIENCE = "https://analytics.tokenkit.test"


def get_token(api: MockAPI, client: str = "notes-app") -> str:
    """An access token for a demo client, straight from the token endpoint."""
    c = api.clients[client]
    answer = requests.post(
        api.token_url, data={"grant_type": "client_credentials"}, auth=(c.client_id, c.client_secret), timeout=10
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def walk(widget: w.Widget) -> Iterator[w.Widget]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def shown_text(widget: w.Widget, *, skip: tuple[w.Widget, ...] = ()) -> str:
    """Every value, label, placeholder and description a view puts on screen (except ``skip``)."""
    parts = []
    for item in walk(widget):
        if item in skip:
            continue
        for name in ("value", "description", "placeholder", "tooltip", "_options_labels"):
            value = getattr(item, name, None)
            if value is not None:
                parts.append(str(value))
    return "\n".join(parts)


def wait_for(condition: Callable[[], bool], timeout: float = 1.0) -> bool:
    """Poll ``condition`` briefly (for the ticker thread); never sleeps more than ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


class FakeClock:
    """A clock a test moves by hand."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _Lines(HTMLParser):
    """Text of an HTML fragment split where a browser starts a new line or a table cell."""

    BLOCKS = {"div", "p", "ul", "ol", "li", "tr", "table", "br", "pre"}
    CELLS = {"td", "th"}

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = [[""]]

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self.BLOCKS:
            self.rows.append([""])
        elif tag in self.CELLS:
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.rows.append([""])

    def handle_data(self, data: str) -> None:
        self.rows[-1][-1] += data


def rendered_rows(html: str) -> list[list[str]]:
    """Each visual line of ``html`` as its cells' texts (one cell outside a table), blanks dropped."""
    parser = _Lines()
    parser.feed(html)
    parser.close()
    rows = [[" ".join(cell.split()) for cell in row] for row in parser.rows]
    return [[cell for cell in row if cell] for row in rows if any(cell.strip() for cell in row)]


def rendered_lines(html: str) -> list[str]:
    """Each visual line of ``html`` as text, cells joined by a tab."""
    return ["\t".join(row) for row in rendered_rows(html)]
