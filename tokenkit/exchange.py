"""The seam between tokenkit's decisions and an HTTP library: one exchange, as data.

Layer 2 of the core. ``diagnose``, the errors and the auth decisions read an answer
through :func:`exchange_of`, which turns a ``requests.Response`` or an httpx2/httpx
``Response`` into an :class:`Exchange`: what was sent (method, URL, headers, body) and
what came back (status, headers, body). Nothing above this module needs to know which
library made the call, and nothing here imports httpx2 or httpx: their objects are read
by the attributes both libraries share.

It also holds the **one** mapping of "the server did not answer" to
:class:`~tokenkit.ServerUnreachableError` (:func:`unreachable`), for requests', urllib3's,
the socket's and httpx2/httpx's exceptions alike, so a refused connection reads the same
wherever tokenkit sent the request.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3.exceptions

from .errors import ServerUnreachableError

__all__ = ["Sent", "Exchange", "exchange_of", "unreachable", "is_timeout", "timeout_seconds", "is_httpx"]

_EMPTY: Mapping[str, str] = {}


@dataclass(frozen=True)
class Sent:
    """What a request carried: ``method``, ``url``, ``headers`` (case-insensitive) and ``body``."""

    method: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | str | None = None


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, library-independent. ``request`` is None when unknown."""

    status: int
    headers: Mapping[str, str]
    content: bytes = b""
    url: str | None = None
    request: Sent | None = None
    reason: str | None = None

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or ``{}`` for anything else (not JSON, a list, too deep)."""
        if not self.content:
            return {}
        try:
            body = json.loads(self.content)
        except (ValueError, RecursionError, UnicodeDecodeError):
            return {}
        return body if isinstance(body, dict) else {}


def is_httpx(obj: object) -> bool:
    """True for an object of httpx2 or httpx (request, response, exception), without importing them."""
    module = type(obj).__module__
    return module.startswith(("httpx2.", "httpx.")) or module in ("httpx2", "httpx")


def _request_of(response: Any) -> Any:
    try:
        return response.request  # httpx raises RuntimeError when a Response was built by hand
    except (AttributeError, RuntimeError):
        return None


def _sent_of(request: Any) -> Sent | None:
    if request is None:
        return None
    if is_httpx(request):
        try:
            body: bytes | str | None = request.content
        except Exception:  # a streamed body that was not read (httpx's RequestNotRead)
            body = None
    else:
        body = getattr(request, "body", None)
        if body is not None and not isinstance(body, (bytes, str)):
            body = None  # a file or generator: not ours to read
    url = getattr(request, "url", None)
    return Sent(
        method=getattr(request, "method", None),
        url=str(url) if url is not None else None,
        headers=getattr(request, "headers", None) or {},
        body=body,
    )


def exchange_of(response: Any) -> Exchange:
    """An :class:`Exchange` for a requests or httpx2/httpx response (or an :class:`Exchange`)."""
    if isinstance(response, Exchange):
        return response
    try:
        content = response.content
    except Exception:  # httpx's ResponseNotRead for a stream nobody read
        content = b""
    try:
        url = getattr(response, "url", None)
    except RuntimeError:  # httpx: a Response built by hand has no request, hence no URL
        url = None
    reason = getattr(response, "reason", None) or getattr(response, "reason_phrase", None)
    return Exchange(
        status=int(response.status_code),
        headers=getattr(response, "headers", None) or _EMPTY,
        content=content if isinstance(content, bytes) else b"",
        url=str(url) if url is not None else None,
        request=_sent_of(_request_of(response)),
        reason=reason if isinstance(reason, str) else None,
    )


# -- "the server did not answer" ------------------------------------------------------------


def is_timeout(exc: BaseException) -> bool:
    """An exception that is really a timeout, however deeply wrapped (urllib3 wraps a read
    timeout that ran out of retries in ``MaxRetryError``, which requests reports as a
    ``ConnectionError``; httpx raises a ``TimeoutException``)."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, urllib3.exceptions.NewConnectionError):
            continue  # refused or unresolvable; a subclass of ConnectTimeoutError for history's sake
        if isinstance(item, (requests.Timeout, urllib3.exceptions.TimeoutError, socket.timeout, TimeoutError)):
            return True
        if is_httpx(item) and "TimeoutException" in _class_names(item):
            return True
        stack += [getattr(item, "reason", None), item.__cause__, item.__context__]
        stack += [a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]
    return False


def timeout_seconds(timeout: Any) -> float | None:
    """The number to print for a ``timeout`` (a float, the read part of a pair, or an httpx ``Timeout``)."""
    if isinstance(timeout, tuple):
        timeout = timeout[-1]
    if not isinstance(timeout, (int, float)) and hasattr(timeout, "read"):
        timeout = timeout.read
    return float(timeout) if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


#: httpx2/httpx transport errors that mean "no usable answer" (not proxy or URL mistakes).
_HTTPX_UNREACHABLE = {"TimeoutException", "NetworkError", "RemoteProtocolError"}


def unreachable(exc: BaseException, url: str | None, timeout: Any = None) -> ServerUnreachableError | None:
    """The :class:`ServerUnreachableError` that ``exc`` amounts to, or ``None`` if it is something else.

    Refused, reset, unresolvable and timed-out connections count, from requests, urllib3,
    the socket module, httpx2 and httpx; TLS and proxy configuration errors do not (their
    own message is the useful one). The original exception is kept on ``original``.
    """
    if isinstance(exc, ServerUnreachableError):
        return exc
    seconds = timeout_seconds(timeout)
    if isinstance(exc, requests.RequestException):
        if isinstance(exc, requests.Timeout):
            return ServerUnreachableError(url, exc, timed_out=True, timeout=seconds)
        if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.ProxyError)):
            return None
        if isinstance(exc, requests.ConnectionError):
            return ServerUnreachableError(url, exc, timed_out=is_timeout(exc), timeout=seconds)
        return None
    if is_httpx(exc):
        names = _class_names(exc)
        if names & _HTTPX_UNREACHABLE and "ProxyError" not in names:
            return ServerUnreachableError(url, exc, timed_out="TimeoutException" in names, timeout=seconds)
        return None
    if isinstance(exc, (urllib3.exceptions.TimeoutError, socket.timeout, TimeoutError)):
        return ServerUnreachableError(url, exc, timed_out=True, timeout=seconds)
    if isinstance(exc, (urllib3.exceptions.ProtocolError, ConnectionError)):
        return ServerUnreachableError(url, exc, timed_out=False, timeout=seconds)
    return None
