"""``httpx_client()`` / ``async_httpx_client()``: :func:`tokenkit.session` for httpx2 and httpx.

The same two defaults as :func:`~tokenkit.session` (backoff on 429/503 that honours
``Retry-After`` but never waits longer than ``max_wait``, and a default timeout), plus one
that httpx lacks: a credential tokenkit put in a custom header or the query string does
not follow a redirect to another origin.

**Why a transport of our own, not httpx-retries.** httpx-retries 0.6 (the maintained
retry transport for httpx) was checked first. It cannot serve httpx2: ``RetryTransport``
keeps a wrapped transport only if it ``isinstance``-checks as ``httpx.BaseTransport``
(an httpx2 transport does not, so both slots stay empty and every request raises
``RuntimeError``), its ``Retry.sleep`` reads ``Retry-After`` only from an ``httpx.Response``
(an httpx2 answer's header is ignored) and it retries only httpx's exception classes.
Under httpx too its ``max_backoff_wait`` *shortens* a long ``Retry-After`` and retries
early into the next 429, where tokenkit returns the 429 at once; doing that would mean
replacing its private ``_retry_operation`` loop. So the loop here is small and the policy
is not ours: it is the very ``urllib3.util.Retry`` that :func:`~tokenkit.session` mounts
(:func:`tokenkit.retry.make_retry`: which methods and statuses, counters, exponential
backoff, jitter, ``max_wait``, tokenkit's tolerant ``Retry-After`` parser). One policy,
two HTTP stacks, the same behaviour.

**Errors.** A server that does not answer (refused, reset, timed out) raises
:class:`~tokenkit.ServerUnreachableError` through :func:`tokenkit.exchange.unreachable`,
the one mapping tokenkit has, with the httpx2/httpx exception on ``.original``. A refused
connection is retried once, for any method (nothing was sent); a read error or timeout is
retried only for methods safe to repeat. POST and PATCH are not retried unless
``allowed_methods`` says so, as urllib3 does. A streamed request body that cannot be
replayed is never resent.

**Redirects.** httpx follows redirects after the auth flow and removes only
``Authorization`` on a change of origin. tokenkit's auths record in
``request.extensions`` what else they set (:data:`tokenkit.auth.CREDENTIALS_EXTENSION`);
httpx copies a request's extensions to each redirect hop and runs the client's request
event hooks before every hop, so the hook installed here
(:func:`strip_credentials_on_cross_origin`) takes those headers and query values off a
hop that leaves the origin.

Nothing here imports httpx2 or httpx until a factory is called.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Collection, Mapping
from types import ModuleType, TracebackType
from typing import Any

import urllib3.exceptions
from urllib3.exceptions import MaxRetryError
from urllib3.util import Retry

from .auth import CREDENTIALS_EXTENSION, CredentialMark, leaves_origin
from .exchange import is_httpx, unreachable
from .retry import RETRY_STATUSES, BoundedRetry, make_retry

__all__ = [
    "httpx_client",
    "async_httpx_client",
    "RetryTransport",
    "AsyncRetryTransport",
    "strip_credentials_on_cross_origin",
    "astrip_credentials_on_cross_origin",
]

#: httpx2/httpx errors after which nothing was sent: safe to retry for any method.
_CONNECT_ERRORS = {"ConnectError", "ConnectTimeout"}
#: Errors after the request may have reached the server: retried only for safe methods.
_READ_ERRORS = {"ReadError", "ReadTimeout", "WriteError", "WriteTimeout", "RemoteProtocolError"}


class _Answer:
    """A status and headers in the shape urllib3's ``Retry.increment`` reads."""

    __slots__ = ("status", "headers")

    def __init__(self, status: int, headers: Mapping[str, str]) -> None:
        self.status = status
        self.headers = headers

    def get_redirect_location(self) -> bool:
        return False  # redirects are the client's business, never the retry's


def _replayable(request: Any) -> bool:
    """A body already in memory can be sent again; a stream that was read once cannot."""
    try:
        request.content  # noqa: B018 - raises RequestNotRead for a streamed body
    except Exception:
        return False
    return True


def _error_kind(exc: BaseException) -> str | None:
    if not is_httpx(exc):
        return None
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & _CONNECT_ERRORS:
        return "connect"
    if names & _READ_ERRORS:
        return "read"
    return None


