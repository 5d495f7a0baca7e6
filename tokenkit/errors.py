"""One exception tree, rooted in :class:`TokenKitError`.

Why a tree: a caller handles an expired token (refresh), a missing scope (ask for more),
a rate limit (wait) and a wrong client secret (fix the config) differently, so each gets
its own class that can be caught on its own, the way PyJWT separates
``ExpiredSignatureError`` from ``InvalidAudienceError``.

The HTTP errors are also :class:`requests.HTTPError` (and the unreachable server a
:class:`requests.ConnectionError`), so code that already catches requests' exceptions keeps
working. Each HTTP error carries the ``response`` and its :class:`~tokenkit.Diagnosis`;
its message is the diagnosis summary, which never contains a full token. The diagnosis is
made by :mod:`tokenkit.diagnose` (which raises these errors), never here: this module is
the bottom of the core and imports nothing of tokenkit.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

import requests



class Diagnosis(Protocol):
    """What an error reads of a :class:`tokenkit.Diagnosis` (made by :mod:`tokenkit.classify`).

    A protocol, so this module (the bottom of the core) needs no import of the layer that
    makes diagnoses, not even for type checking.
    """

    summary: str
    retry_after: float | None
    error: str | None
    error_description: str | None

__all__ = [
    "TokenKitError",
    "MissingSecretError",
    "ServerUnreachableError",
    "HTTPAuthError",
    "AuthenticationError",
    "ForbiddenError",
    "RateLimitedError",
    "TokenEndpointError",
    "InvalidTokenError",
    "TokenDecodeError",
    "TokenVerificationError",
    "MalformedTokenError",
    "WrongTokenTypeError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "BadSignatureError",
    "WrongAudienceError",
    "WrongIssuerError",
    "MissingClaimError",
    "UnknownKeyError",
    "AlgorithmNotAllowedError",
    "KeySetUnavailableError",
    "safe_url",
    "json_body",
]


def safe_url(url: str | None) -> str:
    """``url`` without its query string and user info, for messages.

    A query string may carry an API key (``?api_key=…``) and user info a password, so
    neither goes into an error message or a diagnosis.
    """
    if not url:
        return "<unknown URL>"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if not parts.scheme:
        return parts.path or url.split("?", 1)[0]
    return f"{parts.scheme}://{host}{parts.path}"


class TokenKitError(Exception):
    """Base of every error tokenkit raises on purpose."""


class MissingSecretError(TokenKitError, LookupError):
    """A secret was asked for by name and is neither in the environment nor in a ``.env``.

    ``name`` is the variable, ``looked_in`` the places searched, so the message can say
    exactly where to put it.
    """

    def __init__(self, name: str, looked_in: list[str], *, empty: bool = False) -> None:
        self.name = name
        self.looked_in = list(looked_in)
        self.empty = empty
        where = "; ".join(self.looked_in)
        state = "is set but empty" if empty else "is not set"
        super().__init__(
            f"{name} {state}: looked in {where}. "
            f"Set it in the environment or add `{name}=…` to a .env file "
            "(see .env.example)."
        )


class ServerUnreachableError(TokenKitError, requests.ConnectionError):
    """The server did not answer at all (refused, unknown host), or not in time.

    This is the most common first error in a lesson: the mock API is not started, or the
    URL points at the wrong port. The message says that plainly instead of urllib3's
    ``Max retries exceeded … NewConnectionError`` chain; the original exception is kept
    on ``original``. A server that is up but too slow is a different problem with a
    different fix, so ``timed_out=True`` says "no answer within N s" (``timeout`` is N)
    instead of asking whether it is started.
    """

    def __init__(
        self,
        url: str | None,
        original: BaseException | None = None,
        *,
        timed_out: bool = False,
        timeout: float | None = None,
    ) -> None:
        self.url = safe_url(url)
        self.original = original
        self.timed_out = timed_out
        self.timeout = timeout
        parts = urlsplit(url or "")
        base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.scheme else self.url
        if timed_out:
            within = f"within {timeout:g} s" if timeout is not None else "in time"
            message = (
                f"the server at {base} gave no answer {within} ({self.url}): it is up but slow, "
                "or stuck; try again, or pass a larger timeout"
            )
        else:
            message = (
                f"the server at {base} is not answering ({self.url}). "
                "Is it started (for the bundled mock: `tokenkit mock` or `with MockAPI() as api:`), "
                "and is the URL/port right?"
            )
        super().__init__(message)


class HTTPAuthError(TokenKitError, requests.HTTPError):
    """An HTTP answer that refused us. Carries ``response``, ``status_code`` and ``diagnosis``.

    ``response`` is a ``requests.Response`` or an httpx2/httpx ``Response``. The
    ``diagnosis`` is made by :mod:`tokenkit.diagnose`, which raises these errors
    (:func:`~tokenkit.raise_for_auth`); this module never imports it, so an error built by
    hand without one has ``diagnosis=None`` and a plain message.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        response: Any = None,
        diagnosis: Diagnosis | None = None,
    ) -> None:
        self.diagnosis = diagnosis
        self.status_code = getattr(response, "status_code", None)
        if message is None:
            message = _message_from(diagnosis, response)
        super().__init__(message)
        # Set here rather than by requests' __init__, which asks a bare httpx Response for
        # its request (and httpx raises RuntimeError when it has none).
        self.response = response
        self.request = _request_of(response)


def _request_of(response: Any) -> Any:
    try:
        return getattr(response, "request", None)
    except RuntimeError:  # httpx: "The request instance has not been set on this response."
        return None


