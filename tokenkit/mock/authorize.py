"""The authorization endpoint (RFC 6749 §4.1, RFC 7636 PKCE, RFC 8252 loopback redirects, RFC 9207 iss).

``GET /oauth/authorize?response_type=code&client_id=…&redirect_uri=…&state=…&code_challenge=…
&code_challenge_method=S256`` shows the login page; its form posts to ``POST /oauth/authorize``,
which sends the browser back to ``redirect_uri`` with ``code``, ``state`` and ``iss`` (or
``error``). The checks come in the order RFC 6749 §4.1.2.1 sets: while the client or its
redirect URI is in doubt, the problem is shown on the page and the browser is never sent
anywhere (an open redirector otherwise); after that, every problem goes back to the client
at its redirect URI, with its ``state``.

PKCE is required (RFC 9700 §2.1.1), and S256 is the only method: ``plain`` would let anyone
who sees the authorization request redeem the code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Query, Request
from fastapi.routing import APIRoute
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .clients import AUTHORIZATION_CODE_GRANT, DemoClient
from .codes import S256_CHALLENGE
from .echo import shown
from .oauth import read_params
from .openapi import PAGE_FORM_ERRORS, page_form
from .pages import buttons, credentials, form_nonce, hidden, nonce_ok, page, problem
from .tenant import Tenant, issuer_for, tenant_of
from .users import check_password

#: Browsers and OAuth libraries add parameters of their own (nonce, prompt, ...); RFC 6749
#: §3.1 says to ignore unknown ones, so this router does not use MockRoute's unknown-query check.
router = APIRouter(tags=["pages for people"], route_class=APIRoute)

#: The authorization request's parameters, in the order the login form carries them.
PARAMETERS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method")
#: RFC 8252 §7.3 / §8.3: loopback IP literals; ``localhost`` may resolve elsewhere.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})
MAX_REDIRECT_URI = 2048


class UntrustedRedirect(ValueError):
    """The client or redirect URI is in doubt: show this on the page, redirect nowhere."""


@dataclass
class RedirectedError(Exception):
    """An authorization error to send back to the client at its (checked) redirect URI."""

    error: str
    description: str
    redirect_uri: str
    state: str | None


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked authorization request: the login page may be shown for it."""

    client: DemoClient
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str
    params: dict[str, str]
    """The request's own parameters, as the login form carries them on."""


