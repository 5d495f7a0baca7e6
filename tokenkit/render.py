"""A :class:`~tokenkit.Diagnosis` for people: plain text for a terminal, HTML for a notebook.

Layer 3 (it imports nothing of tokenkit at run time). What is said comes from
:mod:`tokenkit.advice` through the diagnosis; this module only lays it out.
"""

from __future__ import annotations

import html
from http import HTTPStatus
from typing import Any, Protocol


class Diagnosis(Protocol):
    """What rendering reads of a :class:`tokenkit.Diagnosis` (a protocol: no import of classify)."""

    status: int | None
    summary: str
    causes: tuple[str, ...]
    actions: tuple[str, ...]
    about_tokens: bool
    error: str | None
    error_description: str | None
    hint: str | None
    retry_after: float | None
    rate_limit: dict[str, float]
    details: dict[str, Any]
    method: str | None
    url: str | None
    reason: str | None

    @property
    def ok(self) -> bool: ...

__all__ = ["heading", "detail_rows", "as_text", "as_html"]


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(map(str, value)) or "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def heading(d: Diagnosis) -> str:
    """``HTTP 401 Unauthorized — GET http://host/data``."""
    if d.status is None:
        head = "No HTTP answer"
    else:
        try:
            phrase = HTTPStatus(d.status).phrase
        except ValueError:
            phrase = ""
        head = f"HTTP {d.status} {phrase}".rstrip()
    if d.method or d.url:
        head += f" — {d.method or ''} {d.url or ''}".rstrip()
    return head


def detail_rows(d: Diagnosis) -> list[tuple[str, str]]:
    """The evidence as (label, value) rows."""
    rows = [(k.replace("_", " "), _show(v)) for k, v in d.details.items()]
    if d.retry_after is not None:
        rows.append(("retry after", f"{d.retry_after:g} s"))
    if d.rate_limit:
        rows.append(("rate limit", ", ".join(f"{k}={v:g}" for k, v in d.rate_limit.items())))
    if d.error:
        said = d.error + (f": {d.error_description}" if d.error_description else "")
        rows.append(("server said", said))
    if d.reason:
        rows.append(("reason code", d.reason))
    if d.hint:
        rows.append(("server's hint", d.hint))
    return rows


def as_text(d: Diagnosis) -> str:
    lines = [heading(d), d.summary]
    if d.causes:
        lines.append("Likely causes:")
        lines += [f"  - {c}" for c in d.causes]
    if d.actions:
        lines.append("What to do:")
        lines += [f"  - {a}" for a in d.actions]
    rows = detail_rows(d)
    if rows:
        lines.append("Details:")
        lines += [f"  {k}: {v}" for k, v in rows]
    return "\n".join(lines)


def as_html(d: Diagnosis) -> str:
    e = html.escape
    colour = "#2e7d32" if d.ok else ("#9e9e9e" if not d.about_tokens else ("#ef6c00" if d.status == 429 else "#c62828"))
    parts = [
        f'<div style="border-left:4px solid {colour};padding:4px 10px;font-family:sans-serif">',
        f"<div><b>{e(heading(d))}</b></div>",
        f"<div>{e(d.summary)}</div>",
    ]
    for title, items in (("Likely causes", d.causes), ("What to do", d.actions)):
        if items:
            parts.append(f"<div><i>{title}</i><ul style='margin:2px 0'>")
            parts += [f"<li>{e(i)}</li>" for i in items]
            parts.append("</ul></div>")
    rows = detail_rows(d)
    if rows:
        parts.append("<table style='font-size:90%'>")
        parts += [f"<tr><td><code>{e(k)}</code></td><td>{e(v)}</td></tr>" for k, v in rows]
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)
