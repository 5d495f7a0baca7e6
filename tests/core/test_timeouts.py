"""Timeouts are deadlines, and a timed-out request says so.

requests' ``timeout`` bounds each socket read, so a server that drips one byte at a time
keeps a client waiting as long as it likes. A token request must be over within its
``timeout`` (connect, headers and body together). The servers here drip a byte every
0.05 s for 8 s against a 0.4 s timeout: a per-read timeout never fires (and the test
then fails on a garbage answer after 8 s), a deadline does. Nothing here asserts on
elapsed time; the error itself is the evidence.
"""

from __future__ import annotations

import pytest
import requests

from tokenkit import ClientCredentials, ServerUnreachableError, TokenKitError, session
from tokenkit.explore import send

from .servers import trickler, wait_for

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 180\r\n\r\n"
BODY = b'{"access_token": "' + b"a" * 150 + b'", "token_type": "Bearer"}'
DRIPS = {
    "body": (HEAD, BODY),
    "headers": (b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 150 + b"\r\n\r\n"),
    "status line": (b"", HEAD + BODY),
}
CALLS = {
    "fetch": lambda s: s.fetch(),
    "refresh": lambda s: s.refresh("rt-0123456789abcdef"),
    "revoke": lambda s: s.revoke("at-0123456789abcdef"),
    "introspect": lambda s: s.introspect("at-0123456789abcdef"),
}


def timed_out(exc: BaseException, seconds: str) -> None:
    assert isinstance(exc, ServerUnreachableError) and isinstance(exc, requests.ConnectionError)
    assert exc.timed_out is True
    assert f"no answer within {seconds} s" in str(exc)
    assert "Is it started" not in str(exc)


CASES = [(phase, "fetch") for phase in DRIPS] + [("body", call) for call in CALLS if call != "fetch"]


@pytest.mark.parametrize(("phase", "call"), CASES)
def test_a_dripping_token_endpoint_meets_the_deadline(phase, call):
    prefix, drip = DRIPS[phase]
    with trickler(prefix, drip, 0.05) as server:
        source = ClientCredentials(f"{server.url}/oauth/token", "notes-app", "secret-0123456789", timeout=0.4)
        with pytest.raises(ServerUnreachableError) as info:
            CALLS[call](source)
        timed_out(info.value, "0.4")
        assert server.sent < len(drip)  # it gave up before the server was done
        if phase == "body":
            # the helper thread stopped reading at the deadline too, and hung up
            assert wait_for(server.client_left.is_set)


def test_a_silent_token_endpoint_times_out():
    with trickler(b"", b"", 0.1, hold=True) as server:
        source = ClientCredentials(f"{server.url}/oauth/token", "notes-app", "secret-0123456789", timeout=0.3)
        with pytest.raises(ServerUnreachableError) as info:
            source.fetch()
        timed_out(info.value, "0.3")


@pytest.mark.parametrize(("method", "retries"), [("GET", 0), ("GET", 1), ("POST", 0), ("POST", 1), ("PUT", 0)])
def test_a_timed_out_request_through_session_says_no_answer_within(retries, method):
    with trickler(b"", b"", 0.1, hold=True) as server, session(retries=retries, timeout=0.3) as s:
        with pytest.raises(ServerUnreachableError) as info:
            s.request(method, f"{server.url}/data", json={"title": "x"})
        timed_out(info.value, "0.3")


def test_an_explicit_timeout_is_the_one_reported():
    with trickler(b"", b"", 0.1, hold=True) as server, session(retries=0, timeout=30) as s:
        with pytest.raises(ServerUnreachableError) as info:
            s.post(f"{server.url}/notes", json={"title": "x"}, timeout=(2, 0.2))
        timed_out(info.value, "0.2")


def test_the_explorer_reports_a_timeout_the_same_way():
    with trickler(b"", b"", 0.1, hold=True) as server:
        with pytest.raises(ServerUnreachableError) as info:
            send("GET", server.url, "/data", form="none", timeout=0.3)
        timed_out(info.value, "0.3")


def test_a_refused_connection_is_still_not_a_timeout():
    with trickler(b"", b"", 0.1) as server:
        url = server.url
    with session(retries=1, timeout=2) as s, pytest.raises(ServerUnreachableError) as info:
        s.get(f"{url}/data")
    assert info.value.timed_out is False and "Is it started" in str(info.value)
    source = ClientCredentials(f"{url}/oauth/token", "notes-app", "secret-0123456789", timeout=2)
    with pytest.raises(ServerUnreachableError) as info:
        source.fetch()
    assert info.value.timed_out is False and isinstance(info.value, TokenKitError)


def test_an_oversized_token_answer_is_refused():
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3000000\r\n\r\n"
    with trickler(head + b'{"access_token": "' + b"a" * 2_000_000, b"", 0.1, hold=True) as server:
        source = ClientCredentials(f"{server.url}/oauth/token", "notes-app", "secret-0123456789", timeout=5)
        with pytest.raises(TokenKitError) as info:
            source.fetch()
    assert "larger than" in str(info.value)
