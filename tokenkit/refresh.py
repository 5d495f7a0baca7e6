"""``RefreshingAuth``: keep a token fresh without thinking about it.

Three behaviours, each for a failure seen in real clients:

1. **Refresh before expiry**, ``skew`` seconds early (google-auth's threshold), so a
   request never leaves with a token that expires on the way.
2. **One refresh for many threads.** When 64 threads find the token stale at once, one
   of them asks the token endpoint; the others wait on the lock and then use its result.
   A generation counter tells a waiting thread that the token was renewed while it
   waited, so it does not renew it again.
3. **Refresh once on 401, and resend.** The server is the judge of validity (a token can
   be revoked, or our clock can be wrong), so a 401 renews the token and the request is
   sent again, once, from a response hook the way ``HTTPDigestAuth`` resends.

A refresh uses the token's refresh token when it has one and the source can refresh;
if the server refuses it with ``invalid_grant`` (expired, revoked or already used), it
falls back to a full ``fetch()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import requests

from .auth import Flow, FlowAuth
from .errors import TokenEndpointError
from .secrets import get_logger, mask
from .sources import StaticToken, TokenSource
from .tokens import REFRESH_THRESHOLD, Clock, Token

__all__ = ["RefreshingAuth"]

log: logging.Logger = get_logger("tokenkit.refresh")


class RefreshingAuth(FlowAuth):
    """A ``requests`` auth that caches a token from ``source`` and renews it when needed.

    ``skew``: renew this many seconds before ``expires_at``. ``on_refresh(token)`` is called
    after each renewal (to log it, or persist the new refresh token); an exception in it is
    logged, not raised. ``clock`` is the time source for expiry (``api.clock.now`` to follow
    the mock's clock).

    A ``str`` or :class:`Token` is accepted as the source and wrapped in
    :class:`StaticToken`; such an auth cannot renew, so it just sends the token.
    """

    def __init__(
        self,
        source: TokenSource | Token | str,
        skew: float = REFRESH_THRESHOLD,
        on_refresh: Callable[[Token], object] | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.source: TokenSource = source if hasattr(source, "fetch") else StaticToken(source)  # type: ignore[arg-type]
        self.skew = skew
        self.on_refresh = on_refresh
        self.clock = clock
        self._lock = threading.Lock()
        # (token, generation) in one attribute so a reader without the lock sees a pair
        # that belongs together. The generation goes up by one with each new token.
        self._state: tuple[Token | None, int] = (None, 0)
        # Failed renewals so far, and the last one's error, for threads that waited on it.
        self._failures = 0
        self._last_failure: BaseException | None = None
        #: How many times a token was obtained (first fetch included); for lessons and tests.
        self.refreshes = 0

    # -- the decision, in one place ---------------------------------------------------------
    def auth_flow(self, request: requests.PreparedRequest) -> Flow:
        """Send with the current token; on a 401, renew it once and resend."""
        token, generation = self._current()
        request.headers["Authorization"] = token.authorization
        response = yield request

        if response.status_code != 401:
            return
        log.info("401 from %s %s: renewing the token and resending once", request.method, _path(request.url))
        new_token, _ = self._renew(after=generation, reason="401")
        if new_token.access_token == token.access_token:
            return  # nothing new to try (a static token): hand back the 401
        retry = request.copy()
        retry.headers["Authorization"] = new_token.authorization
        yield retry

    # -- the token cache ------------------------------------------------------------------------
    @property
    def token(self) -> Token | None:
        """The cached token (``None`` before the first request)."""
        return self._state[0]

    @property
    def generation(self) -> int:
        """How many tokens this auth has obtained so far."""
        return self._state[1]

    def get_token(self) -> Token:
        """The cached token, renewed first if it is missing or within ``skew`` of expiry."""
        return self._current()[0]

    def refresh(self) -> Token:
        """Renew now, whatever the cached token's state."""
        return self._renew(after=self._state[1], reason="asked")[0]

    def _needs_renewal(self, token: Token | None) -> bool:
        return token is None or token.is_expired(self.skew, now=self.clock())

    def _current(self) -> tuple[Token, int]:
        token, generation = self._state  # lock-free fast path: the common case
        if not self._needs_renewal(token):
            return token, generation  # type: ignore[return-value]
        try:
            return self._renew(after=generation, reason="expiring" if token else "first use")
        except Exception:
            # A STALE token still works: if renewing early failed, use it and try next time.
            if token is not None and not token.is_expired(0, now=self.clock()):
                log.warning("early refresh failed; using the current token (%s s left)", f"{token.seconds_left(self.clock()):.0f}")
                return token, generation
            raise

    def _renew(self, *, after: int, reason: str) -> tuple[Token, int]:
        """Get a new token unless another thread already did since generation ``after``.

        Only one thread at a time gets past the lock. A thread that waited finds either a
        newer generation (use it, do not renew again) or a failure recorded while it waited
        (raise the same error, instead of hammering a failing token endpoint 64 times).
        """
        failures_seen = self._failures
        with self._lock:
            token, generation = self._state
            if generation != after and token is not None:
                return token, generation
            if self._failures != failures_seen and self._last_failure is not None:
                raise self._last_failure  # it failed while we waited: share the outcome
            try:
                new = self._obtain(token)
            except BaseException as exc:
                self._last_failure = exc
                self._failures += 1
                raise
            self._last_failure = None
            self._state = (new, generation + 1)
            self.refreshes += 1
            log.info("new token (%s): %s", reason, new)
            if self.on_refresh is not None:
                try:
                    self.on_refresh(new)
                except Exception:
                    log.exception("on_refresh callback failed")
            return new, generation + 1

    def _obtain(self, old: Token | None) -> Token:
        """Refresh grant when possible, full fetch otherwise (or when the refresh token is refused)."""
        refresh = getattr(self.source, "refresh", None)
        if old is not None and old.refresh_token and callable(refresh):
            try:
                return refresh(old)
            except TokenEndpointError as exc:
                if exc.error != "invalid_grant":
                    raise
                log.info("refresh token refused (invalid_grant: %s); fetching a new token", exc.error_description)
        return self.source.fetch()

    # -- requests' auth protocol ------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, RefreshingAuth) and self.source is other.source and self.skew == other.skew

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        token = self.token
        shown = mask(token.access_token) if token else "none yet"
        return f"RefreshingAuth(source={self.source!r}, skew={self.skew}, token={shown!r}, generation={self.generation})"


def _path(url: str | None) -> str:
    from .errors import safe_url

    return safe_url(url)
