"""Faults a test asks for: the next request(s) to a path fail, answer slowly, or answer garbage.

A client's retry, backoff and error handling are only tested when the server misbehaves,
and a good server never does. ``fail_next("/oauth/token", status=503, retry_after=2)``
makes the next token request answer 503 with ``Retry-After: 2``; ``delay=`` holds the answer
back (longer than the client's timeout, it is a timeout); ``malformed=True`` sends a body
that is cut off mid-JSON. Faults are part of the tenant, so a reset clears them.

A pure ASGI middleware, as the house style is: with no fault planned (the normal case) a
request costs one truth test here.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tokenkit.reasons import REASON_FIELD, Reason

from .errors import bearer_challenge

#: The RFC 6749/6750 error code an injected status is answered with.
_ERROR_FOR_STATUS = {
    400: "invalid_request",
    401: "invalid_token",
    403: "insufficient_scope",
    429: "rate_limited",
    500: "server_error",
}


@dataclass
class Fault:
    """What the next ``times`` requests to ``path`` get instead of their normal answer."""

    path: str
    """An exact path, or a prefix ending in ``*`` (``/notes/*``)."""
    status: int | None = 503
    """The status to answer with; ``None`` answers normally (after ``delay``)."""
    times: int = 1
    retry_after: int | None = None
    delay: float | None = None
    malformed: bool = False
    method: str | None = None
    """Only requests with this method (any method when ``None``)."""

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    def body(self, path: str) -> bytes:
        assert self.status is not None
        error = _ERROR_FOR_STATUS.get(self.status, "temporarily_unavailable" if self.status >= 500 else "http_error")
        document: dict[str, object] = {
            "error": error,
            "error_description": f"Injected fault: this test asked {path} to answer {self.status}.",
            "hint": "Your client should handle this the way it would handle it from a real server (retry, back off, or report).",
        }
        if self.status == 429:
            document[REASON_FIELD] = Reason.RATE_LIMITED.value
        if self.retry_after is not None:
            document["retry_after"] = self.retry_after
        encoded = json.dumps(document).encode()
        return encoded[: len(encoded) // 2] if self.malformed else encoded

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
        if self.retry_after is not None:
            headers.append((b"retry-after", str(self.retry_after).encode()))
        if self.status == 401:
            headers.append((b"www-authenticate", bearer_challenge("invalid_token", "Injected fault").encode()))
        return headers


class FaultPlan:
    """The faults still to happen, oldest first; safe to add to from the test's thread."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        if fault.times < 1:
            raise ValueError("times must be 1 or more")
        if fault.status is not None and not 100 <= fault.status <= 599:
            raise ValueError(f"status must be an HTTP status (100-599), not {fault.status}")
        if fault.status is None and not fault.delay and not fault.malformed:
            raise ValueError("a fault needs a status, a delay or malformed=True")
        if fault.delay is not None and fault.delay < 0:
            raise ValueError("delay must be 0 or more seconds")
        if not fault.path.startswith("/"):
            raise ValueError(f"path must start with '/', e.g. '/oauth/token', not {fault.path!r}")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault for this request, counted as used once; None if none is planned."""
        if not self._faults:
            return None
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times == 0:
                        del self._faults[index]
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        return len(self._faults)


class FaultMiddleware:
    """Answers a request with its planned fault, if there is one."""

    def __init__(self, app: ASGIApp, plan_of: Callable[[Scope], FaultPlan]) -> None:
        self.app = app
        self.plan_of = plan_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self.plan_of(scope).take(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is None and not fault.malformed:
            await self.app(scope, receive, send)  # only slow: the normal answer, late
            return
        status = fault.status if fault.status is not None else 200
        fault = fault if fault.status is not None else _with_status(fault, status)
        scope.setdefault("state", {})["refused_because"] = f"injected fault ({status}{', malformed body' if fault.malformed else ''})"
        body = fault.body(scope["path"])
        start: Message = {"type": "http.response.start", "status": status, "headers": [*fault.headers(), (b"content-length", str(len(body)).encode())]}
        await send(start)
        await send({"type": "http.response.body", "body": body})


def _with_status(fault: Fault, status: int) -> Fault:
    return Fault(fault.path, status, fault.times, fault.retry_after, fault.delay, fault.malformed, fault.method)
