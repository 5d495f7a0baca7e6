"""``TokenPool``: several tokens in rotation, each cooled down when it is rate limited.

APIs often limit requests *per token*. With several tokens (several apps, or several
keys of a plan), a client can spread its requests round-robin, and when one token gets
a 429 put that token aside for the ``Retry-After`` the server asked for and resend the
request at once with the next one. Only when every token is cooling down does the client
wait, for the first to come back, and only up to ``max_wait``; past that it raises
:class:`~tokenkit.RateLimitedError` rather than hang a notebook.

The resend is the same response-hook shape as ``HTTPDigestAuth`` (see :class:`FlowAuth`).
Time is injected (``clock``, ``sleep``) so tests and lessons can run it without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .auth import FlowAuth, raw_token
from .diagnose import diagnose
from .errors import RateLimitedError
from .flow import Credentials, Decision, Effect
from .headers import retry_after_seconds
from .listeners import Listeners
from .refresh import RefreshingAuth
from .secrets import get_logger, mask
from .sources import TokenSource
from .tokens import Token

__all__ = ["TokenPool", "TokenStats", "PoolEvent"]

log: logging.Logger = get_logger("tokenkit.pool")


@dataclass(frozen=True)
class TokenStats:
    """One token's counters, as a row a lesson can tabulate or plot."""

    index: int
    token: str  # masked
    requests: int
    rate_limited: int
    cooling_until: float | None  # on the pool's clock; None when not cooling
    cooling_for: float  # seconds left of the cooldown (0 when available)


@dataclass(frozen=True)
class PoolEvent:
    """What happened in a pool, for a listener (:meth:`TokenPool.add_listener`).

    ``kind``: ``"sent"`` (a request went out with token ``index`` and came back with
    ``status``), ``"rate_limited"`` (token ``index`` got a 429 and cools down for
    ``seconds``) or ``"waited"`` (every token was cooling; the pool waited ``seconds``,
    ``index`` is None). ``token`` is masked; ``at`` is on the pool's clock.
    """

    kind: Literal["sent", "rate_limited", "waited"]
    index: int | None
    token: str
    at: float
    status: int | None = None
    seconds: float | None = None


PoolListener = Callable[[PoolEvent], object]


class _Slot:
    """One token of the pool and its counters (guarded by the pool's lock)."""

    def __init__(self, index: int, item: str | Token | TokenSource) -> None:
        self.index = index
        if hasattr(item, "fetch"):
            self._auth: RefreshingAuth | None = RefreshingAuth(item)  # type: ignore[arg-type]
            self._value = ""
        else:
            self._auth = None
            self._value = "Bearer " + raw_token(item)  # type: ignore[arg-type]
        self.requests = 0
        self.rate_limited = 0
        self.cooling_until = 0.0

    def authorization(self) -> str:
        if self._auth is not None:
            return self._auth.get_token().authorization
        return self._value

    async def aauthorization(self) -> str:
        if self._auth is not None:
            return (await self._auth.aget_token()).authorization
        return self._value

    def masked(self) -> str:
        if self._auth is not None:
            token = self._auth.token
            return mask(token.access_token) if token else repr(self._auth.source)
        return mask(self._value[7:])


