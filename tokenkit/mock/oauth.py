"""The authorization server's endpoints: token (RFC 6749), revocation (RFC 7009),
introspection (RFC 7662) and discovery (RFC 8414 / OpenID Connect Discovery).

Any standard OAuth2 client library must get a token here unchanged, so parameters are
read exactly as RFC 6749 says (form-encoded body, client auth by HTTP Basic with
form-encoded id and secret, or in the body). JSON bodies are accepted as well, because
many vendors document them and learners copy those snippets.
"""

from __future__ import annotations

import base64
import hmac
from typing import Any, NoReturn
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from . import boundedjson
from .authority import IssuedTokens
from .clients import AUTHORIZATION_CODE_GRANT, DEVICE_CODE_GRANT, DemoClient
from .codes import Redeemed
from .device import DEVICE_CODE_LIFETIME, Outcome
from .echo import shown
from .errors import ApiError, oauth_error
from .openapi import BAD_REQUEST, DEVICE_ANSWER, DEVICE_REQUEST, INTROSPECT_REQUEST, OAUTH, REVOKE_REQUEST, TOKEN_ANSWER, TOKEN_REQUEST
from .routing import MockRoute
from .settings import API_AUDIENCE, OTHER_AUDIENCE
from .store import RefreshTokenStore
from .tenant import issuer_for, tenant_of

#: Client authentication: HTTP Basic, or client_id and client_secret in the body.
_CLIENT_AUTH: dict[str, Any] = {"security": [{"clientBasic": []}, {}]}

router = APIRouter(tags=["OAuth2 authorization server"], route_class=MockRoute, responses=BAD_REQUEST)

MAX_BODY_BYTES = 16 * 1024
"""Largest /oauth/* body; ``bodylimit.BodyLimitMiddleware`` refuses bigger ones while reading."""
KNOWN_AUDIENCES = (API_AUDIENCE, OTHER_AUDIENCE)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_CLIENT_PARAMS = {"grant_type", "client_id", "client_secret", "scope", "audience", "refresh_token", "token", "code", "code_verifier", "device_code"}


async def read_params(request: Request) -> dict[str, str]:
    """The request's parameters from a form or JSON body, refusing anything ambiguous."""
    raw = await request.body()  # at most MAX_BODY_BYTES: the body-limit middleware stops the rest
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    pairs: list[tuple[str, Any]]
    if not raw:
        pairs = []
    elif content_type == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise oauth_error("invalid_request", "The form body is not UTF-8.", "Let your HTTP library encode the form (requests: data={...}).") from None
    elif content_type == "application/json":
        try:
            document = boundedjson.loads(raw)
        except boundedjson.TooDeeplyNested:
            raise oauth_error("invalid_request", f"The JSON body nests deeper than {boundedjson.MAX_DEPTH} levels.", 'Parameters are one flat object: {"grant_type": "client_credentials", ...}.') from None
        except ValueError:  # not JSON, or not UTF-8
            raise oauth_error("invalid_request", "The body says application/json but is not valid JSON.", "Let your HTTP library encode it (requests: json={...}).") from None
        if not isinstance(document, dict):
            raise oauth_error("invalid_request", "The JSON body must be an object of parameters.", 'Send {"grant_type": "client_credentials", ...}.')
        pairs = list(document.items())
    else:
        raise oauth_error(
            "invalid_request",
            f"Content-Type '{shown(content_type) if content_type else '(none)'}' is not accepted here.",
            "Send application/x-www-form-urlencoded (requests: data={...}, the OAuth2 standard) or application/json (json={...}).",
        )
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise oauth_error("invalid_request", f"The parameter '{shown(name)}' was sent more than once.", "Send each parameter once (RFC 6749 section 3.2).")
        if not isinstance(value, str):
            raise oauth_error("invalid_request", f"The parameter '{shown(name)}' must be a string.", 'Scopes are one space-separated string, e.g. "data:read notes:read".')
        params[name] = value
    in_query = sorted(_CLIENT_PARAMS & set(request.query_params))
    if in_query:
        raise oauth_error(
            "invalid_request",
            f"{', '.join(in_query)} came in the URL query string; this endpoint reads parameters from the request body.",
            "Move them into the body (requests: data={...} not params={...}); URLs end up in logs, secrets must not.",
        )
    return params


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """Client id and secret from an HTTP Basic header (RFC 6749 §2.3.1: each form-urlencoded first)."""
    headers = request.headers.getlist("authorization")
    if not headers:
        return None
    if len(headers) > 1:
        raise oauth_error(
            "invalid_request",
            f"{len(headers)} Authorization headers came; a request authenticates the client once.",
            "Send one Authorization header (check for a session default plus a per-request header).",
        )
    scheme, _, value = headers[0].partition(" ")
    if scheme.lower() != "basic":
        raise oauth_error(
            "invalid_request",
            f"The token endpoint takes client credentials, but an Authorization '{shown(scheme)}' header came.",
            "Authenticate the client with HTTP Basic (client_id:client_secret) or client_id and client_secret in the body.",
        )
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, and non-ASCII input ("Basic é")
        raise oauth_error("invalid_client", "The Basic credentials are not valid base64 of 'client_id:client_secret'.", "Let your HTTP library build the header (requests: auth=(client_id, client_secret)).", basic_used=True) from None
    client_id, colon, client_secret = decoded.partition(":")
    if not colon:
        raise oauth_error("invalid_client", "The Basic credentials have no ':' between client_id and client_secret.", "Let your HTTP library build the header (requests: auth=(client_id, client_secret)).", basic_used=True)
    return unquote_plus(client_id), unquote_plus(client_secret)


