"""The mock's clock: real time plus an offset a lesson can move.

Every instant the mock uses (token ``iat``/``exp``, expiry checks, rate-limit windows,
refresh-token lifetimes) comes from one ``Clock``. Moving it forward shows a token
expiring in one cell, instead of a lesson that sleeps for an hour.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock time shifted by an adjustable offset, safe to move from any thread."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the epoch as the mock sees them."""
        return time.time() + self._offset

    @property
    def offset(self) -> float:
        """How far (in seconds) the mock's time is ahead of real time."""
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time.

        Only forward: a clock that runs backwards would make issued tokens "not yet
        valid", which is a different lesson and easy to trigger by mistake.
        """
        if seconds < 0:
            raise ValueError("the mock's clock only moves forward; use reset() to go back to real time")
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def reset(self) -> None:
        """Go back to real time."""
        with self._lock:
            self._offset = 0.0

    def __repr__(self) -> str:
        return f"Clock(offset={self._offset:+.0f}s)"
