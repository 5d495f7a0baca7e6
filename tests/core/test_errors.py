"""The exception tree and raise_for_auth."""

from __future__ import annotations

import pytest
import requests

import tokenkit
from tokenkit import (
    AuthenticationError,
    BearerAuth,
    ForbiddenError,
    HTTPAuthError,
    RateLimitedError,
    TokenEndpointError,
    TokenKitError,
    raise_for_auth,
)

from .conftest import credentials, make_response


def test_every_error_is_a_tokenkit_error():
    for name in tokenkit.__all__:
        obj = getattr(tokenkit, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, TokenKitError), name


def test_http_errors_are_also_requests_errors():
    for cls in (AuthenticationError, ForbiddenError, RateLimitedError, TokenEndpointError):
        assert issubclass(cls, HTTPAuthError) and issubclass(cls, requests.HTTPError)


def test_raise_for_auth_passes_other_answers_through():
    for status in (200, 201, 204, 302, 404, 422, 500):
        r = make_response(status)
        assert raise_for_auth(r) is r


@pytest.mark.parametrize(
    ("status", "headers", "body", "cls"),
    [
        (401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"error": "invalid_token"}, AuthenticationError),
        (403, {"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="x"'}, {}, ForbiddenError),
        (429, {"Retry-After": "12"}, {"error": "rate_limited"}, RateLimitedError),
    ],
)
def test_raise_for_auth_picks_the_class(status, headers, body, cls):
    r = make_response(status, headers=headers, json_body=body)
    with pytest.raises(cls) as info:
        raise_for_auth(r)
    err = info.value
    assert err.response is r and err.status_code == status
    assert err.diagnosis is not None and err.diagnosis.status == status
    assert err.diagnosis.summary in str(err)
    assert f"HTTP {status}" in str(err)


def test_rate_limited_error_carries_retry_after():
    with pytest.raises(RateLimitedError) as info:
        raise_for_auth(make_response(429, headers={"Retry-After": "12"}))
    assert info.value.retry_after == 12


def test_token_endpoint_error_from_the_mock(mock_api):
    r = requests.post(mock_api.token_url, data={"grant_type": "password"},
                      auth=(mock_api.clients["notes-app"].client_id, mock_api.clients["notes-app"].client_secret), timeout=5)
    with pytest.raises(TokenEndpointError) as info:
        raise_for_auth(r)
    assert info.value.error == "unsupported_grant_type"
    assert info.value.diagnosis.token_endpoint


def test_raise_for_auth_against_the_mock(mock_api):
    token = credentials(mock_api, "analytics-reader").fetch()
    with pytest.raises(AuthenticationError):
        raise_for_auth(requests.get(f"{mock_api.url}/data", timeout=5))
    with pytest.raises(ForbiddenError) as info:
        raise_for_auth(requests.get(f"{mock_api.url}/notes", auth=BearerAuth(token), timeout=5))
    assert info.value.diagnosis.details["missing_scopes"] == ["notes:read"]
    ok = requests.get(f"{mock_api.url}/data", auth=BearerAuth(token), timeout=5)
    assert raise_for_auth(ok) is ok


def test_errors_can_be_built_without_a_response():
    err = RateLimitedError("all tokens cooling", retry_after=3)
    assert str(err) == "all tokens cooling" and err.retry_after == 3 and err.response is None
    assert isinstance(TokenEndpointError(error="invalid_response"), TokenKitError)