def authenticate_client(request: Request, params: dict[str, str]) -> DemoClient:
    """The client making the request, authenticated by exactly one method."""
    basic = _basic_credentials(request)
    body_id, body_secret = params.get("client_id"), params.get("client_secret")
    if basic is not None:
        if body_secret is not None:
            raise oauth_error("invalid_request", "The client authenticated twice: HTTP Basic and client_secret in the body.", "Use exactly one of the two methods (RFC 6749 section 2.3).")
        if body_id is not None and body_id != basic[0]:
            raise oauth_error("invalid_request", "client_id in the body differs from the one in the Basic header.", "Send the same client_id, or leave it out of the body.")
        client_id, client_secret = basic
    elif body_secret is not None:
        if not body_id:
            raise oauth_error("invalid_request", "client_secret came without client_id.", "Send both client_id and client_secret.")
        client_id, client_secret = body_id, body_secret
    elif body_id:
        client_id, client_secret = body_id, None
    else:
        raise oauth_error("invalid_client", "No client credentials came.", "Send client_id and client_secret, by HTTP Basic or in the body.")

    tenant = tenant_of(request)
    client = tenant.client(client_id)
    if client is not None and client.public:
        # token_endpoint_auth_method "none" (RFC 7591 §2): the client_id names it, nothing proves it.
        # An empty secret is what some libraries send for "no secret" (Basic 'cli-app:'), so it passes.
        if client_secret:
            raise oauth_error(
                "invalid_client",
                f"Client '{client_id}' is a public client: it has no secret, so a client_secret must not come.",
                "Send client_id alone (token_endpoint_auth_method none); public clients prove nothing but use PKCE or the device code instead.",
                basic_used=basic is not None,
            )
        return client
    if client_secret is None:
        raise oauth_error("invalid_client", f"client_id '{shown(client_id)}' came without a client_secret.", "Confidential clients must authenticate: add client_secret, or use HTTP Basic.")
    # Compare against something even for an unknown client, so timing tells nothing.
    expected = client.client_secret if client is not None else "x" * 32
    secret_ok = hmac.compare_digest(client_secret.encode(), expected.encode())
    if client is None:
        known = sorted({*tenant.clients, *tenant.public_clients})
        raise oauth_error(
            "invalid_client",
            f"Unknown client_id '{shown(client_id)}'. The demo clients are: {', '.join(known)}.",
            "Check the client_id for typos and stray spaces; a masked value here is usually a secret in the client_id field.",
            basic_used=basic is not None,
        )
    if not secret_ok:
        raise oauth_error(
            "invalid_client",
            f"The client_secret is wrong for client '{client_id}'.",
            "Check for stray spaces or a secret copied from another client; secrets change when the mock restarts unless it has a seed.",
            basic_used=basic is not None,
        )
    return client


def _granted_scope(requested: str | None, allowed: tuple[str, ...], what: str) -> str:
    if requested is None or not requested.strip():
        return " ".join(allowed)
    wanted = requested.split()
    refused = [scope for scope in wanted if scope not in allowed]
    if refused:
        raise oauth_error(
            "invalid_scope",
            f"{what} may not have scope {', '.join(shown(scope) for scope in refused)}; it may have: {' '.join(allowed)}.",
            "Ask only for scopes the client is registered for, or use a client that has them.",
        )
    return " ".join(dict.fromkeys(wanted))


