"""A learner's seat on a shared classroom server, with the surface of an in-kernel ``MockAPI``.

When ``TOKENKIT_CLASSROOM_URL`` is set, a lesson's setup cell (``MockAPI(name="lesson").start()``)
returns a ``ClassroomAPI`` instead of starting a server of its own: ``url`` is the learner's base
URL on the shared server (``http://<host>:<port>/t/<learner>``), ``clients`` carries that
learner's own secrets, ``clock`` moves that learner's clock, ``log()`` shows that learner's
exchanges only. Each of those is a call to the learner's control endpoints, which want the
learner's key (``X-Classroom-Key``): one learner cannot read another's secrets.

A named start (the lessons' setup cells) also resets the learner's world, as a fresh in-kernel
mock would be: each lesson starts with no notes, a clock at real time and an empty log.

The person logins of lesson 11 work the same way: ``users``, ``public_clients``,
``approve_device``/``deny_device``, ``approve_authorization``/``deny_authorization`` and
``pending_user_codes`` act on the learner's own device codes and authorization requests, and
raise ``ValueError`` where ``MockAPI`` does. Calls that change something carry an
``Idempotency-Key``, so the resend of a call whose answer was lost is not applied twice.

``report()`` sends an exercise's or a quick check's verdict to the learner's seat, for the
instructor's who-is-stuck page: in a background thread, with a short timeout, never raising.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from types import TracebackType
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from .clients import CLIENT_CREDENTIALS_GRANT, DemoClient
from .requestlog import LogEntry

#: The environment variables that put every lesson of a kernel on a shared server.
URL_VARIABLE = "TOKENKIT_CLASSROOM_URL"
LEARNER_VARIABLE = "TOKENKIT_LEARNER"
KEY_VARIABLE = "TOKENKIT_CLASSROOM_KEY"
#: The header that carries a learner's (or the instructor's) key to the control endpoints.
KEY_HEADER = "X-Classroom-Key"
#: The header that makes a resent state-changing call safe (the server replays its first answer).
IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMEOUT = 10.0
REPORT_TIMEOUT = 2.0

_active: "ClassroomAPI | None" = None
"""The seat this process connected to last: where ``report()`` sends verdicts."""


class ClassroomError(RuntimeError):
    """The classroom server refused or could not be reached; the message says what to do."""


class ClassroomValueError(ClassroomError, ValueError):
    """The server refused the call's arguments (a 400): where ``MockAPI`` raises ``ValueError``, so does the seat."""


def lesson_of_kernel() -> str | None:
    """The lesson this kernel runs ("03"), from the notebook name Jupyter gives the kernel."""
    name = os.environ.get("JPY_SESSION_NAME", "")
    match = re.search(r"(?:^|/)(\d\d)_[^/]*\.ipynb$", name)
    return match.group(1) if match else None


def _refused(response: requests.Response, doing: str) -> ClassroomError:
    try:
        body = response.json()
        said = f"{body.get('error_description') or body.get('error')} {body.get('hint') or ''}".strip()
    except ValueError:
        body, said = {}, response.text[:200]
    if response.status_code == 400 and isinstance(body, dict) and body.get("error_description"):
        return ClassroomValueError(str(body["error_description"]))  # the words MockAPI's ValueError would have
    return ClassroomError(f"the classroom server refused {doing} ({response.status_code}): {said}")


class RemoteClock:
    """The learner's clock on the shared server: ``now()``, ``advance()``, ``reset()``, ``offset``."""

    def __init__(self, seat: "ClassroomAPI") -> None:
        self._seat = seat

    def now(self) -> float:
        """Seconds since the epoch as the learner's mock sees them."""
        return float(self._seat._call("GET", "clock")["now"])

    @property
    def offset(self) -> float:
        return float(self._seat._call("GET", "clock")["offset"])

    def advance(self, seconds: float) -> float:
        """Move the learner's clock forward (only forward) and return the new time."""
        if seconds < 0:
            raise ValueError("the mock's clock only moves forward; use reset() to go back to real time")
        return float(self._seat._call("POST", "clock/advance", json={"seconds": float(seconds)})["now"])

    def reset(self) -> None:
        """Back to real time."""
        self._seat._call("POST", "clock/reset")

    def __repr__(self) -> str:
        return f"Clock(offset={self.offset:+.0f}s)"


