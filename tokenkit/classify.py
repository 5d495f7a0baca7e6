"""Classify an HTTP answer with respect to authentication: the rules of :func:`~tokenkit.diagnose`.

Layer 3 of the core. It reads one :class:`~tokenkit.exchange.Exchange` (so a requests or
an httpx2/httpx answer alike): the status, ``WWW-Authenticate``, an RFC 6749/6750 error
body, ``Retry-After`` and rate-limit headers, and the request's own credentials (decoded,
never shown whole) to compare the token's scopes and expiry with what the server asked.

**Reason codes first.** A server may say exactly why it refused, as ``error_reason`` in
the JSON body or as the ``error_reason`` auth-param of the challenge
(:mod:`tokenkit.reasons`); the bundled mock does. That code decides the kind. Only for
servers that send none are the words of ``error_description`` read
(:data:`~tokenkit.advice.DESCRIPTION_WORDS`), so rewording a sentence never changes the
diagnosis of a server that sends codes.

What to *say* about each kind is data in :mod:`tokenkit.advice`; how it is laid out is
:mod:`tokenkit.render`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from .advice import DESCRIPTION_WORDS, NOT_TOKENS, REASON_SUMMARIES, TEXT, TOKEN_ENDPOINT_TEXT, Advice
from .decode import decode
from .errors import TokenDecodeError, safe_url
from .exchange import Exchange, Sent
from .headers import Challenge, parse_www_authenticate, rate_limit_info, retry_after_seconds
from .reasons import REASON_FIELD, Reason, parse_reason
from .render import as_html, as_text
from .secrets import looks_secret, mask, redact

__all__ = ["Diagnosis", "classify"]

#: Reason codes whose kind has another name (the rest are their own kind).
_REASON_KIND = {
    Reason.TOKEN_IN_URL: "invalid_request",
    Reason.DUPLICATE_CREDENTIALS: "invalid_request",
    Reason.CREDENTIAL_TOO_LONG: "invalid_request",
}


@dataclass(repr=False)
class Diagnosis:
    """What an HTTP answer says about authentication.

    ``kind`` is a stable code (``"expired"``, ``"insufficient_scope"``, ``"rate_limited"``,
    ``"token_endpoint:invalid_client"``, ``"not_found"``…) for code and tests; ``summary``,
    ``causes`` and ``actions`` are for people. ``about_tokens`` is False when the answer
    has nothing to do with credentials. ``details`` holds the evidence (missing scope next
    to the token's scopes, the token masked, its expiry…). ``reason`` is the server's
    machine-readable refusal reason (:class:`~tokenkit.reasons.Reason`) when it sent one.
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
    reason: str | None = None

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

    def __str__(self) -> str:
        return as_text(self)

    def _repr_html_(self) -> str:
        return as_html(self)


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


def _read_request(request: Sent | None) -> _Sent:
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


def classify(exchange: Exchange) -> Diagnosis:
    """The :class:`Diagnosis` of one exchange (see the module docstring)."""
    return _Diagnoser(exchange).run()


class _Diagnoser:
    """One diagnosis: reads everything once, then picks the case."""

    def __init__(self, exchange: Exchange) -> None:
        self.response = exchange
        self.request = exchange.request
        self.status = exchange.status
        self.sent = _read_request(self.request)
        self.body = exchange.json_object()
        challenges = parse_www_authenticate(exchange.headers.get("WWW-Authenticate"))
        self.challenge = next((c for c in challenges if c.scheme.lower() == "bearer"), challenges[0] if challenges else None)
        error = self.challenge.get("error") if self.challenge else None
        self.error = error or (self.body.get("error") if isinstance(self.body.get("error"), str) else None)
        desc = (self.challenge.get("error_description") if self.challenge else None) or self.body.get("error_description")
        self.description = desc if isinstance(desc, str) else None
        self.hint = self.body.get("hint") if isinstance(self.body.get("hint"), str) else None
        # The server's machine-readable reason: the challenge's auth-param, else the body's field.
        self.reason = parse_reason(self.challenge.get(REASON_FIELD) if self.challenge else None) or parse_reason(
            self.body.get(REASON_FIELD)
        )
        path = urlsplit(getattr(self.request, "url", "") or exchange.url or "").path
        self.looks_like_token_request = "grant_type" in self.sent.form or path.rstrip("/").endswith("/token")

    def make(self, kind: str, table: Mapping[str, Advice], *,
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
            reason=self.reason.value if self.reason is not None else None,
        )

    def run(self) -> Diagnosis:
        return self._scrub(self._pick())

    def _pick(self) -> Diagnosis:
        status, error = self.status, self.error
        if 200 <= status < 300:
            return self.make("ok", NOT_TOKENS, about_tokens=False)
        if 300 <= status < 400:
            return self.make("redirect", NOT_TOKENS, about_tokens=False)
        if status in (400, 401) and self._is_token_endpoint_error():
            return self._token_endpoint()
        if status == 401:
            return self._unauthorized()
        if status == 403:
            return self._forbidden()
        if status == 429:
            return self._rate_limited()
        if status == 400 and (error == "invalid_request" or _REASON_KIND.get(self.reason) == "invalid_request"):  # type: ignore[arg-type]
            by_reason = self._by_reason(_token_facts(self.sent.token or self.sent.api_key))
            if by_reason is not None:
                return by_reason
            return self.make("invalid_request", TEXT, details=_token_facts(self.sent.token or self.sent.api_key))
        if status == 404:
            return self.make("not_found", NOT_TOKENS, about_tokens=False)
        if status == 405:
            return self.make("method_not_allowed", NOT_TOKENS, about_tokens=False)
        if status >= 500:
            d = self.make("server_error", NOT_TOKENS, about_tokens=False)
            if d.retry_after is not None:
                d.actions = (f"Retry after {d.retry_after:g} s (the server said so in Retry-After).",)
            return d
        if status in (400, 422):
            return self.make("bad_request", NOT_TOKENS, about_tokens=False)
        return self.make("client_error", NOT_TOKENS, about_tokens=False)

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
        key = error if error in TOKEN_ENDPOINT_TEXT else "invalid_request"
        return self.make(f"token_endpoint:{error}", TOKEN_ENDPOINT_TEXT, key=key, token_endpoint=True, details=details,
                         summary=summary)

    def _unauthorized(self) -> Diagnosis:
        sent = self.sent
        facts = _token_facts(sent.token or sent.api_key)
        has_credentials = bool(sent.authorization or sent.api_key)
        if sent.authorization:
            facts["sent_scheme"] = sent.scheme or "(none: raw token)"
        if self.challenge is not None:
            facts["server_wants"] = self.challenge.scheme
        by_reason = self._by_reason(facts)
        if by_reason is not None:
            return by_reason
        if not has_credentials:
            return self.make("missing_credentials", TEXT, details=facts)
        if self.error == "invalid_token":
            text = f" {(self.description or '').lower()} "
            for kind, words in DESCRIPTION_WORDS:
                if any(w in text for w in words):
                    d = self.make(kind, TEXT, details=facts)
                    if kind == "expired" and facts.get("token_seconds_left", 0) > 0:
                        d.causes += (
                            f"By this machine's clock the token still has {facts['token_seconds_left']} s; "
                            "the server's clock is ahead (a mock whose clock was moved, or clock skew).",
                        )
                    return d
            if "token_seconds_left" in facts and facts["token_seconds_left"] <= 0:
                return self.make("expired", TEXT, details=facts,
                                 summary="The server refused the token, and its exp claim is in the past: it has expired.")
            return self.make("invalid_token", TEXT, details=facts)
        if self.error == "invalid_request":
            return self.make("invalid_request", TEXT, details=facts)
        wants = self.challenge.scheme.lower() if self.challenge else None
        if wants and sent.authorization and (sent.scheme or "").lower() != wants:
            return self.make("wrong_scheme", TEXT, details=facts)
        if wants and not sent.authorization and sent.api_key and wants in ("bearer", "basic"):
            return self.make("wrong_scheme", TEXT, details=facts)
        if self.error is None and wants == "bearer":
            return self.make("missing_credentials", TEXT, details=facts, summary=(
                "The server answered as if no credentials came (no error code in the challenge), "
                "although the request had some: they are probably in the wrong header or form."))
        return self.make("unauthorized", TEXT, details=facts)

    def _by_reason(self, facts: dict[str, Any]) -> Diagnosis | None:
        """The diagnosis the server's reason code names, or None when it sent none (or one of another status)."""
        reason = self.reason
        if reason is None or reason in (Reason.INSUFFICIENT_SCOPE, Reason.RATE_LIMITED):
            return None  # those have their own statuses and richer readers below
        kind = _REASON_KIND.get(reason, reason.value)
        if kind not in TEXT:
            return None
        d = self.make(kind, TEXT, details=facts, summary=REASON_SUMMARIES.get(reason.value))
        if kind == "expired" and facts.get("token_seconds_left", 0) > 0:
            d.causes += (
                f"By this machine's clock the token still has {facts['token_seconds_left']} s; "
                "the server's clock is ahead (a mock whose clock was moved, or clock skew).",
            )
        return d

    def _forbidden(self) -> Diagnosis:
        facts = _token_facts(self.sent.token or self.sent.api_key)
        if self.error != "insufficient_scope":
            return self.make("forbidden", TEXT, details=facts)
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
        return self.make("insufficient_scope", TEXT, details=details, summary=summary)

    def _rate_limited(self) -> Diagnosis:
        d = self.make("rate_limited", TEXT, details=_token_facts(self.sent.token or self.sent.api_key))
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