class _RetryLoop:
    """The decisions both transports share; only the waiting and the sending differ."""

    def __init__(self, transport: Any, retry: BoundedRetry) -> None:
        self._transport = transport
        self.retry = retry

    def _after_answer(self, retry: BoundedRetry, request: Any, status: int, headers: Mapping[str, str]) -> tuple[BoundedRetry, float] | None:
        """``(next policy, seconds to wait)`` if this answer is to be retried, else None."""
        method = request.method
        if not retry.is_retry(method, status, "Retry-After" in headers) or not _replayable(request):
            return None
        answer = _Answer(status, headers)
        try:
            retry = retry.increment(method, str(request.url), response=answer)  # type: ignore[arg-type]  # duck-typed answer
        except MaxRetryError:  # out of retries, or Retry-After beyond max_wait: the answer goes back as it is
            return None
        wait = retry.get_retry_after(answer) if retry.respect_retry_after_header else None
        return retry, (wait if wait else retry.get_backoff_time())

    def _after_error(self, retry: BoundedRetry, request: Any, exc: Exception) -> BoundedRetry:
        """The next policy after a transport error, or the error to raise (mapped) when done."""
        kind = _error_kind(exc)
        if kind is None:
            raise exc
        if kind == "read" and not _replayable(request):
            raise self._mapped(exc, request, kind) from None
        stand_in = (
            urllib3.exceptions.ConnectTimeoutError(str(exc)) if kind == "connect" else urllib3.exceptions.ProtocolError(str(exc))
        )
        try:
            return retry.increment(request.method, str(request.url), error=stand_in)
        except urllib3.exceptions.HTTPError:  # MaxRetryError, or the stand-in re-raised: not to be retried
            raise self._mapped(exc, request, kind) from None

    @staticmethod
    def _mapped(exc: Exception, request: Any, kind: str) -> Exception:
        timeouts = request.extensions.get("timeout") or {}
        seconds = timeouts.get("connect" if kind == "connect" else "read") if isinstance(timeouts, dict) else None
        return unreachable(exc, str(request.url), seconds) or exc


class RetryTransport(_RetryLoop):
    """A sync httpx2/httpx transport that retries 429/503 (and dropped connections) by a ``Retry`` policy.

    Wraps ``transport`` (an ``HTTPTransport``, a ``MockTransport``, …). ``retry`` is a
    :class:`~tokenkit.retry.BoundedRetry`, made by :func:`~tokenkit.retry.make_retry`.
    """

    def handle_request(self, request: Any) -> Any:
        retry = self.retry
        while True:
            try:
                response = self._transport.handle_request(request)
            except Exception as exc:
                retry = self._after_error(retry, request, exc)
                time.sleep(retry.get_backoff_time())
                continue
            step = self._after_answer(retry, request, response.status_code, response.headers)
            if step is None:
                return response
            retry, wait = step
            response.close()
            time.sleep(wait)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> RetryTransport:
        self._transport.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None = None, exc: BaseException | None = None, tb: TracebackType | None = None) -> None:
        self._transport.__exit__(exc_type, exc, tb)


class AsyncRetryTransport(_RetryLoop):
    """:class:`RetryTransport` for ``AsyncClient``: waits with ``asyncio.sleep``, so the loop keeps running."""

    async def handle_async_request(self, request: Any) -> Any:
        retry = self.retry
        while True:
            try:
                response = await self._transport.handle_async_request(request)
            except Exception as exc:
                retry = self._after_error(retry, request, exc)
                await asyncio.sleep(retry.get_backoff_time())
                continue
            step = self._after_answer(retry, request, response.status_code, response.headers)
            if step is None:
                return response
            retry, wait = step
            await response.aclose()
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncRetryTransport:
        await self._transport.__aenter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None = None, exc: BaseException | None = None, tb: TracebackType | None = None) -> None:
        await self._transport.__aexit__(exc_type, exc, tb)


# -- credentials on redirects ----------------------------------------------------------------
def strip_credentials_on_cross_origin(request: Any) -> None:
    """Request event hook: on a hop to another origin, remove what a tokenkit auth set.

    httpx runs request hooks before every hop of a redirect chain, and a redirect hop
    inherits the first request's ``extensions``, where the auth left a
    :class:`~tokenkit.auth.CredentialMark` (the URL it was set for, the headers, the query
    values). Same origin (or an http→https upgrade on the default ports): left alone.
    """
    mark = request.extensions.get(CREDENTIALS_EXTENSION)
    if not isinstance(mark, CredentialMark) or not leaves_origin(str(mark.url), str(request.url)):
        return
    for name in mark.headers:
        request.headers.pop(name, None)
    if mark.query_values:
        query = list(request.url.params.multi_items())
        kept = [(k, v) for k, v in query if v not in mark.query_values]
        if len(kept) != len(query):
            request.url = request.url.copy_with(params=kept)
    del request.extensions[CREDENTIALS_EXTENSION]  # gone from this hop and every later one


