"""Request bodies are limited while they arrive, not after they have been buffered.

A handler that calls ``await request.body()`` and then checks the length has already
held the whole body in memory: a 100 MB POST to ``/oauth/token`` grew the process by
100 MB before it was refused. This pure ASGI middleware (the house style, as
``requestlog``) refuses before reading when ``Content-Length`` is too large, and counts a
chunked body while receiving it, stopping at the limit. Either way the answer is a 413
(a 400 ``invalid_request`` on ``/oauth/*``) with the usual error body and ``Connection: close``, so the server does not read (or
drain) the rest of the body either.

Requests that declare a ``Content-Length`` within the limit pass straight through: the
HTTP parser already guarantees the body is no longer than declared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError

@dataclass(frozen=True)
class Limit:
    """The largest body accepted under a path prefix, and the status that refuses more."""

    prefix: str
    max_bytes: int
    status: int = 413


#: First match wins. The token endpoints refuse with 400 invalid_request, because RFC 6749
#: §5.2 has every token-endpoint error be a 400 that OAuth client libraries can read.
DEFAULT_LIMITS: tuple[Limit, ...] = (
    Limit("/oauth/", 16 * 1024, 400),  # a token request is a few hundred bytes
    Limit("/notes", 256 * 1024),  # a note's 10,000-character text, even as \u-escaped JSON
)
DEFAULT_LIMIT = Limit("/", 64 * 1024)


def too_large(limit: Limit, size: int | None = None) -> ApiError:
    """The refusal for a body over ``limit`` (of ``size`` bytes, when declared)."""
    what = f"is {size} bytes" if size is not None else "kept coming past the limit"
    return ApiError(
        limit.status,
        "invalid_request",
        f"The request body {what}; this endpoint accepts at most {limit.max_bytes} bytes.",
        "Token requests are a few hundred bytes and notes a few kilobytes; check what is being sent as the body.",
        {"Connection": "close"},  # do not read or drain the rest of the body
    )


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit.

    An ``HTTPException`` so FastAPI passes it through body parsing untouched; the app's
    handler for it answers with ``error``.
    """

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.status, error.description)
        self.error = error


class BodyLimitMiddleware:
    """Refuses request bodies over a per-path limit, before or while they are received."""

    def __init__(self, app: ASGIApp, limits: Sequence[Limit] = DEFAULT_LIMITS, default: Limit = DEFAULT_LIMIT) -> None:
        self.app = app
        self.limits = tuple(limits)
        self.default = default

    def limit_for(self, path: str) -> Limit:
        for limit in self.limits:
            if path.startswith(limit.prefix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        chunked = False
        for key, value in scope["headers"]:  # ASGI header names are lower-case bytes
            if key == b"content-length":
                declared = int(value) if value.isdigit() else None
            elif key == b"transfer-encoding":
                chunked = True
        if declared is None and not chunked:
            await self.app(scope, receive, send)  # no body at all: the common GET
            return
        limit = self.limit_for(scope["path"])
        if declared is not None and not chunked:
            if declared > limit.max_bytes:
                await self._refuse(scope, send, too_large(limit, declared))
                return
            await self.app(scope, receive, send)  # the parser stops at Content-Length
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    raise BodyTooLarge(too_large(limit))
            return message

        await self.app(scope, counting_receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, error: ApiError) -> None:
        scope.setdefault("state", {})["refused_because"] = error.description  # for the request log

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        await JSONResponse(error.body(), status_code=error.status, headers=error.headers)(scope, no_body, send)
