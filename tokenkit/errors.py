"""One exception tree, rooted in :class:`TokenKitError`.

Why a tree: a caller handles an expired token (refresh), a missing scope (ask for more),
a rate limit (wait) and a wrong client secret (fix the config) differently, so each gets
its own class that can be caught on its own, the way PyJWT separates
``ExpiredSignatureError`` from ``InvalidAudienceError``.

The HTTP errors are also :class:`requests.HTTPError` (and the unreachable server a
:class:`requests.ConnectionError`), so code that already catches requests' exceptions keeps
working. Each HTTP error carries the ``response`` and its :class:`~tokenkit.diagnose.Diagnosis`;
its message is the diagnosis summary, which never contains a full token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

if TYPE_CHECKING:
    from .diagnose import Diagnosis

__all__ = [
    "TokenKitError",
    "MissingSecretError",
    "ServerUnreachableError",
    "HTTPAuthError",
    "AuthenticationError",
    "ForbiddenError",
    "RateLimitedError",
    "TokenEndpointError",
    "TokenDecodeError",
    "TokenVerificationError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "BadSignatureError",
    "WrongAudienceError",
    "WrongIssuerError",
    "MissingClaimError",
    "UnknownKeyError",
    "AlgorithmNotAllowedError",
    "KeySetUnavailableError",
    "raise_for_auth",
    "safe_url",
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
    """The server did not answer at all (refused, unknown host, timed out).

    This is the most common first error in a lesson: the mock API is not started, or the
    URL points at the wrong port. The message says that plainly instead of urllib3's
    ``Max retries exceeded … NewConnectionError`` chain; the original exception is kept
    on ``original``.
    """

    def __init__(self, url: str | None, original: BaseException | None = None, *, timed_out: bool = False) -> None:
        self.url = safe_url(url)
        self.original = original
        self.timed_out = timed_out
        parts = urlsplit(url or "")
        base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.scheme else self.url
        if timed_out:
            message = f"the server at {base} did not answer in time ({self.url})"
        else:
            message = (
                f"the server at {base} is not answering ({self.url}). "
                "Is it started (for the bundled mock: `tokenkit mock` or `with MockAPI() as api:`), "
                "and is the URL/port right?"
            )
        super().__init__(message)


class HTTPAuthError(TokenKitError, requests.HTTPError):
    """An HTTP answer that refused us. Carries ``response``, ``status_code`` and ``diagnosis``."""

    def __init__(
        self,
        message: str | None = None,
        *,
        response: requests.Response | None = None,
        diagnosis: Diagnosis | None = None,
    ) -> None:
        if diagnosis is None and response is not None:
            from .diagnose import diagnose

            diagnosis = diagnose(response)
        self.diagnosis = diagnosis
        self.status_code = getattr(response, "status_code", None)
        if message is None:
            message = _message_from(diagnosis, response)
        super().__init__(message, response=response)


def _message_from(diagnosis: Diagnosis | None, response: requests.Response | None) -> str:
    summary = diagnosis.summary if diagnosis is not None else "the server refused the request"
    if response is None:
        return summary
    request = getattr(response, "request", None)
    method = getattr(request, "method", None) or ""
    where = safe_url(getattr(request, "url", None) or response.url)
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
        response: requests.Response | None = None,
        diagnosis: Diagnosis | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, response=response, diagnosis=diagnosis)
        if retry_after is None and self.diagnosis is not None:
            retry_after = self.diagnosis.retry_after
        self.retry_after = retry_after


class TokenEndpointError(HTTPAuthError):
    """The token endpoint refused to issue a token (RFC 6749 §5.2).

    ``error`` is the RFC code (``invalid_client``, ``invalid_grant``, ``invalid_scope``…),
    ``error_description`` the server's explanation.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        response: requests.Response | None = None,
        diagnosis: Diagnosis | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> None:
        body = _json_body(response)
        self.error = error or (body.get("error") if isinstance(body.get("error"), str) else None)
        self.error_description = error_description or body.get("error_description")
        if message is None and response is None:
            message = f"token endpoint answer unusable: {self.error or 'error'}"
            if self.error_description:
                message += f": {self.error_description}"
        super().__init__(message, response=response, diagnosis=diagnosis)


def _json_body(response: requests.Response | None) -> dict[str, Any]:
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class TokenDecodeError(TokenKitError, ValueError):
    """The string is not a well-formed JWT. ``part`` says which part is wrong."""

    def __init__(self, message: str, *, part: str | None = None) -> None:
        self.part = part
        super().__init__(message)


class TokenVerificationError(TokenKitError):
    """A JWT failed verification. ``original`` is PyJWT's exception, when there is one."""

    def __init__(self, message: str, *, original: BaseException | None = None) -> None:
        self.original = original
        super().__init__(message)


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


def raise_for_auth(response: requests.Response) -> requests.Response:
    """Raise the tokenkit error that fits an authentication or authorization failure.

    Like :meth:`requests.Response.raise_for_status`, but only for the answers this toolkit
    is about (401, 403, 429, and token-endpoint refusals), and with a diagnosis attached.
    Any other answer, including 404 or 500, is returned unchanged so the caller's own
    ``raise_for_status()`` can deal with it.
    """
    from .diagnose import diagnose

    status = response.status_code
    if status < 400:
        return response
    diagnosis = diagnose(response)
    if diagnosis.token_endpoint:
        raise TokenEndpointError(response=response, diagnosis=diagnosis)
    if status == 401:
        raise AuthenticationError(response=response, diagnosis=diagnosis)
    if status == 403:
        raise ForbiddenError(response=response, diagnosis=diagnosis)
    if status == 429:
        raise RateLimitedError(response=response, diagnosis=diagnosis)
    return response