class ClassroomAPI:
    """One learner's tenant on a classroom server, used like a ``MockAPI`` (see the module docstring)."""

    def __init__(self, server_url: str, learner: str, key: str) -> None:
        self.server_url = server_url.rstrip("/")
        self.learner = learner
        self._key = key
        self._http = requests.Session()
        self._http.headers[KEY_HEADER] = key
        # The server closes a keep-alive connection idle for 5 s; a call sent just then meets a
        # closed socket. Resend those (and refused connects, read timeouts) twice, whatever the
        # method: the client cannot tell whether the server read the call, so every POST carries
        # an Idempotency-Key, and the server answers a resend it already applied with its first
        # answer instead of applying it again (``classroom.Replies``).
        retry = Retry(total=2, connect=2, read=2, status=0, other=0, backoff_factor=0.05, allowed_methods=None)
        self._http.mount("http://", HTTPAdapter(max_retries=retry))
        self._http.mount("https://", HTTPAdapter(max_retries=retry))
        self._http_lock = threading.Lock()  # a Session is not promised to be thread-safe
        self.clock = RemoteClock(self)
        self.name: str | None = None

    # -- joining ------------------------------------------------------------------------

    @classmethod
    def connect(
        cls, server_url: str, learner: str, key: str | None = None, *, fresh: bool = False, lesson: str | None = None
    ) -> "ClassroomAPI":
        """Take ``learner``'s seat on the server at ``server_url`` (joining first if no key is given).

        ``fresh``: reset the learner's world, as a lesson's setup cell does.
        """
        global _active
        server_url = server_url.rstrip("/")
        if not key:
            learner, key = cls._join(server_url, learner)
        seat = cls(server_url, learner, key)
        answer = seat._call("POST", "connect", json={"fresh": fresh, "lesson": lesson or lesson_of_kernel()})
        seat.learner = answer["learner"]
        _active = seat
        return seat

    @staticmethod
    def _join(server_url: str, learner: str) -> tuple[str, str]:
        """Join as ``learner``: the name as the server wrote it, and the learner's key."""
        try:
            response = requests.post(f"{server_url}/classroom/join", json={"name": learner}, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise ClassroomError(f"the classroom server at {server_url} could not be reached ({type(exc).__name__}); check the URL and NO_PROXY") from exc
        if response.status_code != 200:
            raise _refused(response, f"the name {learner!r}")
        answer = response.json()
        return str(answer["learner"]), str(answer["key"])

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.url}/classroom/{path}"
        if method != "GET":  # one key per call: urllib3 resends the same headers, so a resend is recognised
            kwargs["headers"] = {**kwargs.get("headers", {}), IDEMPOTENCY_HEADER: secrets.token_urlsafe(16)}
        try:
            with self._http_lock:
                response = self._http.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ClassroomError(f"the classroom server at {self.server_url} could not be reached ({type(exc).__name__}); is it still running?") from exc
        if response.status_code >= 400:
            raise _refused(response, f"{method} {path}")
        return response.json() if response.content else None

    # -- the MockAPI surface ------------------------------------------------------------

    def start(self) -> "ClassroomAPI":
        return self

    def stop(self) -> None:
        """Nothing to stop: the shared server keeps serving the room."""

    def __enter__(self) -> "ClassroomAPI":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        try:
            return requests.get(f"{self.server_url}/health", timeout=REPORT_TIMEOUT).status_code == 200
        except requests.RequestException:
            return False

    @property
    def url(self) -> str:
        """This learner's base URL on the shared server."""
        return f"{self.server_url}/t/{self.learner}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/.well-known/jwks.json"

    @property
    def clients(self) -> dict[str, DemoClient]:
        """This learner's demo clients, with their secrets."""
        return {item["client_id"]: _client(item) for item in self._call("GET", "clients")["clients"]}

    def log(self, limit: int | None = 20) -> list[LogEntry]:
        """The last ``limit`` exchanges of this learner (all with ``None``), credentials masked."""
        params = {"limit": limit} if limit else {}
        return [LogEntry(**entry) for entry in self._call("GET", "log", params=params)["entries"]]

    def reset(self) -> "ClassroomAPI":
        """A fresh world for this learner: no notes, tokens, log, faults or added clients; real time."""
        self._call("POST", "reset")
        return self

    def add_client(
        self,
        client_id: str,
        scopes: Any = ("data:read",),
        *,
        token_lifetime: int = 3600,
        refresh_tokens: bool = False,
        rate_limit: int = 600,
        rate_window: int = 60,
        client_secret: str | None = None,
    ) -> DemoClient:
        """Register a client in this learner's world; returns it with its secret."""
        scopes = [scopes] if isinstance(scopes, str) else list(scopes)
        body = {
            "client_id": client_id, "scopes": scopes, "token_lifetime": token_lifetime, "refresh_tokens": refresh_tokens,
            "rate_limit": rate_limit, "rate_window": rate_window, "client_secret": client_secret,
        }
        return _client(self._call("POST", "clients", json=body))

    # -- logging a person in (device code, authorization code + PKCE) -----------------

    @property
    def users(self) -> dict[str, str]:
        """The demo people, name -> password (``alice``, ``bob``), for the login and device pages."""
        return {str(name): str(password) for name, password in self._call("GET", "users")["users"].items()}

    @property
    def public_clients(self) -> dict[str, DemoClient]:
        """Clients without a secret (``cli-app``), which get tokens only for a person who logs in."""
        return {item["client_id"]: _client(item) for item in self._call("GET", "public-clients")["clients"]}

    def approve_device(self, user_code: str, user: str = "alice") -> None:
        """Approve a pending device login of this learner's as ``user``, as the verification page does.

        ``ValueError`` (as from ``MockAPI``) when no login of this learner waits for that code or
        ``user`` is not a demo person.
        """
        self._call("POST", "device/approve", json={"user_code": user_code, "user": user})

    def deny_device(self, user_code: str) -> None:
        """Deny a pending device login: the device's next poll answers ``access_denied``."""
        self._call("POST", "device/deny", json={"user_code": user_code})

    def approve_authorization(self, authorize_url: str, user: str = "alice") -> str:
        """Approve an authorization request as ``user``; the URL the browser would be sent to.

        As ``MockAPI.approve_authorization``: the ``redirect_uri`` with ``code``, ``state`` and
        ``iss`` (this learner's base URL), or with ``error`` for a request the page refuses back
        to the client; ``ValueError`` when the page would send the browser nowhere.
        """
        return str(self._call("POST", "authorization/approve", json={"authorize_url": authorize_url, "user": user})["location"])

    def deny_authorization(self, authorize_url: str) -> str:
        """Deny an authorization request; returns the ``redirect_uri`` with ``error=access_denied``."""
        return str(self._call("POST", "authorization/deny", json={"authorize_url": authorize_url})["location"])

    def pending_user_codes(self) -> list[str]:
        """The user codes of this learner's device logins waiting for a person, oldest first."""
        return [str(code) for code in self._call("GET", "device/pending")["user_codes"]]

    @property
    def tenant(self) -> Any:
        raise ClassroomError("a classroom seat has no in-process tenant: use clients, clock, log() and reset()")

    def __repr__(self) -> str:
        return f"<ClassroomAPI {self.url} (learner {self.learner!r} on a shared server)>"


