"""``TokenInspector``: paste a JWT, read its header and claims, watch it expire, verify it.

A view over :func:`tokenkit.decode` and :func:`tokenkit.verify` (lesson 04). The split
those two functions make is the lesson, so the widget keeps it visible: everything shown
after pasting is labelled UNVERIFIED, and only the verify button, which checks the
signature against the issuer's keys, can turn the label into VERIFIED.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as w

from ..decode import DecodedToken, decode
from ..verify import verify as verify_token
from ..errors import TokenDecodeError, TokenKitError
from ..tokens import Token, TokenState
from ._base import BaseView, esc, html_view as _html, one_line, set_if_changed, shows_errors, table

__all__ = ["TokenInspector"]

_STATE_COLOURS = {TokenState.FRESH: "#2e7d32", TokenState.STALE: "#ef6c00", TokenState.EXPIRED: "#c62828"}
_TIME_CLAIMS = ("exp", "iat", "nbf")


class TokenInspector(BaseView):
    """Decode a pasted JWT (unverified), show its life live, and verify it on request.

    ``jwks_url`` or ``issuer`` says where the verify button finds the signing keys
    (an issuer's discovery document names its JWKS); ``audience`` and ``leeway`` are
    passed to :func:`tokenkit.verify`. ``clock`` is the time source for the seconds-left
    label and for verification: ``api.clock.now`` makes the widget follow the mock's
    movable clock. While ``live``, the label is recomputed every ``interval`` seconds on a
    daemon thread; :meth:`stop` ends that.

    Main controls: ``token_input`` (Textarea), ``verify_button``; views: ``status``,
    ``state_label``, ``header_view``, ``claims_view``, ``verify_result``, ``errors``.
    After :meth:`inspect`: ``decoded`` (or ``None``); after :meth:`verify`: ``verified``
    (or ``None``); ``error`` is the last decode or verification failure.
    """

    css_class = "tokenkit-inspector"

    def __init__(
        self,
        token: str | Token = "",
        *,
        jwks_url: str | None = None,
        issuer: str | None = None,
        audience: str | Iterable[str] | None = None,
        leeway: float = 0,
        live: bool = True,
        clock: Callable[[], float] = time.time,
        interval: float = 1.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.clock = clock
        self.interval = interval
        self.decoded: DecodedToken | None = None
        self.verified: DecodedToken | None = None
        self.error: Exception | None = None
        self._syncing = False

        self.token_input = w.Textarea(
            value="",
            placeholder="Paste a JWT here (eyJ…). Decoding needs no key; verifying does.",
            description="Token",
            rows=4,
            layout=w.Layout(width="100%"),
        )
        self.token_input.add_class("tokenkit-token-input")
        self.status = _html("tokenkit-status")
        self.state_label = _html("tokenkit-state")
        self.header_view = _html("tokenkit-header")
        self.claims_view = _html("tokenkit-claims")
        self.verify_button = w.Button(
            description="Verify signature",
            tooltip="Check the signature against the issuer's JWKS, and the exp/aud/iss claims",
            icon="check",
        )
        self.verify_button.add_class("tokenkit-verify")
        self.verify_result = _html("tokenkit-verify-result")
        super().__init__(
            [
                self.token_input,
                self.status,
                self.state_label,
                self.header_view,
                self.claims_view,
                w.HBox([self.verify_button, self.verify_result]),
            ]
        )
        self.token_input.observe(self._on_token_change, names="value")
        self.verify_button.on_click(self._on_verify_click)
        self.inspect(token)
        self.live = live

    def __repr__(self) -> str:
        return "TokenInspector()"

    def _known_secrets(self) -> Iterable[str]:
        return (self.token_input.value.strip(),)

    # -- public ------------------------------------------------------------------------
    @shows_errors
    def inspect(self, token: str | Token) -> DecodedToken | None:
        """Put ``token`` in the input and show it decoded; ``None`` if empty or malformed."""
        text = token.access_token if isinstance(token, Token) else str(token or "")
        self._syncing = True
        try:
            self.token_input.value = text
        finally:
            self._syncing = False
        return self._show(text)

    @shows_errors
    def verify(self) -> DecodedToken | None:
        """Verify the token in the input (signature, ``exp``, ``aud``, ``iss``); show the outcome.

        Returns the verified token, or ``None`` when it was refused (the reason is in
        ``verify_result`` and in ``error``).
        """
        self.clear_error()
        token = self.token_input.value.strip()
        if not token:
            return self._refuse("nothing to verify: paste a token first")
        if self.jwks_url is None and self.issuer is None:
            return self._refuse(
                "no keys to check against: create the inspector with jwks_url=… or issuer=… "
                "(taking them from the token's own iss claim would let any token vouch for itself)"
            )
        try:
            result = verify_token(
                token,
                jwks_url=self.jwks_url,
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                now=self.clock(),
            )
        except TokenKitError as exc:
            self.error = exc
            return self._refuse(one_line(exc, (token,)))
        self.verified, self.error = result, None
        checked = [f"signature ({esc(result.algorithm)}, key {esc(result.header.get('kid', '?'))})", "exp"]
        if self.audience is not None:
            checked.append("aud")
        if self.issuer is not None:
            checked.append("iss")
        set_if_changed(
            self.verify_result,
            f'<span style="color:#2e7d32"><b>✓ VERIFIED</b></span> — checked {", ".join(checked)}',
        )
        set_if_changed(
            self.status,
            f"Decoded <code>{esc(result.masked)}</code> — "
            '<span style="color:#2e7d32"><b>VERIFIED</b></span>: the signature matches the issuer\'s key.',
        )
        self._render_claims(result)
        return result

    @property
    def seconds_left(self) -> float | None:
        """Seconds until the inspected token's ``exp`` by ``clock`` (``None``: no token or no exp)."""
        decoded = self._now()
        return None if decoded is None else decoded.seconds_left

    @property
    def state(self) -> TokenState | None:
        """FRESH / STALE / EXPIRED by ``clock`` now (``None`` without a decoded token)."""
        decoded = self._now()
        return None if decoded is None else decoded.state

    @shows_errors
    def tick(self) -> None:
        """Recompute the seconds-left label (the ticker calls this about once a second)."""
        self._render_state()

    # -- callbacks ---------------------------------------------------------------------
    @shows_errors
    def _on_token_change(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._show(change["new"])

    @shows_errors
    def _on_verify_click(self, _button: w.Button) -> None:
        self.verify()

    # -- rendering ---------------------------------------------------------------------
    def _refuse(self, reason: str) -> DecodedToken | None:
        """Show the refusal; returns None (the result of a refused :meth:`verify`)."""
        self.verified = None
        set_if_changed(
            self.verify_result, f'<span style="color:#c62828"><b>✗ REFUSED</b></span> — {esc(reason)}'
        )
        if self.decoded is not None:  # an earlier VERIFIED no longer holds: back to the unverified view
            self._render_unverified(self.decoded)
            self._render_claims(self.decoded)
        return None

    def _now(self) -> DecodedToken | None:
        decoded = self.decoded
        return None if decoded is None else dataclasses.replace(decoded, now=self.clock())

    def _show(self, text: str) -> DecodedToken | None:
        self.clear_error()
        self.verified = None
        set_if_changed(self.verify_result, '<span style="color:#757575">signature not checked yet</span>')
        if not text.strip():
            self.decoded, self.error = None, None
            set_if_changed(self.status, '<span style="color:#757575">Paste a token to decode it.</span>')
            self._clear_views()
            return None
        try:
            decoded = decode(text, now=self.clock())
        except TokenDecodeError as exc:
            self.decoded, self.error = None, exc
            hint = ""
            if exc.part == "segments" and "." not in text.strip():
                hint = (
                    "; it may be an opaque token: only the server that issued it can say what it"
                    " means (RFC 7662 introspection)."
                )
            set_if_changed(
                self.status,
                f'<span style="color:#c62828"><b>✗ Not a readable JWT</b></span> — '
                f"{esc(one_line(exc, (text.strip(),)))}{esc(hint)}",
            )
            self._clear_views()
            return None
        self.decoded, self.error = decoded, None
        self._render_unverified(decoded)
        set_if_changed(self.header_view, _table("Header", decoded.header, {}))
        self._render_claims(decoded)
        self._render_state()
        return decoded

    def _render_unverified(self, decoded: DecodedToken) -> None:
        set_if_changed(
            self.status,
            f"Decoded <code>{esc(decoded.masked)}</code> — "
            '<span style="color:#ef6c00"><b>UNVERIFIED</b></span>: anyone can read these claims; '
            "only a signature check says they are true.",
        )

    def _clear_views(self) -> None:
        for view in (self.state_label, self.header_view, self.claims_view):
            set_if_changed(view, "")

    def _render_claims(self, decoded: DecodedToken) -> None:
        notes = {name: when for name, when in decoded.times.items() if when}
        title = "Claims (verified)" if decoded.verified else "Claims (unverified)"
        set_if_changed(self.claims_view, _table(title, decoded.claims, notes))

    def _render_state(self) -> None:
        decoded = self._now()
        if decoded is None:
            set_if_changed(self.state_label, "")
            return
        left = decoded.seconds_left
        if left is None:
            text = "<b>no exp claim</b>: this token never expires by its own account"
            set_if_changed(self.state_label, text)
            return
        state = decoded.state
        expires = decoded.times.get("exp")
        if state is TokenState.EXPIRED:
            detail = f"expired {-left:.0f} s ago ({expires})"
        elif state is TokenState.STALE:
            detail = f"{left:.0f} s left ({expires}): time to refresh it"
        else:
            detail = f"{left:.0f} s left (expires {expires})"
        nbf = decoded.claims.get("nbf")
        if isinstance(nbf, (int, float)) and not isinstance(nbf, bool) and nbf > decoded.now:
            detail += f"; not valid for another {nbf - decoded.now:.0f} s (nbf)"
        colour = _STATE_COLOURS[state]
        set_if_changed(
            self.state_label,
            f'<span style="color:{colour}"><b>{state.value.upper()}</b></span> — {esc(detail)}',
        )


def _table(title: str, data: dict[str, Any], notes: dict[str, str]) -> str:
    rows = (
        (
            f"<code>{esc(key)}</code>",
            f"<code>{esc(json.dumps(value, ensure_ascii=False))}</code>",
            f"<span style='color:#616161'>{esc(notes.get(key, ''))}</span>",
        )
        for key, value in data.items()
    )
    return f"<div><b>{esc(title)}</b>{table(rows, wrap=[1])}</div>"
