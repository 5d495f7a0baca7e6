"""How protected endpoints find, check and count the token a request carries.

Three credential forms exist in the wild and the mock has an endpoint for each: the
standard ``Authorization: Bearer <token>``, a raw ``Authorization: <token>`` with no
scheme, and an ``X-API-Key`` header. Each answers the other forms with a 401 that says
which form it expects, because "401 means try the other format" is a real lesson.

An endpoint is protected by decorating it with ``@protected(scope)``; the route class
(``routing.MockRoute``) runs the ``Guard`` before FastAPI's dependency injection and puts the
``Principal`` on the request for ``principal_of``. Done per request through a dependency,
the same work cost about a fifth of the authenticated path's throughput.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from starlette.requests import Request

from tokenkit.reasons import Reason

from .authority import Principal
from .echo import shown
from .errors import ApiError, insufficient_scope, invalid_request, invalid_token, missing_credentials
from .tenant import issuer_for, tenant_of

#: Where the guard leaves the principal in the request's scope.
PRINCIPAL_KEY = "tokenkit.principal"
#: The attribute ``@protected`` sets on an endpoint for the route class to find.
GUARD_ATTRIBUTE = "__tokenkit_guard__"


class Form(Enum):
    BEARER = "Authorization: Bearer <token>"
    RAW = "Authorization: <token> (the raw token, no 'Bearer ')"
    API_KEY = "X-API-Key: <token>"


def _looks_like_jwt(value: str) -> bool:
    return value.count(".") == 2 and " " not in value


def _check_length(value: str, limit: int) -> None:
    if len(value) > limit:
        raise invalid_request(
            Reason.CREDENTIAL_TOO_LONG,
            f"The credential header is {len(value)} bytes; this server accepts at most {limit}.",
            "Send only the access_token value; something else was pasted into the header.",
        )


def _credential_headers(request: Request) -> tuple[list[str], list[str]]:
    """Every ``Authorization`` and ``X-API-Key`` value, read once from the raw ASGI headers."""
    authorizations: list[str] = []
    api_keys: list[str] = []
    for key, value in request.scope["headers"]:  # ASGI header names are lower-case bytes
        if key == b"authorization":
            authorizations.append(value.decode("latin-1"))
        elif key == b"x-api-key":
            api_keys.append(value.decode("latin-1"))
    return authorizations, api_keys


def extract_token(request: Request, form: Form, limit: int) -> str:
    """The token string in the form this endpoint expects, or a refusal naming that form."""
    authorizations, api_keys = _credential_headers(request)
    if len(authorizations) > 1 or len(api_keys) > 1:
        name = "Authorization" if len(authorizations) > 1 else "X-API-Key"
        # RFC 6750 §3.1: more than one credential is a malformed request, not a wrong token.
        raise invalid_request(
            Reason.DUPLICATE_CREDENTIALS,
            f"{max(len(authorizations), len(api_keys))} {name} headers came; a request carries exactly one credential.",
            f"Send one {name} header (check for a session default plus a per-request header).",
        )
    authorization = authorizations[0] if authorizations else None
    api_key = api_keys[0] if api_keys else None
    if request.scope["query_string"]:
        query = request.query_params
        api_key = api_key or query.get("api_key")
        if "access_token" in query:
            raise invalid_request(
                Reason.TOKEN_IN_URL,
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
                Reason.WRONG_SCHEME,
                "This endpoint expects the key in an X-API-Key header, but an Authorization header came.",
                "Send X-API-Key: <token>: this endpoint reads the key from that header only.",
            )
        raise missing_credentials(form.value)

    if not authorization:
        if api_key:
            raise invalid_token(
                Reason.WRONG_SCHEME,
                f"This endpoint expects {form.value}, but an X-API-Key header came.",
                "Move the token into the Authorization header.",
            )
        raise missing_credentials(form.value)

    scheme, _, rest = authorization.strip().partition(" ")
    if form is Form.RAW:
        if rest and scheme.lower() == "bearer":
            raise invalid_token(
                Reason.WRONG_SCHEME,
                "This endpoint expects the raw token with no scheme, but 'Bearer ' came before it.",
                "Send Authorization: <token>: this endpoint wants the raw token, with no scheme.",
            )
        if rest:
            raise invalid_token(
                Reason.WRONG_SCHEME,
                f"This endpoint expects the raw token, but an Authorization '{shown(scheme)}' header came.",
                "Send Authorization: <token>.",
            )
        return scheme

    if not rest:
        if _looks_like_jwt(scheme):
            raise invalid_token(
                Reason.WRONG_SCHEME,
                "The Authorization header carries a token but no scheme; this endpoint expects 'Bearer <token>'.",
                "Put 'Bearer ' (with one space) before the token: this endpoint expects Authorization: Bearer <token>.",
            )
        if scheme.lower() == "bearer":
            raise invalid_token(
                Reason.MISSING_CREDENTIALS,
                "The Authorization header says 'Bearer' but no token follows it.",
                "Check that the variable holding your token is not empty.",
            )
        raise invalid_token(Reason.WRONG_SCHEME, "The Authorization header does not look like 'Bearer <token>'.", "Send Authorization: Bearer <token>.")
    if scheme.lower() != "bearer":
        raise invalid_token(
            Reason.WRONG_SCHEME,
            f"Authorization scheme '{shown(scheme)}' is not accepted here; this endpoint expects 'Bearer <token>'.",
            "Basic is for the token endpoint; APIs take the access token as Bearer.",
        )
    token = rest.strip()
    if " " in token:
        raise invalid_token(
            Reason.WRONG_SCHEME,
            "The Authorization header has more than one word after 'Bearer' (was 'Bearer ' added twice?).",
            "Send exactly Authorization: Bearer <token>.",
        )
    return token


@dataclass(frozen=True)
class Guard:
    """What a protected endpoint requires: a scope (or any valid token), a credential form,
    and whether it consults the revocation list (``local_only=False``, the default)."""

    scope: str | None = None
    form: Form = Form.BEARER
    local_only: bool = False

    def check(self, request: Request) -> tuple[Principal, dict[str, str]]:
        """Authenticate, count against the token's rate limit, check scope.

        Returns the principal and the rate-limit headers, which go on every protected
        answer, refusals included, so a client can pace itself before it ever sees a 429.
        """
        tenant = tenant_of(request)
        settings = tenant.settings
        token = extract_token(request, self.form, settings.max_header_bytes)
        principal = tenant.authority.verify(token, issuer_for(request), local_only=self.local_only)
        request.scope.setdefault("state", {})["client_id"] = principal.client.client_id
        rate_headers: dict[str, str] = {}
        if settings.rate_limits:
            client = principal.client
            decision = tenant.limiter.hit(principal.jti, client.rate_limit, client.rate_window, tenant.clock.now())
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
                    reason=Reason.RATE_LIMITED,
                )
        if self.scope is not None and self.scope not in principal.scopes:
            error = insufficient_scope(self.scope, " ".join(principal.scopes))
            error.headers.update(rate_headers)
            raise error
        return principal, rate_headers


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def protected(scope: str | None = None, form: Form = Form.BEARER, *, local_only: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Mark an endpoint as protected: ``MockRoute`` runs its ``Guard`` before the endpoint."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, GUARD_ATTRIBUTE, Guard(scope, form, local_only))
        return endpoint

    return mark


def guard_of(endpoint: Callable[..., Any]) -> Guard | None:
    guard = getattr(endpoint, GUARD_ATTRIBUTE, None)
    return guard if isinstance(guard, Guard) else None


def principal_of(request: Request) -> Principal:
    """The principal the guard verified for this request (only inside a protected endpoint)."""
    principal = request.scope.get(PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        raise RuntimeError("principal_of() is for endpoints marked @protected(...)")
    return principal
