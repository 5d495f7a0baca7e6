"""How protected endpoints find, check and count the token a request carries.

Three credential forms exist in the wild and the mock has an endpoint for each: the
standard ``Authorization: Bearer <token>``, a raw ``Authorization: <token>`` with no
scheme, and an ``X-API-Key`` header. Each answers the other forms with a 401 that says
which form it expects, because "401 means try the other format" is a real lesson.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum

from fastapi import Request, Response

from .authority import Principal
from .echo import shown
from .errors import ApiError, insufficient_scope, invalid_request, invalid_token, missing_credentials
from .oauth import issuer_for


class Form(Enum):
    BEARER = "Authorization: Bearer <token>"
    RAW = "Authorization: <token> (the raw token, no 'Bearer ')"
    API_KEY = "X-API-Key: <token>"


def _looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2 and " " not in value


def _check_length(value: str, limit: int) -> None:
    if len(value) > limit:
        raise invalid_request(
            f"The credential header is {len(value)} bytes; this server accepts at most {limit}.",
            "Send only the access_token value; something else was pasted into the header.",
        )


def extract_token(request: Request, form: Form, limit: int) -> str:
    """The token string in the form this endpoint expects, or a refusal naming that form."""
    headers = request.headers
    authorizations = headers.getlist("authorization")
    api_keys = headers.getlist("x-api-key")
    if len(authorizations) > 1 or len(api_keys) > 1:
        name = "Authorization" if len(authorizations) > 1 else "X-API-Key"
        # RFC 6750 §3.1: more than one credential is a malformed request, not a wrong token.
        raise invalid_request(
            f"{max(len(authorizations), len(api_keys))} {name} headers came; a request carries exactly one credential.",
            f"Send one {name} header (check for a session default plus a per-request header).",
        )
    authorization = authorizations[0] if authorizations else None
    api_key = (api_keys[0] if api_keys else None) or request.query_params.get("api_key")
    if "access_token" in request.query_params:
        raise invalid_request(
            "The token came in the URL (access_token=...). Tokens in URLs end up in logs and browser history.",
            f"Send it in a header instead: {form.value}.",
        )
    for value in (authorization, api_key):
        if value is not None:
            _check_length(value, limit)

    if form is Form.API_KEY:
        if api_key:
            return api_key.strip()
        if authorization:
            raise invalid_token(
                "This endpoint expects the key in an X-API-Key header, but an Authorization header came.",
                "Send X-API-Key: <token>. A 401 often means the API wants the credential in another header.",
            )
        raise missing_credentials(form.value)

    if not authorization:
        if api_key:
            raise invalid_token(
                f"This endpoint expects {form.value}, but an X-API-Key header came.",
                "Move the token into the Authorization header.",
            )
        raise missing_credentials(form.value)

    scheme, _, rest = authorization.strip().partition(" ")
    if form is Form.RAW:
        if rest and scheme.lower() == "bearer":
            raise invalid_token(
                "This endpoint expects the raw token with no scheme, but 'Bearer ' came before it.",
                "Send Authorization: <token>. A 401 often means the API wants another format.",
            )
        if rest:
            raise invalid_token(f"This endpoint expects the raw token, but an Authorization '{shown(scheme)}' header came.", "Send Authorization: <token>.")
        return scheme

    if not rest:
        if _looks_like_jwt(scheme):
            raise invalid_token(
                "The Authorization header carries a token but no scheme; this endpoint expects 'Bearer <token>'.",
                "Put 'Bearer ' (with one space) before the token. A 401 often means the API wants another format.",
            )
        if scheme.lower() == "bearer":
            raise invalid_token("The Authorization header says 'Bearer' but no token follows it.", "Check that the variable holding your token is not empty.")
        raise invalid_token("The Authorization header does not look like 'Bearer <token>'.", "Send Authorization: Bearer <token>.")
    if scheme.lower() != "bearer":
        raise invalid_token(
            f"Authorization scheme '{shown(scheme)}' is not accepted here; this endpoint expects 'Bearer <token>'.",
            "Basic is for the token endpoint; APIs take the access token as Bearer.",
        )
    token = rest.strip()
    if " " in token:
        raise invalid_token(
            "The Authorization header has more than one word after 'Bearer' (was 'Bearer ' added twice?).",
            "Send exactly Authorization: Bearer <token>.",
        )
    return token


def require(scope: str | None = None, form: Form = Form.BEARER) -> Callable[[Request, Response], Awaitable[Principal]]:
    """A FastAPI dependency: authenticate, count against the token's rate limit, check scope.

    Rate-limit headers go on every protected answer, refusals included, so a client can
    pace itself before it ever sees a 429.
    """

    async def guard(request: Request, response: Response) -> Principal:
        mock = request.app.state.mock
        token = extract_token(request, form, mock.settings.max_header_bytes)
        principal = mock.authority.verify(token, issuer_for(request))
        request.state.client_id = principal.client.client_id
        rate_headers: dict[str, str] = {}
        if mock.settings.rate_limits:
            client = principal.client
            decision = mock.limiter.hit(principal.jti, client.rate_limit, client.rate_window, mock.clock.now())
            rate_headers = decision.headers()
            if not decision.allowed:
                raise ApiError(
                    429,
                    "rate_limited",
                    f"This token may make {decision.limit} requests every {client.rate_window} s and has used them all; "
                    f"the window resets in {decision.reset_in} s.",
                    "Wait for Retry-After seconds, slow down, or spread requests over several tokens.",
                    {"Retry-After": str(decision.reset_in), **rate_headers},
                    {"retry_after": decision.reset_in},
                )
        if scope is not None and scope not in principal.scopes:
            error = insufficient_scope(scope, " ".join(principal.scopes))
            error.headers.update(rate_headers)
            raise error
        response.headers.update(rate_headers)
        return principal

    return guard
