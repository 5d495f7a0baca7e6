"""Everything that makes one mock server different from another, in one place.

``create_app`` takes a ``Settings``; ``Settings.from_env`` builds one from
``TOKENKIT_MOCK_*`` variables for a classroom server started by plain uvicorn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: The API the demo tokens are for (the ``aud`` claim). ``.test`` names never resolve.
API_AUDIENCE = "https://analytics.tokenkit.test"
#: A second, known audience: a token asked for it is valid, just not for this API.
OTHER_AUDIENCE = "https://billing.tokenkit.test"
REALM = "tokenkit-mock"


@dataclass(frozen=True)
class Settings:
    """Configuration of one mock server."""

    issuer: str | None = None
    """The ``iss`` of issued tokens and the base of the discovery URLs. ``None`` derives
    it from each request's own base URL (fine when everyone uses one address)."""
    seed: str | None = None
    """Derive the demo clients' secrets from this, so they are the same on every start."""
    rate_limits: bool = True
    """Apply per-token rate limits (off for load tests that are not about 429s)."""
    leeway: int = 5
    """Seconds of clock skew tolerated on ``exp``/``nbf``, as most real APIs allow."""
    log_size: int = 200
    """How many exchanges the request log keeps."""
    refresh_token_lifetime: int = 24 * 3600
    max_header_bytes: int = 8192
    """Longer ``Authorization``/``X-API-Key`` values are refused with 400."""
    max_notes_per_owner: int = 1000
    """Notes one client may keep; one more is refused with 409 ``too_many_notes``."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        """Settings from ``TOKENKIT_MOCK_ISSUER``, ``_SEED``, ``_RATE_LIMITS`` (0/1), ``_LEEWAY``."""
        env = os.environ if environ is None else environ
        rate_limits = env.get("TOKENKIT_MOCK_RATE_LIMITS", "1").strip().lower()
        if rate_limits not in {"0", "1", "true", "false", "yes", "no", "on", "off"}:
            raise ValueError(f"TOKENKIT_MOCK_RATE_LIMITS must be 1 or 0, not {rate_limits!r}")
        leeway = env.get("TOKENKIT_MOCK_LEEWAY", "5")
        try:
            leeway_seconds = int(leeway)
        except ValueError:
            raise ValueError(f"TOKENKIT_MOCK_LEEWAY must be whole seconds, not {leeway!r}") from None
        return cls(
            issuer=(env.get("TOKENKIT_MOCK_ISSUER") or None),
            seed=(env.get("TOKENKIT_MOCK_SEED") or None),
            rate_limits=rate_limits in {"1", "true", "yes", "on"},
            leeway=leeway_seconds,
        )