def _token_response(
    request: Request, client: DemoClient, scope: str, audience: str, family: str | None = None, *, user: str | None = None
) -> JSONResponse:
    body, _ = _issue(request, client, scope, audience, family, user=user)
    return JSONResponse(body, headers=NO_STORE)


def _issue(
    request: Request, client: DemoClient, scope: str, audience: str, family: str | None = None, *, user: str | None = None
) -> tuple[dict[str, Any], IssuedTokens]:
    """A token answer's body (RFC 6749 §5.1) and what was issued."""
    mock = tenant_of(request)
    issued = mock.authority.issue(client, scope, audience, issuer_for(request), family, user=user)
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": client.token_lifetime,
        "scope": scope,
    }
    if issued.refresh_token is not None:
        body["refresh_token"] = issued.refresh_token
    request.state.client_id = client.client_id
    return body, issued


SUPPORTED_GRANTS = ("client_credentials", "refresh_token", AUTHORIZATION_CODE_GRANT, DEVICE_CODE_GRANT)


@router.post(
    "/oauth/token", summary="Get an access token (client_credentials, refresh_token, device_code or authorization_code grant)",
    responses={**TOKEN_ANSWER, **OAUTH}, openapi_extra={**TOKEN_REQUEST, **_CLIENT_AUTH},
)
async def token(request: Request) -> Response:
    tenant_of(request).maybe_sweep()  # drop expired state now and then, off the API's hot path
    params = await read_params(request)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise oauth_error("invalid_request", "grant_type is missing.", "For a machine-to-machine token send grant_type=client_credentials.")
    client = authenticate_client(request, params)
    if grant_type not in SUPPORTED_GRANTS:
        if grant_type in {"password", "implicit"}:
            raise oauth_error(
                "unsupported_grant_type",
                f"grant_type '{grant_type}' is not supported by this server; it supports client_credentials, refresh_token, "
                "authorization_code (with PKCE) and the device code grant.",
                "The password and implicit grants are deprecated (RFC 9700 §2.4, §2.1.2): a person logs in with the device code or authorization code + PKCE.",
            )
        raise oauth_error("unsupported_grant_type", f"Unknown grant_type '{shown(grant_type)}'.", "Use client_credentials, or refresh_token with a refresh token you were given.")
    if not client.allows(grant_type):
        raise _not_allowed(client, grant_type)
    if grant_type == "client_credentials":
        audience = params.get("audience") or API_AUDIENCE
        if audience not in KNOWN_AUDIENCES:
            raise oauth_error("invalid_request", f"Unknown audience '{shown(audience)}'; known: {', '.join(KNOWN_AUDIENCES)}.", "Leave audience out to get a token for this API.")
        scope = _granted_scope(params.get("scope"), client.scopes, f"Client '{client.client_id}'")
        return _token_response(request, client, scope, audience)
    if grant_type == "refresh_token":
        return _refresh(request, client, params)
    if grant_type == DEVICE_CODE_GRANT:
        return _device_token(request, client, params)
    return _code_token(request, client, params)


def _code_token(request: Request, client: DemoClient, params: dict[str, str]) -> Response:
    """Redeem an authorization code (RFC 6749 §4.1.3) with its PKCE verifier (RFC 7636 §4.5)."""
    mock = tenant_of(request)
    code = params.get("code")
    if not code:
        raise oauth_error("invalid_request", "code is missing.", "Send the code that came to your redirect_uri.")
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        raise oauth_error("invalid_request", "redirect_uri is missing.", "Send the same redirect_uri as in the authorization request (RFC 6749 section 4.1.3).")
    outcome, record = mock.auth_codes.redeem(code, client.client_id, redirect_uri, params.get("code_verifier"), mock.clock.now())
    if outcome is Redeemed.REUSED:
        assert record is not None
        if record.refresh_token is not None:  # else the first redemption revokes as it finishes (codes.issued)
            mock.authority.refresh_tokens.revoke(record.refresh_token)
    if outcome is not Redeemed.OK:
        description, hint = _CODE_REFUSALS[outcome]
        raise oauth_error("invalid_grant", description, hint)
    assert record is not None
    body, issued = _issue(request, client, record.scope, API_AUDIENCE, user=record.user)
    if mock.auth_codes.issued(record, issued.refresh_token):
        if issued.refresh_token is not None:  # replayed while we issued: what we issued is revoked too
            mock.authority.refresh_tokens.revoke(issued.refresh_token)
        mock.authority.revoked.revoke(str(issued.claims["jti"]), float(issued.claims["exp"]))
        raise oauth_error("invalid_grant", *_CODE_REFUSALS[Redeemed.REUSED])
    return JSONResponse(body, headers=NO_STORE)


