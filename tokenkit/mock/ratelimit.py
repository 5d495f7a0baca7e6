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
        self._windows: dict[str, tuple[float, int, int]] = {}
        """key -> (window start, requests counted, window length)."""
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int, now: float) -> RateDecision:
        with self._lock:
            started, count, _ = self._windows.get(key, (now, 0, window))
            if now >= started + window:
                started, count = now, 0
            allowed = count < limit
            if allowed:
                count += 1
            self._windows[key] = (started, count, window)
        return RateDecision(allowed, limit, max(0, limit - count), started + window, now)

    def forget_ended(self, now: float) -> int:
        """Drop windows that have ended: the key's next request starts a new one anyway.

        Returns how many were dropped. Run now and then (not per request), so a
        long-running classroom server keeps only the windows of recently active tokens.
        """
        with self._lock:
            ended = [key for key, (start, _, window) in self._windows.items() if now >= start + window]
            for key in ended:
                del self._windows[key]
        return len(ended)

    def __len__(self) -> int:
        return len(self._windows)
