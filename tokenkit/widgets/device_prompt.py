"""``DevicePromptView``: a device login's prompt in a notebook, with a link and a countdown.

:class:`~tokenkit.DeviceLogin` shows this (through :func:`tokenkit.login.show_prompt`)
when it runs in a notebook: the user code in large letters, a link that opens the
verification page in a new tab (the one with the code in it when the server gives one),
and the minutes left, counted down on the login's own clock (the mock's, in a lesson).
When the login ends, :meth:`finish` replaces the countdown with the outcome and stops
the ticker. Nothing here decides anything: the prompt is the core's
:class:`~tokenkit.DevicePrompt`, and the device code is never in it.
"""

from __future__ import annotations

from typing import Any

from ..login import DevicePrompt, use_notebook_view
from ._base import BaseView, esc, html_view, set_if_changed, shows_errors

__all__ = ["DevicePromptView"]


class DevicePromptView(BaseView):
    """The user code, a clickable link to the verification page, and a live countdown."""

    css_class = "tokenkit-device-prompt"

    def __init__(self, prompt: DevicePrompt, *, live: bool = True, **kwargs: Any) -> None:
        self.prompt = prompt
        self.outcome: str | None = None
        self.message = html_view("tokenkit-device-message")
        self.countdown = html_view("tokenkit-device-countdown")
        super().__init__([self.message, self.countdown], **kwargs)
        self.message.value = self._message_html()
        self.tick()
        if live:
            self._start_live(1.0)

    def _message_html(self) -> str:
        p = self.prompt
        link = esc(p.link)
        code = esc(p.user_code)
        text = (
            f"<div>To log in, open <a href='{link}' target='_blank' rel='noopener noreferrer'>{esc(p.verification_uri)}</a>"
            f" and enter the code</div>"
            f"<div style='font:bold 160% monospace;letter-spacing:0.1em;margin:4px 0' class='tokenkit-user-code'>{code}</div>"
        )
        if p.verification_uri_complete:
            text += "<div style='font-size:90%'>(the link already has the code in it: just log in and approve)</div>"
        return text

    def countdown_text(self) -> str:
        """What the countdown line says now (plain text, for tests and lessons)."""
        if self.outcome is not None:
            return self.outcome
        left = self.prompt.seconds_left()
        if left <= 0:
            return "The code has expired."
        minutes, seconds = divmod(int(left), 60)
        return f"Waiting for approval: the code expires in {minutes}:{seconds:02d}."

    @shows_errors
    def tick(self) -> None:
        with self.render_lock:
            set_if_changed(self.countdown, esc(self.countdown_text()))

    def finish(self, outcome: str) -> None:
        """The login ended: show ``outcome`` instead of the countdown, and stop ticking."""
        self.outcome = outcome
        self.stop()
        self.tick()

    def __repr__(self) -> str:
        return "DevicePromptView(waiting)" if self.outcome is None else "DevicePromptView(done)"  # no code: output stays the same


# Importing the widgets makes this the device prompt a notebook shows (the core cannot import it).
use_notebook_view(DevicePromptView)
