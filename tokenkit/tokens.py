"""``Token``: an access token and what we know about it.

The one rule of this module: the secret parts (``access_token``, ``refresh_token``) are
never shown whole. ``repr()`` and ``str()`` mask them, so a token printed in a notebook,
a log line or a traceback cannot be copied out and replayed.

Expiry follows google-auth: one instant (``expires_at``) and one named threshold
(:data:`REFRESH_THRESHOLD`) instead of ``time.time()`` comparisons scattered through the
code. A token is FRESH while more than the threshold is left, STALE inside the threshold
(still accepted, but worth refreshing now) and EXPIRED after ``expires_at``.
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import TokenEndpointError
from .secrets import mask

__all__ = ["Token", "TokenState", "REFRESH_THRESHOLD", "Clock"]

Clock = Callable[[], float]

#: Seconds before ``expires_at`` at which a token counts as STALE and gets refreshed.
#: Long enough to cover clock skew between us and the server plus one request's latency.
REFRESH_THRESHOLD = 30.0


class TokenState(str, enum.Enum):
    """Where a token stands, in google-auth's vocabulary (INVALID is called EXPIRED here)."""

    FRESH = "fresh"
    STALE = "stale"
    EXPIRED = "expired"

    def __str__(self) -> str:
        return self.value


def _split_scopes(scope: str | Iterable[str] | None) -> tuple[str, ...]:
    if scope is None:
        return ()
    if isinstance(scope, str):
        return tuple(scope.split())
    return tuple(s for item in scope for s in str(item).split())


