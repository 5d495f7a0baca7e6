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
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import TokenDecodeError, TokenEndpointError
from .jwtparts import claims_or_empty, strip_bearer
from .secrets import mask

__all__ = ["Token", "TokenState", "REFRESH_THRESHOLD", "Clock", "numeric_date", "token_state"]

Clock = Callable[[], float]

#: Seconds before ``expires_at`` at which a token counts as STALE and gets refreshed.
#: Long enough to cover clock skew between us and the server plus one request's latency.
REFRESH_THRESHOLD = 30.0


#: The latest instant a calendar can show (9999-12-31 23:59:59 UTC).
LAST_INSTANT = 253_402_300_799
#: What an access or refresh token may contain to travel in a header or form: visible
#: ASCII, no spaces (RFC 6750's b64token is stricter; opaque tokens in the wild are not).
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
#: An HTTP token (RFC 9110 §5.6.2), what ``token_type`` must be to become a scheme.
_HTTP_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def numeric_date(value: Any) -> float | None:
    """``value`` as seconds since 1970 if it is a usable NumericDate (RFC 7519 §2), else None.

    Usable: an int or float (not a bool), finite, and within what a calendar can show
    (year 1 to 9999). A string, NaN, infinity, ``1e300`` or ``10**400`` is not: each
    would break a comparison, a subtraction or a date conversion somewhere downstream.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    if not math.isfinite(number) or abs(number) > LAST_INSTANT:
        return None
    return number


class TokenState(str, enum.Enum):
    """Where a token stands, in google-auth's vocabulary (INVALID is called EXPIRED here)."""

    FRESH = "fresh"
    STALE = "stale"
    EXPIRED = "expired"

    def __str__(self) -> str:
        return self.value


def token_state(seconds_left: float | None, threshold: float = REFRESH_THRESHOLD) -> TokenState:
    """FRESH, STALE or EXPIRED for a token with ``seconds_left`` (``None``: no known expiry).

    The one place the rule lives: :meth:`Token.state` and
    :attr:`~tokenkit.DecodedToken.state` both ask it.
    """
    if seconds_left is None or seconds_left > threshold:
        return TokenState.FRESH
    if seconds_left > 0:
        return TokenState.STALE
    return TokenState.EXPIRED


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
            raise TokenDecodeError("a Token needs a non-empty access_token string", part="input")
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
        if not isinstance(data, Mapping):
            raise _unusable(f"the answer is a JSON {type(data).__name__}, not an object")
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            keys = ", ".join(sorted(str(k)[:40] for k in data)[:20])
            raise _unusable(f"the answer has no access_token (keys: {keys or 'none'})")
        if not _HEADER_SAFE.fullmatch(access_token):
            raise _unusable("the access_token contains spaces or characters an HTTP header cannot carry")
        token_type = data.get("token_type")
        if token_type is None or token_type == "":
            token_type = "Bearer"
        elif not isinstance(token_type, str) or not _HTTP_TOKEN.fullmatch(token_type):
            raise _unusable(f"token_type is {_kind(token_type)}, not a scheme name such as 'Bearer'")
        refresh_token = data.get("refresh_token")
        if refresh_token is not None and not isinstance(refresh_token, str):
            raise _unusable(f"refresh_token is {_kind(refresh_token)}, not a string")
        if refresh_token and not _HEADER_SAFE.fullmatch(refresh_token):
            raise _unusable("the refresh_token contains spaces or control characters")
        scope = data.get("scope")
        if scope is not None and not isinstance(scope, str):
            raise _unusable(f"scope is {_kind(scope)}, not a space-separated string (RFC 6749 §3.3)")
        now = clock() if now is None else now
        expires_at: float | None = None
        expires_in = data.get("expires_in")
        if expires_in is not None:
            expires_at = _expiry(expires_in, now)
        if expires_at is None:
            expires_at = _jwt_claim(access_token, "exp")
        scopes = _split_scopes(scope) if scope is not None else _split_scopes(requested_scopes)
        return cls(
            access_token=access_token,
            token_type=token_type,
            expires_at=expires_at,
            scopes=scopes,
            refresh_token=refresh_token or None,
            clock=clock,
        )

    @classmethod
    def from_string(cls, raw: str | bytes, *, token_type: str = "Bearer", clock: Clock = time.time) -> Token:
        """Wrap a raw token; when it is a JWT, read ``exp`` and ``scope`` from its claims.

        The claims are read without verification: that is fine here because they only
        tell *us* when to refresh, they grant nothing.
        """
        raw = strip_bearer(raw, max_length=None)
        if not raw:
            raise TokenDecodeError("the token is empty", part="input")
        claims = _jwt_claims(raw)
        scope = claims.get("scope", claims.get("scp"))
        if isinstance(scope, list):
            scope = [s for s in scope if isinstance(s, str)]
        return cls(
            access_token=raw,
            token_type=token_type,
            expires_at=numeric_date(claims.get("exp")),
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
        return token_state(self.seconds_left(now), threshold)

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


def _unusable(description: str) -> TokenEndpointError:
    return TokenEndpointError(error="invalid_response", error_description=description)


def _kind(value: Any) -> str:
    """A value's JSON type, for messages (never the value: it may be a secret)."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _expiry(expires_in: Any, now: float) -> float:
    """``now + expires_in``, or :class:`TokenEndpointError` for a lifetime that is no lifetime.

    Accepted: a non-negative finite number, or a string of one (some servers quote it),
    such that the instant it gives is on a calendar. Refused: booleans, NaN, infinity,
    negative values, ``10**400`` and friends.
    """
    seconds: float | None = None
    if isinstance(expires_in, bool):
        seconds = None
    elif isinstance(expires_in, (int, float)):
        try:
            seconds = float(expires_in)
        except OverflowError:
            seconds = None
    elif isinstance(expires_in, str) and re.fullmatch(r"\s*\d{1,15}(\.\d+)?\s*", expires_in):
        seconds = float(expires_in)
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        shown = _kind(expires_in) if not isinstance(expires_in, (int, float)) or isinstance(expires_in, bool) else (
            "negative" if isinstance(expires_in, (int, float)) and expires_in < 0 else "not a finite number")
        raise _unusable(f"expires_in is {shown}: a lifetime in seconds was expected (RFC 6749 §5.1)")
    instant = numeric_date(now + seconds)
    if instant is None:
        raise _unusable(f"expires_in is {seconds:.3g} s, a lifetime that ends after the year 9999")
    return instant


def _jwt_claims(raw: str) -> dict[str, Any]:
    """Claims of a JWT without verification, or ``{}`` when ``raw`` is not a JWT."""
    return claims_or_empty(raw)


def _jwt_claim(raw: str, name: str) -> float | None:
    return numeric_date(_jwt_claims(raw).get(name))
