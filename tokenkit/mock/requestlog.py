"""A log of the last exchanges, for a lesson to show what the server saw.

It is a pure ASGI middleware (cheaper than Starlette's BaseHTTPMiddleware on every
request) that records method, path, status, the credential form seen and why a request
was refused. Credentials are masked before they are stored: the log is shown on
screens and projectors.

Entries are kept as plain tuples of strings and numbers and made into ``LogEntry`` objects
only when read. CPython stops tracking such a tuple for garbage collection once it has
survived one collection, so a classroom server's 1,000 logs of 200 entries add nothing to
the work of a full collection (as ``LogEntry`` objects, when seats kept 100 entries, they were
100,000 tracked objects, about half of the process's, and full collections took up to 112 ms).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tokenkit.secrets import mask

from .echo import shown

_NOT_LOGGED_PREFIXES = ("/docs", "/openapi.json", "/favicon.ico")


@dataclass(frozen=True)
class LogEntry:
    time: float
    method: str
    path: str
    status: int
    auth: str
    """The credential form seen, masked: 'Bearer eyJh…Qx8w (812 chars)', 'Basic …', 'none'."""
    client_id: str | None
    refused_because: str | None


#: The fields of a ``LogEntry``, in the order a stored tuple holds them.
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(LogEntry))
#: One stored exchange: ``LogEntry``'s values, in ``FIELDS`` order.
Row = tuple[float, str, str, int, str, "str | None", "str | None"]


@lru_cache(maxsize=1024)  # a client sends the same header many times: mask it once
def _describe_authorization(authorization: str) -> str:
    scheme, _, value = authorization.strip().partition(" ")
    if not value:
        return f"raw token {mask(scheme)}"
    return f"{shown(scheme)} {mask(value.strip())}"


def describe_credentials(authorizations: list[str], api_keys: list[str]) -> str:
    """The credential form a request carried, with the secret part masked.

    Every ``Authorization``/``X-API-Key`` header is described, so a request refused for
    carrying two shows both (masked) next to the reason.
    """
    described = [_describe_authorization(value) for value in authorizations]
    described += [f"X-API-Key {mask(value)}" for value in api_keys]
    if not described:
        return "none"
    if len(described) == 1:
        return described[0]
    return f"{len(described)} credential headers: " + "; ".join(described)


def _shown_path(path: str) -> str:
    """The path as the log may show it: a token pasted into the URL is masked."""
    if len(path) <= 32:  # the mock's own paths: nothing that long can be a whole secret
        return path
    return "/".join(shown(part) if len(part) >= 16 else part for part in path.split("/"))


class RequestLog:
    """The last ``size`` exchanges, oldest first."""

    def __init__(self, size: int) -> None:
        self._rows: deque[Row] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, entry: LogEntry) -> None:
        self.add_row(
            (entry.time, entry.method, entry.path, entry.status, entry.auth, entry.client_id, entry.refused_because)
        )

    def add_row(self, row: Row) -> None:
        """Store one exchange as a plain tuple (what the middleware records, without a ``LogEntry``)."""
        with self._lock:
            self._rows.append(row)

    def _last(self, limit: int | None) -> list[Row]:
        with self._lock:
            rows = list(self._rows)
        return rows[-limit:] if limit else rows

    def entries(self, limit: int | None = None) -> list[LogEntry]:
        return [LogEntry(*row) for row in self._last(limit)]

    def as_json(self, limit: int | None = None) -> list[dict[str, Any]]:
        return [dict(zip(FIELDS, row)) for row in self._last(limit)]

    def __len__(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


#: Where a request's exchange is recorded: the log and the clock of the request's tenant.
LogTarget = Callable[[Scope], "tuple[RequestLog, Callable[[], float]]"]


class RequestLogMiddleware:
    """Records every HTTP exchange into its tenant's ``RequestLog`` as its answer starts."""

    def __init__(self, app: ASGIApp, target: LogTarget) -> None:
        self.app = app
        self.target = target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_NOT_LOGGED_PREFIXES):
            await self.app(scope, receive, send)
            return
        recorded = False
        log, now = self.target(scope)

        def record(status: int) -> None:
            nonlocal recorded
            recorded = True
            authorizations: list[str] = []
            api_keys: list[str] = []
            for key, value in scope["headers"]:  # ASGI header names are lower-case bytes
                if key == b"authorization":
                    authorizations.append(value.decode("latin-1"))
                elif key == b"x-api-key":
                    api_keys.append(value.decode("latin-1"))
            state = scope.get("state", {})
            method = scope["method"]
            log.add_row((  # LogEntry's fields, in order
                now(),
                method if len(method) <= 10 else shown(method),
                _shown_path(scope["path"]),
                status,
                describe_credentials(authorizations, api_keys),
                state.get("client_id"),
                state.get("refused_because"),
            ))

        async def record_then_send(message: Message) -> None:
            # Recorded before the answer leaves, so a client that reads the log right
            # after its response always finds its own exchange there.
            if message["type"] == "http.response.start":
                record(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_then_send)
        finally:
            if not recorded:
                record(500)
