"""What every tokenkit widget shares: an error line, guarded callbacks, a live ticker.

Three rules the widgets follow, kept here so each widget module stays about its view:

- **Errors are shown, not lost.** A button or observer callback runs inside the kernel's
  comm handler, where an exception ends up in the kernel log that a learner never sees.
  :func:`shows_errors` catches it and puts one line (type and message) in the widget's
  ``errors`` area instead.
- **No token whole on screen.** :func:`one_line` masks anything shaped like a JWT, and
  any secret the widget knows, before a message is displayed.
- **Live views never keep a process alive.** :class:`Ticker` runs on a daemon thread,
  holds its widget only weakly, and stops on ``stop()`` or ``close()``. A thread rather
  than the kernel's asyncio loop because a thread keeps ticking while the kernel is busy
  running the next cell (a burst of requests in lesson 07 is exactly when the pool view
  should move), and because it needs no running loop, so it also works in tests. A trait
  set from that thread reaches JupyterLab as a comm message like any other. Because a
  live view is drawn from two threads (the ticker, and whichever thread a hook or a click
  runs on), each view draws under its ``render_lock``, so an older picture never lands
  after a newer one.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import ipywidgets as w

from ..secrets import mask

__all__ = ["BaseView", "Ticker", "one_line", "shows_errors", "esc", "html_view", "set_if_changed", "table"]

log = logging.getLogger("tokenkit.widgets")

_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_MAX_MESSAGE = 300

F = TypeVar("F", bound=Callable[..., Any])


def esc(value: object) -> str:
    """HTML-escape ``str(value)`` (widget HTML is rendered, so everything shown is escaped)."""
    return html.escape(str(value), quote=True)


def one_line(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """``"ValueError: message"`` on one line, short, with JWTs and ``secrets`` masked."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, mask(secret))
    text = _JWT_RE.sub(lambda m: mask(m.group(0)), text)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def shows_errors(method: F) -> F:
    """Run a widget method; on an exception, show it in the widget's ``errors`` area.

    For callbacks (clicks, observers, ticks): they return ``None`` on failure. The
    exception is also logged at DEBUG (message only, masked) for whoever collects logs.
    """

    @functools.wraps(method)
    def guarded(self: BaseView, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - shown to the user, that is the point
            self.show_error(exc)
            return None

    return guarded  # type: ignore[return-value]


def html_view(css_class: str, value: str = "") -> w.HTML:
    """An HTML widget with ``css_class``, so a browser test can find it."""
    view = w.HTML(value=value)
    view.add_class(css_class)
    return view


def set_if_changed(widget: w.Widget, value: Any, name: str = "value") -> None:
    """Assign a trait only when it changes: each assignment is a message to the browser."""
    if getattr(widget, name) != value:
        setattr(widget, name, value)


#: Cell padding of every table a view draws; a label column never wraps ("www-authenticate"
#: must not break at its hyphen), long values may.
_CELL = "padding:1px 16px 1px 0;text-align:left;vertical-align:top"
_LABEL = _CELL + ";white-space:nowrap"
_VALUE = _CELL + ";overflow-wrap:anywhere"


def table(rows: Iterable[Iterable[str]], *, headings: Iterable[str] = (), wrap: Iterable[int] = ()) -> str:
    """An HTML table of already-escaped cells, spaced so that neighbours never run together.

    Column headings and cells are left-aligned with room between columns; no cell wraps
    except those in the ``wrap`` columns (by index), which may break long values anywhere.
    """
    wrapping = set(wrap)

    def cells(row: Iterable[str], tag: str) -> str:
        return "".join(
            f"<{tag} style='{_VALUE if i in wrapping else _LABEL}'>{cell}</{tag}>" for i, cell in enumerate(row)
        )

    head = list(headings)
    top = f"<tr>{cells(head, 'th')}</tr>" if head else ""
    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    return f"<table style='font-size:90%;border-collapse:collapse'>{top}{body}</table>"


class BaseView(w.VBox):
    """A VBox with an ``errors`` line, a CSS class and a short, fixed repr.

    nbval compares the ``text/plain`` of every displayed output, and the default widget
    repr lists every trait (tokens included), so each view defines ``__repr__``.
    """

    css_class = "tokenkit-widget"

    def __init__(self, children: list[w.Widget], **kwargs: Any) -> None:
        self.errors = w.HTML(value="")
        self.errors.add_class("tokenkit-errors")
        super().__init__(children=[*children, self.errors], **kwargs)
        self.add_class("tokenkit-widget")
        self.add_class(self.css_class)
        self._ticker: Ticker | None = None
        self.render_lock = threading.RLock()

    # -- errors ------------------------------------------------------------------------
    def _known_secrets(self) -> Iterable[str]:
        """Secrets this view holds, masked in any message it shows (override to add)."""
        return ()

    def show_error(self, exc: BaseException) -> str:
        """Show ``exc`` as one red line in ``errors``; return the line (plain text)."""
        line = one_line(exc, self._known_secrets())
        log.debug("%s: %s", type(self).__name__, line)
        set_if_changed(self.errors, f'<span style="color:#c62828">⚠ {esc(line)}</span>')
        return line

    def clear_error(self) -> None:
        set_if_changed(self.errors, "")

    @property
    def error_text(self) -> str:
        """The error line as plain text ('' when there is none), for tests and lessons."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.errors.value)).removeprefix("⚠ ").strip()

    # -- live updates ------------------------------------------------------------------
    def tick(self) -> None:  # pragma: no cover - overridden by live views
        """Called about once per ``interval`` while live."""

    def _start_live(self, interval: float) -> None:
        if self._ticker is None or not self._ticker.alive:
            self._ticker = Ticker(self, interval)
            self._ticker.start()

    @property
    def live(self) -> bool:
        """True while the view updates itself; set it to start or stop the updates."""
        ticker = getattr(self, "_ticker", None)
        return ticker is not None and ticker.alive

    @live.setter
    def live(self, on: bool) -> None:
        if on:
            self._start_live(getattr(self, "interval", 1.0))
        else:
            self.stop()

    def stop(self) -> None:
        """Stop live updates (the view stays as it is, and can still be refreshed by hand)."""
        ticker = getattr(self, "_ticker", None)  # close() may run from __del__ of a half-built view
        if ticker is not None:
            ticker.stop()
            self._ticker = None

    # -- the auth or pool a view listens to ------------------------------------------------
    #: Removes this view's listener from its auth or pool; set by a view that listens.
    _unsubscribe: Callable[[], None] | None = None

    def detach(self) -> None:
        """Stop listening to the auth or pool (idempotent); the view stays as it is."""
        unsubscribe = getattr(self, "_unsubscribe", None)  # close() may run from __del__ of a half-built view
        if unsubscribe is not None:
            self._unsubscribe = None
            unsubscribe()

    def close(self) -> None:
        """Stop listening and live updates, and close this view and the widgets it made."""
        self.detach()
        self.stop()
        children = list(getattr(self, "children", ()))
        super().close()
        for child in children:
            _close_tree(child)


def _close_tree(widget: w.Widget) -> None:
    for child in list(getattr(widget, "children", ())):
        _close_tree(child)
    widget.close()


class Ticker:
    """Calls ``view.tick()`` every ``interval`` seconds on a daemon thread until stopped.

    The thread holds the view through a weak reference, so a view that is dropped is
    not kept alive by its own ticker, and the thread ends with it.
    """

    def __init__(self, view: BaseView, interval: float = 1.0) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self._view = weakref.ref(view)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"tokenkit-{type(view).__name__}-ticker", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            view = self._view()
            if view is None:
                return
            try:
                view.tick()
            except Exception as exc:  # noqa: BLE001 - a failing tick must not end the thread silently
                view.show_error(exc)
            del view
