"""The device verification page (RFC 8628 §3.3): where a person enters the user code and approves.

``GET /oauth/device`` shows the form (the code filled in from ``?user_code=``, as
``verification_uri_complete`` links it); ``POST /oauth/device`` approves the pending login for
the person whose name and password came, or denies it. The device polling the token endpoint
then gets its token, or ``access_denied``. ``approve``/``deny`` do the same for a notebook
without a browser (``MockAPI.approve_device``).
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.routing import APIRoute
from starlette.responses import HTMLResponse

from .device import WRONG_CODE_WINDOW, DeviceGrant
from .oauth import read_params
from .openapi import PAGE, PAGE_FORM_ERRORS, page_form
from .pages import buttons, credentials, field, form_nonce, hidden, nonce_ok, page, problem
from .tenant import Tenant, tenant_of
from .users import check_password

#: The pages ignore query parameters they do not know, as browsers' pages do (no MockRoute check).
router = APIRouter(tags=["pages for people"], route_class=APIRoute)

_PURPOSE = "device"


class LoginRefused(ValueError):
    """A device login that cannot be approved or denied: the words say why."""


def approve(tenant: Tenant, user_code: str, user: str) -> DeviceGrant:
    """Approve the pending login ``user_code`` for demo person ``user`` (no password: the mock's own shortcut)."""
    if user not in tenant.users:
        raise LoginRefused(f"There is no demo person {user!r}; the demo people are {', '.join(sorted(tenant.users))}.")
    grant = tenant.device_codes.decide(user_code, tenant.clock.now(), user)
    if grant is None:
        raise LoginRefused(_NO_SUCH_CODE)
    return grant


def deny(tenant: Tenant, user_code: str) -> DeviceGrant:
    """Deny the pending login ``user_code``: the device's next poll answers ``access_denied``."""
    grant = tenant.device_codes.decide(user_code, tenant.clock.now(), None)
    if grant is None:
        raise LoginRefused(_NO_SUCH_CODE)
    return grant


_NO_SUCH_CODE = "No sign-in is waiting for this code: check it for typos, or it has expired or was already used. Start again on your device."


_TOO_MANY = "Too many wrong codes were entered here in the last minute; wait a minute, then try again."


def _form(
    tenant: Tenant, user_code: str = "", username: str = "", message: str | None = None, problem_field: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    grant = tenant.device_codes.pending(user_code, tenant.clock.now()) if user_code else None
    intro = (
        f'<p>Check that this code matches the one on your device:</p>\n<p class="code">{escape(grant.shown_user_code)}</p>\n'
        f"<p><strong>{escape(grant.client_id)}</strong> asks to act as you with scope "
        f"<strong>{escape(grant.scope)}</strong>.</p>\n"
        if grant is not None
        else "<p>Enter the code your device shows, then sign in to let it act as you.</p>\n"
    )
    code_focus = problem_field == "user_code" or not user_code
    main = (
        intro
        + problem(message)
        + '<form method="post" action="device">\n'
        + hidden("nonce", form_nonce(tenant, _PURPOSE, tenant.clock.now()))
        + field(
            "user_code", "Code from your device", value=user_code, invalid=problem_field == "user_code", focus=code_focus,
            extra='autocapitalize="characters" spellcheck="false" inputmode="text"',
        )
        + credentials(username, problem_field, not code_focus)
        + buttons("Approve", "Deny")
        + "</form>\n"
        + "<p>Demo people and their passwords: <code>api.users</code> in your notebook.</p>\n"
    )
    return page("Sign in on your device", main, status)


@router.get(
    "/oauth/device", summary="The device verification page: enter the user code, sign in, approve (RFC 8628 §3.3)",
    response_class=HTMLResponse, responses=PAGE,
)
async def device_page(request: Request, user_code: str | None = Query(default=None, description="The code the device shows, e.g. WDJB-MJHT.")) -> HTMLResponse:
    tenant = tenant_of(request)
    message = None
    if user_code and tenant.device_codes.pending(user_code, tenant.clock.now()) is None:
        message = _NO_SUCH_CODE
    return _form(tenant, user_code or "", message=message, problem_field="user_code" if message else None)


@router.post(
    "/oauth/device", summary="Approve or deny a device login as a demo person (the verification page's form)",
    response_class=HTMLResponse,
    responses={
        **PAGE_FORM_ERRORS,
        429: {
            "description": "Too many wrong user codes lately (RFC 8628 §5.1): the form again, and Retry-After.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    },
    openapi_extra=page_form(
        {
            "user_code": {"type": "string", "description": "The code the device shows."},
            "username": {"type": "string"},
            "password": {"type": "string"},
            "action": {"type": "string", "enum": ["approve", "deny"]},
            "nonce": {"type": "string", "description": "The nonce of the rendered form."},
        },
        ["user_code", "action", "nonce"],
    ),
)
async def device_decision(request: Request) -> HTMLResponse:
    tenant = tenant_of(request)
    params: dict[str, Any] = await read_params(request)
    user_code, username = params.get("user_code", ""), params.get("username", "")
    if not nonce_ok(tenant, params.get("nonce", ""), _PURPOSE, tenant.clock.now()):
        return _form(tenant, user_code, username, "This form has expired or did not come from this page. Check the code and try again.", status=400)
    action = params.get("action")
    if action not in {"approve", "deny"}:
        return _form(tenant, user_code, username, "Choose Approve or Deny.", status=400)
    now = tenant.clock.now()
    if tenant.device_codes.guessing(now):
        response = _form(tenant, user_code, username, _TOO_MANY, "user_code", 429)
        response.headers["Retry-After"] = str(int(WRONG_CODE_WINDOW))
        return response
    if not user_code or tenant.device_codes.pending(user_code, now) is None:
        if user_code:
            tenant.device_codes.wrong_code(now)
        return _form(tenant, user_code, username, _NO_SUCH_CODE if user_code else "Enter the code your device shows.", "user_code", 400)
    if action == "deny":
        try:
            deny(tenant, user_code)
        except LoginRefused as refused:
            return _form(tenant, user_code, username, str(refused), "user_code", 400)
        return page("Sign-in denied", "<p>You denied the sign-in. Your device will be told; you can close this tab.</p>")
    if not check_password(tenant.users, username, params.get("password", "")):
        return _form(tenant, user_code, username, "The user name or password is wrong.", "username", 400)
    try:
        grant = approve(tenant, user_code, username)
    except LoginRefused as refused:
        return _form(tenant, user_code, username, str(refused), "user_code", 400)
    return page(
        "Device approved",
        f"<p>Signed in as <strong>{escape(username)}</strong>. Return to your device: "
        f"<strong>{escape(grant.client_id)}</strong> gets its token at its next poll. You can close this tab.</p>",
    )