_START_AGAIN = "Start the login again (GET /oauth/authorize); codes are single-use and live 60 s."
_CODE_REFUSALS: dict[Redeemed, tuple[str, str]] = {
    Redeemed.UNKNOWN: ("This authorization code is unknown to this server.", "Send the code exactly as it came to your redirect_uri; was it from an earlier run of the mock?"),
    Redeemed.OTHER_CLIENT: ("This authorization code was issued to another client; it is now void.", _START_AGAIN),
    Redeemed.EXPIRED: ("This authorization code has expired (codes live 60 s on the server's clock).", _START_AGAIN),
    Redeemed.REDIRECT_MISMATCH: ("redirect_uri differs from the one in the authorization request; the code is now void.", "Send the very same redirect_uri, port and path included. " + _START_AGAIN),
    Redeemed.NO_VERIFIER: ("code_verifier is missing: this code was issued for a PKCE challenge; the code is now void.", "Send the code_verifier whose S256 hash you sent as code_challenge. " + _START_AGAIN),
    Redeemed.WRONG_VERIFIER: (
        "code_verifier does not match the code_challenge (BASE64URL(SHA256(code_verifier)) differs); the code is now void.",
        "Send the verifier you made for this login, not a new one. " + _START_AGAIN,
    ),
    Redeemed.BURNED: ("This authorization code was voided by an earlier failed attempt to redeem it.", _START_AGAIN),
    Redeemed.REUSED: (
        "This authorization code was already redeemed. A code works once; a second redemption looks like theft, "
        "so the tokens issued for it are now revoked (RFC 6749 section 4.1.2).",
        _START_AGAIN,
    ),
}


def _not_allowed(client: DemoClient, grant_type: str) -> ApiError:
    """unauthorized_client (RFC 6749 §5.2): the server does this grant, this client may not."""
    if grant_type == "refresh_token":
        return oauth_error("unauthorized_client", f"Client '{client.client_id}' is not allowed the refresh_token grant.", "Get a new token with grant_type=client_credentials instead.")
    if client.public:
        return oauth_error(
            "unauthorized_client",
            f"Client '{client.client_id}' is a public client (no secret); it may not use grant_type '{shown(grant_type)}'.",
            "A public client gets tokens only for a person: use the device code grant or authorization_code with PKCE.",
        )
    return oauth_error(
        "unauthorized_client",
        f"Client '{client.client_id}' is not allowed grant_type '{shown(grant_type)}': it is a machine client (client_credentials).",
        "Logging a person in (device code, authorization code + PKCE) is for the public client cli-app.",
    )


def _device_token(request: Request, client: DemoClient, params: dict[str, str]) -> Response:
    """Poll for a device login (RFC 8628 §3.4, §3.5): pending, slow down, denied, expired, or the token once."""
    mock = tenant_of(request)
    device_code = params.get("device_code")
    if not device_code:
        raise oauth_error("invalid_request", "device_code is missing.", "Send the device_code from POST /oauth/device_authorization.")
    outcome, grant = mock.device_codes.poll(device_code, client.client_id, mock.clock.now())
    if outcome is Outcome.ISSUE:
        assert grant is not None and grant.user is not None
        return _token_response(request, client, grant.scope, API_AUDIENCE, user=grant.user)
    if outcome is Outcome.SLOW_DOWN:
        assert grant is not None
        error = oauth_error(
            "slow_down",
            f"Polled sooner than the interval: wait at least {grant.interval} s between polls from now on (it grew by 5 s, RFC 8628 section 3.5).",
            "Sleep interval seconds between polls, and add 5 s to it after each slow_down.",
        )
        error.extra["interval"] = grant.interval
        raise error
    raise oauth_error(*_DEVICE_REFUSALS[outcome])


