"""Run the mock in a background thread: the way a notebook kernel or a test starts it.

``with MockAPI() as api:`` binds a free loopback port itself (so two mocks never race
for one), starts uvicorn on that socket in a daemon thread, and returns only once the
server has answered a real HTTP request. Leaving the block stops uvicorn and closes the
socket, so the port is free again.

A lesson's mock lives as long as its kernel: ``MockAPI(name="lesson").start()``. A *named*
mock is the process's one mock of that name, so running a lesson's setup cell again replaces
its server (fresh state, the old one told to stop without waiting for it) instead of adding
one more, and every mock still running when the process exits (a kernel shut down or
restarted) is stopped then: all are told to stop at once, so an exit takes one shutdown's
time (about 0.2 s), well inside the few seconds Jupyter gives a kernel before it kills it.

The same object is the ``tokenkit_mock`` fixture of the pytest plugin: ``reset()`` gives it a
fresh world (clients, notes, tokens, log, clock, faults) in microseconds, ``add_client``,
``fail_next`` and ``rotate_keys`` set up what a test needs.

uvicorn runs on uvloop and httptools when they are installed (the ``mock`` extra installs
them on CPython outside Windows), else on asyncio and h11; ``server_stack()`` says which.
"""

from __future__ import annotations

import atexit
import http.client
import os
import socket
import threading
import time
from collections.abc import Iterable
from importlib.util import find_spec
from types import TracebackType
from typing import Any

import uvicorn

from . import authorize, verification
from .app import create_app
from .clients import DemoClient
from .clock import Clock
from .faults import Fault
from .remote import URL_VARIABLE, ClassroomAPI, connect_from_environment
from .keys import DEFAULT_GRACE_PERIOD, SigningKey
from .requestlog import LogEntry
from .settings import Settings
from .tenant import MockServer, Tenant

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

# Every mock of this process that is serving, and the named ones by name. One lock for both.
_running: set["MockAPI"] = set()
_named: dict[str, "MockAPI"] = {}
_registry_lock = threading.Lock()


def _stop_all_at_exit() -> None:
    """Stop every mock still serving when the interpreter exits (a kernel shutdown or restart).

    All are told to stop first and joined afterwards, so ten mocks take as long as one.
    """
    with _registry_lock:
        mocks = list(_running)
    for mock in mocks:
        mock._signal_stop()
    for mock in mocks:
        mock.stop()


atexit.register(_stop_all_at_exit)