def _client(item: dict[str, Any]) -> DemoClient:
    return DemoClient(
        item["client_id"], item["client_secret"], tuple(item["scopes"]), item.get("description", ""),
        token_lifetime=item["token_lifetime"], refresh_tokens=item["refresh_tokens"],
        rate_limit=item["rate_limit"], rate_window=item["rate_window"],
        grant_types=tuple(item.get("grant_types") or (CLIENT_CREDENTIALS_GRANT,)), public=bool(item.get("public")),
    )


def connect_from_environment(*, fresh: bool) -> ClassroomAPI:
    """The seat named by ``TOKENKIT_CLASSROOM_URL``, ``TOKENKIT_LEARNER`` (and ``TOKENKIT_CLASSROOM_KEY``)."""
    url = os.environ[URL_VARIABLE]
    learner = os.environ.get(LEARNER_VARIABLE, "").strip()
    if not learner:
        raise ClassroomError(
            f"{URL_VARIABLE} is set but {LEARNER_VARIABLE} is not: open {url.rstrip('/')}/classroom, type your name "
            "and use the lines it gives you."
        )
    return ClassroomAPI.connect(url, learner, os.environ.get(KEY_VARIABLE) or None, fresh=fresh)


def report(kind: str, lesson: str, item: str, passed: bool) -> None:
    """Tell the classroom server how a check went, if this process sits in a classroom.

    Fire and forget: a daemon thread, a two-second timeout, every failure swallowed, so a
    slow or absent server never holds up or breaks a lesson.
    """

    def send() -> None:
        try:
            seat = _active
            if seat is None and os.environ.get(URL_VARIABLE) and os.environ.get(KEY_VARIABLE):
                seat = ClassroomAPI(os.environ[URL_VARIABLE], os.environ.get(LEARNER_VARIABLE, ""), os.environ[KEY_VARIABLE])
            if seat is None:
                return
            requests.post(
                f"{seat.url}/classroom/report",
                json={"kind": kind, "lesson": lesson, "item": item, "passed": bool(passed)},
                headers={KEY_HEADER: seat._key},
                timeout=REPORT_TIMEOUT,
            )
        except Exception:  # noqa: BLE001 - a report must never reach the lesson
            pass

    threading.Thread(target=send, name="tokenkit-classroom-report", daemon=True).start()


__all__ = ["ClassroomAPI", "ClassroomError", "ClassroomValueError", "RemoteClock", "connect_from_environment", "report"]
