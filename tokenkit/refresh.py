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

The same object works under asyncio (as an httpx2/httpx ``auth=``): there the token is
fetched with the source's ``afetch``/``arefresh`` (an httpx AsyncClient), so the event
loop keeps running while it comes; 64 tasks that meet an expired token cause one token
request, serialised by an ``asyncio.Lock`` per event loop. Threads serialise on a
``threading.Lock``. Both kinds of caller share one state, a ``(token, generation)`` pair
swapped in one assignment, and a renewal from either side is seen by the other.

Each new token is announced to the *listeners* (:meth:`RefreshingAuth.add_listener`, as
requests' hooks: a list, not one replaceable callback), outside every lock; an error in
a listener is logged, not raised. ``on_refresh=`` is kept as one listener.

A refresh uses the token's refresh token when it has one and the source can refresh;
if the server refuses it with ``invalid_grant`` (expired, revoked or already used), it
falls back to a full ``fetch()``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from .auth import FlowAuth
from .errors import TokenEndpointError, safe_url
from .flow import Credentials, Decision, Effect
from .listeners import Listeners
from .secrets import get_logger, mask
from .sources import StaticToken, TokenSource
from .tokens import REFRESH_THRESHOLD, Clock, Token

__all__ = ["RefreshingAuth", "Listener"]

log: logging.Logger = get_logger("tokenkit.refresh")

#: A refresh listener: called with each new token.
Listener = Callable[[Token], object]


class RefreshingAuth(FlowAuth):
    """An auth (requests, httpx2, httpx; sync and async) that caches a token from ``source`` and renews it.

    ``skew``: renew this many seconds before ``expires_at``. ``on_refresh(token)``, if
    given, is the first listener (see :meth:`add_listener`). ``clock`` is the time source
    for expiry (``api.clock.now`` to follow the mock's clock).

    A ``str`` or :class:`Token` is accepted as the source and wrapped in
    :class:`StaticToken`; such an auth cannot renew, so it just sends the token.
    """

    def __init__(
        self,
        source: TokenSource | Token | str,
        skew: float = REFRESH_THRESHOLD,
        on_refresh: Listener | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.source: TokenSource = source if hasattr(source, "fetch") else StaticToken(source)  # type: ignore[arg-type]
        self.skew = skew
        self.clock = clock
        self._lock = threading.Lock()  # one renewing thread at a time
        self._state_lock = threading.Lock()  # short: swaps of the state, the loop locks
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        # (token, generation) in one attribute so a reader without the lock sees a pair
        # that belongs together. The generation goes up by one with each new token.
        self._state: tuple[Token | None, int] = (None, 0)
        # Failed renewals so far, and the last one's error, for callers that waited on it.
        self._failures = 0
        self._last_failure: BaseException | None = None
        self._listeners: Listeners[Token] = Listeners(log, "refresh listener")
        self._on_refresh: Listener | None = None
        #: How many times a token was obtained (first fetch included); for lessons and tests.
        self.refreshes = 0
        self.on_refresh = on_refresh

    # -- the decision, in one place ---------------------------------------------------------
    def decide(self) -> Decision:
        """Send with the current token; on a 401, renew it once and resend."""
        token, generation = yield Effect(self._current, self._acurrent)
        response = yield Credentials({"Authorization": token.authorization})
        if response.status_code != 401:
            return
        log.info("401 from %s: renewing the token and resending once", _where(response))
        new_token, _ = yield Effect(self._renew, self._arenew, (generation, "401"))
        if new_token.access_token == token.access_token:
            return  # nothing new to try (a static token): hand back the 401
        yield Credentials({"Authorization": new_token.authorization})

    # -- listeners ------------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(token)`` after each renewal; returns a function that removes it.

        Listeners are called in the order they were added, outside every lock; an
        exception in one is logged and the others still run.
        """
        return self._listeners.add(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener`` (no error if it is not there)."""
        self._listeners.remove(listener)

    @property
    def listeners(self) -> tuple[Listener, ...]:
        return self._listeners.snapshot

    @property
    def on_refresh(self) -> Listener | None:
        """The listener given as ``on_refresh`` (kept for compatibility; prefer :meth:`add_listener`)."""
        return self._on_refresh

    @on_refresh.setter
    def on_refresh(self, listener: Listener | None) -> None:
        if self._on_refresh is not None:
            self.remove_listener(self._on_refresh)
        self._on_refresh = listener
        if listener is not None:
            self.add_listener(listener)

    def _announce(self, token: Token) -> None:
        self._listeners.emit(token)

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

    async def aget_token(self) -> Token:
        """:meth:`get_token` for async code: a renewal is awaited, never blocking the loop."""
        return (await self._acurrent())[0]

    def refresh(self) -> Token:
        """Renew now, whatever the cached token's state."""
        return self._renew(self._state[1], "asked")[0]

    async def arefresh(self) -> Token:
        """:meth:`refresh` for async code."""
        return (await self._arenew(self._state[1], "asked"))[0]

    def _needs_renewal(self, token: Token | None) -> bool:
        return token is None or token.is_expired(self.skew, now=self.clock())

    def _stale_but_usable(self, token: Token | None) -> bool:
        if token is not None and not token.is_expired(0, now=self.clock()):
            log.warning("early refresh failed; using the current token (%s s left)", f"{token.seconds_left(self.clock()):.0f}")
            return True
        return False

    def _current(self) -> tuple[Token, int]:
        token, generation = self._state  # lock-free fast path: the common case
        if token is not None and not self._needs_renewal(token):
            return token, generation
        try:
            return self._renew(generation, "expiring" if token else "first use")
        except Exception:
            # A STALE token still works: if renewing early failed, use it and try next time.
            if self._stale_but_usable(token):
                return token, generation  # type: ignore[return-value]
            raise

    async def _acurrent(self) -> tuple[Token, int]:
        token, generation = self._state
        if token is not None and not self._needs_renewal(token):
            return token, generation
        try:
            return await self._arenew(generation, "expiring" if token else "first use")
        except Exception:
            if self._stale_but_usable(token):
                return token, generation  # type: ignore[return-value]
            raise

    def _renew(self, after: int, reason: str) -> tuple[Token, int]:
        """Get a new token unless another caller already did since generation ``after``.

        Only one thread at a time gets past the lock. A thread that waited finds either a
        newer generation (use it, do not renew again) or a failure recorded while it waited
        (raise the same error, instead of hammering a failing token endpoint 64 times).
        """
        failures_seen = self._failures
        with self._lock:
            ready = self._settled(after, failures_seen)
            if ready is not None:
                return ready
            try:
                new = self._obtain(self._state[0])
            except BaseException as exc:
                self._failed(exc)
                raise
        return self._install(new, reason)

    async def _arenew(self, after: int, reason: str) -> tuple[Token, int]:
        """:meth:`_renew` for one event loop: tasks wait on an ``asyncio.Lock``, the fetch is awaited."""
        failures_seen = self._failures
        async with self._loop_lock():
            ready = self._settled(after, failures_seen)
            if ready is not None:
                return ready
            try:
                new = await self._aobtain(self._state[0])
            except BaseException as exc:
                self._failed(exc)
                raise
            return self._install(new, reason)

    def _loop_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._state_lock:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
            return lock

    def _settled(self, after: int, failures_seen: int) -> tuple[Token, int] | None:
        token, generation = self._state
        if generation != after and token is not None:
            return token, generation  # renewed while we waited
        if self._failures != failures_seen and self._last_failure is not None:
            raise self._last_failure  # it failed while we waited: share the outcome
        return None

    def _failed(self, exc: BaseException) -> None:
        with self._state_lock:
            self._last_failure = exc
            self._failures += 1

    def _install(self, new: Token, reason: str) -> tuple[Token, int]:
        with self._state_lock:
            self._last_failure = None
            generation = self._state[1] + 1
            self._state = (new, generation)
            self.refreshes += 1
        log.info("new token (%s): %s", reason, new)
        self._announce(new)
        return new, generation

    def _obtain(self, old: Token | None) -> Token:
        """Refresh grant when possible, full fetch otherwise (or when the refresh token is refused)."""
        refresh = getattr(self.source, "refresh", None)
        if old is not None and old.refresh_token and callable(refresh):
            try:
                return refresh(old)  # type: ignore[no-any-return]
            except TokenEndpointError as exc:
                if exc.error != "invalid_grant":
                    raise
                log.info("refresh token refused (invalid_grant: %s); fetching a new token", exc.error_description)
        return self.source.fetch()

    async def _aobtain(self, old: Token | None) -> Token:
        """:meth:`_obtain` without blocking the loop: the source's ``arefresh``/``afetch``, or its
        sync methods on a worker thread for a source that has no async form."""
        arefresh: Any = getattr(self.source, "arefresh", None)
        afetch: Any = getattr(self.source, "afetch", None)
        if afetch is None:
            return await asyncio.to_thread(self._obtain, old)
        if old is not None and old.refresh_token and callable(arefresh):
            try:
                return await arefresh(old)  # type: ignore[no-any-return]
            except TokenEndpointError as exc:
                if exc.error != "invalid_grant":
                    raise
                log.info("refresh token refused (invalid_grant: %s); fetching a new token", exc.error_description)
        return await afetch()  # type: ignore[no-any-return]

    # -- comparison and display -----------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, RefreshingAuth) and self.source is other.source and self.skew == other.skew

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        token = self.token
        shown = mask(token.access_token) if token else "none yet"
        return f"RefreshingAuth(source={self.source!r}, skew={self.skew}, token={shown!r}, generation={self.generation})"


def _where(response: Any) -> str:
    try:
        request = response.request
    except (AttributeError, RuntimeError):
        return "?"
    return f"{getattr(request, 'method', '')} {safe_url(str(getattr(request, 'url', '') or ''))}"