def server_stack() -> dict[str, str]:
    """The event loop and HTTP parser uvicorn is given: the fast ones when installed.

    Named explicitly rather than left to uvicorn's "auto", so that the mock says which it
    runs on (``tokenkit mock`` prints it) and a missing extra is visible, not silent.
    """
    loop = "uvloop" if find_spec("uvloop") is not None else "asyncio"
    http = "httptools" if find_spec("httptools") is not None else "h11"
    return {"loop": loop, "http": http}


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class MockAPI:
    """The bundled mock API, served from a background thread of this process.

    ``api.url`` is the base URL, ``api.clients`` the demo clients (with secrets),
    ``api.clock`` the clock to move, ``api.log()`` the last exchanges it saw.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: str | None = None,
        public_url: str | None = None,
        rate_limits: bool = True,
        leeway: int = 5,
        log_size: int = 200,
        name: str | None = None,
        signing_key: SigningKey | None = None,
    ) -> None:
        """``name``: make this the process's one mock of that name (see the module docstring).

        Lessons pass ``name="lesson"``; tests and scripts that want mocks side by side leave it out.
        ``signing_key``: sign with this key instead of making one (test fixtures pass
        ``keys.shared_test_key()``; lessons and servers make their own).
        """
        self.host = host
        self.name = name
        self._requested_port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._options: dict[str, Any] = {"seed": seed, "rate_limits": rate_limits, "leeway": leeway, "log_size": log_size}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._signing_key = signing_key
        self._mock: MockServer | None = None
        self.port: int | None = None

    # -- lifecycle -------------------------------------------------------------------

    #: Whether ``TOKENKIT_CLASSROOM_URL`` makes ``start()`` connect to a shared server instead.
    follows_classroom = True

    def start(self) -> "MockAPI":
        """Start serving and wait until the server answers. Returns ``self``.

        With ``TOKENKIT_CLASSROOM_URL`` set (and ``TOKENKIT_LEARNER``), it starts nothing and
        returns the learner's seat on that shared server instead (``remote.ClassroomAPI``, the
        same surface); a named mock's start (a lesson's setup cell) gives the learner a fresh world.
        """
        if self._thread is not None:
            return self
        if self.follows_classroom and os.environ.get(URL_VARIABLE):
            return connect_from_environment(fresh=self.name is not None)  # type: ignore[return-value]
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when
        # the listener says TCP, and without it every keep-alive answer waits ~40 ms for a
        # delayed ACK (Nagle), which made the mock 20 times slower.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError as exc:
            sock.close()
            raise OSError(f"cannot listen on {self.host}:{self._requested_port} ({exc.strerror}); pass port=0 for a free one") from exc
        sock.listen(2048)
        self._socket = sock
        self.port = sock.getsockname()[1]
        app = self._build_app(Settings(issuer=self._issuer(), **self._options))
        stack = server_stack()
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2,
            loop=stack["loop"], http=stack["http"],
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, name=f"tokenkit-mock-{self.port}", daemon=True)
        self._thread.start()
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        self._register()
        return self

    def _build_app(self, settings: Settings) -> Any:
        """The ASGI app to serve (a classroom server serves another); sets ``self._mock``."""
        app = create_app(settings, self._signing_key)
        self._mock = app.state.mock
        return app

    @staticmethod
    def connect(url: str, learner: str, key: str | None = None, *, fresh: bool = False) -> ClassroomAPI:
        """Take ``learner``'s seat on the classroom server at ``url``: an object used like a started MockAPI.

        ``key`` is the learner's key from the join page; without one the name is joined (if free).
        ``fresh`` resets the learner's world, as a lesson's setup cell does.
        """
        return ClassroomAPI.connect(url, learner, key, fresh=fresh)

    def _register(self) -> None:
        """Count this mock as running; as a named one, take the name and stop its predecessor.

        The predecessor is only told to stop: its server finishes its requests and frees its
        port on its own thread a moment later, so a setup cell run again is not slowed down.
        """
        with _registry_lock:
            _running.add(self)
            previous = _named.get(self.name) if self.name is not None else None
            if self.name is not None:
                _named[self.name] = self
        if previous is not None and previous is not self:
            previous._signal_stop()
            previous._forget()

    def _issuer(self) -> str | None:
        """The token issuer: the public URL if given; none fixed on a wildcard address.

        On 0.0.0.0 learners reach the server by an address this process cannot know, so
        the issuer then follows each request's own base URL.
        """
        if self._public_url:
            return self._public_url
        return None if self.host in {"0.0.0.0", "::", ""} else self.url

    def _wait_until_answering(self) -> None:
        assert self._server is not None and self.port is not None and self._thread is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise RuntimeError("the mock API's server thread stopped during start-up; see the log above")
            if self._server.started:
                try:
                    probe_host = "127.0.0.1" if self.host in {"0.0.0.0", ""} else ("::1" if self.host == "::" else self.host)
                    connection = http.client.HTTPConnection(probe_host, self.port, timeout=1)
                    connection.request("GET", "/health")
                    if connection.getresponse().status == 200:
                        connection.close()
                        return
                except OSError:
                    pass
            time.sleep(0.005)
        raise TimeoutError(f"the mock API did not answer on {self.url} within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        """Stop serving and free the port. Safe to call twice."""
        self._signal_stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=STOP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._forget()

    def _signal_stop(self) -> None:
        """Tell uvicorn to shut down (it closes its listening socket itself); do not wait."""
        if self._server is not None:
            self._server.should_exit = True

    def _forget(self) -> None:
        """Drop the references to the server and leave the registry (the state stays readable)."""
        self._server = self._thread = self._socket = None
        with _registry_lock:
            _running.discard(self)
            if self.name is not None and _named.get(self.name) is self:
                del _named[self.name]

    def __enter__(self) -> "MockAPI":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- what a lesson uses ------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        if self.port is None:
            raise RuntimeError("the mock API is not started yet: use `with MockAPI() as api:` or `api = MockAPI().start()`")
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"

    @property
    def tenant(self) -> Tenant:
        """The mock's current world (clients, clock, keys, stores); a reset replaces it."""
        if self._mock is None:
            raise RuntimeError("the mock API is not started yet: use `with MockAPI() as api:` or `api = MockAPI().start()`")
        return self._mock.tenant

    @property
    def clients(self) -> dict[str, DemoClient]:
        return self.tenant.clients

    @property
    def clock(self) -> Clock:
        return self.tenant.clock

    def log(self, limit: int | None = 20) -> list[LogEntry]:
        """The last ``limit`` exchanges (all with ``None``), credentials masked."""
        return self.tenant.log.entries(limit)

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/.well-known/jwks.json"

    # -- logging a person in (device code, authorization code + PKCE) -----------------

    @property
    def users(self) -> dict[str, str]:
        """The demo people, name -> password (``alice``, ``bob``), for the login and device pages."""
        return self.tenant.users

    @property
    def public_clients(self) -> dict[str, DemoClient]:
        """Clients without a secret (``cli-app``), which get tokens only for a person who logs in."""
        return self.tenant.public_clients

    def approve_device(self, user_code: str, user: str = "alice") -> None:
        """Approve a pending device login as ``user``, as the verification page does, without a browser.

        ``user_code`` as shown (``WDJB-MJHT``) or typed (``wdjbmjht``). The device's next poll
        gets the token. Raises ``ValueError`` when no login waits for that code or ``user`` is
        not a demo person.
        """
        verification.approve(self.tenant, user_code, user)

    def deny_device(self, user_code: str) -> None:
        """Deny a pending device login: the device's next poll answers ``access_denied``."""
        verification.deny(self.tenant, user_code)

    def approve_authorization(self, authorize_url: str, user: str = "alice") -> str:
        """Approve an authorization request as ``user``, as the login page does, without a browser.

        ``authorize_url`` is the whole ``/oauth/authorize?...`` URL a client would open.
        Returns the URL the browser would be sent to: the ``redirect_uri`` with ``code``,
        ``state`` and ``iss`` (or ``error`` for a request the page refuses back to the
        client). Deliver it to a loopback listener with ``requests.get`` from another thread
        than the one waiting on the listener. Raises ``ValueError`` when the page would send
        the browser nowhere (unknown client, bad redirect_uri) or ``user`` is not a demo person.
        """
        return authorize.answer_for(self.tenant, authorize_url, self._issuer() or self.url, user)

    def deny_authorization(self, authorize_url: str) -> str:
        """Deny an authorization request; returns the ``redirect_uri`` with ``error=access_denied``."""
        return authorize.answer_for(self.tenant, authorize_url, self._issuer() or self.url, None)

    def pending_user_codes(self) -> list[str]:
        """The user codes of device logins waiting for a person, oldest first."""
        tenant = self.tenant
        return tenant.device_codes.user_codes(tenant.clock.now())

    # -- what a test uses --------------------------------------------------------------

    def reset(self) -> "MockAPI":
        """Forget everything: new client secrets, real time, no notes, refresh tokens,
        revocations, rate counters, log entries, faults or added clients.

        The server keeps its port and its signing key (see ``tenant.MockServer.reset``).
        """
        if self._mock is None:
            raise RuntimeError("the mock API is not started yet: use `with MockAPI() as api:` or `api = MockAPI().start()`")
        self._mock.reset()
        return self

    def add_client(
        self,
        client_id: str,
        scopes: Iterable[str] = ("data:read",),
        *,
        token_lifetime: int = 3600,
        refresh_tokens: bool = False,
        rate_limit: int = 600,
        rate_window: int = 60,
        client_secret: str | None = None,
    ) -> DemoClient:
        """Register a client with these scopes and limits; returns it with its secret."""
        return self.tenant.add_client(
            client_id, scopes, token_lifetime=token_lifetime, refresh_tokens=refresh_tokens,
            rate_limit=rate_limit, rate_window=rate_window, client_secret=client_secret,
        )

    def fail_next(
        self,
        path: str,
        status: int | None = 503,
        times: int = 1,
        retry_after: int | None = None,
        delay: float | None = None,
        *,
        malformed: bool = False,
        method: str | None = None,
    ) -> Fault:
        """Make the next ``times`` requests to ``path`` fail with ``status``.

        ``retry_after`` adds a ``Retry-After`` header; ``delay`` holds the answer back that
        many seconds (with ``status=None`` the normal answer comes, late: a timeout for a
        client that waits less); ``malformed`` cuts the JSON body off halfway. ``path`` may
        end in ``*`` to match a prefix (``/notes/*``); ``method`` narrows it to one method.
        """
        fault = Fault(path, status, times, retry_after, delay, malformed, method.upper() if method else None)
        return self.tenant.faults.add(fault)

    def rotate_keys(self, grace_period: float = DEFAULT_GRACE_PERIOD) -> str:
        """Sign with a new key from now on; returns its ``kid``.

        The JWKS keeps publishing the previous key for ``grace_period`` seconds of the mock's
        clock, and tokens it signed are accepted until then; after that they are refused as
        signed by an unknown key. Making the RSA key takes about 0.1 s.
        """
        tenant = self.tenant
        return tenant.keys.rotate(SigningKey.generate(), grace_period, tenant.clock.now()).kid

    def __repr__(self) -> str:
        where = self.url if self.port is not None else "not started"
        state = "running" if self.running else "stopped"
        return f"<MockAPI {where} ({state}); clients: {', '.join(self.clients) if self._mock else '-'}>"
