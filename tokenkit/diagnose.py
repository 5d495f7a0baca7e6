"""``diagnose(response)``: what went wrong with authentication, and what to do about it.

A 401 or 403 carries more than its status: RFC 6750 puts an error code, a description
and the missing scope in ``WWW-Authenticate``; RFC 6749 puts the token endpoint's error
code in a JSON body; a 429 says when to come back in ``Retry-After`` and the rate-limit
headers; a server may add a machine-readable reason (:mod:`tokenkit.reasons`).
``diagnose`` reads all of it and returns a :class:`Diagnosis`: data for code, readable
text for people (``str()``), and HTML for notebooks. It says honestly when an answer is
*not* about tokens (200, 404, 500…).

Three modules do the work, one job each: :mod:`tokenkit.classify` (the rules, reason
codes first), :mod:`tokenkit.advice` (what to say, as data) and :mod:`tokenkit.render`
(text and HTML). This module is their front door, and the home of
:func:`raise_for_auth` and :func:`error_for`: the errors carry a diagnosis, and it is
made here, so :mod:`tokenkit.errors` never imports this module.

Every function takes a ``requests.Response`` or an httpx2/httpx ``Response``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from .classify import Diagnosis, classify
from .errors import (
    AuthenticationError,
    ForbiddenError,
    HTTPAuthError,
    RateLimitedError,
    ServerUnreachableError,
    TokenEndpointError,
    safe_url,
)
from .exchange import exchange_of, unreachable
from .headers import Challenge, parse_retry_after, parse_www_authenticate, rate_limit_info, retry_after_seconds

__all__ = [
    "Diagnosis",
    "Challenge",
    "diagnose",
    "raise_for_auth",
    "error_for",
    "parse_www_authenticate",
    "parse_retry_after",
    "retry_after_seconds",
    "rate_limit_info",
]

R = TypeVar("R")


def diagnose(response: Any) -> Diagnosis:
    """Explain an HTTP answer with respect to authentication (see the module docstring).

    Takes a requests or httpx2/httpx response, or an exception: a tokenkit HTTP error
    (its response is diagnosed) or a connection error (the server did not answer at all).
    """
    if isinstance(response, BaseException):
        inner = getattr(response, "response", None)
        if inner is None:
            url = getattr(response, "url", None)
            if url is None:
                try:
                    url = getattr(getattr(response, "request", None), "url", None)
                except RuntimeError:  # httpx: an exception raised without a request
                    url = None
            gone = isinstance(response, ServerUnreachableError) or unreachable(response, None) is not None
            return Diagnosis(
                status=None,
                kind="unreachable" if gone else "no_response",
                summary=f"No answer: {response}",
                causes=("The server is not running, or the URL/port is wrong.",),
                actions=("Start the server (for the mock: `tokenkit mock` or `with MockAPI() as api:`) and check the URL.",),
                about_tokens=False,
                url=safe_url(str(url)) if url else None,
            )
        response = inner
    return classify(exchange_of(response))


def error_for(response: Any, diagnosis: Diagnosis | None = None) -> HTTPAuthError | None:
    """The tokenkit error for an authentication or authorization failure, or None for any other answer."""
    if response.status_code < 400:
        return None
    diagnosis = diagnosis if diagnosis is not None else diagnose(response)
    if diagnosis.token_endpoint:
        return TokenEndpointError(response=response, diagnosis=diagnosis)
    status = response.status_code
    if status == 401:
        return AuthenticationError(response=response, diagnosis=diagnosis)
    if status == 403:
        return ForbiddenError(response=response, diagnosis=diagnosis)
    if status == 429:
        return RateLimitedError(response=response, diagnosis=diagnosis)
    return None


def raise_for_auth(response: R) -> R:
    """Raise the tokenkit error that fits an authentication or authorization failure.

    Like :meth:`requests.Response.raise_for_status`, but only for the answers this toolkit
    is about (401, 403, 429, and token-endpoint refusals), and with a diagnosis attached.
    Any other answer, including 404 or 500, is returned unchanged so the caller's own
    ``raise_for_status()`` can deal with it. Works on requests and httpx2/httpx responses.
    """
    error = error_for(response)
    if error is not None:
        raise error
    return response
