"""Auth decisions written once, as generators, and the steps that run them on any HTTP library.

Layer 3 of the core: no HTTP library here. An auth that must react to the answer
(renew on 401, rotate on 429) writes its decision as one generator, in the shape of
httpx's ``auth_flow``, except that what it yields is library-independent:

- :class:`Credentials`: "send the request with these headers", answered with the
  response (a requests or httpx2/httpx ``Response``: only ``status_code`` and
  ``headers`` are read);
- :class:`Effect`: "do this work and send me its result": getting or renewing a token,
  waiting for a cooldown. An effect names both a plain function and a coroutine
  function, and the *driver* picks: the requests and httpx sync drivers call
  ``effect.sync``, the httpx async driver awaits ``effect.asynchronous``. That is how one
  decision serves threads and an event loop without ever blocking the loop.

:func:`advance` and :func:`aadvance` run a decision up to its next :class:`Credentials`
(or its end). The drivers (:mod:`tokenkit.auth`) put the credentials on the library's own
request and hand back the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any, NamedTuple, Union

__all__ = ["Credentials", "Effect", "Decision", "advance", "aadvance"]


class Credentials(NamedTuple):
    """Send the request with these ``headers`` set (and nothing else changed)."""

    headers: Mapping[str, str]


class Effect(NamedTuple):
    """Work a decision needs done, in a sync and an async form; the driver picks one."""

    sync: Callable[..., Any]
    asynchronous: Callable[..., Awaitable[Any]]
    args: tuple[Any, ...] = ()


#: A decision: yields credentials or effects, receives responses or effects' results.
Decision = Generator[Union[Credentials, Effect], Any, None]


def advance(decision: Decision, value: Any) -> Credentials | None:
    """Send ``value`` in and run effects synchronously until the next :class:`Credentials` (None: done)."""
    while True:
        try:
            step = decision.send(value)
        except StopIteration:
            return None
        if isinstance(step, Credentials):
            return step
        value = step.sync(*step.args)


async def aadvance(decision: Decision, value: Any) -> Credentials | None:
    """As :func:`advance`, awaiting each effect's coroutine: the event loop keeps running."""
    while True:
        try:
            step = decision.send(value)
        except StopIteration:
            return None
        if isinstance(step, Credentials):
            return step
        value = await step.asynchronous(*step.args)
