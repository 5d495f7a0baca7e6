"""``session()``: a ``requests.Session`` that backs off on 429/503 and never waits forever.

Two defaults requests does not have, both learned the hard way:

- **Backoff that honours ``Retry-After``.** Built on ``urllib3.util.Retry`` mounted
  through ``requests.adapters.HTTPAdapter``, the supported mechanism, rather than a
  hand-written ``while``/``sleep`` loop: urllib3 already parses ``Retry-After`` (seconds
  or HTTP date), grows the backoff exponentially and only retries methods that are safe
  to repeat (POST is not retried unless asked for).
- **A default timeout, and a bound on waiting.** requests waits forever without a
  timeout; here every request gets ``timeout`` unless it passes its own. A server may ask
  for ``Retry-After: 3600``; a script that silently sleeps an hour looks hung, so a wait
  longer than ``max_wait`` is not slept: the 429/503 comes straight back to the caller,
  who can ``diagnose`` it or fail over (see :class:`~tokenkit.TokenPool`).

A server that does not answer at all raises :class:`~tokenkit.ServerUnreachableError`
(still a ``requests.ConnectionError``) with a message a learner can act on; one that does
not answer *in time* raises the same error with ``timed_out=True`` and "no answer within
N s", for a GET whose retries ran out and for a POST that is never retried alike.

``Retry-After`` is read by tokenkit's tolerant parser (:func:`~tokenkit.parse_retry_after`),
not urllib3's, which raises ``InvalidHeader`` on ``1.5``, ``-5`` or ``soon``: a value that
is no delay is ignored (the normal backoff applies), a huge one returns the answer at once.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util import Retry

from .exchange import unreachable
from .headers import parse_retry_after

__all__ = ["session", "TimeoutSession", "BoundedRetry", "make_retry"]

#: Retry these: 429 Too Many Requests and 503 Service Unavailable both mean "later".
RETRY_STATUSES = (429, 503)


class TimeoutSession(requests.Session):
    """A ``Session`` that applies ``timeout`` to every request that does not set its own."""

    def __init__(self, timeout: float | tuple[float, float] | None = 10.0) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if "timeout" not in kwargs and len(args) < 7:  # timeout is the 7th positional after url
            kwargs["timeout"] = self.timeout
        try:
            return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:  # a ReadTimeout is no ConnectionError: a POST that timed out
            mapped = unreachable(exc, str(url), kwargs.get("timeout", args[6] if len(args) > 6 else None))
            if mapped is None or mapped is exc:
                raise
            raise mapped from None


class BoundedRetry(Retry):
    """urllib3's ``Retry`` that gives up rather than sleep longer than ``max_wait`` seconds.

    urllib3 sleeps for whatever ``Retry-After`` says (newer versions cap it at six hours,
    and then retry early into another 429). Giving up instead returns the server's answer
    at once, with its ``Retry-After`` intact for the caller to read. Backoff between
    retries is capped at ``max_wait`` too (``backoff_max``).
    """

    def __init__(self, *args: Any, max_wait: float = 60.0, **kwargs: Any) -> None:
        kwargs.setdefault("backoff_max", max_wait)
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait

    def parse_retry_after(self, retry_after: str) -> float:  # type: ignore[override]
        """Tolerant: urllib3's raises ``InvalidHeader`` on ``1.5``/``-5``/``soon``; a value that
        is no delay reads as 0 here, so urllib3 falls back on its own backoff."""
        return parse_retry_after(retry_after) or 0.0

    def get_retry_after(self, response: Any) -> float | None:
        retry_after = response.headers.get("Retry-After")
        return None if retry_after is None else parse_retry_after(retry_after)

    def new(self, **kw: Any) -> BoundedRetry:
        """Carry ``max_wait`` into the copy urllib3 makes after every attempt."""
        retry = super().new(**kw)
        retry.max_wait = self.max_wait
        return retry

    def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> BoundedRetry:  # type: ignore[override]
        response = kwargs.get("response", args[0] if args else None)
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_wait:
                reason = f"Retry-After asks for {wait:.0f} s, more than max_wait={self.max_wait:g} s"
                raise MaxRetryError(kwargs.get("_pool"), url or "", ResponseError(reason))  # type: ignore[arg-type]  # urllib3 passes None too
        return super().increment(method, url, *args, **kwargs)


def make_retry(
    retries: int = 3,
    backoff_factor: float = 0.5,
    statuses: Collection[int] = RETRY_STATUSES,
    allowed_methods: Collection[str] | None = Retry.DEFAULT_ALLOWED_METHODS,
    max_wait: float = 60.0,
    jitter: float = 0.0,
) -> BoundedRetry:
    """The ``Retry`` policy :func:`session` mounts.

    ``raise_on_status=False``: when retries run out the last 429/503 *response* is
    returned, so the caller can read its body or ``diagnose`` it, instead of a bare
    ``RetryError``. Connection errors are retried once: a refused connection to a server
    that is not started will not start answering by waiting. ``jitter`` adds up to that
    many seconds at random to each backoff (urllib3 2.x's ``backoff_jitter``), so many
    clients refused at once do not come back in step; a ``Retry-After`` is waited as sent.
    """
    return BoundedRetry(
        total=retries,
        connect=min(retries, 1),
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        status_forcelist=tuple(statuses),
        allowed_methods=frozenset(m.upper() for m in allowed_methods) if allowed_methods is not None else None,
        respect_retry_after_header=True,
        raise_on_status=False,
        max_wait=max_wait,
        **({"backoff_jitter": jitter} if jitter else {}),
    )


def session(
    auth: AuthBase | None = None,
    retries: int = 3,
    backoff_factor: float = 0.5,
    timeout: float | tuple[float, float] | None = 10.0,
    *,
    statuses: Collection[int] = RETRY_STATUSES,
    allowed_methods: Collection[str] | None = Retry.DEFAULT_ALLOWED_METHODS,
    max_wait: float = 60.0,
    jitter: float = 0.0,
) -> TimeoutSession:
    """A session with ``auth``, retries with backoff on 429/503 and a default ``timeout``.

    Waits follow the server's ``Retry-After`` when it sends one. Without it urllib3 2.x
    retries the first time at once, then after ``backoff_factor * 2 ** (n - 1)`` seconds
    (1 s, 2 s, ... with the default 0.5). No single wait exceeds ``max_wait``: a longer
    ``Retry-After`` returns the 429/503 at once instead. ``jitter=0.5`` adds up to 0.5 s at
    random to each backoff. Pass ``allowed_methods=None`` to retry every method, POST
    included, only when the API makes POST idempotent.
    """
    s = TimeoutSession(timeout=timeout)
    s.auth = auth
    adapter = HTTPAdapter(max_retries=make_retry(retries, backoff_factor, statuses, allowed_methods, max_wait, jitter))
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
