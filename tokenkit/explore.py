"""Build and send one request the way the request explorer does, without any widgets.

The explorer (``tokenkit.widgets.RequestExplorer``) is a form: a method, a path, a way
of sending the token, a token and a JSON body. Everything that form needs to *decide*
lives here, so it is unit-tested like the rest of the core and a widget only wires
inputs to it:

- :func:`auth_for` maps the form's "send as" choice to one of the core's auth classes,
  so the explorer sends exactly what a script using tokenkit would send;
- :func:`parse_json_body` turns the body text into JSON, or says where it is broken
  (line and column), because "Expecting ',' delimiter" alone is hard to find in a textarea;
- :func:`join_url` keeps every request on the API the explorer was opened for: a token
  must never follow a pasted absolute URL to another host;
- :func:`send` does the request and turns "connection refused" into the core's
  :class:`~tokenkit.ServerUnreachableError`, the error lesson 01 teaches;
- :func:`sent_credentials`, :func:`pretty_body` and :func:`status_line` describe the
  exchange for display, with every credential masked.

Nothing here imports ipywidgets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from .auth import ApiKeyAuth, BearerAuth, HeaderAuth
from .errors import safe_url
from .exchange import unreachable
from .secrets import mask
from .tokens import Token

__all__ = [
    "AUTH_FORMS",
    "METHODS",
    "BODY_METHODS",
    "auth_for",
    "parse_json_body",
    "join_url",
    "send",
    "sent_credentials",
    "pretty_body",
    "status_line",
]

#: How the explorer can send a token: not at all, ``Authorization: Bearer <token>``,
#: ``Authorization: <token>`` (no scheme, some older APIs) or ``X-API-Key: <token>``.
AUTH_FORMS = ("none", "Bearer", "raw token", "X-API-Key")

#: The methods the explorer offers (the ones the lessons use).
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

#: Methods whose JSON body is sent. A body on GET or DELETE has no defined meaning
#: (RFC 9110 §9.3.1, §9.3.5) and many servers and proxies drop or refuse it.
BODY_METHODS = ("POST", "PUT", "PATCH")

#: Body fields that hold secrets; :func:`pretty_body` masks their values.
SECRET_FIELDS = ("access_token", "refresh_token", "id_token", "client_secret", "token", "api_key")


def auth_for(form: str, token: str | Token | None) -> AuthBase | None:
    """The core auth object that sends ``token`` in ``form`` (one of :data:`AUTH_FORMS`).

    ``"none"`` gives ``None`` (no credentials: the way to see a 401 ``missing_token``).
    Any other form needs a token; an empty one raises ``ValueError`` that says so,
    rather than letting the core raise a ``TypeError`` about types.
    """
    if form not in AUTH_FORMS:
        raise ValueError(f"unknown auth form {form!r}; choose one of {', '.join(AUTH_FORMS)}")
    if form == "none":
        return None
    raw = token.access_token if isinstance(token, Token) else (token or "")
    raw = raw.strip()  # a copied token often brings a trailing newline along
    if not raw:
        raise ValueError(f"sending as {form!r} needs a token: pick one, or paste one")
    if form == "Bearer":
        return BearerAuth(raw)
    if form == "raw token":
        return HeaderAuth(raw, scheme=None)
    return ApiKeyAuth(raw)


def parse_json_body(text: str | None) -> object | None:
    """The JSON value in ``text``, ``None`` for an empty body.

    Bad JSON raises ``ValueError`` naming the line and column, and what was expected
    there, so a learner can find the missing comma or the single quotes.
    """
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if "'" in text and '"' not in text:
            hint = " (JSON needs double quotes: {\"title\": \"…\"})"
        raise ValueError(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}{hint}"
        ) from None


def join_url(base_url: str, path: str | None) -> str:
    """``base_url`` and ``path`` joined with exactly one slash, staying on ``base_url``'s host.

    ``urljoin`` would drop a base path (``/api`` + ``/data`` gives ``/data``) and follow
    an absolute path to anywhere; here a path is always *under* the base URL. An absolute
    URL is accepted only if it already starts with ``base_url``: the explorer sends a
    token with every request, and a token must not leave for another host because a URL
    was pasted into the path field.
    """
    base = base_url.strip().rstrip("/")
    if not urlsplit(base).scheme or not urlsplit(base).netloc:
        raise ValueError(f"the base URL must look like http://host:port, not {base_url!r}")
    path = (path or "").strip()
    if urlsplit(path).scheme:
        if path == base or path.startswith(base + "/") or path.startswith(base + "?"):
            return path
        raise ValueError(
            f"the path {safe_url(path)!r} points at another server than {safe_url(base)!r}; "
            "give a path such as /data (the token would be sent along)"
        )
    return f"{base}/{path.lstrip('/')}"


def send(
    method: str,
    base_url: str,
    path: str | None,
    *,
    form: str = "Bearer",
    token: str | Token | None = None,
    body_text: str | None = None,
    session: requests.Session | None = None,
    timeout: float = 10,
) -> requests.Response:
    """Send one request as the explorer's form describes it, and return the response.

    The response is returned whatever its status (a 401 is the interesting part, not an
    exception). Input mistakes (unknown method, bad JSON, missing token, a path to another
    host) raise ``ValueError`` before anything is sent; a server that does not answer
    raises :class:`~tokenkit.ServerUnreachableError` (also a ``requests.ConnectionError``).
    The JSON body is sent only for :data:`BODY_METHODS`. With ``form="none"`` this
    function adds no credentials, but a ``session`` with its own ``auth`` still applies it
    (requests' rule); :func:`sent_credentials` shows what actually went out.
    """
    method = method.upper().strip()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    url = join_url(base_url, path)
    auth = auth_for(form, token)
    body = parse_json_body(body_text) if method in BODY_METHODS else None
    kwargs: dict[str, Any] = {"auth": auth, "timeout": timeout, "headers": {"Accept": "application/json"}}
    if body is not None:
        kwargs["json"] = body
    owned = session is None
    http = requests.Session() if owned else session
    try:
        return http.request(method, url, **kwargs)  # type: ignore[union-attr]
    except requests.RequestException as exc:
        mapped = unreachable(exc, url, timeout)
        if mapped is None or mapped is exc:
            raise
        raise mapped from None
    finally:
        if owned:
            http.close()  # type: ignore[union-attr]


# -- describing the exchange ------------------------------------------------------------

_CREDENTIAL_HEADERS = ("Authorization", "X-API-Key", "Proxy-Authorization", "Cookie")


def sent_credentials(request: requests.PreparedRequest | None) -> list[tuple[str, str]]:
    """The credential headers ``request`` carried, values masked: what was *actually* sent.

    ``Authorization: Bearer eyJh…x9Qk (765 chars)`` keeps the scheme readable (the part
    learners get wrong) and hides the token.
    """
    if request is None:
        return []
    shown = []
    for name in _CREDENTIAL_HEADERS:
        raw = request.headers.get(name)
        if raw is None:
            continue
        value = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        scheme, sep, rest = value.partition(" ")
        if name.endswith("Authorization") and sep and rest:
            shown.append((name, f"{scheme} {mask(rest)}"))
        else:
            shown.append((name, mask(value)))
    return shown


def _mask_fields(value: Any, fields: Iterable[str]) -> Any:
    names = {f.lower() for f in fields}
    if isinstance(value, Mapping):
        return {
            k: (mask(v) if isinstance(v, str) and str(k).lower() in names else _mask_fields(v, names))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_fields(v, names) for v in value]
    return value


def pretty_body(response: requests.Response, *, limit: int = 20_000) -> str:
    """The response body for reading: indented JSON when it is JSON, text otherwise.

    Values of :data:`SECRET_FIELDS` (a token endpoint's ``access_token``…) are masked, and
    a body longer than ``limit`` characters is cut with a note saying how much is left.
    """
    if not response.content:
        return "(empty body)"
    try:
        data = response.json()
    except ValueError:
        text = response.text
    else:
        text = json.dumps(_mask_fields(data, SECRET_FIELDS), indent=2, ensure_ascii=False)
    if len(text) > limit:
        text = f"{text[:limit]}\n… ({len(text) - limit} more characters not shown)"
    return text


def status_line(response: requests.Response) -> str:
    """``401 Unauthorized · GET http://host:port/data`` (the URL without query string)."""
    try:
        phrase = response.reason or HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = ""
    request = response.request
    method = getattr(request, "method", "") or ""
    where = safe_url(getattr(request, "url", None) or response.url)
    return f"{response.status_code} {phrase} · {method} {where}".replace("  ", " ")
