"""``diagnose(response)``: what went wrong with authentication, and what to do about it.

A 401 or 403 carries more than its status: RFC 6750 puts an error code, a description
and the missing scope in ``WWW-Authenticate``; RFC 6749 puts the token endpoint's error
code in a JSON body; a 429 says when to come back in ``Retry-After`` and the rate-limit
headers. ``diagnose`` reads all of it, plus the request's own ``Authorization`` header
(decoded, never shown whole) to compare the token's scopes and expiry with what the
server asked for, and returns a :class:`Diagnosis`: data for code, readable text for
people (``str()``), and HTML for notebooks.

It also says honestly when an answer is *not* about tokens (200, 404, 500…), because a
learner who sees "Unauthorized" everywhere will start blaming the token for everything.

The header parsers (``parse_www_authenticate``, ``parse_retry_after``,
``retry_after_seconds``, ``rate_limit_info``) live in :mod:`tokenkit.headers` and are
re-exported here, where they were first defined.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import requests

from .decode import TokenDecodeError, decode
from .errors import json_body, safe_url
from .headers import Challenge, parse_retry_after, parse_www_authenticate, rate_limit_info, retry_after_seconds
from .secrets import looks_secret, mask, redact

__all__ = [
    "Diagnosis",
    "Challenge",
    "diagnose",
    "parse_www_authenticate",
    "parse_retry_after",
    "retry_after_seconds",
    "rate_limit_info",
]

# -- the diagnosis ------------------------------------------------------------------------------


@dataclass(repr=False)
class Diagnosis:
    """What an HTTP answer says about authentication.

    ``kind`` is a stable code (``"expired"``, ``"insufficient_scope"``, ``"rate_limited"``,
    ``"token_endpoint:invalid_client"``, ``"not_found"``…) for code and tests; ``summary``,
    ``causes`` and ``actions`` are for people. ``about_tokens`` is False when the answer
    has nothing to do with credentials. ``details`` holds the evidence (missing scope next
    to the token's scopes, the token masked, its expiry…).
    """

    status: int | None
    kind: str
    summary: str
    causes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    about_tokens: bool = True
    token_endpoint: bool = False
    error: str | None = None
    error_description: str | None = None
    hint: str | None = None
    challenge: Challenge | None = None
    retry_after: float | None = None
    rate_limit: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    method: str | None = None
    url: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 400

    def __repr__(self) -> str:
        # Short on purpose: a notebook shows it as the plain-text form next to the HTML,
        # and the evidence in ``details`` belongs in str() and the HTML, not in a repr.
        return f"<Diagnosis {self.status} {self.kind}: {self.summary}>"

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "challenge"}
        data["challenge"] = (
            {"scheme": self.challenge.scheme, **self.challenge.params} if self.challenge else None
        )
        data["causes"], data["actions"] = list(self.causes), list(self.actions)
        return data

    def _heading(self) -> str:
        if self.status is None:
            head = "No HTTP answer"
        else:
            try:
                phrase = HTTPStatus(self.status).phrase
            except ValueError:
                phrase = ""
            head = f"HTTP {self.status} {phrase}".rstrip()
        if self.method or self.url:
            head += f" — {self.method or ''} {self.url or ''}".rstrip()
        return head

    def _detail_lines(self) -> list[tuple[str, str]]:
        rows = [(k.replace("_", " "), _show(v)) for k, v in self.details.items()]
        if self.retry_after is not None:
            rows.append(("retry after", f"{self.retry_after:g} s"))
        if self.rate_limit:
            rows.append(("rate limit", ", ".join(f"{k}={v:g}" for k, v in self.rate_limit.items())))
        if self.error:
            said = self.error + (f": {self.error_description}" if self.error_description else "")
            rows.append(("server said", said))
        if self.hint:
            rows.append(("server's hint", self.hint))
        return rows

    def __str__(self) -> str:
        lines = [self._heading(), self.summary]
        if self.causes:
            lines.append("Likely causes:")
            lines += [f"  - {c}" for c in self.causes]
        if self.actions:
            lines.append("What to do:")
            lines += [f"  - {a}" for a in self.actions]
        rows = self._detail_lines()
        if rows:
            lines.append("Details:")
            lines += [f"  {k}: {v}" for k, v in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html  # only notebooks need it

        e = html.escape
        colour = "#2e7d32" if self.ok else ("#9e9e9e" if not self.about_tokens else ("#ef6c00" if self.status == 429 else "#c62828"))
        parts = [
            f'<div style="border-left:4px solid {colour};padding:4px 10px;font-family:sans-serif">',
            f"<div><b>{e(self._heading())}</b></div>",
            f"<div>{e(self.summary)}</div>",
        ]
        for title, items in (("Likely causes", self.causes), ("What to do", self.actions)):
            if items:
                parts.append(f"<div><i>{title}</i><ul style='margin:2px 0'>")
                parts += [f"<li>{e(i)}</li>" for i in items]
                parts.append("</ul></div>")
        rows = self._detail_lines()
        if rows:
            parts.append("<table style='font-size:90%'>")
            parts += [f"<tr><td><code>{e(k)}</code></td><td>{e(v)}</td></tr>" for k, v in rows]
            parts.append("</table>")
        parts.append("</div>")
        return "".join(parts)


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(map(str, value)) or "(none)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# -- reading the request ------------------------------------------------------------------------

_TOKEN_ENDPOINT_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}


@dataclass
class _Sent:
    """What the request carried, credentials included (kept private; shown masked)."""

    authorization: str | None = None
    scheme: str | None = None
    token: str | None = None
    api_key: str | None = None
    form: dict[str, str] = field(default_factory=dict)
    basic_client_id: str | None = None
    basic_secret: str | None = None

    def secrets(self) -> list[str]:
        values = [self.token, self.api_key, self.basic_secret, self.authorization]
        values += (self.authorization or "").split()  # "Bearer Bearer <t>": the inner token too
        values += [self.form.get(k) for k in ("client_secret", "refresh_token", "token", "access_token")]
        # Short words ("Bearer", "Basic") are not secrets; a client secret is one whatever its length.
        return [v for v in values if v and (len(v) >= 12 or v == self.basic_secret or v == self.form.get("client_secret"))]


def _read_request(request: requests.PreparedRequest | None) -> _Sent:
    sent = _Sent()
    if request is None:
        return sent
    headers = request.headers or {}
    auth = headers.get("Authorization")
    if auth:
        sent.authorization = auth
        scheme, _, rest = auth.strip().partition(" ")
        if rest:
            sent.scheme, sent.token = scheme, rest.strip()
        else:
            sent.token = scheme  # a raw token, no scheme
        if sent.scheme and sent.scheme.lower() == "basic":
            sent.token = None
            try:
                decoded = base64.b64decode(rest.strip()).decode("utf-8")
                cid, _, secret = decoded.partition(":")
                sent.basic_client_id, sent.basic_secret = unquote_plus(cid), unquote_plus(secret)
            except (binascii.Error, UnicodeDecodeError, ValueError):
                pass
    query = dict(parse_qsl(urlsplit(request.url or "").query))
    sent.api_key = headers.get("X-API-Key") or query.get("api_key")
    body = request.body
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body = None
    if isinstance(body, str) and body:
        content_type = headers.get("Content-Type", "")
        if "json" in content_type:
            try:
                data = json.loads(body)
                if isinstance(data, dict):
                    sent.form = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
            except (ValueError, RecursionError):
                pass
        elif "x-www-form-urlencoded" in content_type:
            sent.form = dict(parse_qsl(body))
    return sent


_json_body = json_body


def _token_facts(raw: str | None) -> dict[str, Any]:
    """Masked token, scopes and expiry of a JWT the request carried (unverified, for comparison)."""
    if not raw:
        return {}
    facts: dict[str, Any] = {"token": mask(raw)}
    try:
        decoded = decode(raw)
    except TokenDecodeError as exc:
        facts["token_format"] = f"not a JWT ({exc.part}: {exc})"
        return facts
    facts["token_scopes"] = list(decoded.scopes)
    if decoded.expires_at is not None:  # finite and within datetime's range (see DecodedToken)
        exp = datetime.fromtimestamp(decoded.expires_at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        facts["token_expires"] = exp
        # By *this* machine's clock: the server's may differ (the mock's can be moved).
        facts["token_seconds_left"] = round(decoded.seconds_left or 0.0)
    for claim in ("aud", "iss", "client_id"):
        if claim in decoded.claims:
            facts[f"token_{claim}"] = decoded.claims[claim]
    return facts


def _whitespace_note(name: str, value: str | None) -> str | None:
    """``your client_secret ends with a newline — was it copied with one?``, or None."""
    if not value or value == value.strip():
        return None

    def what(c: str) -> str:
        return {"\n": "a newline", "\r": "a carriage return", "\t": "a tab", " ": "a space"}.get(c, "whitespace")

    where = []
    if value[0] != value[0].strip() or not value[0].strip():
        where.append(f"starts with {what(value[0])}")
    if value[-1] != value[-1].strip() or not value[-1].strip():
        where.append(f"ends with {what(value[-1])}")
    return f"your {name} {' and '.join(where)} — was it copied with one?"


# -- the cases ----------------------------------------------------------------------------------

_INVALID_TOKEN_KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("wrong_scheme", ("scheme", "raw token", "x-api-key", "'bearer ' came", "bearer' but no token", "more than one word",
                      "does not look like")),
    ("revoked", ("revoked",)),
    ("expired", ("expired",)),
    ("not_yet_valid", ("not valid until", "not yet valid", "nbf", "in the future")),
    ("bad_signature", ("signature",)),
    ("unknown_key", ("unknown key", "kid", "signing key")),
    ("wrong_audience", ("audience",)),
    ("wrong_issuer", ("issuer",)),
    ("algorithm_not_allowed", ("algorithm", " alg ")),
    ("missing_claim", ("required claim", "lacks the", "missing claim")),
    ("malformed", ("malformed", "base64", "not a jwt")),
]

_TEXT: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # kind: (summary, causes, actions)
    "missing_credentials": (
        "The request carried no credentials the server could use.",
        ("No Authorization header was sent (the auth= or headers= argument is missing).",
         "The token variable is empty, or the header was set on another request/session.",
         "A redirect to another host dropped the Authorization header (requests does this on purpose)."),
        ("Get a token, then send it: requests.get(url, auth=BearerAuth(token)) or headers={'Authorization': f'Bearer {token}'}.",),
    ),
    "wrong_scheme": (
        "A token was sent, but not in the form this endpoint expects.",
        ("'Bearer ' missing before the token, or added where the API wants the raw token.",
         "The token went in another header (X-API-Key vs Authorization) than this endpoint reads.",
         "Basic credentials were sent to an API endpoint; Basic is for the token endpoint."),
        ("Check the API's docs for the exact header and scheme; compare with the WWW-Authenticate challenge.",
         "Use BearerAuth(token), HeaderAuth(token, scheme=None) or ApiKeyAuth(token) to match it."),
    ),
    "expired": (
        "The access token has expired.",
        ("Tokens are short-lived on purpose; this one outlived its expires_in.",
         "The token was cached (in a variable, a file, .env) and reused after expiry."),
        ("Get a new token (or use the refresh token) and retry.",
         "Let RefreshingAuth(source) renew tokens before they expire."),
    ),
    "not_yet_valid": (
        "The token is not valid yet (its nbf/iat is in the server's future).",
        ("The clocks of the issuer and the API disagree.",),
        ("Sync the clocks (NTP); servers usually allow a few seconds of leeway.",),
    ),
    "bad_signature": (
        "The token's signature does not match its contents.",
        ("The token was edited, truncated or had characters added when copied.",
         "It was signed by another server or key than the one this API trusts."),
        ("Use the access_token exactly as the token endpoint returned it; get a fresh one.",),
    ),
    "unknown_key": (
        "The token was signed with a key this API does not know (its kid is not in the JWKS).",
        ("The token comes from another server, or from an earlier run of the server (keys rotated).",),
        ("Get a new token from the token endpoint this API trusts.",),
    ),
    "wrong_audience": (
        "The token was issued for another API (its aud claim does not match).",
        ("The audience parameter of the token request named another API.",),
        ("Request the token for this API's audience (or leave audience out for the default).",),
    ),
    "wrong_issuer": (
        "The token was issued by an issuer this API does not trust.",
        ("The token came from another server, or from the same server under another base URL.",),
        ("Get the token from the token endpoint at the same base URL as the API calls.",),
    ),
    "revoked": (
        "The token was revoked and will never work again.",
        ("Someone (maybe your own code, via /oauth/revoke) revoked it, or reuse of a refresh token revoked its family.",),
        ("Get a new token.",),
    ),
    "algorithm_not_allowed": (
        "The token's signing algorithm is not accepted.",
        ("The token is unsigned (alg none) or signed with another algorithm than the API allows.",),
        ("Use a token from the API's own token endpoint; never build tokens by hand.",),
    ),
    "missing_claim": (
        "The token lacks a claim the API requires.",
        ("This is not an access token for this API (an ID token, or a hand-made JWT).",),
        ("Use the access_token from the token endpoint.",),
    ),
    "malformed": (
        "The token is not a well-formed JWT.",
        ("It was cut short, wrapped over lines, quoted, or had 'Bearer ' included twice.",),
        ("Send the access_token value exactly as returned; tokenkit.decode(token) shows which part is wrong.",),
    ),
    "invalid_token": (
        "The server refused the token (invalid_token).",
        ("Expired, revoked, altered, or issued for another API; the server did not say which.",),
        ("Decode it with tokenkit.decode(token) to check exp, aud and iss; then get a new token.",),
    ),
    "invalid_request": (
        "The server could not read the credentials in this request (invalid_request).",
        ("The token was sent in the URL, twice, or in a malformed or oversized header.",),
        ("Send the token once, in the header the API expects.",),
    ),
    "unauthorized": (
        "The server wants authentication this request did not satisfy.",
        ("The credentials are not accepted for this endpoint.",),
        ("Read the WWW-Authenticate challenge for the scheme it wants.",),
    ),
    "insufficient_scope": (
        "The token is valid but lacks a scope this endpoint needs.",
        ("The token was requested without that scope, or the client is not allowed it.",),
        ("Request the token with the needed scope (scope=… in the token request), from a client that may have it.",),
    ),
    "forbidden": (
        "The server knows who you are but refuses this action.",
        ("The account or client lacks the permission (not a token format problem).",),
        ("Check the permissions of the client/user; a new token alone will not help.",),
    ),
    "rate_limited": (
        "Too many requests: the rate limit for this token or client is used up.",
        ("Requests were sent faster than the limit allows.",),
        ("Wait Retry-After seconds before retrying; slow down, back off (tokenkit.session(retries=…)) or spread load (TokenPool).",),
    ),
}

_TOKEN_ENDPOINT_TEXT: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "invalid_request": (
        "The token endpoint could not read the token request (invalid_request).",
        ("A required parameter (grant_type…) is missing or sent twice.",
         "The body is not form-encoded (use data=… not params=… or a raw string).",
         "The client authenticated in two ways at once (Basic and client_secret in the body)."),
        ("Send grant_type and the client credentials in a form-encoded body, exactly once each.",),
    ),
    "invalid_client": (
        "The token endpoint did not accept the client credentials (invalid_client).",
        ("Wrong client_id or client_secret (typo, stray space or newline, a secret of another client).",
         "A secret with special characters sent in Basic without form-urlencoding (RFC 6749 §2.3.1).",
         "The server's secrets changed (e.g. the mock restarted without a seed)."),
        ("Check TOKENKIT_CLIENT_ID / TOKENKIT_CLIENT_SECRET (tokenkit.from_env) against the server's list.",
         "Let ClientCredentials build the Basic header, or try auth_method='client_secret_post'."),
    ),
    "invalid_grant": (
        "The grant was refused (invalid_grant): the refresh token is expired, revoked, unknown or already used.",
        ("Refresh tokens rotate: an old one was reused instead of the newest.",
         "The refresh token belongs to another client, or to an earlier run of the server."),
        ("Store the newest refresh_token from every answer; get a fresh token with client_credentials now.",),
    ),
    "unauthorized_client": (
        "This client is not allowed the grant type it used (unauthorized_client).",
        ("The client is registered without that grant (e.g. no refresh tokens).",),
        ("Use a grant the client is allowed (client_credentials), or a client that has this one.",),
    ),
    "unsupported_grant_type": (
        "The token endpoint does not support this grant_type (unsupported_grant_type).",
        ("A typo in grant_type, or a grant for users and browsers sent by a script.",),
        ("Use grant_type=client_credentials for machine-to-machine access.",),
    ),
    "invalid_scope": (
        "The requested scope is unknown or not allowed for this client (invalid_scope).",
        ("A typo in the scope, scopes not space-separated, or a scope this client may not have.",),
        ("Ask only for scopes the client is registered for.",),
    ),
}

_NOT_TOKENS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "ok": ("The request succeeded; there is nothing wrong with authentication.", (), ()),
    "redirect": (
        "A redirect: not an authentication problem.",
        ("requests removes the Authorization header when a redirect leads to another host.",),
        ("Call the final URL directly if a later answer is a 401.",),
    ),
    "not_found": (
        "Not found: the URL or the resource does not exist. This is not about your token.",
        ("A typo in the path, a wrong base URL, or an id that does not exist (any more).",),
        ("Check the URL against the API's docs or index.",),
    ),
    "method_not_allowed": (
        "This HTTP method is not allowed on this URL. This is not about your token.",
        ("GET vs POST/PUT/PATCH/DELETE mixed up.",),
        ("Check which methods the endpoint takes.",),
    ),
    "bad_request": (
        "The server rejected the request itself (its data or parameters), not the token.",
        ("A missing or invalid field in the body or query.",),
        ("Read the error body for the field at fault; send JSON with json=….",),
    ),
    "server_error": (
        "The server failed. This is not about your token.",
        ("A bug or an outage on the server side.",),
        ("Retry later (with backoff); report it if it persists.",),
    ),
    "client_error": ("The server refused the request for a reason unrelated to tokens.", (), ("Read the error body.",)),
}


def diagnose(response: requests.Response | BaseException) -> Diagnosis:
    """Explain an HTTP answer with respect to authentication (see the module docstring).

    Also accepts an exception: a tokenkit HTTP error (its response is diagnosed) or a
    connection error (the server did not answer at all).
    """
    if isinstance(response, BaseException):
        inner = getattr(response, "response", None)
        if inner is None:
            url = getattr(response, "url", None) or getattr(getattr(response, "request", None), "url", None)
            return Diagnosis(
                status=None,
                kind="unreachable" if isinstance(response, requests.ConnectionError) else "no_response",
                summary=f"No answer: {response}",
                causes=("The server is not running, or the URL/port is wrong.",),
                actions=("Start the server (for the mock: `tokenkit mock` or `with MockAPI() as api:`) and check the URL.",),
                about_tokens=False,
                url=safe_url(url) if url else None,
            )
        response = inner
    return _Diagnoser(response).run()


class _Diagnoser:
    """One diagnosis: reads everything once, then picks the case."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.request = response.request
        self.status = response.status_code
        self.sent = _read_request(self.request)
        self.body = _json_body(response)
        challenges = parse_www_authenticate(response.headers.get("WWW-Authenticate"))
        self.challenge = next((c for c in challenges if c.scheme.lower() == "bearer"), challenges[0] if challenges else None)
        error = self.challenge.get("error") if self.challenge else None
        self.error = error or (self.body.get("error") if isinstance(self.body.get("error"), str) else None)
        desc = (self.challenge.get("error_description") if self.challenge else None) or self.body.get("error_description")
        self.description = desc if isinstance(desc, str) else None
        self.hint = self.body.get("hint") if isinstance(self.body.get("hint"), str) else None
        path = urlsplit(getattr(self.request, "url", "") or response.url or "").path
        self.looks_like_token_request = "grant_type" in self.sent.form or path.rstrip("/").endswith("/token")

    def make(self, kind: str, table: Mapping[str, tuple[str, tuple[str, ...], tuple[str, ...]]], *,
             key: str | None = None, about_tokens: bool = True, token_endpoint: bool = False,
             summary: str | None = None, details: dict[str, Any] | None = None) -> Diagnosis:
        text_summary, causes, actions = table[key or kind]
        return Diagnosis(
            status=self.status,
            kind=kind,
            summary=summary or text_summary,
            causes=causes,
            actions=actions,
            about_tokens=about_tokens,
            token_endpoint=token_endpoint,
            error=self.error,
            error_description=self.description,
            hint=self.hint,
            challenge=self.challenge,
            retry_after=retry_after_seconds(self.response) if self.status in (429, 503) else None,
            rate_limit=rate_limit_info(self.response.headers),
            details=details or {},
            method=getattr(self.request, "method", None),
            url=safe_url(getattr(self.request, "url", None) or self.response.url),
        )

    def run(self) -> Diagnosis:
        return self._scrub(self._pick())

    def _pick(self) -> Diagnosis:
        status, error = self.status, self.error
        if 200 <= status < 300:
            return self.make("ok", _NOT_TOKENS, about_tokens=False)
        if 300 <= status < 400:
            return self.make("redirect", _NOT_TOKENS, about_tokens=False)
        if status in (400, 401) and self._is_token_endpoint_error():
            return self._token_endpoint()
        if status == 401:
            return self._unauthorized()
        if status == 403:
            return self._forbidden()
        if status == 429:
            return self._rate_limited()
        if status == 400 and error == "invalid_request":
            return self.make("invalid_request", _TEXT, details=_token_facts(self.sent.token or self.sent.api_key))
        if status == 404:
            return self.make("not_found", _NOT_TOKENS, about_tokens=False)
        if status == 405:
            return self.make("method_not_allowed", _NOT_TOKENS, about_tokens=False)
        if status >= 500:
            d = self.make("server_error", _NOT_TOKENS, about_tokens=False)
            if d.retry_after is not None:
                d.actions = (f"Retry after {d.retry_after:g} s (the server said so in Retry-After).",)
            return d
        if status in (400, 422):
            return self.make("bad_request", _NOT_TOKENS, about_tokens=False)
        return self.make("client_error", _NOT_TOKENS, about_tokens=False)

    def _is_token_endpoint_error(self) -> bool:
        """An RFC 6749 §5.2 error. ``invalid_request`` is also RFC 6750's code on resources,
        so it counts only when the request looks like a token request."""
        if self.error not in _TOKEN_ENDPOINT_ERRORS:
            return False
        return self.looks_like_token_request or self.error != "invalid_request"

    def _token_endpoint(self) -> Diagnosis:
        error = self.error or "invalid_request"
        client_id = self.sent.basic_client_id or self.sent.form.get("client_id")
        details: dict[str, Any] = {}
        if client_id:
            details["client_id"] = client_id
        secret: str | None = None
        if self.sent.basic_secret is not None or "client_secret" in self.sent.form:
            details["client_auth"] = "HTTP Basic" if self.sent.basic_secret is not None else "client_secret in body"
            secret = self.sent.basic_secret if self.sent.basic_secret is not None else self.sent.form.get("client_secret", "")
            details["client_secret"] = mask(secret)
        summary = None
        if error == "invalid_client":
            spaced = [w for w in (_whitespace_note("client_id", client_id), _whitespace_note("client_secret", secret)) if w]
            if spaced:
                details["warning"] = "leading/trailing whitespace: " + "; ".join(spaced)
                summary = (
                    f"The token endpoint did not accept the client credentials (invalid_client): {spaced[0]}"
                    f"{' (and ' + spaced[1] + ')' if len(spaced) > 1 else ''}."
                )
        if "grant_type" in self.sent.form:
            details["grant_type"] = self.sent.form["grant_type"]
        if "scope" in self.sent.form:
            details["requested_scope"] = self.sent.form["scope"]
        key = error if error in _TOKEN_ENDPOINT_TEXT else "invalid_request"
        return self.make(f"token_endpoint:{error}", _TOKEN_ENDPOINT_TEXT, key=key, token_endpoint=True, details=details,
                         summary=summary)

    def _unauthorized(self) -> Diagnosis:
        sent = self.sent
        facts = _token_facts(sent.token or sent.api_key)
        has_credentials = bool(sent.authorization or sent.api_key)
        if sent.authorization:
            facts["sent_scheme"] = sent.scheme or "(none: raw token)"
        if self.challenge is not None:
            facts["server_wants"] = self.challenge.scheme
        if not has_credentials:
            return self.make("missing_credentials", _TEXT, details=facts)
        if self.error == "invalid_token":
            text = f" {(self.description or '').lower()} "
            for kind, words in _INVALID_TOKEN_KINDS:
                if any(w in text for w in words):
                    d = self.make(kind, _TEXT, details=facts)
                    if kind == "expired" and facts.get("token_seconds_left", 0) > 0:
                        d.causes += (
                            f"By this machine's clock the token still has {facts['token_seconds_left']} s; "
                            "the server's clock is ahead (a mock whose clock was moved, or clock skew).",
                        )
                    return d
            if "token_seconds_left" in facts and facts["token_seconds_left"] <= 0:
                return self.make("expired", _TEXT, details=facts,
                                 summary="The server refused the token, and its exp claim is in the past: it has expired.")
            return self.make("invalid_token", _TEXT, details=facts)
        if self.error == "invalid_request":
            return self.make("invalid_request", _TEXT, details=facts)
        wants = self.challenge.scheme.lower() if self.challenge else None
        if wants and sent.authorization and (sent.scheme or "").lower() != wants:
            return self.make("wrong_scheme", _TEXT, details=facts)
        if wants and not sent.authorization and sent.api_key and wants in ("bearer", "basic"):
            return self.make("wrong_scheme", _TEXT, details=facts)
        if self.error is None and wants == "bearer":
            return self.make("missing_credentials", _TEXT, details=facts, summary=(
                "The server answered as if no credentials came (no error code in the challenge), "
                "although the request had some: they are probably in the wrong header or form."))
        return self.make("unauthorized", _TEXT, details=facts)

    def _forbidden(self) -> Diagnosis:
        facts = _token_facts(self.sent.token or self.sent.api_key)
        if self.error != "insufficient_scope":
            return self.make("forbidden", _TEXT, details=facts)
        needed_raw = (self.challenge.get("scope") if self.challenge else None) or self.body.get("scope") or ""
        needed = needed_raw.split() if isinstance(needed_raw, str) else []
        details: dict[str, Any] = {"required_scope": needed}
        if "token_scopes" in facts:
            have = facts["token_scopes"]
            details["token_scopes"] = have
            details["missing_scopes"] = [s for s in needed if s not in have]
        details.update({k: v for k, v in facts.items() if k not in details})
        missing = details.get("missing_scopes") or needed
        summary = "The token is valid but lacks the scope this endpoint needs"
        summary += f": {' '.join(missing)}." if missing else "."
        return self.make("insufficient_scope", _TEXT, details=details, summary=summary)

    def _rate_limited(self) -> Diagnosis:
        d = self.make("rate_limited", _TEXT, details=_token_facts(self.sent.token or self.sent.api_key))
        if d.retry_after is not None:
            d.summary = f"Too many requests: the rate limit is used up; the server asks to wait {d.retry_after:g} s."
        return d

    def _scrub(self, d: Diagnosis) -> Diagnosis:
        """Belt and braces: no credential appears whole in the diagnosis.

        Masked: every credential the request carried, a ``client_id`` that looks like a
        secret (id and secret swapped), and in what the *server* wrote (its error,
        description, hint, challenge, a scope it names) also JWT-shaped strings and words
        that look like keys, since a server may echo a secret typed into the wrong field.
        """
        secrets = list(self.sent.secrets())
        client_id = self.sent.basic_client_id or self.sent.form.get("client_id")
        if client_id and looks_secret(client_id.strip()):
            secrets += [client_id, client_id.strip()]

        def clean(value: Any, guess: bool = True) -> Any:
            if isinstance(value, str):
                return redact(value, secrets, guess=guess)
            if isinstance(value, list):
                return [clean(v, guess) for v in value]
            if isinstance(value, tuple):
                return tuple(clean(v, guess) for v in value)
            if isinstance(value, dict):
                return {k: clean(v, guess) for k, v in value.items()}
            return value

        d.summary = clean(d.summary)
        d.error = clean(d.error)
        d.error_description = clean(d.error_description)
        d.hint = clean(d.hint)
        d.details = clean(d.details)
        d.causes, d.actions = clean(d.causes, False), clean(d.actions, False)
        if d.challenge is not None:
            d.challenge = Challenge(clean(d.challenge.scheme), clean(d.challenge.params), clean(d.challenge.token68))
        return d