async def astrip_credentials_on_cross_origin(request: Any) -> None:
    """:func:`strip_credentials_on_cross_origin` for ``AsyncClient`` (whose hooks are awaited)."""
    strip_credentials_on_cross_origin(request)


# -- the factories ----------------------------------------------------------------------------
def _library(lib: str | ModuleType) -> ModuleType:
    if isinstance(lib, ModuleType):
        return lib
    if lib not in ("httpx2", "httpx"):
        raise ValueError(f"lib must be 'httpx2' or 'httpx', not {lib!r}")
    try:
        return importlib.import_module(lib)
    except ImportError:
        raise ImportError(f"tokenkit.httpx_client(lib={lib!r}) needs {lib}: pip install 'tokenkit-auth[{lib}]'") from None


def _hooks(given: Mapping[str, Any] | None, strip: Any) -> dict[str, list[Any]]:
    given = given or {}
    return {"request": [strip, *given.get("request", [])], "response": list(given.get("response", []))}


def httpx_client(
    auth: Any = None,
    retries: int = 3,
    backoff_factor: float = 0.5,
    timeout: Any = 10.0,
    *,
    statuses: Collection[int] = RETRY_STATUSES,
    allowed_methods: Collection[str] | None = Retry.DEFAULT_ALLOWED_METHODS,
    max_wait: float = 60.0,
    jitter: float = 0.0,
    lib: str | ModuleType = "httpx2",
    transport: Any = None,
    **client_kwargs: Any,
) -> Any:
    """An httpx2 (``lib="httpx"``: httpx) ``Client`` that behaves as :func:`tokenkit.session`.

    ``auth`` is any auth (tokenkit's work as they are); 429/503 are retried ``retries``
    times for methods safe to repeat, waiting what ``Retry-After`` says or else
    ``backoff_factor * 2 ** (n - 1)`` seconds (first retry at once) plus up to ``jitter``
    s at random; a ``Retry-After`` longer than ``max_wait`` returns the answer at once.
    ``timeout`` applies to every request that sets none (None: wait forever).
    ``allowed_methods=None`` retries every method, POST included. ``transport`` is the one
    to wrap (default: the library's ``HTTPTransport()``); everything else (``base_url``,
    ``headers``, ``follow_redirects``, ``event_hooks``, …) goes to ``Client``. A tokenkit
    credential in a custom header or the query never follows a redirect to another origin.
    """
    module = _library(lib)
    retry = make_retry(retries, backoff_factor, statuses, allowed_methods, max_wait, jitter)
    inner = transport if transport is not None else module.HTTPTransport()
    hooks = _hooks(client_kwargs.pop("event_hooks", None), strip_credentials_on_cross_origin)
    return module.Client(auth=auth, timeout=timeout, transport=RetryTransport(inner, retry), event_hooks=hooks, **client_kwargs)


def async_httpx_client(
    auth: Any = None,
    retries: int = 3,
    backoff_factor: float = 0.5,
    timeout: Any = 10.0,
    *,
    statuses: Collection[int] = RETRY_STATUSES,
    allowed_methods: Collection[str] | None = Retry.DEFAULT_ALLOWED_METHODS,
    max_wait: float = 60.0,
    jitter: float = 0.0,
    lib: str | ModuleType = "httpx2",
    transport: Any = None,
    **client_kwargs: Any,
) -> Any:
    """:func:`httpx_client` as an ``AsyncClient``: the same policy, waits that never block the loop."""
    module = _library(lib)
    retry = make_retry(retries, backoff_factor, statuses, allowed_methods, max_wait, jitter)
    inner = transport if transport is not None else module.AsyncHTTPTransport()
    hooks = _hooks(client_kwargs.pop("event_hooks", None), astrip_credentials_on_cross_origin)
    return module.AsyncClient(
        auth=auth, timeout=timeout, transport=AsyncRetryTransport(inner, retry), event_hooks=hooks, **client_kwargs
    )
