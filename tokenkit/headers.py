"""Reading the headers an API answers with: ``WWW-Authenticate``, ``Retry-After``, rate limits.

Layer 1 of the core (only ``errors``/``secrets`` below it), so every layer above can use
one parser: ``diagnose`` to explain a refusal, ``pool`` to cool a token down, ``retry``
to decide how long urllib3 may sleep.

Every function here takes whatever a server sent and never raises on it: a header is
input from the network, and ``Retry-After: soon``, ``-5``, ``1e999`` or a date in the
year 9999 must give "no usable value" or a bounded number, not an exception.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = [
    "Challenge",
    "parse_www_authenticate",
    "parse_retry_after",
    "retry_after_seconds",
    "rate_limit_info",
    "MAX_RETRY_AFTER",
]

#: The longest wait a header is read as (one day). Longer asks are read as this: nobody
#: waits longer in a script, and an infinite or 10**400-second wait breaks arithmetic.
MAX_RETRY_AFTER = 86_400.0

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_TOKEN68 = r"[A-Za-z0-9\-._~+/]+=*"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PARAM_RE = re.compile(rf"\s*({_TOKEN})\s*=\s*({_QUOTED}|{_TOKEN})\s*")
_SCHEME_RE = re.compile(rf"\s*({_TOKEN})(?:\s+|$)")
_TOKEN68_RE = re.compile(rf"({_TOKEN68})\s*(?:,|$)")


@dataclass(frozen=True)
class Challenge:
    """One challenge of a ``WWW-Authenticate`` header: a scheme and its auth-params."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.params.get(name.lower(), default)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_www_authenticate(value: str | None) -> list[Challenge]:
    """Parse ``WWW-Authenticate`` into challenges (RFC 7235 §4.1, RFC 6750 §3).

    Handles several challenges in one header (``Basic realm="a", Bearer realm="b"``),
    quoted strings with commas and escaped quotes inside, and token68 values. A comma
    separates auth-params *and* challenges; what follows decides which: ``name=`` is a
    parameter, a bare token followed by a space is the next scheme. Anything that does
    not parse ends the list; nothing raises.
    """
    challenges: list[Challenge] = []
    if not value or not isinstance(value, str):
        return challenges
    text, pos = value, 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " ,\t":
            pos += 1
        m = _SCHEME_RE.match(text, pos)
        if not m:
            break
        scheme = m.group(1)
        pos = m.end()
        params: dict[str, str] = {}
        token68 = None
        t68 = _TOKEN68_RE.match(text, pos)
        if t68 and not _PARAM_RE.match(text, pos):
            token68, pos = t68.group(1), t68.end()
        else:
            while pos < len(text):
                pm = _PARAM_RE.match(text, pos)
                if not pm:
                    break
                params[pm.group(1).lower()] = _unquote(pm.group(2))
                pos = pm.end()
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                    nxt = _PARAM_RE.match(text, pos)
                    if not nxt:  # not "name=": the next challenge starts here
                        break
        challenges.append(Challenge(scheme, params, token68))
    return challenges


def _bounded(seconds: float) -> float | None:
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).

    ``None`` for anything else (``soon``, ``-5``, an empty value): the caller then uses its
    own backoff. Fractions (``1.5``, not in the RFC but sent by some APIs) are accepted; a
    date in the past is 0; anything longer than :data:`MAX_RETRY_AFTER` is read as that.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        whole = value.split(".")[0].lstrip("0")
        if len(whole) > 15:  # more seconds than anyone waits: no need to parse 400 digits
            return MAX_RETRY_AFTER
        return _bounded(float(value))
    if len(value) > 64:  # no HTTP-date is this long
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    try:
        return _bounded(when.timestamp() - now)
    except (OverflowError, ValueError, OSError):
        return None


def _number(value: Any) -> float | None:
    """A finite, non-negative number from a header value such as ``60`` or ``60;w=1``."""
    if not isinstance(value, str):
        return None
    try:
        number = float(value.strip().split(",")[0].split(";")[0])
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def rate_limit_info(headers: Mapping[str, str], *, now: float | None = None) -> dict[str, float]:
    """``limit``, ``remaining`` and ``reset_in`` (seconds) from rate-limit headers.

    Reads the IETF ``RateLimit-*`` fields (reset in seconds) and the common
    ``X-RateLimit-*`` ones, whose reset is usually an epoch instant (GitHub) but sometimes
    seconds; a value above one billion is taken as an instant. Values that are not finite,
    non-negative numbers are ignored; ``reset_in`` is at most :data:`MAX_RETRY_AFTER`.
    """
    info: dict[str, float] = {}
    now = time.time() if now is None else now
    for prefix in ("RateLimit-", "X-RateLimit-"):
        for name in ("Limit", "Remaining"):
            number = _number(headers.get(prefix + name))
            if number is not None:
                info.setdefault(name.lower(), number)
        reset = _number(headers.get(prefix + "Reset"))
        if reset is not None and "reset_in" not in info:
            seconds = _bounded(reset - now if reset > 1e9 else reset)
            if seconds is not None:
                info["reset_in"] = seconds
    return info


def retry_after_seconds(response: Any, *, now: float | None = None) -> float | None:
    """How long a 429/503 asks us to wait: ``Retry-After``, else the rate-limit reset."""
    headers = getattr(response, "headers", None) or {}
    seconds = parse_retry_after(headers.get("Retry-After"), now=now)
    if seconds is not None:
        return seconds
    info = rate_limit_info(headers, now=now)
    if "reset_in" in info and (getattr(response, "status_code", None) == 429 or info.get("remaining") == 0):
        return info["reset_in"]
    return None