#: outcome -> (RFC 8628 §3.5 / RFC 6749 §5.2 error code, description, hint)
_DEVICE_REFUSALS: dict[Outcome, tuple[str, str, str]] = {
    Outcome.PENDING: (
        "authorization_pending",
        "The person has not approved this login yet.",
        "Keep polling every interval seconds; the person enters the user_code at the verification_uri.",
    ),
    Outcome.DENIED: ("access_denied", "The person denied this login.", "Start again with POST /oauth/device_authorization if that was a mistake."),
    Outcome.EXPIRED: (
        "expired_token",
        "This device code has expired (expires_in has passed on the server's clock).",
        "Start again with POST /oauth/device_authorization and ask the person to be quicker.",
    ),
    Outcome.UNKNOWN: (
        "invalid_grant",
        "This device code is unknown to this server.",
        "Send the device_code exactly as POST /oauth/device_authorization returned it (not the user_code); was it from an earlier run of the mock?",
    ),
    Outcome.OTHER_CLIENT: ("invalid_grant", "This device code was issued to another client.", "Poll with the client_id that asked for it."),
    Outcome.USED: (
        "invalid_grant",
        "This device code was already exchanged for a token; each works once.",
        "Use the token you got; to log in again, start a new device authorization.",
    ),
}


@router.post(
    "/oauth/device_authorization", summary="Start a device login: a device_code to poll with and a user_code for the person (RFC 8628)",
    responses={**DEVICE_ANSWER, **OAUTH}, openapi_extra={**DEVICE_REQUEST, **_CLIENT_AUTH},
)
async def device_authorization(request: Request) -> Response:
    mock = tenant_of(request)
    mock.maybe_sweep()
    params = await read_params(request)
    client = authenticate_client(request, params)
    if not client.allows(DEVICE_CODE_GRANT):
        raise _not_allowed(client, DEVICE_CODE_GRANT)
    scope = _granted_scope(params.get("scope"), client.scopes, f"Client '{client.client_id}'")
    grant = mock.device_codes.start(client.client_id, scope, mock.clock.now())
    verification_uri = f"{issuer_for(request)}/oauth/device"
    body = {
        "device_code": grant.device_code,
        "user_code": grant.shown_user_code,
        "verification_uri": verification_uri,
        "verification_uri_complete": f"{verification_uri}?user_code={grant.shown_user_code}",
        "expires_in": DEVICE_CODE_LIFETIME,
        "interval": grant.interval,
    }
    request.state.client_id = client.client_id
    return JSONResponse(body, headers=NO_STORE)


def _refresh(request: Request, client: DemoClient, params: dict[str, str]) -> Response:
    mock = tenant_of(request)
    refresh_token = params.get("refresh_token")
    if not refresh_token:
        raise oauth_error("invalid_request", "refresh_token is missing.", "Send the refresh_token from your last token answer.")
    store = mock.authority.refresh_tokens
    # Validate everything first and redeem last: a refresh refused for its scope (or any
    # other reason) must leave the refresh token usable.
    grant, why = store.check(refresh_token, client.client_id, mock.clock.now())
    if grant is None:
        _refuse_refresh(why, store)
    scope = _granted_scope(params.get("scope"), tuple(grant.scope.split()), "A token refreshed from this grant")
    grant, why = store.redeem(refresh_token, client.client_id, mock.clock.now())
    if grant is None:  # used by a concurrent request since the check: that is a reuse too
        _refuse_refresh(why, store)
    return _token_response(request, client, scope, grant.audience, family=grant.family)


#: A new token without the refresh token: a machine asks again, a person logs in again.
_ANEW = "Get a new token: with client_credentials (a machine), or by logging the person in again (device code or PKCE)."
_REFRESH_REFUSALS = {
    "unknown": (
        "This refresh token is unknown to this server.",
        "Was it issued by an earlier run of the mock, has it expired, or was it one of many this client asked for (the oldest are forgotten)? " + _ANEW,
    ),
    "other_client": ("This refresh token was issued to another client.", "Refresh with the client that received it."),
    "revoked": ("This refresh token was revoked.", _ANEW),
    "reused": (
        "This refresh token was already used. Refresh tokens rotate: each works once and the answer brings a new one. "
        "Reuse looks like theft, so every token of this family (refresh and access tokens) is now revoked.",
        "Always store the newest refresh_token from each answer. " + _ANEW,
    ),
    "expired": ("This refresh token has expired.", _ANEW),
    "evicted": (
        "This refresh token was invalidated: a client keeps at most {limit} refresh tokens per account "
        "(one per token request; refreshing rotates within it), and {limit} newer ones were issued since, "
        "so the oldest went, as real providers do (Google keeps 100 per account and client).",
        "Keep the newest refresh_token and refresh with it instead of requesting a new token each time. " + _ANEW,
    ),
}


