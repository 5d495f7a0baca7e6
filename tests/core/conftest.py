"""Helpers for the client core's tests: a scripted transport, a fake clock, counting sources."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from tokenkit import ClientCredentials, Token
from tokenkit.mock import MockAPI


def make_response(
    status: int = 200,
    *,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    text: str | None = None,
    request: requests.PreparedRequest | None = None,
    url: str = "https://api.example.test/data",
) -> requests.Response:
    """A ``requests.Response`` built by hand, for unit tests that need no server."""
    import json as _json

    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict(headers or {})
    if json_body is not None:
        response._content = _json.dumps(json_body).encode()
        response.headers.setdefault("Content-Type", "application/json")
    else:
        response._content = (text or "").encode()
    response.url = url
    if request is None:
        request = requests.Request("GET", url).prepare()
    response.request = request
    response.encoding = "utf-8"
    return response


class ScriptedAdapter(BaseAdapter):
    """A transport that answers from a script and records what it was sent.

    ``script`` is a callable ``(prepared_request, call_index) -> (status, headers, json)``
    or a list of such tuples consumed in order. Responses get ``.connection = self`` so
    ``FlowAuth`` can resend on it, exactly as on a real ``HTTPAdapter``.
    """

    def __init__(self, script: Callable[[requests.PreparedRequest, int], tuple] | Iterable[tuple]) -> None:
        super().__init__()
        self._script = script if callable(script) else list(script)
        self.sent: list[requests.PreparedRequest] = []
        self.bodies: list[Any] = []
        self.kwargs: list[dict[str, Any]] = []
        self.closed_responses = 0
        self._lock = threading.Lock()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        with self._lock:
            index = len(self.sent)
            self.sent.append(request)
            self.kwargs.append(kwargs)
            body = request.body
            self.bodies.append(body.read() if hasattr(body, "read") else body)
        if callable(self._script):
            status, headers, body_json = self._script(request, index)
        else:
            status, headers, body_json = self._script[index]
        response = make_response(status, headers=headers, json_body=body_json, request=request, url=request.url)
        response.connection = self
        return response

    def close(self) -> None:
        pass


def scripted_session(script: Any) -> tuple[requests.Session, ScriptedAdapter]:
    session = requests.Session()
    adapter = ScriptedAdapter(script)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


class FakeClock:
    """A clock tests move by hand; ``sleep`` advances it instead of waiting."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class CountingSource:
    """Wraps a source and counts (thread-safely) how often each method is called."""

    def __init__(self, inner: Any, *, delay: threading.Event | None = None) -> None:
        self.inner = inner
        self.fetches = 0
        self.refreshes = 0
        self._lock = threading.Lock()
        self._delay = delay

    def fetch(self) -> Token:
        with self._lock:
            self.fetches += 1
        if self._delay is not None:
            self._delay.wait(5)
        return self.inner.fetch()

    def refresh(self, token: Token) -> Token:
        with self._lock:
            self.refreshes += 1
        if self._delay is not None:
            self._delay.wait(5)
        return self.inner.refresh(token)

    @property
    def calls(self) -> int:
        return self.fetches + self.refreshes


def credentials(api: MockAPI, client_id: str = "notes-app", *, mock_clock: bool = True, **kwargs: Any) -> ClientCredentials:
    """``ClientCredentials`` for a demo client; tokens judged by the mock's clock by default."""
    client = api.clients[client_id]
    if mock_clock:
        kwargs.setdefault("clock", api.clock.now)
    return ClientCredentials(api.token_url, client.client_id, client.client_secret, **kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def quiet_mock() -> Any:
    """A mock of this test's own with rate limits off (for many requests)."""
    with MockAPI(rate_limits=False) as api:
        yield api
