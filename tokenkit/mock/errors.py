"""Refusals the mock sends, in the exact shapes of RFC 6749 §5.2 and RFC 6750 §3.

Every refusal carries an ``error_description`` that tells a learner what to check next
and a short ``hint``; the same words go in the ``WWW-Authenticate`` header, so a
client that reads only headers learns as much as one that reads the body.

Refusals of a protected resource also carry the precise cause as a machine-readable
``tokenkit.reasons.Reason``: ``"error_reason": "expired"`` in the body and
``error_reason="expired"`` in the challenge (the contract ``tokenkit.diagnose`` reads).
"""

from __future__ import annotations

import re

from tokenkit.reasons import REASON_FIELD, Reason

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
        reason: Reason | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.hint = hint
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        self.reason = reason

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.error, "error_description": self.description, "hint": self.hint}
        if self.reason is not None:
            body[REASON_FIELD] = self.reason.value
        return {**body, **self.extra}


def bearer_challenge(
    error: str | None = None, description: str | None = None, scope: str | None = None, reason: Reason | None = None
) -> str:
    """A ``WWW-Authenticate: Bearer`` value; no error code when no credentials came (§3.1).

    ``reason`` goes in an extra auth-param, which RFC 7235 §2.1 has clients ignore if unknown.
    """
    params = [f'realm="{REALM}"']
    if error:
        params.append(f'error="{error}"')
    if description:
        params.append(f'error_description="{header_safe(description)}"')
    if scope:
        params.append(f'scope="{scope}"')
    if reason is not None:
        params.append(f'{REASON_FIELD}="{reason.value}"')
    return "Bearer " + ", ".join(params)


def missing_credentials(expected: str) -> ApiError:
    return ApiError(
        401,
        "missing_token",
        f"No credentials were sent. This endpoint expects {expected}.",
        "Get a token from POST /oauth/token, then send it in every request to a protected endpoint.",
        {"WWW-Authenticate": bearer_challenge(reason=Reason.MISSING_CREDENTIALS)},
        reason=Reason.MISSING_CREDENTIALS,
    )


def invalid_token(reason: Reason, description: str, hint: str) -> ApiError:
    """RFC 6750 §3.1 invalid_token: 401, the token is not accepted, ``reason`` says why."""
    return ApiError(
        401,
        "invalid_token",
        description,
        hint,
        {"WWW-Authenticate": bearer_challenge("invalid_token", description, reason=reason)},
        reason=reason,
    )


def invalid_request(reason: Reason, description: str, hint: str) -> ApiError:
    """RFC 6750 §3.1 invalid_request on a resource: 400, malformed credentials."""
    return ApiError(
        400,
        "invalid_request",
        description,
        hint,
        {"WWW-Authenticate": bearer_challenge("invalid_request", description, reason=reason)},
        reason=reason,
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
        {"WWW-Authenticate": bearer_challenge("insufficient_scope", description, needed, Reason.INSUFFICIENT_SCOPE)},
        {"scope": needed},
        reason=Reason.INSUFFICIENT_SCOPE,
    )


def oauth_error(error: str, description: str, hint: str, *, basic_used: bool = False) -> ApiError:
    """A token-endpoint error (RFC 6749 §5.2): 400, or 401 + Basic challenge for a failed Basic login."""
    if error == "invalid_client" and basic_used:
        return ApiError(401, error, description, hint, {"WWW-Authenticate": f'Basic realm="{REALM}"'})
    return ApiError(400, error, description, hint)
