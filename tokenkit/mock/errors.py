"""Refusals the mock sends, in the exact shapes of RFC 6749 §5.2 and RFC 6750 §3.

Every refusal carries an ``error_description`` that tells a learner what to check next
and a short ``hint``; the same words go in the ``WWW-Authenticate`` header, so a
client that reads only headers learns as much as one that reads the body.
"""

from __future__ import annotations

import re

from .settings import REALM

# RFC 6750 §3: error_description may hold %x20-21 / %x23-5B / %x5D-7E only.
_NOT_ALLOWED_IN_HEADER = re.compile(r'[^\x20\x21\x23-\x5b\x5d-\x7e]')


def header_safe(text: str) -> str:
    """Make ``text`` legal inside a quoted auth-param (no quotes, backslashes or non-ASCII)."""
    return _NOT_ALLOWED_IN_HEADER.sub("'", text)


class ApiError(Exception):
    """A refusal: status, an error code, what went wrong, and what to do about it."""

    def __init__(
        self,
        status: int,
        error: str | None,
        description: str,
        hint: str,
        headers: dict[str, str] | None = None,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.hint = hint
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, object]:
        return {"error": self.error, "error_description": self.description, "hint": self.hint, **self.extra}


def bearer_challenge(error: str | None = None, description: str | None = None, scope: str | None = None) -> str:
    """A ``WWW-Authenticate: Bearer`` value; no error code when no credentials came (§3.1)."""
    params = [f'realm="{REALM}"']
    if error:
        params.append(f'error="{error}"')
    if description:
        params.append(f'error_description="{header_safe(description)}"')
    if scope:
        params.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(params)


def missing_credentials(expected: str) -> ApiError:
    return ApiError(
        401,
        "missing_token",
        f"No credentials were sent. This endpoint expects {expected}.",
        "Get a token from POST /oauth/token, then send it in every request to a protected endpoint.",
        {"WWW-Authenticate": bearer_challenge()},
    )


def invalid_token(description: str, hint: str, status: int = 401) -> ApiError:
    return ApiError(
        status,
        "invalid_token",
        description,
        hint,
        {"WWW-Authenticate": bearer_challenge("invalid_token", description)},
    )


def invalid_request(description: str, hint: str) -> ApiError:
    """RFC 6750 §3.1 invalid_request on a resource: 400, malformed credentials."""
    return ApiError(
        400,
        "invalid_request",
        description,
        hint,
        {"WWW-Authenticate": bearer_challenge("invalid_request", description)},
    )


def insufficient_scope(needed: str, granted: str) -> ApiError:
    description = (
        f"This token has scope '{granted or '(none)'}' but the endpoint needs '{needed}'. "
        "Ask for the scope when you get the token, with a client that is allowed it."
    )
    return ApiError(
        403,
        "insufficient_scope",
        description,
        "A 403 means the server knows who you are; the token is valid but not allowed to do this.",
        {"WWW-Authenticate": bearer_challenge("insufficient_scope", description, needed)},
        {"scope": needed},
    )


def oauth_error(error: str, description: str, hint: str, *, basic_used: bool = False) -> ApiError:
    """A token-endpoint error (RFC 6749 §5.2): 400, or 401 + Basic challenge for a failed Basic login."""
    if error == "invalid_client" and basic_used:
        return ApiError(401, error, description, hint, {"WWW-Authenticate": f'Basic realm="{REALM}"'})
    return ApiError(400, error, description, hint)
