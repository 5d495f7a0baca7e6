"""``RequestExplorer``: build a request by hand, send it, read the answer and its diagnosis.

A view over :mod:`tokenkit.explore` and :func:`tokenkit.diagnose` (lesson 05). A learner
changes one thing at a time (the method, the path, how the token is sent, which token)
and sees what the server answers and why. The request logic is all in
:mod:`tokenkit.explore`; this module only wires the form to it and renders the result.

Tokens appear on screen only masked, except in the paste field where the learner put
them: the dropdown lists token *names*, and what was sent is shown as
``Authorization: Bearer eyJh…x9Qk (765 chars)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as w
import requests

from .. import explore
from ..decode import decode
from ..diagnose import Diagnosis, diagnose
from ..errors import ServerUnreachableError, TokenDecodeError, safe_url
from ..secrets import mask
from ..tokens import Token
from ._base import BaseView, esc, html_view as _html, set_if_changed, shows_errors, table

__all__ = ["RequestExplorer", "PASTE"]

#: The token-source choice that reveals the paste field.
PASTE = "paste a token"

_MASKED_RESPONSE_HEADERS = ("set-cookie",)


class RequestExplorer(BaseView):
    """A form for one request to ``base_url``, and a view of its response and diagnosis.

    ``tokens`` maps display names to tokens (``{"notes-app token": "eyJ…"}``); ``token``
    is a single token, listed as ``"token"``. ``session`` (a ``requests.Session``, e.g.
    ``tokenkit.session()``) is used for every request when given.

    Main controls: ``method_select``, ``path_input``, ``auth_select``, ``token_select``,
    ``token_paste`` (shown when "paste a token" is chosen), ``body_input``,
    ``send_button``. Views: ``status``, ``headers_view``, ``body_view``,
    ``diagnosis_view``, ``errors``. After :meth:`send`: ``response``, ``diagnosis`` and
    ``error`` (the last failure to send, else ``None``).
    """

    css_class = "tokenkit-explorer"

    def __init__(
        self,
        base_url: str,
        *,
        tokens: Mapping[str, str | Token] | None = None,
        token: str | Token | None = None,
        session: requests.Session | None = None,
        timeout: float = 10,
    ) -> None:
        self.base_url = base_url
        self.session = session
        self.timeout = timeout
        self._tokens: dict[str, str | Token] = {}
        if token is not None:
            self._tokens["token"] = token
        self._tokens.update({name: value for name, value in (tokens or {}).items() if name != PASTE})
        self.response: requests.Response | None = None
        self.diagnosis: Diagnosis | None = None
        self.error: Exception | None = None

        self.method_select = w.Dropdown(options=explore.METHODS, value="GET", description="Method")
        self.method_select.add_class("tokenkit-method")
        self.path_input = w.Text(value="/data", placeholder="/data", description="Path", continuous_update=True)
        self.path_input.add_class("tokenkit-path")
        self.auth_select = w.Dropdown(options=explore.AUTH_FORMS, value="Bearer", description="Send as")
        self.auth_select.add_class("tokenkit-auth-form")
        names = [*self._tokens, PASTE]
        self.token_select = w.Dropdown(options=names, value=names[0], description="Token")
        self.token_select.add_class("tokenkit-token-source")
        self.token_preview = w.HTML(value="", layout=w.Layout(width="auto", min_width="16em"))
        self.token_preview.add_class("tokenkit-token-preview")
        self.token_paste = w.Password(value="", placeholder="paste a token (eyJ…)", description="Paste")
        self.token_paste.add_class("tokenkit-token-paste")
        self.body_input = w.Textarea(
            value="",
            placeholder='{"title": "Shopping", "body": "milk, eggs"}  (sent with POST, PUT and PATCH)',
            description="JSON body",
            rows=4,
            layout=w.Layout(width="100%"),
        )
        self.body_input.add_class("tokenkit-body")
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.send_button.add_class("tokenkit-send")
        self.status = _html("tokenkit-status")
        self.headers_view = _html("tokenkit-headers")
        self.body_view = _html("tokenkit-response-body")
        self.diagnosis_view = _html("tokenkit-diagnosis")
        title = w.HTML(value=f"<b>Request explorer</b> — <code>{esc(safe_url(base_url))}</code>")
        super().__init__(
            [
                title,
                w.HBox([self.method_select, self.path_input]),
                w.HBox([self.auth_select, self.token_select, self.token_preview]),
                self.token_paste,
                self.body_input,
                self.send_button,
                self.status,
                self.headers_view,
                self.body_view,
                self.diagnosis_view,
            ]
        )
        self.method_select.observe(self._on_method_change, names="value")
        self.auth_select.observe(self._on_source_change, names="value")
        self.token_select.observe(self._on_source_change, names="value")
        self.token_paste.observe(self._on_source_change, names="value")
        self.send_button.on_click(self._on_send_click)
        self._on_method_change()
        self._on_source_change()

    def __repr__(self) -> str:
        return "RequestExplorer()"

    def _known_secrets(self) -> Iterable[str]:
        values = [v.access_token if isinstance(v, Token) else str(v) for v in self._tokens.values()]
        return [*values, self.token_paste.value.strip()]

    # -- public ------------------------------------------------------------------------
    @property
    def token_names(self) -> list[str]:
        """The names in the token dropdown (without "paste a token")."""
        return list(self._tokens)

    def current_token(self) -> str | Token | None:
        """The token the form would send: the chosen one, or what was pasted."""
        if self.token_select.value == PASTE:
            return self.token_paste.value.strip() or None
        return self._tokens.get(self.token_select.value)

    @shows_errors
    def send(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        form: str | None = None,
        token_source: str | None = None,
        token: str | Token | None = None,
        body: str | object | None = None,
    ) -> requests.Response | None:
        """Send the request the form describes, like clicking Send, and return the response.

        Keyword arguments first set the matching control (so the form shows what was
        sent): ``form`` the "send as" choice, ``token_source`` a token name, ``token`` a
        token to paste, ``body`` a JSON string or a value to serialise. Returns ``None``
        when nothing came back (bad input, server not answering); the reason is shown in
        the widget and kept on ``error``.
        """
        self._apply(method, path, form, token_source, token, body)
        self.clear_error()
        self._clear_results()
        self.send_button.disabled = True
        try:
            response = explore.send(
                self.method_select.value,
                self.base_url,
                self.path_input.value,
                form=self.auth_select.value,
                token=self.current_token(),
                body_text=self.body_input.value,
                session=self.session,
                timeout=self.timeout,
            )
        except ServerUnreachableError as exc:
            self.error, self.response, self.diagnosis = exc, None, diagnose(exc)
            set_if_changed(self.status, '<span style="color:#c62828"><b>No answer</b></span>')
            set_if_changed(self.diagnosis_view, self.diagnosis._repr_html_())
            self.show_error(exc)
            return None
        except (ValueError, requests.RequestException) as exc:
            self.error, self.response, self.diagnosis = exc, None, None
            set_if_changed(
                self.status, '<span style="color:#c62828"><b>Not sent</b></span> — fix the form and send again'
            )
            self.show_error(exc)
            return None
        finally:
            self.send_button.disabled = False
        self.error, self.response, self.diagnosis = None, response, diagnose(response)
        self._render(response, self.diagnosis)
        return response

    # -- callbacks ---------------------------------------------------------------------
    @shows_errors
    def _on_send_click(self, _button: w.Button) -> None:
        self.send()

    @shows_errors
    def _on_method_change(self, _change: Any = None) -> None:
        self.body_input.disabled = self.method_select.value not in explore.BODY_METHODS

    @shows_errors
    def _on_source_change(self, _change: Any = None) -> None:
        pasting = self.token_select.value == PASTE
        self.token_paste.layout.display = None if pasting else "none"
        self.token_select.disabled = self.auth_select.value == "none"
        set_if_changed(self.token_preview, self._preview())

    # -- rendering ---------------------------------------------------------------------
    def _apply(
        self,
        method: str | None,
        path: str | None,
        form: str | None,
        token_source: str | None,
        token: str | Token | None,
        body: str | object | None,
    ) -> None:
        if method is not None:
            self.method_select.value = method.upper()
        if path is not None:
            self.path_input.value = path
        if form is not None:
            self.auth_select.value = form
        if token_source is not None:
            self.token_select.value = token_source
        if token is not None:
            self.token_select.value = PASTE
            self.token_paste.value = token.access_token if isinstance(token, Token) else token
        if body is not None:
            self.body_input.value = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)

    def _preview(self) -> str:
        if self.auth_select.value == "none":
            return '<span style="color:#757575">no token will be sent</span>'
        token = self.current_token()
        if token is None:
            return '<span style="color:#757575">no token yet: paste one</span>'
        raw = (token.access_token if isinstance(token, Token) else token).strip()
        shown = f"<code>{esc(mask(raw))}</code>"
        try:
            decoded = decode(raw)
        except TokenDecodeError:
            return shown + ' <span style="color:#757575">(not a JWT)</span>'
        scopes = " ".join(decoded.scopes) or "no scopes"
        return f"{shown} <span style='color:#616161'>{esc(scopes)}</span>"

    def _clear_results(self) -> None:
        for view in (self.status, self.headers_view, self.body_view, self.diagnosis_view):
            set_if_changed(view, "")

    def _render(self, response: requests.Response, diagnosis: Diagnosis) -> None:
        code = response.status_code
        colour = "#2e7d32" if code < 400 else ("#ef6c00" if code == 429 else "#c62828")
        sent = explore.sent_credentials(response.request)
        sent_text = "; ".join(f"{name}: {value}" for name, value in sent) or "no credentials"
        elapsed = f" · {response.elapsed.total_seconds() * 1000:.0f} ms" if response.elapsed else ""
        # Earlier answers to this request: a redirect, or the 401 a RefreshingAuth resent after.
        resent = f" · after {', '.join(str(r.status_code) for r in response.history)}" if response.history else ""
        set_if_changed(
            self.status,
            f'<span style="color:{colour}"><b>{esc(explore.status_line(response))}</b></span>'
            f"{esc(elapsed)}{esc(resent)}"
            f"<br><span style='color:#616161'>sent {esc(sent_text)}</span>",
        )
        rows = (
            (f"<code>{esc(name)}</code>", f"<code>{esc(_header_value(name, value))}</code>")
            for name, value in response.headers.items()
        )
        # A header's name stays on one line; a long value (WWW-Authenticate with its
        # error_description) wraps instead of squeezing the name column.
        set_if_changed(self.headers_view, f"<div><b>Response headers</b>{table(rows, wrap=[1])}</div>")
        set_if_changed(
            self.body_view,
            "<div><b>Body</b><pre style='max-height:320px;overflow:auto;margin:2px 0'>"
            f"{esc(explore.pretty_body(response))}</pre></div>",
        )
        set_if_changed(self.diagnosis_view, diagnosis._repr_html_())


def _header_value(name: str, value: str) -> str:
    return mask(value) if name.lower() in _MASKED_RESPONSE_HEADERS else value