def _refuse_refresh(why: str, store: RefreshTokenStore) -> NoReturn:
    description, hint = _REFRESH_REFUSALS[why]
    raise oauth_error("invalid_grant", description.replace("{limit}", str(store.max_families)), hint)


@router.post(
    "/oauth/revoke", summary="Revoke an access or refresh token (RFC 7009)",
    responses={**OAUTH, 200: {"description": "Revoked, or was not valid anyway (RFC 7009 §2.2)."}},
    openapi_extra={**REVOKE_REQUEST, **_CLIENT_AUTH},
)
async def revoke(request: Request) -> Response:
    mock = tenant_of(request)
    mock.maybe_sweep()
    params = await read_params(request)
    client = authenticate_client(request, params)
    token_value = params.get("token")
    if not token_value:
        raise oauth_error("invalid_request", "token is missing.", "Send token=<the access or refresh token to revoke>.")
    grant = mock.authority.refresh_tokens.lookup(token_value)
    if grant is not None:
        if grant.client_id != client.client_id:
            raise oauth_error("invalid_request", "This refresh token belongs to another client.", "A client may revoke only its own tokens.")
        mock.authority.refresh_tokens.revoke(token_value)
        return Response(status_code=200, headers=NO_STORE)
    try:
        principal = mock.authority.verify(token_value, issuer_for(request))
    except ApiError:
        # RFC 7009 §2.2: an invalid or already expired token is not an error.
        return Response(status_code=200, headers=NO_STORE)
    if principal.client.client_id != client.client_id:
        raise oauth_error("invalid_request", "This access token belongs to another client.", "A client may revoke only its own tokens.")
    mock.authority.revoked.revoke(principal.jti, float(principal.claims["exp"]))
    return Response(status_code=200, headers=NO_STORE)


@router.post(
    "/oauth/introspect", summary="Is this token active? (RFC 7662)",
    responses={
        200: {
            "description": "Whether the token is active, and its claims if it is (RFC 7662 §2.2).",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"active": {"type": "boolean"}}, "required": ["active"]}}},
        },
        **OAUTH,
    },
    openapi_extra={**INTROSPECT_REQUEST, **_CLIENT_AUTH},
)
async def introspect(request: Request) -> Response:
    mock = tenant_of(request)
    mock.maybe_sweep()
    params = await read_params(request)
    client = authenticate_client(request, params)
    if client.public:  # anyone can name a public client: it may not read other tokens' claims
        raise oauth_error("unauthorized_client", f"Client '{client.client_id}' is a public client; introspection is for confidential clients and APIs.", "Introspect with a client that has a secret.")
    token_value = params.get("token")
    if not token_value:
        raise oauth_error("invalid_request", "token is missing.", "Send token=<the token to inspect>.")
    return JSONResponse(mock.authority.introspect(token_value, issuer_for(request)), headers=NO_STORE)


def _metadata(request: Request) -> dict[str, Any]:
    issuer = issuer_for(request)
    tenant = tenant_of(request)
    scopes = sorted({scope for client in (*tenant.clients.values(), *tenant.public_clients.values()) for scope in client.scopes})
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/oauth/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "device_authorization_endpoint": f"{issuer}/oauth/device_authorization",
        "grant_types_supported": list(SUPPORTED_GRANTS),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
    }


@router.get("/.well-known/openid-configuration", summary="OpenID Connect discovery document")
async def openid_configuration(request: Request) -> dict[str, Any]:
    return _metadata(request)


@router.get("/.well-known/oauth-authorization-server", summary="OAuth 2.0 authorization server metadata (RFC 8414)")
async def oauth_metadata(request: Request) -> dict[str, Any]:
    return _metadata(request)


@router.get("/.well-known/jwks.json", summary="The public keys that verify this server's tokens")
async def jwks(request: Request) -> dict[str, Any]:
    tenant = tenant_of(request)
    return tenant.keys.jwks(tenant.clock.now())