def _message_from(diagnosis: Diagnosis | None, response: Any) -> str:
    summary = diagnosis.summary if diagnosis is not None else "the server refused the request"
    if response is None:
        return summary
    request = _request_of(response)
    method = getattr(request, "method", None) or ""
    url = getattr(request, "url", None)
    if url is None:
        try:
            url = getattr(response, "url", None)
        except RuntimeError:  # a bare httpx Response
            url = None
    where = safe_url(str(url) if url is not None else None)
    return f"{summary} [HTTP {response.status_code} from {method} {where}]".replace("  ", " ")


class AuthenticationError(HTTPAuthError):
    """401: the server does not accept the credentials (missing, expired, invalid…)."""


class ForbiddenError(HTTPAuthError):
    """403: the token is valid but not allowed to do this (usually a missing scope)."""


class RateLimitedError(HTTPAuthError):
    """429, or every token of a pool cooling down: wait ``retry_after`` seconds."""

    def __init__(
        self,
        message: str | None = None,
        *,
        response: Any = None,
        diagnosis: Diagnosis | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, response=response, diagnosis=diagnosis)
        if retry_after is None and self.diagnosis is not None:
            retry_after = self.diagnosis.retry_after
        self.retry_after = retry_after


class TokenEndpointError(HTTPAuthError):
    """The token endpoint refused to issue a token (RFC 6749 §5.2), or gave an unusable answer.

    ``error`` is the RFC code (``invalid_client``, ``invalid_grant``, ``invalid_scope``…),
    ``error_description`` the server's explanation. A server may echo what it was sent
    (a secret typed into the wrong field, a refresh token), so ``error_description`` is
    the diagnosis's scrubbed copy, with every credential of the request masked, and never
    the raw text: it ends up in logs and tracebacks.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        response: Any = None,
        diagnosis: Diagnosis | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> None:
        body = json_body(response)
        body_error = body.get("error") if isinstance(body.get("error"), str) else None
        self.error = error or body_error
        if message is None and response is None:
            message = f"token endpoint answer unusable: {self.error or 'error'}"
            if error_description:
                message += f": {error_description}"
        super().__init__(message, response=response, diagnosis=diagnosis)
        if self.diagnosis is not None:  # the diagnosis's copies are scrubbed of credentials
            if error is None and self.diagnosis.error is not None:
                self.error = self.diagnosis.error
            if error_description is None:
                error_description = self.diagnosis.error_description
        self.error_description = error_description if isinstance(error_description, str) else None


def json_body(response: Any) -> dict[str, Any]:
    """The response's JSON object, or ``{}`` for anything else (not JSON, a list, too deep).

    A hostile server can send JSON nested deeply enough to exhaust the parser's recursion
    (``RecursionError`` is not a ``ValueError``), so that is caught too.
    """
    if response is None:
        return {}
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}


_json_body = json_body  # the old private name


class InvalidTokenError(TokenKitError):
    """Parent of every "this token cannot be accepted" error: malformed or failing verification.

    ``except InvalidTokenError`` around :func:`~tokenkit.decode` or :func:`~tokenkit.verify`
    catches both a string that is no JWT at all and a JWT that fails a check.
    """


class TokenDecodeError(InvalidTokenError, ValueError):
    """The string is not a well-formed JWT. ``part`` says which part is wrong."""

    def __init__(self, message: str, *, part: str | None = None) -> None:
        self.part = part
        super().__init__(message)


class TokenVerificationError(InvalidTokenError):
    """A JWT failed verification. ``original`` is PyJWT's exception, when there is one."""

    def __init__(self, message: str, *, original: BaseException | None = None) -> None:
        self.original = original
        super().__init__(message)


class MalformedTokenError(TokenDecodeError, TokenVerificationError):
    """:func:`~tokenkit.verify` was given something that is not a well-formed JWT.

    Both a :class:`TokenDecodeError` (it is one) and a :class:`TokenVerificationError`, so
    the usual ``except TokenVerificationError: reject`` around ``verify`` also rejects
    garbage instead of letting it crash the caller.
    """

    def __init__(self, message: str, *, part: str | None = None, original: BaseException | None = None) -> None:
        self.part = part
        self.original = original
        Exception.__init__(self, message)


class WrongTokenTypeError(TokenVerificationError):
    """The JWT's ``typ`` header is not the expected one (``at+jwt`` for access tokens, RFC 9068 §4).

    An ID token or another JWT signed by the same issuer must not be accepted as an
    access token (RFC 8725 §3.11).
    """


class TokenExpiredError(TokenVerificationError):
    """``exp`` is in the past (beyond the leeway)."""


class TokenNotYetValidError(TokenVerificationError):
    """``nbf`` or ``iat`` is in the future: often a clock out of sync."""


class BadSignatureError(TokenVerificationError):
    """The signature does not match: altered token, or signed by another key."""


class WrongAudienceError(TokenVerificationError):
    """``aud`` is not the audience this API expects."""


class WrongIssuerError(TokenVerificationError):
    """``iss`` is not the expected issuer."""


class MissingClaimError(TokenVerificationError):
    """A required claim (``exp``, ``aud``…) is absent."""


class UnknownKeyError(TokenVerificationError):
    """No key in the JWKS has the token's ``kid``: key rotated, or token from elsewhere."""


class AlgorithmNotAllowedError(TokenVerificationError):
    """The token's ``alg`` is not among the allowed algorithms (``none``, HS256 confusion…)."""


class KeySetUnavailableError(TokenVerificationError):
    """The JWKS or discovery document could not be fetched."""
