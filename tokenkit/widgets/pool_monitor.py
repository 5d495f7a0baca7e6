"""``PoolMonitor``: each token of a :class:`~tokenkit.TokenPool`, its requests, 429s and cooldown.

Lesson 07 sends a burst of requests through a pool and this view shows the rotation
happen: the request counts climbing in turn, a 429 putting one token aside, its cooldown
counting down while the others carry the load. It reads only
:meth:`TokenPool.stats() <tokenkit.TokenPool.stats>`, whose tokens are already masked,
and redraws on the pool's events (:meth:`TokenPool.add_listener
<tokenkit.TokenPool.add_listener>`) as well as on its ticker; closing the view removes
its listener.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as w

from ..pool import PoolEvent, TokenPool, TokenStats
from ._base import BaseView, esc, html_view, set_if_changed, shows_errors, table

__all__ = ["PoolMonitor"]


class PoolMonitor(BaseView):
    """A table of ``pool.stats()``: per token, requests sent, 429s received, cooling seconds.

    While ``live`` (the default) the table is refreshed every ``interval`` seconds from a
    daemon thread, which keeps it moving while the kernel runs a burst of requests and
    after it (a cooldown counting down), with no button pressed; only what changed is
    sent to the browser. :meth:`stop` (or :meth:`close`) ends that; :meth:`refresh` (or
    ``refresh_button``) updates by hand.

    Views: ``summary``, ``table``, ``errors``; control: ``refresh_button``.
    ``stats`` holds the rows last shown.
    """

    css_class = "tokenkit-pool-monitor"

    def __init__(self, pool: TokenPool, *, live: bool = True, interval: float = 1.0) -> None:
        if not hasattr(pool, "stats"):
            raise TypeError(f"PoolMonitor needs a TokenPool (something with .stats()), not {type(pool).__name__}")
        self.pool = pool
        self.interval = interval
        self.stats: list[TokenStats] = []
        self.summary = html_view("tokenkit-pool-summary")
        self.table = html_view("tokenkit-pool-table")
        self.refresh_button = w.Button(description="Refresh", icon="refresh", tooltip="Read the pool's counters now")
        self.refresh_button.add_class("tokenkit-refresh")
        super().__init__([w.HBox([self.summary, self.refresh_button]), self.table])
        self.refresh_button.on_click(self._on_refresh_click)
        self._last_event_draw = 0.0
        add = getattr(pool, "add_listener", None)
        self._unsubscribe = add(self._on_event) if callable(add) else None
        self.refresh()
        self.live = live

    def _on_event(self, event: PoolEvent) -> None:
        """A pool event (any thread): redraw at once for a 429 or a wait, at most 10 times a second for sends."""
        now = time.monotonic()
        if event.kind == "sent" and now - self._last_event_draw < 0.1:
            return
        self._last_event_draw = now
        self.refresh()

    def __repr__(self) -> str:
        return f"PoolMonitor({_count(len(self.pool), 'token')})"

    @shows_errors
    def refresh(self) -> list[TokenStats]:
        """Read the pool's counters and redraw; returns the rows shown."""
        with self.render_lock:  # the ticker and a click may both be here
            stats = self.pool.stats()
            self.stats = stats
            total = sum(s.requests for s in stats)
            limited = sum(s.rate_limited for s in stats)
            cooling = sum(1 for s in stats if s.cooling_for > 0)
            set_if_changed(
                self.summary,
                f"<b>Token pool</b> — {_count(len(stats), 'token')} · {_count(total, 'request')} · "
                f"{limited} × 429 · {cooling} cooling down",
            )
            most = max((s.requests for s in stats), default=0) or 1
            set_if_changed(self.table, table((_row(s, most) for s in stats), headings=_HEADINGS))
            return stats

    @shows_errors
    def tick(self) -> None:
        self.refresh()

    @shows_errors
    def _on_refresh_click(self, _button: Any) -> None:
        self.refresh()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


#: Column headings: each a word or two, spaced by ``table()`` so none runs into the next.
_HEADINGS = ("#", "token", "requests", "429s", "state")


def _row(s: TokenStats, most: int) -> list[str]:
    width = round(80 * s.requests / most)
    bar = f"<span style='display:inline-block;height:8px;width:{width}px;background:#90caf9'></span>"
    if s.cooling_for > 0:
        state = f"<span style='color:#ef6c00'>cooling down {s.cooling_for:.1f} s</span>"
    else:
        state = "<span style='color:#2e7d32'>ready</span>"
    return [str(s.index), f"<code>{esc(s.token)}</code>", f"{s.requests} {bar}", str(s.rate_limited), state]
