"""A one-shot redirect listener on the loopback interface (RFC 8252 §7.3).

A native app (a script, a CLI, a notebook) that logs a person in with the authorization
code flow needs somewhere for the browser to bring the code back. RFC 8252's answer is
a tiny HTTP server on ``127.0.0.1`` at a port the system picks, registered as
``http://127.0.0.1:<port>/callback``; the authorization server accepts any port on the
loopback address for such clients.

The details that matter:

- **``127.0.0.1``, not ``localhost``** (§8.3): the name can resolve elsewhere or to IPv6
  while we listen on IPv4, and a listener on every interface would let the network
  deliver a code to us.
- **One answer, then gone.** The first request to the callback path is the result; the
  listener stops after answering it (a favicon request or another path gets a 404 and
  does not count), so it cannot be fed a second, forged redirect later.
- **A deadline.** :meth:`LoopbackRedirect.wait` gives up after ``timeout`` seconds: a
  person who closes the tab must not leave a process waiting for ever.
- **Nothing logged.** ``http.server`` writes each request line, query string and so the
  authorization code included, to stderr; here it does not.
- The browser gets a short page saying it can close the tab, with ``no-store`` and
  ``no-referrer`` so the URL with the code is neither cached nor sent onwards.
"""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["LoopbackRedirect", "RedirectTimeoutError"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">
<h1>{title}</h1><p>{message}</p></body></html>
"""


class RedirectTimeoutError(TimeoutError):
    """No redirect came back to the loopback listener in time."""


class LoopbackRedirect:
    """Listen on ``127.0.0.1`` (a free port by default) for one redirect to ``path``.

    Use as a context manager::

        with LoopbackRedirect() as listener:
            open_in_browser(authorize_url(redirect_uri=listener.redirect_uri))
            params = listener.wait(timeout=300)

    ``params`` is the redirect's query as a dict (``code`` and ``state``, or ``error``).
    The caller decides what to tell the browser with ``answer=`` (a callable that gets the
    params and returns ``(title, message)``); the default thanks the person.
    """

    def __init__(
        self,
        *,
        path: str = "/callback",
        port: int = 0,
        answer: Any = None,
    ) -> None:
        self.path = path if path.startswith("/") else "/" + path
        self._answer = answer or _default_answer
        self._params: dict[str, str] | None = None
        self._arrived = threading.Event()
        self._server = _Server(("127.0.0.1", port), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="tokenkit-loopback", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        """The URI to register and send as ``redirect_uri``: ``http://127.0.0.1:<port><path>``."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def wait(self, timeout: float) -> dict[str, str]:
        """The redirect's query parameters, once the browser arrives; :class:`RedirectTimeoutError` after ``timeout`` s."""
        if not self._arrived.wait(timeout):
            self.close()
            raise RedirectTimeoutError(f"no redirect to {self.redirect_uri} within {timeout:g} s")
        self.close()
        assert self._params is not None
        return self._params

    def _deliver(self, params: dict[str, str]) -> tuple[str, str]:
        """Keep the first redirect's parameters; return the page for the browser."""
        if self._arrived.is_set():
            return "Already done", "This login has already been completed. You can close this tab."
        self._params = params
        self._arrived.set()
        title, message = self._answer(params)
        return str(title), str(message)

    def close(self) -> None:
        """Stop listening (idempotent); the port is released."""
        if self._thread.is_alive():
            self._server.shutdown()  # lets the page being sent finish first
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> LoopbackRedirect:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LoopbackRedirect({self.redirect_uri!r})"


def _default_answer(params: dict[str, str]) -> tuple[str, str]:
    if "error" in params:
        return "Login not completed", f"The server answered: {params['error']}. You can close this tab."
    return "Logged in", "You are logged in. You can close this tab and go back to your program."


class _Server(HTTPServer):
    allow_reuse_address = False  # a port someone else holds is not ours to share
    daemon_threads = True


def _handler_for(listener: LoopbackRedirect) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "tokenkit-loopback"
        sys_version = ""

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            if parts.path != listener.path:
                self._send(404, "Not found", "This address only receives the login redirect.")
                return
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            title, message = listener._deliver(params)
            self._send(200, title, message)

        def _send(self, status: int, title: str, message: str) -> None:
            body = _PAGE.format(title=html.escape(title), message=html.escape(message)).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the query holds the code: never logged
            return

    return Handler
