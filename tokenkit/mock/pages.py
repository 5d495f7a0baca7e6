"""The pages a person sees: the device verification page and the login page, as small HTML forms.

A learner opens them in a browser tab (and a test submits them with requests, as a browser
would), so they are plain, accessible HTML: a heading per page, a label for every field,
fields in the order they are filled in, focus on the first one that needs the person, a
problem announced with ``role="alert"`` and tied to its field, no script and no external
asset (the Content-Security-Policy allows nothing else to load).

Each form carries a nonce the server made for that page (``form_nonce``): an HMAC, with the
tenant's ``form_key``, of when it was made and what the page was for. A form posted from
another site has no valid nonce, so it is refused: CSRF-safe enough for a mock, and nothing
is stored per page, so rendering a page adds no state to sweep.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from html import escape

from starlette.responses import HTMLResponse

from .tenant import Tenant

#: How long (on the mock's clock) a rendered form can be submitted.
FORM_LIFETIME = 600
#: Pages show nothing cacheable, load nothing from elsewhere, and are never framed (clickjacking).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #111; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { font-size: 1rem; padding: .4rem; width: 100%; box-sizing: border-box; }
.code { font-family: ui-monospace, monospace; font-size: 1.6rem; letter-spacing: .15em; }
.buttons { margin-top: 1.5rem; display: flex; gap: 1rem; }
button { font-size: 1rem; padding: .5rem 1.2rem; }
[role=alert] { border-left: .3rem solid #b00020; padding: .3rem .8rem; background: #fdecee; }
:focus { outline: .2rem solid #1a56db; outline-offset: .1rem; }
"""


def form_nonce(tenant: Tenant, purpose: str, now: float) -> str:
    """A nonce for one rendering of a form for ``purpose`` (which binds what the form is for)."""
    salt = secrets.token_urlsafe(9)
    issued = str(int(now))
    return f"{salt}.{issued}.{_mac(tenant, purpose, salt, issued)}"


def nonce_ok(tenant: Tenant, nonce: str, purpose: str, now: float) -> bool:
    """Whether ``nonce`` was made by ``form_nonce`` for ``purpose`` on this tenant, less than ``FORM_LIFETIME`` ago."""
    salt, _, rest = nonce.partition(".")
    issued, _, mac = rest.partition(".")
    if not (salt and issued.isdigit() and mac):
        return False
    if not hmac.compare_digest(mac, _mac(tenant, purpose, salt, issued)):
        return False
    return 0 <= now - int(issued) < FORM_LIFETIME


def _mac(tenant: Tenant, purpose: str, salt: str, issued: str) -> str:
    message = "\n".join((purpose, salt, issued)).encode()
    return hmac.new(tenant.form_key, message, hashlib.sha256).hexdigest()[:32]


def page(title: str, main: str, status: int = 200) -> HTMLResponse:
    """A whole HTML document: ``main`` (already escaped HTML) under an ``h1`` of ``title``."""
    document = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} - tokenkit mock</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{escape(title)}</h1>\n{main}\n</main>\n</body>\n</html>\n"
    )
    return HTMLResponse(document, status_code=status, headers=PAGE_HEADERS)


def problem(text: str | None) -> str:
    """The paragraph that announces a problem (``id="problem"``, which fields point to)."""
    return f'<p id="problem" role="alert">{escape(text)}</p>\n' if text else ""


def field(
    name: str, label: str, *, kind: str = "text", value: str = "", autocomplete: str = "off",
    invalid: bool = False, focus: bool = False, extra: str = "",
) -> str:
    """A labelled input; ``invalid`` marks it and points it at the problem paragraph."""
    attributes = [f'id="{name}"', f'name="{name}"', f'type="{kind}"', f'autocomplete="{autocomplete}"', "required"]
    if value:
        attributes.append(f'value="{escape(value)}"')
    if invalid:
        attributes.append('aria-invalid="true" aria-describedby="problem"')
    if focus:
        attributes.append("autofocus")
    if extra:
        attributes.append(extra)
    return f'<label for="{name}">{escape(label)}</label>\n<input {" ".join(attributes)}>\n'


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">\n'


def credentials(username: str, problem_field: str | None, focus_first: bool) -> str:
    """The username and password fields, focus on the first that needs the person."""
    user_focus = focus_first and (problem_field == "username" or not username)
    return field(
        "username", "User name", value=username, autocomplete="username",
        invalid=problem_field == "username", focus=user_focus, extra='autocapitalize="none" spellcheck="false"',
    ) + field(
        "password", "Password", kind="password", autocomplete="current-password",
        invalid=problem_field == "username", focus=focus_first and not user_focus,
    )


def buttons(approve: str, deny: str) -> str:
    """Approve and deny; deny needs no filled-in fields (``formnovalidate``)."""
    return (
        '<div class="buttons">\n'
        f'<button type="submit" name="action" value="approve">{escape(approve)}</button>\n'
        f'<button type="submit" name="action" value="deny" formnovalidate>{escape(deny)}</button>\n'
        "</div>\n"
    )
