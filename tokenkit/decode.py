"""Read a JWT: ``decode`` (inspection, unverified); ``verify`` (signature and claims) is in :mod:`tokenkit.verify`.

Two functions on purpose. ``decode`` is for *looking*: anyone can base64-decode a JWT,
and seeing ``exp``, ``scope`` or ``aud`` is how you debug a 401. What it returns is
labelled ``verified=False`` everywhere it is shown, because nothing in it can be trusted
until the signature is checked. ``verify`` does that check through PyJWT and a JWKS, with
PyJWT's options (``audience``, ``issuer``, ``leeway``, ``algorithms``), and turns each of
PyJWT's failures into one tokenkit error per cause.

``decode`` is plain stdlib; ``jwt`` (PyJWT + cryptography, ~100 ms to import) is imported
only when ``verify`` is first called.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import TokenDecodeError
from .secrets import mask
from .jwtparts import MAX_DEPTH, MAX_TOKEN_LENGTH, split_jwt, strip_bearer
from .tokens import REFRESH_THRESHOLD, Token, TokenState, numeric_date, token_state

__all__ = ["DecodedToken", "decode", "looks_like_jwt", "numeric_date", "printable", "utc", "ACCESS_TOKEN_TYPE", "TIME_CLAIMS"]

TIME_CLAIMS = ("exp", "iat", "nbf")
_TIME_CLAIMS = TIME_CLAIMS
#: The ``typ`` an access token should carry (RFC 9068 §2.1); ``application/at+jwt`` is the same.
ACCESS_TOKEN_TYPE = "at+jwt"


def utc(value: Any) -> str | None:
    """A NumericDate as ``YYYY-MM-DD HH:MM:SS UTC``, or None when it is not a usable one."""
    number = numeric_date(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return None


def printable(text: str) -> str:
    """``text`` with control and format characters escaped (``\\x1b`` → ``\\u001b``).

    A claim is attacker-chosen text; printed raw to a terminal, an escape sequence in it
    can recolour, move the cursor or hide lines, and a bidi override can reorder what is
    shown. Letters of any script are kept as they are.
    """
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c == " " else (
            f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
        )
        for c in text
    )


@dataclass(frozen=True)
class DecodedToken:
    """A JWT's header and claims, plus readable times.

    ``verified`` is False for :func:`decode` and True only for :func:`verify`; ``now`` is
    the instant ``seconds_left`` and ``state`` were computed for. The token itself is not
    kept: only ``masked``, its masked form.
    """

    header: dict[str, Any]
    claims: dict[str, Any]
    verified: bool = False
    now: float = field(default_factory=time.time)
    masked: str = ""

    @property
    def times(self) -> dict[str, str | None]:
        """``exp``, ``iat`` and ``nbf`` as UTC strings (only those present; None if not a usable NumericDate)."""
        return {name: utc(self.claims[name]) for name in _TIME_CLAIMS if name in self.claims}

    @property
    def expires_at(self) -> float | None:
        """``exp`` as an instant, or None when absent or not a usable NumericDate (see :func:`numeric_date`)."""
        return numeric_date(self.claims.get("exp"))

    @property
    def seconds_left(self) -> float | None:
        """Seconds from ``now`` to ``exp`` (negative once expired)."""
        return None if self.expires_at is None else self.expires_at - self.now

    @property
    def state(self) -> TokenState:
        return token_state(self.seconds_left, REFRESH_THRESHOLD)

    @property
    def scopes(self) -> tuple[str, ...]:
        """Scopes from ``scope`` (space-separated, RFC 8693) or ``scp`` (list, some vendors)."""
        scope = self.claims.get("scope", self.claims.get("scp"))
        if isinstance(scope, str):
            return tuple(scope.split())
        if isinstance(scope, list):
            return tuple(str(s) for s in scope)
        return ()

    @property
    def algorithm(self) -> str | None:
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else None

    @property
    def token_type(self) -> str | None:
        """The header's ``typ`` (``at+jwt`` for an RFC 9068 access token), if it is a string."""
        typ = self.header.get("typ")
        return typ if isinstance(typ, str) else None

    def to_dict(self) -> dict[str, Any]:
        """Everything shown, as plain JSON-able data (for ``--json`` and widgets)."""
        return {
            "verified": self.verified,
            "token": self.masked,
            "header": self.header,
            "claims": self.claims,
            "times_utc": self.times,
            "seconds_left": None if self.seconds_left is None else round(self.seconds_left, 3),
            "state": self.state.value,
            "scopes": list(self.scopes),
        }

    def __str__(self) -> str:
        """Readable text for a terminal or notebook. Every line is passed through
        :func:`printable`, so control characters in a crafted claim are shown escaped."""
        label = "VERIFIED" if self.verified else "UNVERIFIED (signature not checked; do not trust these claims)"
        lines = [f"JWT {self.masked} — {label}", "header:"]
        lines += [f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in self.header.items()]
        lines.append("claims:")
        times = self.times
        for key, value in self.claims.items():
            shown = json.dumps(value, ensure_ascii=False)
            if times.get(key):
                shown += f"  ({times[key]})"
            elif key in _TIME_CLAIMS:
                shown += "  (not a usable NumericDate: seconds since 1970 expected)"
            lines.append(f"  {key}: {shown}")
        left = self.seconds_left
        if left is not None:
            when = f"{left:.0f} s left" if left > 0 else f"expired {-left:.0f} s ago"
            lines.append(f"state: {self.state.value} ({when})")
        return "\n".join(printable(line) for line in lines)


def _raw_token(token: str | bytes | Token) -> str:
    return strip_bearer(token.access_token if isinstance(token, Token) else token)


def looks_like_jwt(value: str | None) -> bool:
    """Cheap check: three dot-separated segments, the first a base64url JSON object."""
    if not value or not isinstance(value, str) or value.count(".") != 2:
        return False
    try:
        decode(value)
    except TokenDecodeError:
        return False
    return True


def decode(token: str | bytes | Token, *, now: float | None = None) -> DecodedToken:
    """Header and claims of a JWT, **without verifying the signature**.

    For inspection only: the result says ``verified=False``. Malformed input raises
    :class:`~tokenkit.TokenDecodeError` naming the part that is wrong (segment count,
    header or payload base64url, JSON, nesting), and nothing else: any string or bytes
    either decodes or raises that. Claims are shown as they are, odd ones included (a
    string ``exp`` is worth seeing when debugging); a time claim that is not a usable
    NumericDate gives no expiry (see :func:`numeric_date`).
    """
    raw = _raw_token(token)
    header, claims = split_jwt(raw)
    return DecodedToken(
        header=header,
        claims=claims,
        verified=False,
        now=time.time() if now is None else now,
        masked=mask(raw),
    )