class TokenPool(FlowAuth):
    """An auth (requests, httpx2, httpx; sync and async) that rotates ``tokens_or_sources`` and fails over on 429.

    Items may be token strings, :class:`Token` objects or sources (each source is wrapped
    in its own :class:`RefreshingAuth`, so it is renewed before expiry). ``max_wait`` is the
    longest the pool will wait, per request, for a cooling token to come back;
    ``default_cooldown`` is used for a 429 without ``Retry-After`` or rate-limit reset.
    ``sleep`` waits in threads, ``asleep`` (default ``asyncio.sleep``) under asyncio.

    Listeners (:meth:`add_listener`) receive a :class:`PoolEvent` after a token is sent,
    rate limited or waited on, outside the pool's lock; an error in one is logged.
    """

    def __init__(
        self,
        tokens_or_sources: Iterable[str | Token | TokenSource],
        max_wait: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        *,
        default_cooldown: float = 1.0,
        asleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._slots = [_Slot(i, item) for i, item in enumerate(tokens_or_sources)]
        if not self._slots:
            raise ValueError("a TokenPool needs at least one token")
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self.default_cooldown = default_cooldown
        self.asleep = asleep
        self._listeners: Listeners[PoolEvent] = Listeners(log, "pool listener")
        self._lock = threading.Lock()
        self._next = 0
        # Each token gets at most one try per request, plus one after waiting for a cooldown.
        self.max_resends = len(self._slots)

    def __len__(self) -> int:
        return len(self._slots)

    # -- the decision, in one place ---------------------------------------------------------
    def decide(self) -> Decision:
        """Send with the next available token; on 429 cool it down and resend with another."""
        response: Any = None
        for _ in range(len(self._slots) + 1):  # every token once, plus one after a wait
            slot = yield Effect(self._acquire, self._aacquire, (response,))  # may wait, or raise
            authorization = yield Effect(slot.authorization, slot.aauthorization)
            response = yield Credentials({"Authorization": authorization})
            self._emit(PoolEvent("sent", slot.index, slot.masked(), self.clock(), status=response.status_code))
            if response.status_code != 429:
                return
            self._cool_down(slot, response)

    # -- listeners ---------------------------------------------------------------------------------
    def add_listener(self, listener: PoolListener) -> Callable[[], None]:
        """Call ``listener(event)`` for each :class:`PoolEvent`; returns a function that removes it."""
        return self._listeners.add(listener)

    def remove_listener(self, listener: PoolListener) -> None:
        """Stop calling ``listener`` (no error if it is not there)."""
        self._listeners.remove(listener)

    def _emit(self, event: PoolEvent) -> None:
        self._listeners.emit(event)

    # -- rotation and cooldowns ----------------------------------------------------------------
    def _pick(self) -> tuple[_Slot | None, float, int]:
        """Next token in round-robin order that is not cooling, or how long until one is."""
        with self._lock:
            now = self.clock()
            n = len(self._slots)
            for step in range(n):
                slot = self._slots[(self._next + step) % n]
                if slot.cooling_until <= now:
                    self._next = (slot.index + 1) % n
                    slot.requests += 1
                    return slot, 0.0, n
            return None, min(s.cooling_until for s in self._slots) - now, n

    def _too_long(self, wait: float, n: int, last_response: Any) -> RateLimitedError:
        return RateLimitedError(
            f"all {n} tokens are rate limited; the first is free again in {wait:.1f} s, "
            f"more than max_wait={self.max_wait:g} s allows",
            response=last_response,
            diagnosis=diagnose(last_response) if last_response is not None else None,
            retry_after=wait,
        )

    def _acquire_steps(self, last_response: Any) -> Iterator[_Slot | float]:
        """The waiting decision, once for both drivers: yields seconds to wait, and at last the token.

        Raises :class:`~tokenkit.RateLimitedError` when the next free token is further
        away than ``max_wait`` allows; announces each finished wait to the listeners.
        """
        waited = 0.0
        while True:
            slot, wait, n = self._pick()
            if slot is not None:
                yield slot
                return
            if waited + wait > self.max_wait:
                raise self._too_long(wait, n, last_response)
            log.info("all %d tokens cooling down; waiting %.1f s", n, wait)
            yield wait  # the driver sleeps, then resumes us
            waited += wait
            self._emit(PoolEvent("waited", None, "", self.clock(), seconds=wait))

    def _acquire(self, last_response: Any = None) -> _Slot:
        """Next available token; wait (bounded by ``max_wait``) if all are cooling."""
        for step in self._acquire_steps(last_response):
            if isinstance(step, _Slot):
                return step
            self.sleep(step)
        raise AssertionError("_acquire_steps ends by yielding a token or raising")

    async def _aacquire(self, last_response: Any = None) -> _Slot:
        """:meth:`_acquire` for asyncio: the wait is awaited."""
        for step in self._acquire_steps(last_response):
            if isinstance(step, _Slot):
                return step
            await self.asleep(step)
        raise AssertionError("_acquire_steps ends by yielding a token or raising")

    def _cool_down(self, slot: _Slot, response: Any) -> None:
        seconds = retry_after_seconds(response)
        if seconds is None:
            seconds = self.default_cooldown
        with self._lock:
            slot.rate_limited += 1
            now = self.clock()
            slot.cooling_until = max(slot.cooling_until, now + seconds)
        log.info("token %d rate limited: cooling down for %.1f s", slot.index, seconds)
        self._emit(PoolEvent("rate_limited", slot.index, slot.masked(), now, status=response.status_code, seconds=seconds))

    # -- for lessons -------------------------------------------------------------------------------
    def stats(self) -> list[TokenStats]:
        """Per-token counters: requests sent, 429s received, cooldown."""
        with self._lock:
            now = self.clock()
            return [
                TokenStats(
                    index=s.index,
                    token=s.masked(),
                    requests=s.requests,
                    rate_limited=s.rate_limited,
                    cooling_until=s.cooling_until if s.cooling_until > now else None,
                    cooling_for=max(0.0, s.cooling_until - now),
                )
                for s in self._slots
            ]

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        tokens = ", ".join(s.masked() for s in self._slots)
        return f"TokenPool([{tokens}], max_wait={self.max_wait:g})"
