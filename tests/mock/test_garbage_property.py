"""Property: any JSON or garbage body, and garbage header values, to every endpoint: no 5xx.

Sent with ``http.client`` so bytes arrive as generated (requests would tidy them up).
Bounded: a few hundred examples in all, no deadline.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenkit.mock import MockAPI

from .conftest import get_token

ENDPOINTS = [
    ("POST", "/oauth/token"), ("POST", "/oauth/revoke"), ("POST", "/oauth/introspect"),
    ("GET", "/data"), ("GET", "/raw-token/data"), ("GET", "/api-key/data"), ("GET", "/me"),
    ("GET", "/notes"), ("POST", "/notes"), ("GET", "/notes/1"), ("PUT", "/notes/1"), ("PATCH", "/notes/1"), ("DELETE", "/notes/1"),
    ("GET", "/public/weather"), ("GET", "/mock/log"), ("GET", "/mock/state"), ("GET", "/"), ("GET", "/.well-known/jwks.json"),
    ("POST", "/data"), ("OPTIONS", "/notes"), ("GET", "/nowhere/"),
]
PARAMS = ["grant_type", "client_id", "client_secret", "scope", "audience", "refresh_token", "token", "title", "body", "content", "tags"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(PARAMS) | st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(st.sampled_from(PARAMS), st.text(max_size=30), max_size=6).map(lambda d: json.dumps(d).encode()),
    st.binary(max_size=600),
    st.integers(1, 400).map(lambda depth: ("[" * depth + "]" * depth).encode()),
)
#: Header values as bytes the HTTP parser lets through to the app (RFC 9110 field-value:
#: visible ASCII, space, tab and obs-text 0x80-0xFF); control bytes are refused by uvicorn
#: itself with a 400 before the mock sees them, and may reset the connection mid-send.
_FIELD_BYTES = bytes([9, *range(0x20, 0x7F), *range(0x80, 0x100)])
header_bytes = st.binary(max_size=120).map(lambda raw: bytes(b for b in raw if b in _FIELD_BYTES).strip())
content_types = st.sampled_from([b"application/json", b"application/x-www-form-urlencoded", b"text/plain", b"application/json; charset=latin-1"]) | header_bytes


@pytest.fixture(scope="module")
def garbage_mock() -> Iterator[MockAPI]:
    with MockAPI(rate_limits=False) as api:
        yield api


@pytest.fixture(scope="module")
def token(garbage_mock: MockAPI) -> str:
    return get_token(garbage_mock)["access_token"]


def send(api: MockAPI, method: str, path: str, headers: list[tuple[str, bytes]], body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    body=bodies,
    content_type=content_types,
    authorization=st.none() | header_bytes | st.sampled_from([b"Bearer ", b"Basic ", b"Basic \xe9", b"bearer  x.y.z"]),
    api_key=st.none() | header_bytes,
    with_token=st.booleans(),
)
def test_no_5xx_for_any_body_or_header(garbage_mock: MockAPI, token: str, endpoint, body, content_type, authorization, api_key, with_token) -> None:
    method, path = endpoint
    headers = [("Content-Type", content_type)]
    if with_token:
        headers.append(("Authorization", f"Bearer {token}".encode()))
    if authorization is not None:
        headers.append(("Authorization", authorization))
    if api_key is not None:
        headers.append(("X-API-Key", api_key))
    status = send(garbage_mock, method, path, headers, body)
    assert status < 500, (method, path, headers, body[:200])
