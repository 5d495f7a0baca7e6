"""Read the mock's HTML forms the way a browser does, so tests submit them as a person would."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


@dataclass
class Form:
    action: str
    method: str
    inputs: dict[str, str] = field(default_factory=dict)
    """Every named input with its value (hidden ones included), as a browser would send it."""
    attributes: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Each named input's attributes, for accessibility checks."""
    buttons: list[dict[str, str | None]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.labels: dict[str, str] = {}
        self.alerts: list[str] = []
        self.all_tags: list[tuple[str, dict[str, str | None]]] = []
        self._label_for: str | None = None
        self._in_alert = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.all_tags.append((tag, attributes))
        if tag == "form":
            self.forms.append(Form(attributes.get("action") or "", (attributes.get("method") or "get").lower()))
        elif tag == "input" and self.forms and attributes.get("name"):
            name = attributes["name"] or ""
            self.forms[-1].inputs[name] = attributes.get("value") or ""
            self.forms[-1].attributes[name] = attributes
        elif tag == "button" and self.forms:
            self.forms[-1].buttons.append(attributes)
        elif tag == "label":
            self._label_for = attributes.get("for")
        elif attributes.get("role") == "alert":
            self._in_alert = True
            self.alerts.append("")

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self.labels[self._label_for] = self.labels.get(self._label_for, "") + data
        if self._in_alert:
            self.alerts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_for = None
        elif tag == "p":
            self._in_alert = False


@dataclass
class Page:
    url: str
    status: int
    html: str
    forms: list[Form]
    labels: dict[str, str]
    alerts: list[str]
    tags: list[tuple[str, dict[str, str | None]]]

    @property
    def form(self) -> Form:
        (only,) = self.forms
        return only


def read(response: requests.Response) -> Page:
    reader = _Reader()
    reader.feed(response.text)
    return Page(response.url, response.status_code, response.text, reader.forms, reader.labels, reader.alerts, reader.all_tags)


def submit(page: Page, action: str, **fields: str) -> requests.Response:
    """Post the page's form with the button ``action`` pressed and ``fields`` filled in; redirects not followed."""
    form = page.form
    data = {**form.inputs, **fields, "action": action}
    return requests.post(urljoin(page.url, form.action), data=data, allow_redirects=False, timeout=5)
