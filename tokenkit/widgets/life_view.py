"""``TokenLifeView``: the life of a :class:`~tokenkit.RefreshingAuth`'s token, live.

Shows what a refreshing auth otherwise does silently: the current token (masked), its
state and seconds left by the auth's own clock, how many tokens it has obtained, and one
line per renewal. With the mock's clock (``RefreshingAuth(source, clock=api.clock.now)``)
a lesson moves time forward and watches the token go STALE, then renewed on the next
request.

The events come from a listener added with :meth:`RefreshingAuth.add_listener
<tokenkit.RefreshingAuth.add_listener>`: the user's own ``on_refresh`` and other
listeners are untouched, and :meth:`detach` (or closing the view) removes ours, so a
closed view stops receiving events.

The view stays true without anyone pressing a button: a renewal redraws it at once (from
the hook), and while ``live`` a daemon thread redraws it about once a second from the
auth's state and clock, so moving the mock's clock in another cell shows up within a
second. Nothing here decides anything: state and seconds left are the core's
(:meth:`Token.state <tokenkit.Token.state>`, :meth:`Token.seconds_left`), judged with
the auth's own skew.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import ipywidgets as w

from ..refresh import RefreshingAuth
from ..secrets import mask
from ..tokens import Token, TokenState
from ._base import BaseView, esc, html_view, set_if_changed, shows_errors

__all__ = ["TokenLifeView", "RefreshEvent"]

_STATE_COLOURS = {TokenState.FRESH: "#2e7d32", TokenState.STALE: "#ef6c00", TokenState.EXPIRED: "#c62828"}


@dataclass(frozen=True)
class RefreshEvent:
    """One renewal seen by the view: when (auth's clock), which token (masked), for how long."""

    number: int  # the auth's generation after this renewal
    at: float
    token: str  # masked
    expires_in: float | None
    scopes: tuple[str, ...]

    def __str__(self) -> str:
        when = datetime.fromtimestamp(self.at, tz=timezone.utc).strftime("%H:%M:%S UTC")
        life = "no expiry" if self.expires_in is None else f"valid {self.expires_in:.0f} s"
        return f"#{self.number} at {when}: {self.token} ({life})"


class TokenLifeView(BaseView):
    """Current token, state, seconds left and refresh history of ``auth``.

    ``clock`` defaults to ``auth.clock``. While ``live`` (the default) the view is redrawn
    every ``interval`` seconds on a daemon thread; :meth:`stop` (or :meth:`close`) ends that.
    Views: ``state_label``, ``counts``, ``events_view``, ``errors``; control:
    ``refresh_button`` (renew now). ``events`` lists the renewals seen, oldest first.
    """

    css_class = "tokenkit-life-view"
    max_events = 50

    def __init__(
        self,
        auth: RefreshingAuth,
        *,
        live: bool = True,
        interval: float = 1.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not isinstance(auth, RefreshingAuth):
            raise TypeError(f"TokenLifeView needs a RefreshingAuth, not {type(auth).__name__}")
        self.auth = auth
        self.clock = clock if clock is not None else auth.clock
        self.interval = interval
        self.events: list[RefreshEvent] = []
        self._events_lock = threading.Lock()
        self._generation_at_start = auth.generation
        self.state_label = html_view("tokenkit-state")
        self.counts = html_view("tokenkit-refresh-count")
        self.events_view = html_view("tokenkit-refresh-events")
        self.refresh_button = w.Button(
            description="Refresh now", icon="refresh", tooltip="Ask the token source for a new token now"
        )
        self.refresh_button.add_class("tokenkit-refresh-now")
        super().__init__([self.state_label, w.HBox([self.counts, self.refresh_button]), self.events_view])
        self.refresh_button.on_click(self._on_refresh_click)
        # A listener of our own: the user's on_refresh and other views are left alone.
        self._unsubscribe = auth.add_listener(self._on_refresh)
        self.refresh()
        self.live = live

    def __repr__(self) -> str:
        return "TokenLifeView()"

    # -- public ------------------------------------------------------------------------
    @shows_errors
    def refresh(self) -> None:
        """Redraw from the auth's current state (the ticker calls this every ``interval``)."""
        with self.render_lock:
            self._render_state()
            self._render_counts()

    @shows_errors
    def tick(self) -> None:
        # Counts too: the auth may have renewed while we were detached.
        self.refresh()

    # -- callbacks ---------------------------------------------------------------------
    def _on_refresh(self, token: Token) -> None:
        """Our listener (any thread, outside the auth's locks): record and redraw."""
        self._record(token)

    @shows_errors
    def _record(self, token: Token) -> None:
        now = self.clock()
        event = RefreshEvent(
            number=self.auth.generation,  # the auth counts the new token before calling the hook
            at=now,
            token=mask(token.access_token),
            expires_in=token.seconds_left(now),
            scopes=tuple(token.scopes),
        )
        with self._events_lock:
            self.events.append(event)
            del self.events[: -self.max_events]
        with self.render_lock:
            self._render_counts()
            self._render_state(token)

    @shows_errors
    def _on_refresh_click(self, _button: Any) -> None:
        self.auth.refresh()
        self.refresh()

    # -- rendering ---------------------------------------------------------------------
    def _render_state(self, token: Token | None = None) -> None:
        token = token or self.auth.token
        if token is None:
            set_if_changed(
                self.state_label,
                '<span style="color:#757575">no token yet: the first request fetches one</span>',
            )
            return
        now = self.clock()
        left = token.seconds_left(now)
        if left is None:
            set_if_changed(self.state_label, f"<code>{esc(mask(token.access_token))}</code> — no known expiry")
            return
        # The auth renews `skew` seconds early, so judge STALE by its skew, not the default.
        state = token.state(max(self.auth.skew, 0.0), now=now)
        detail = f"{left:.0f} s left" if left > 0 else f"expired {-left:.0f} s ago"
        if state is TokenState.STALE:
            detail += ": the next request renews it"
        elif state is TokenState.EXPIRED:
            detail += ": the next request renews it before sending"
        set_if_changed(
            self.state_label,
            f"<code>{esc(mask(token.access_token))}</code> — "
            f'<span style="color:{_STATE_COLOURS[state]}"><b>{state.value.upper()}</b></span>, {esc(detail)}',
        )

    def _render_counts(self) -> None:
        with self._events_lock:
            events = list(self.events)
        generation = max(self.auth.generation, events[-1].number if events else 0)
        earlier = self._generation_at_start
        note = f" ({earlier} before this view)" if earlier else ""
        noun = "token" if generation == 1 else "tokens"
        set_if_changed(self.counts, f"<b>{generation}</b> {noun} obtained{esc(note)}")
        items = "".join(f"<li><code>{esc(e)}</code></li>" for e in reversed(events))
        if items:
            body = f"<ul style='margin:2px 0'>{items}</ul>"
        else:
            body = "<div style='color:#757575'><i>none seen yet: the next renewal is listed here</i></div>"
        # The title is a block of its own, so it never runs into the text below it.
        set_if_changed(self.events_view, f"<div><div><b>Renewals</b></div>{body}</div>")
