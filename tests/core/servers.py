"""Tiny loopback HTTP servers for the hostile-input tests: a recorder, a redirector, a trickler.

Each runs ``http.server`` on a thread, on a free port of a loopback address (Linux routes
all of 127.0.0.0/8 to loopback, so 127.0.0.2 is a second *origin* on the same machine),
records every request it receives, and answers with whatever its ``answer`` callable says.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """Everything in the request, as one string to search for credentials."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}\n{head}\n\n{self.body.decode('latin-1')}"


Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Server:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve(answer: Callable[[Received, Server], Answer], host: str = "127.0.0.1") -> Iterator[Server]:
    """Run a server on ``host`` (free port) that records requests and replies with ``answer``."""
    holder: dict[str, Server] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            got = Received(self.command, self.path, dict(self.headers.items()), body)
            server = holder["server"]
            server.received.append(got)
            status, headers, payload = answer(got, server)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

    httpd = ThreadingHTTPServer((host, 0), Handler)
    httpd.daemon_threads = True
    holder["server"] = Server(host, httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield holder["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Trickle:
    """What a trickling server managed to send, and whether the client hung up on it."""

    port: int
    sent: int = 0
    client_left: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def trickler(prefix: bytes, drip: bytes, interval: float, *, hold: bool = False) -> Iterator[Trickle]:
    """A server that sends ``prefix`` at once, then ``drip`` one byte every ``interval`` s
    (and with ``hold``, then keeps the connection open, silent, until the test ends).

    The drip is long (minutes at the test's pace): a client with only a per-read timeout
    keeps reading, one with a deadline gives up. The server stops when the client closes
    the connection (``client_left`` is set) or the test ends.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    state = Trickle(listener.getsockname()[1])
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)  # the request (small enough for one read here)
                conn.sendall(prefix)
                for byte in drip:
                    if stop.wait(interval):
                        return
                    conn.sendall(bytes([byte]))
                    state.sent += 1
                if hold:
                    stop.wait()
            except OSError:
                state.client_left.set()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds or ``seconds`` pass (for server-side effects)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
