"""Per-token rate limits with fixed windows on the mock's clock.

A window starts at a token's first request, so "five quick requests, then a 429" is
the same on every run (a window aligned to the wall clock could split the five). The
headers follow both the IETF RateLimit fields (reset in seconds) and the common
``X-RateLimit-*`` ones (reset as an epoch time), because learners will meet both.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    now: float

    @property
    def reset_in(self) -> int:
        """Whole seconds until the window resets (never 0 while still limited)."""
        return max(1, math.ceil(self.reset_at - self.now))

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_in),
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


class RateLimiter:
    """Counts requests per key (a token's ``jti``) in windows that start on first use."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int, now: float) -> RateDecision:
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now >= started + window:
                started, count = now, 0
            allowed = count < limit
            if allowed:
                count += 1
            self._windows[key] = (started, count)
        return RateDecision(allowed, limit, max(0, limit - count), started + window, now)

    def forget_idle(self, now: float, longest_window: int) -> None:
        """Drop windows that ended long ago, so a long-running classroom server stays small."""
        with self._lock:
            for key in [k for k, (start, _) in self._windows.items() if start + longest_window < now]:
                del self._windows[key]