@dataclass(frozen=True, repr=False)
class Token:
    """An access token, its type, expiry, scopes and optional refresh token.

    ``expires_at`` is an epoch instant (``None``: no known expiry). ``clock`` is the time
    source for :attr:`expires_in` and the default ``now`` of the methods; it is not part
    of equality. Pass the mock's clock (``api.clock.now``) to see expiry move with it.
    """

    access_token: str
    token_type: str = "Bearer"
    expires_at: float | None = None
    scopes: tuple[str, ...] = ()
    refresh_token: str | None = None
    clock: Clock = field(default=time.time, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.access_token, str) or not self.access_token:
            raise ValueError("a Token needs a non-empty access_token string")
        if not isinstance(self.scopes, tuple):
            object.__setattr__(self, "scopes", _split_scopes(self.scopes))

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_response(
        cls,
        data: Mapping[str, Any],
        *,
        now: float | None = None,
        clock: Clock = time.time,
        requested_scopes: str | Iterable[str] | None = None,
    ) -> Token:
        """Build a token from a token endpoint's JSON answer (RFC 6749 §5.1).

        ``expires_in`` is relative, so it is turned into an instant against ``now`` (by
        default ``clock()``), taken as close as possible to when the answer arrived. When
        ``scope`` is absent the RFC says it equals what was requested, so
        ``requested_scopes`` fills in. When ``expires_in`` is absent but the token is a
        JWT, its ``exp`` claim is used.
        """
        access_token = data.get("access_token") if isinstance(data, Mapping) else None
        if not isinstance(access_token, str) or not access_token:
            keys = ", ".join(sorted(map(str, data))) if isinstance(data, Mapping) else type(data).__name__
            raise TokenEndpointError(
                error="invalid_response",
                error_description=f"the answer has no access_token (keys: {keys or 'none'})",
            )
        now = clock() if now is None else now
        expires_at: float | None = None
        expires_in = data.get("expires_in")
        if expires_in is not None:
            try:
                expires_at = now + float(expires_in)
            except (TypeError, ValueError):
                expires_at = None
        if expires_at is None:
            expires_at = _jwt_claim(access_token, "exp")
        scope = data.get("scope")
        scopes = _split_scopes(scope) if scope is not None else _split_scopes(requested_scopes)
        return cls(
            access_token=access_token,
            token_type=str(data.get("token_type") or "Bearer"),
            expires_at=expires_at,
            scopes=scopes,
            refresh_token=data.get("refresh_token") or None,
            clock=clock,
        )

    @classmethod
    def from_string(cls, raw: str, *, token_type: str = "Bearer", clock: Clock = time.time) -> Token:
        """Wrap a raw token; when it is a JWT, read ``exp`` and ``scope`` from its claims.

        The claims are read without verification: that is fine here because they only
        tell *us* when to refresh, they grant nothing.
        """
        raw = raw.strip()
        if raw[:7].lower() == "bearer ":
            raw = raw[7:].strip()
        claims = _jwt_claims(raw)
        exp = claims.get("exp")
        scope = claims.get("scope", claims.get("scp"))
        return cls(
            access_token=raw,
            token_type=token_type,
            expires_at=float(exp) if isinstance(exp, (int, float)) else None,
            scopes=_split_scopes(scope) if isinstance(scope, (str, list)) else (),
            clock=clock,
        )

    def with_clock(self, clock: Clock) -> Token:
        """The same token judged by another clock (e.g. the mock's)."""
        return dataclasses.replace(self, clock=clock)

    # -- expiry ----------------------------------------------------------------------
    @property
    def expires_in(self) -> float | None:
        """Seconds left before expiry by ``self.clock`` (negative once expired, ``None`` if unknown)."""
        return self.seconds_left()

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds left at ``now`` (default: ``self.clock()``); ``None`` if no expiry is known."""
        if self.expires_at is None:
            return None
        return self.expires_at - (self.clock() if now is None else now)

    def is_expired(self, skew: float = 0.0, *, now: float | None = None) -> bool:
        """True when fewer than ``skew`` seconds are left. A token without expiry never expires."""
        left = self.seconds_left(now)
        return left is not None and left <= skew

    def state(self, threshold: float = REFRESH_THRESHOLD, *, now: float | None = None) -> TokenState:
        """FRESH, STALE (within ``threshold`` of expiry) or EXPIRED."""
        left = self.seconds_left(now)
        if left is None or left > threshold:
            return TokenState.FRESH
        if left > 0:
            return TokenState.STALE
        return TokenState.EXPIRED

    # -- use ---------------------------------------------------------------------------
    @property
    def scope(self) -> str:
        """Scopes as the space-separated string OAuth uses on the wire."""
        return " ".join(self.scopes)

    def has_scopes(self, *scopes: str) -> bool:
        """True when every scope asked for is granted."""
        return set(_split_scopes(scopes)) <= set(self.scopes)

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value. A property, not the repr, on purpose."""
        scheme = "Bearer" if self.token_type.lower() == "bearer" else self.token_type
        return f"{scheme} {self.access_token}"

    def __repr__(self) -> str:
        parts = [
            f"access_token={mask(self.access_token)!r}",
            f"token_type={self.token_type!r}",
        ]
        if self.expires_at is not None:
            left = self.seconds_left()
            parts.append(f"expires_in={left:.0f}s" if left is not None else "")
        parts.append(f"scopes={self.scopes!r}")
        if self.refresh_token:
            parts.append(f"refresh_token={mask(self.refresh_token)!r}")
        return f"Token({', '.join(p for p in parts if p)})"

    def __str__(self) -> str:
        left = self.seconds_left()
        life = "no known expiry" if left is None else (
            f"expires in {left:.0f} s" if left > 0 else f"expired {-left:.0f} s ago"
        )
        refresh = ", refreshable" if self.refresh_token else ""
        scopes = self.scope or "no scopes"
        return f"{self.token_type} {mask(self.access_token)} ({life}; {scopes}{refresh})"


def _jwt_claims(raw: str) -> dict[str, Any]:
    """Claims of a JWT without verification, or ``{}`` when ``raw`` is not a JWT."""
    from .decode import TokenDecodeError, decode

    if raw.count(".") != 2:
        return {}
    try:
        return dict(decode(raw).claims)
    except TokenDecodeError:
        return {}


def _jwt_claim(raw: str, name: str) -> float | None:
    value = _jwt_claims(raw).get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
