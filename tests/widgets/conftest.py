"""Helpers for the widget tests: tokens from the mock, and every text a widget shows."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

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