def loopback_problem(redirect_uri: str) -> str | None:
    """Why ``redirect_uri`` is not a loopback redirect URI a native app may use, or None (any port is fine)."""
    if len(redirect_uri) > MAX_REDIRECT_URI:
        return f"redirect_uri is longer than {MAX_REDIRECT_URI} characters."
    try:
        parts = urlsplit(redirect_uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "redirect_uri is not a valid URL."
    if parts.scheme != "http":
        return "redirect_uri must start with http:// for a loopback redirect (RFC 8252 section 7.3)."
    if parts.hostname == "localhost":
        return "redirect_uri uses localhost; use the IP literal http://127.0.0.1:<port>/ instead (RFC 8252 section 8.3: localhost can resolve elsewhere)."
    if parts.hostname not in LOOPBACK_HOSTS or parts.username is not None or parts.password is not None:
        return "redirect_uri must be a loopback address: http://127.0.0.1:<any port>/... or http://[::1]:<any port>/... (RFC 8252 section 7.3)."
    if parts.fragment or redirect_uri.endswith("#"):
        return "redirect_uri must not have a fragment (RFC 6749 section 3.1.2)."
    return None


def check_request(tenant: Tenant, pairs: Iterable[tuple[str, str]]) -> AuthorizationRequest:
    """The authorization request in ``pairs``, checked; or ``UntrustedRedirect`` / ``RedirectedError``.

    RFC 6749 §3.1: parameters sent without a value count as absent, none may come twice,
    unknown ones are ignored.
    """
    values: dict[str, str] = {}
    repeated: list[str] = []
    for name, value in pairs:
        if name not in PARAMETERS or value == "":
            continue
        if name in values:
            repeated.append(name)
        values[name] = value
    client_id, redirect_uri = values.get("client_id"), values.get("redirect_uri")
    if "client_id" in repeated or not client_id:
        raise UntrustedRedirect("client_id is missing or came twice; the app that sent you here built a broken link.")
    client = tenant.client(client_id)
    if client is None:
        raise UntrustedRedirect(f"There is no client '{shown(client_id)}' on this server; the app that sent you here is not registered.")
    if not client.allows(AUTHORIZATION_CODE_GRANT):
        raise UntrustedRedirect(
            f"Client '{client.client_id}' is a machine client (client credentials): it cannot log people in, "
            "so it has no redirect URI. The public client cli-app can."
        )
    if "redirect_uri" in repeated or not redirect_uri:
        raise UntrustedRedirect("redirect_uri is missing or came twice; a client with loopback redirect URIs must name the one to use.")
    why = loopback_problem(redirect_uri)
    if why is not None:
        raise UntrustedRedirect(why)

    state = values.get("state")

    def refuse(error: str, description: str) -> RedirectedError:
        return RedirectedError(error, description, redirect_uri, state)

    if repeated:
        raise refuse("invalid_request", f"{', '.join(sorted(set(repeated)))} came more than once (RFC 6749 section 3.1).")
    response_type = values.get("response_type")
    if not response_type:
        raise refuse("invalid_request", "response_type is missing; send response_type=code.")
    if response_type != "code":
        raise refuse("unsupported_response_type", "Only response_type=code is supported (the implicit flow is deprecated, RFC 9700 section 2.1.2).")
    challenge, method = values.get("code_challenge"), values.get("code_challenge_method")
    if not challenge:
        raise refuse("invalid_request", "code_challenge is missing: PKCE is required (RFC 7636, RFC 9700 section 2.1.1).")
    if method != "S256":
        said = f"'{shown(method)}'" if method else "missing (which means plain)"
        raise refuse("invalid_request", f"code_challenge_method is {said}; only S256 is supported (RFC 7636 section 4.2).")
    if not S256_CHALLENGE.fullmatch(challenge):
        raise refuse("invalid_request", "code_challenge is not an S256 challenge: 43 base64url characters, the SHA-256 of the verifier.")
    requested = values.get("scope")
    wanted = requested.split() if requested else list(client.scopes)
    refused = [scope for scope in wanted if scope not in client.scopes]
    if refused:
        raise refuse("invalid_scope", f"Client '{client.client_id}' may not have scope {', '.join(shown(s) for s in refused)}; it may have: {' '.join(client.scopes)}.")
    return AuthorizationRequest(client, redirect_uri, " ".join(dict.fromkeys(wanted)), state, challenge, values)


def redirect_url(redirect_uri: str, issuer: str, **params: str | None) -> str:
    """``redirect_uri`` with ``params`` and ``iss`` (RFC 9207) added to its query."""
    parts = urlsplit(redirect_uri)
    added = urlencode({**{k: v for k, v in params.items() if v is not None}, "iss": issuer})
    return urlunsplit(parts._replace(query=f"{parts.query}&{added}" if parts.query else added))


def decide(tenant: Tenant, request: AuthorizationRequest, issuer: str, user: str | None) -> str:
    """Where the browser goes when ``user`` approved (a code) or nobody did (``access_denied``)."""
    if user is None:
        return redirect_url(request.redirect_uri, issuer, error="access_denied", error_description="The person denied the request.", state=request.state)
    code = tenant.auth_codes.issue(request.client.client_id, request.redirect_uri, request.scope, user, request.code_challenge, tenant.clock.now())
    return redirect_url(request.redirect_uri, issuer, code=code, state=request.state)


def answer_for(tenant: Tenant, authorize_url: str, issuer: str, user: str | None) -> str:
    """Where the browser would go for ``authorize_url`` once ``user`` approved (None: denied), without a browser.

    Raises ``UntrustedRedirect`` (a ``ValueError``) when the page would refuse to redirect at
    all, and ``ValueError`` for a user who is not a demo person.
    """
    try:
        checked = check_request(tenant, parse_qsl(urlsplit(authorize_url).query, keep_blank_values=True))
    except RedirectedError as refused:
        return redirect_url(refused.redirect_uri, issuer, error=refused.error, error_description=refused.description, state=refused.state)
    if user is not None and user not in tenant.users:
        raise ValueError(f"There is no demo person {user!r}; the demo people are {', '.join(sorted(tenant.users))}.")
    return decide(tenant, checked, issuer, user)


def _purpose(request: AuthorizationRequest) -> str:
    """What a login form's nonce is bound to: this very request."""
    return "authorize\n" + "\n".join(f"{name}={request.params.get(name, '')}" for name in PARAMETERS)


def _login_form(
    tenant: Tenant, request: AuthorizationRequest, username: str = "", message: str | None = None, status: int = 200, *, wrong_password: bool = False
) -> HTMLResponse:
    back_to = urlsplit(request.redirect_uri)
    main = (
        f"<p><strong>{escape(request.client.client_id)}</strong> asks to act as you with scope "
        f"<strong>{escape(request.scope)}</strong>.</p>\n"
        f"<p>After you decide, your browser goes back to the app at <code>{escape(back_to.scheme)}://{escape(back_to.netloc)}</code>.</p>\n"
        + problem(message)
        + '<form method="post" action="authorize">\n'
        + "".join(hidden(name, request.params[name]) for name in PARAMETERS if name in request.params)
        + hidden("nonce", form_nonce(tenant, _purpose(request), tenant.clock.now()))
        + credentials(username, "username" if wrong_password else None, True)
        + buttons("Sign in and allow", "Deny")
        + "</form>\n"
        + "<p>Demo people and their passwords: <code>api.users</code> in your notebook.</p>\n"
    )
    return page("Sign in", main, status)


def _untrusted(why: str) -> HTMLResponse:
    return page(
        "This sign-in link is broken",
        problem(why) + "<p>You were not sent back to the app, because this server cannot be sure the link came from it. "
        "Tell the app's developer; nothing was shared.</p>",
        400,
    )


_QUERY = {
    "response_type": "code (the authorization code grant; the only response type supported).",
    "client_id": "The public client, e.g. cli-app.",
    "redirect_uri": "A loopback URI on any port: http://127.0.0.1:<port>/callback or http://[::1]:<port>/callback.",
    "scope": "Space-separated scopes; default: all the client may have.",
    "state": "Any value; it comes back unchanged with the code (check it: CSRF).",
    "code_challenge": "BASE64URL(SHA256(code_verifier)), 43 characters.",
    "code_challenge_method": "S256 (the only method supported).",
}


def _query(name: str) -> Any:
    return Query(default=None, description=_QUERY[name])


@router.get(
    "/oauth/authorize", summary="Log a person in: the login page of the authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636)",
    response_class=HTMLResponse,
    responses={
        200: {"description": "The login page (HTML).", "content": {"text/html": {"schema": {"type": "string"}}}},
        302: {
            "description": "Back to redirect_uri with error, error_description, state and iss (RFC 6749 §4.1.2.1, RFC 9207).",
            "headers": {"Location": {"schema": {"type": "string"}, "required": True}},
        },
        400: {"description": "The client or redirect_uri is in doubt: explained on the page, redirected nowhere (HTML).", "content": {"text/html": {"schema": {"type": "string"}}}},
    },
)
async def authorize_page(
    request: Request,
    response_type: str | None = _query("response_type"),
    client_id: str | None = _query("client_id"),
    redirect_uri: str | None = _query("redirect_uri"),
    scope: str | None = _query("scope"),
    state: str | None = _query("state"),
    code_challenge: str | None = _query("code_challenge"),
    code_challenge_method: str | None = _query("code_challenge_method"),
) -> Response:
    tenant = tenant_of(request)
    tenant.maybe_sweep()
    try:
        checked = check_request(tenant, request.query_params.multi_items())
    except UntrustedRedirect as untrusted:
        return _untrusted(str(untrusted))
    except RedirectedError as refused:
        where = redirect_url(refused.redirect_uri, issuer_for(request), error=refused.error, error_description=refused.description, state=refused.state)
        return RedirectResponse(where, status_code=302, headers={"Cache-Control": "no-store"})
    return _login_form(tenant, checked)


@router.post(
    "/oauth/authorize", summary="The login page's form: approve (a code) or deny, back to redirect_uri",
    response_class=HTMLResponse,
    responses={
        **PAGE_FORM_ERRORS,
        303: {
            "description": "Back to redirect_uri with code, state and iss; or with error=access_denied.",
            "headers": {"Location": {"schema": {"type": "string"}, "required": True}},
        },
    },
    openapi_extra=page_form(
        {
            **{name: {"type": "string"} for name in PARAMETERS},
            "username": {"type": "string"},
            "password": {"type": "string"},
            "action": {"type": "string", "enum": ["approve", "deny"]},
            "nonce": {"type": "string", "description": "The nonce of the rendered form."},
        },
        ["client_id", "redirect_uri", "action", "nonce"],
    ),
)
async def authorize_decision(request: Request) -> Response:
    tenant = tenant_of(request)
    params = await read_params(request)
    issuer = issuer_for(request)
    try:
        checked = check_request(tenant, params.items())
    except UntrustedRedirect as untrusted:
        return _untrusted(str(untrusted))
    except RedirectedError as refused:
        where = redirect_url(refused.redirect_uri, issuer, error=refused.error, error_description=refused.description, state=refused.state)
        return RedirectResponse(where, status_code=303, headers={"Cache-Control": "no-store"})
    username = params.get("username", "")
    if not nonce_ok(tenant, params.get("nonce", ""), _purpose(checked), tenant.clock.now()):
        return _login_form(tenant, checked, username, "This form has expired or did not come from this page. Sign in again.", 400)
    action = params.get("action")
    if action == "deny":
        return RedirectResponse(decide(tenant, checked, issuer, None), status_code=303, headers={"Cache-Control": "no-store"})
    if action != "approve":
        return _login_form(tenant, checked, username, "Choose Sign in and allow, or Deny.", 400)
    if not check_password(tenant.users, username, params.get("password", "")):
        return _login_form(tenant, checked, username, "The user name or password is wrong.", 400, wrong_password=True)
    return RedirectResponse(decide(tenant, checked, issuer, username), status_code=303, headers={"Cache-Control": "no-store"})
