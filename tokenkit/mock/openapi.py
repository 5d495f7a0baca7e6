"""What the OpenAPI document declares, so that it is true: error bodies, request bodies, security.

FastAPI documents the happy path by itself. The refusals (which are the lessons) and the
``/oauth/*`` bodies, read by hand to accept both form and JSON, are declared here, once,
so ``/docs`` shows them and a schema-driven tester (schemathesis) can hold the mock to them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tokenkit.reasons import Reason


class ErrorBody(BaseModel):
    """Every refusal: the RFC 6749 §5.2 / RFC 6750 §3 fields plus a hint for learners."""

    error: str | None = Field(description="A machine-readable code: invalid_token, invalid_request, insufficient_scope, ...")
    error_description: str = Field(description="What went wrong, in words, and what to check next.")
    hint: str = Field(description="One thing to try.")
    error_reason: Reason | None = Field(
        default=None,
        description=(
            "On refusals of a protected endpoint: the precise cause as a code (expired, revoked, wrong_audience, ...), "
            "also sent as the error_reason auth-param of WWW-Authenticate. Codes may be added; ignore unknown ones."
        ),
    )
    scope: str | None = Field(default=None, description="On 403 insufficient_scope: the scope the endpoint needs.")
    retry_after: int | None = Field(default=None, description="On 429: seconds until the rate-limit window resets.")
    limit: int | None = Field(default=None, description="On 409 too_many_notes: the most notes one client may keep.")
    interval: int | None = Field(default=None, description="On slow_down (RFC 8628): the seconds to wait between polls from now on.")


class ValidationProblem(BaseModel):
    loc: list[str | int] = Field(description="Where the problem is, e.g. ['body', 'title'].")
    msg: str | None = Field(description="What is wrong there.")


class ValidationErrorBody(ErrorBody):
    """A 422: the request was well-formed but its data is not valid."""

    detail: list[ValidationProblem]


#: FastAPI's ``responses=``: status (or "default") -> what it documents.
Responses = dict[int | str, dict[str, Any]]


def _error(description: str, model: type[BaseModel] = ErrorBody) -> dict[str, Any]:
    return {"model": model, "description": description}


BAD_REQUEST: Responses = {400: _error("Malformed request (invalid_request): an unknown query parameter, two Authorization headers, a token in the URL, ...")}
UNAUTHORIZED: Responses = {401: _error("No token, or an invalid one (invalid_token); see WWW-Authenticate.")}
FORBIDDEN: Responses = {403: _error("Valid token without the scope this endpoint needs (insufficient_scope).")}
NOT_FOUND: Responses = {404: _error("No such note for this client.")}
NOTES_FULL: Responses = {409: _error("This client already keeps the most notes allowed (1,000): too_many_notes; delete some first.")}
TOO_LARGE: Responses = {413: _error("The request body is larger than this endpoint accepts.")}
INVALID: Responses = {422: _error("The data is not valid; detail says where.", ValidationErrorBody)}
RATE_LIMITED: Responses = {429: _error("This token used up its requests for the window; see Retry-After.")}

#: Every protected endpoint can answer these.
PROTECTED: Responses = {**BAD_REQUEST, **UNAUTHORIZED, **FORBIDDEN, **RATE_LIMITED, **INVALID}
#: Endpoints that take a JSON note.
WITH_NOTE: Responses = {**PROTECTED, **TOO_LARGE}
#: The /oauth/* endpoints: RFC 6749 §5.2 errors, 401 for a failed HTTP Basic login.
OAUTH: Responses = {
    400: _error("RFC 6749 error: invalid_request, invalid_client, invalid_grant, invalid_scope, unsupported_grant_type, ..."),
    401: _error("invalid_client after a failed HTTP Basic login; see WWW-Authenticate."),
    **TOO_LARGE,
}
#: Public endpoints with query parameters.
QUERY_ONLY: Responses = {**INVALID}

_CLIENT_AUTH = {
    "client_id": {"type": "string", "description": "With client_secret, when not using HTTP Basic."},
    "client_secret": {"type": "string", "description": "Never in the URL; prefer HTTP Basic."},
}


def _form_and_json(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {**_CLIENT_AUTH, **properties}}
    if required:
        schema["required"] = required
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/x-www-form-urlencoded": {"schema": schema},
                "application/json": {"schema": schema},
            },
        }
    }


TOKEN_REQUEST = _form_and_json(
    {
        "grant_type": {
            "type": "string",
            "enum": ["client_credentials", "refresh_token", "authorization_code", "urn:ietf:params:oauth:grant-type:device_code"],
        },
        "scope": {"type": "string", "description": "Space-separated scopes; default: all the client may have."},
        "audience": {"type": "string", "description": "The API the token is for; default: this API."},
        "refresh_token": {"type": "string", "description": "For grant_type=refresh_token."},
        "device_code": {"type": "string", "description": "For the device code grant (RFC 8628 §3.4): the device_code from /oauth/device_authorization."},
        "code": {"type": "string", "description": "For grant_type=authorization_code: the code that came to the redirect_uri."},
        "redirect_uri": {"type": "string", "description": "For grant_type=authorization_code: the same redirect_uri as in the authorization request."},
        "code_verifier": {"type": "string", "description": "For grant_type=authorization_code: the PKCE verifier (RFC 7636 §4.5)."},
    },
    ["grant_type"],
    "RFC 6749 parameters, form-encoded (the standard) or as a JSON object (as many vendors document).",
)
TOKEN_ANSWER: Responses = {
    200: {
        "description": "An access token (RFC 6749 §5.1).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "access_token": {"type": "string"},
                        "token_type": {"type": "string"},
                        "expires_in": {"type": "integer"},
                        "scope": {"type": "string"},
                        "refresh_token": {"type": "string"},
                    },
                    "required": ["access_token", "token_type", "expires_in", "scope"],
                }
            }
        },
    }
}
DEVICE_REQUEST = _form_and_json(
    {
        "scope": {"type": "string", "description": "Space-separated scopes; default: all the client may have."},
        "client_id": {"type": "string", "description": "A public client sends its client_id alone.", "examples": ["cli-app"]},
    },
    [],
    "RFC 8628 §3.1: the client (public clients send client_id alone) and the scope it wants, form-encoded or JSON.",
)
DEVICE_ANSWER: Responses = {
    200: {
        "description": "A device login started (RFC 8628 §3.2): show the person user_code and verification_uri, then poll /oauth/token.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "device_code": {"type": "string", "description": "Secret: what the device polls /oauth/token with."},
                        "user_code": {"type": "string", "description": "What the person types, e.g. WDJB-MJHT."},
                        "verification_uri": {"type": "string", "description": "Where the person goes to enter user_code."},
                        "verification_uri_complete": {"type": "string", "description": "The same page with user_code filled in (for a link or QR code)."},
                        "expires_in": {"type": "integer", "description": "Seconds the codes stay valid."},
                        "interval": {"type": "integer", "description": "Seconds to wait between polls."},
                    },
                    "required": ["device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in", "interval"],
                }
            }
        },
    }
}
TOKEN_PARAMS = {
    "token": {"type": "string", "description": "The access or refresh token."},
    "token_type_hint": {"type": "string", "description": "access_token or refresh_token (optional)."},
}
REVOKE_REQUEST = _form_and_json(TOKEN_PARAMS, ["token"], "RFC 7009 parameters, form-encoded or JSON.")
INTROSPECT_REQUEST = _form_and_json(TOKEN_PARAMS, ["token"], "RFC 7662 parameters, form-encoded or JSON.")

#: The three credential forms the protected endpoints take (see ``guard.Form``).
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Authorization: Bearer <token>"},
    "rawToken": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Authorization: <token> (no scheme)"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "X-API-Key: <token>"},
    "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key", "description": "?api_key=<token> (ends up in logs: prefer the header)"},
    "clientBasic": {"type": "http", "scheme": "basic", "description": "client_id:client_secret (or both in the body)"},
}


def security(*schemes: str) -> dict[str, Any]:
    """``openapi_extra`` for an operation protected by any one of ``schemes``."""
    return {"security": [{scheme: []} for scheme in schemes]}


#: The pages for people (``verification``, ``authorize``): HTML, and JSON for a body that cannot be read.
_HTML = {"text/html": {"schema": {"type": "string"}}}
_ERROR_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
PAGE: Responses = {200: {"description": "An HTML page with a form for a person.", "content": _HTML}}
PAGE_FORM_ERRORS: Responses = {
    200: {"description": "An HTML page: what the decision did.", "content": _HTML},
    400: {
        "description": "The form again, saying what to fix (HTML); or, for a body that is not a form or too large, an RFC 6749 error (JSON).",
        "content": {**_HTML, **_ERROR_JSON},
    },
}


def page_form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """``openapi_extra`` for a page's form post (form-encoded, as a browser sends it)."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }
