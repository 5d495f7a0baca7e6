"""Read a JWT: ``decode`` (inspection, unverified) and ``verify`` (signature and claims).

Two functions on purpose. ``decode`` is for *looking*: anyone can base64-decode a JWT,
and seeing ``exp``, ``scope`` or ``aud`` is how you debug a 401. What it returns is
labelled ``verified=False`` everywhere it is shown, because nothing in it can be trusted
until the signature is checked. ``verify`` does that check through PyJWT and a JWKS, with
PyJWT's options (``audience``, ``issuer``, ``leeway``, ``algorithms``), and turns each of
PyJWT's failures into one tokenkit error per cause.

``decode`` is plain stdlib; ``jwt`` (PyJWT + cryptography, ~100 ms to import) is imported
only when ``verify`` is first called.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import requests

from .errors import (
    AlgorithmNotAllowedError,
    BadSignatureError,
    KeySetUnavailableError,
    MissingClaimError,
    ServerUnreachableError,
    TokenDecodeError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenVerificationError,
    UnknownKeyError,
    WrongAudienceError,
    WrongIssuerError,
)
from .secrets import mask
from .tokens import REFRESH_THRESHOLD, Token, TokenState

if TYPE_CHECKING:
    import jwt

__all__ = ["DecodedToken", "decode", "verify", "looks_like_jwt"]

_TIME_CLAIMS = ("exp", "iat", "nbf")


def _utc(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return None


@dataclass(frozen=True)
class DecodedToken:
    """A JWT's header and claims, plus readable times.

    ``verified`` is False for :func:`decode` and True only for :func:`verify`; ``now`` is
    the instant ``seconds_left`` and ``state`` were computed for. The token itself is not
    kept: only ``masked``, its masked form.
    """

    header: dict[str, Any]
    claims: dict[str, Any]
    verified: bool = False
    now: float = field(default_factory=time.time)
    masked: str = ""

    @property
    def times(self) -> dict[str, str | None]:
        """``exp``, ``iat`` and ``nbf`` as UTC strings (only those present)."""
        return {name: _utc(self.claims[name]) for name in _TIME_CLAIMS if name in self.claims}

    @property
    def expires_at(self) -> float | None:
        exp = self.claims.get("exp")
        return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None

    @property
    def seconds_left(self) -> float | None:
        """Seconds from ``now`` to ``exp`` (negative once expired)."""
        return None if self.expires_at is None else self.expires_at - self.now

    @property
    def state(self) -> TokenState:
        left = self.seconds_left
        if left is None or left > REFRESH_THRESHOLD:
            return TokenState.FRESH
        return TokenState.STALE if left > 0 else TokenState.EXPIRED

    @property
    def scopes(self) -> tuple[str, ...]:
        """Scopes from ``scope`` (space-separated, RFC 8693) or ``scp`` (list, some vendors)."""
        scope = self.claims.get("scope", self.claims.get("scp"))
        if isinstance(scope, str):
            return tuple(scope.split())
        if isinstance(scope, list):
            return tuple(str(s) for s in scope)
        return ()

    @property
    def algorithm(self) -> str | None:
        return self.header.get("alg")

    def to_dict(self) -> dict[str, Any]:
        """Everything shown, as plain JSON-able data (for ``--json`` and widgets)."""
        return {
            "verified": self.verified,
            "token": self.masked,
            "header": self.header,
            "claims": self.claims,
            "times_utc": self.times,
            "seconds_left": None if self.seconds_left is None else round(self.seconds_left, 3),
            "state": self.state.value,
            "scopes": list(self.scopes),
        }

    def __str__(self) -> str:
        label = "VERIFIED" if self.verified else "UNVERIFIED (signature not checked; do not trust these claims)"
        lines = [f"JWT {self.masked} — {label}", "header:"]
        lines += [f"  {k}: {json.dumps(v)}" for k, v in self.header.items()]
        lines.append("claims:")
        times = self.times
        for key, value in self.claims.items():
            shown = json.dumps(value, ensure_ascii=False)
            if times.get(key):
                shown += f"  ({times[key]})"
            lines.append(f"  {key}: {shown}")
        left = self.seconds_left
        if left is not None:
            when = f"{left:.0f} s left" if left > 0 else f"expired {-left:.0f} s ago"
            lines.append(f"state: {self.state.value} ({when})")
        return "\n".join(lines)


def _b64url(segment: str, part: str) -> bytes:
    if not segment:
        raise TokenDecodeError(f"the {part} segment is empty", part=part)
    if "=" in segment.rstrip("=") or any(c in segment for c in "+/ "):
        raise TokenDecodeError(
            f"the {part} segment is not base64url (it contains '+', '/', ' ' or '=' in the middle)",
            part=part,
        )
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenDecodeError(f"the {part} segment is not valid base64url: {exc}", part=part) from None


def _json_object(raw: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TokenDecodeError(f"the {part} segment is base64url but not JSON: {exc}", part=part) from None
    if not isinstance(value, dict):
        raise TokenDecodeError(f"the {part} is JSON but not an object ({type(value).__name__})", part=part)
    return value


def _raw_token(token: str | Token) -> str:
    raw = token.access_token if isinstance(token, Token) else token
    if not isinstance(raw, str):
        raise TokenDecodeError(f"expected a token string, got {type(raw).__name__}", part="input")
    raw = raw.strip()
    if raw[:7].lower() == "bearer ":  # a whole header value pasted in
        raw = raw[7:].strip()
    return raw


def looks_like_jwt(value: str | None) -> bool:
    """Cheap check: three dot-separated segments, the first a base64url JSON object."""
    if not value or value.count(".") != 2:
        return False
    try:
        decode(value)
    except TokenDecodeError:
        return False
    return True


def decode(token: str | Token, *, now: float | None = None) -> DecodedToken:
    """Header and claims of a JWT, **without verifying the signature**.

    For inspection only: the result says ``verified=False``. Malformed input raises
    :class:`~tokenkit.TokenDecodeError` naming the part that is wrong (segment count,
    header or payload base64url, JSON).
    """
    raw = _raw_token(token)
    if not raw:
        raise TokenDecodeError("the token is empty", part="input")
    segments = raw.split(".")
    if len(segments) != 3:
        hint = " (5 segments: this is an encrypted JWE, not a signed JWT)" if len(segments) == 5 else ""
        raise TokenDecodeError(
            f"a JWT has 3 dot-separated segments (header.payload.signature); this has {len(segments)}{hint}",
            part="segments",
        )
    header = _json_object(_b64url(segments[0], "header"), "header")
    claims = _json_object(_b64url(segments[1], "payload"), "payload")
    return DecodedToken(
        header=header,
        claims=claims,
        verified=False,
        now=time.time() if now is None else now,
        masked=mask(raw),
    )


# -- verification ---------------------------------------------------------------------
_jwk_clients: dict[str, Any] = {}
_jwks_uris: dict[str, str] = {}
_cache_lock = threading.Lock()


def _jwk_client(jwks_url: str) -> jwt.PyJWKClient:
    """One ``PyJWKClient`` per URL, so its key cache survives across calls."""
    import jwt

    with _cache_lock:
        client = _jwk_clients.get(jwks_url)
        if client is None:
            client = _jwk_clients[jwks_url] = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300)
        return client


def _discover_jwks_uri(issuer: str, timeout: float = 10.0) -> str:
    """Read ``jwks_uri`` from the issuer's OpenID discovery document (cached per issuer)."""
    with _cache_lock:
        if issuer in _jwks_uris:
            return _jwks_uris[issuer]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.Timeout as exc:
        raise ServerUnreachableError(url, exc, timed_out=True) from None
    except requests.ConnectionError as exc:
        raise ServerUnreachableError(url, exc) from None
    try:
        response.raise_for_status()
        jwks_uri = response.json()["jwks_uri"]
    except (requests.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise KeySetUnavailableError(
            f"could not read jwks_uri from {url} (HTTP {response.status_code}): {exc.__class__.__name__}",
            original=exc,
        ) from None
    with _cache_lock:
        _jwks_uris[issuer] = jwks_uri
    return jwks_uri


def _translate(exc: Exception) -> TokenVerificationError:
    """One tokenkit error per PyJWT cause (most specific classes first: PyJWT subclasses them)."""
    import jwt

    table: list[tuple[type[Exception], type[TokenVerificationError], str]] = [
        (jwt.ExpiredSignatureError, TokenExpiredError, "the token has expired"),
        (jwt.ImmatureSignatureError, TokenNotYetValidError, "the token is not valid yet (nbf/iat in the future; clocks in sync?)"),
        (jwt.InvalidAudienceError, WrongAudienceError, "the token's audience (aud) is not the expected one"),
        (jwt.InvalidIssuerError, WrongIssuerError, "the token's issuer (iss) is not the expected one"),
        (jwt.MissingRequiredClaimError, MissingClaimError, "a required claim is missing"),
        (jwt.InvalidAlgorithmError, AlgorithmNotAllowedError, "the token's algorithm is not allowed"),
        (jwt.InvalidSignatureError, BadSignatureError, "the signature does not match (token altered, or signed by another key)"),
        (jwt.PyJWKClientConnectionError, KeySetUnavailableError, "the JWKS could not be fetched"),
    ]
    for pyjwt_class, ours, text in table:
        if isinstance(exc, pyjwt_class):
            return ours(f"{text}: {exc}", original=exc)
    if isinstance(exc, jwt.PyJWKClientError):
        return UnknownKeyError(f"no key in the JWKS matches the token's kid: {exc}", original=exc)
    return TokenVerificationError(f"the token failed verification: {exc}", original=exc)


def verify(
    token: str | Token,
    jwks_url: str | None = None,
    issuer: str | None = None,
    audience: str | Iterable[str] | None = None,
    leeway: float = 0,
    algorithms: Iterable[str] = ("RS256",),
    *,
    key: Any = None,
    require: Iterable[str] = ("exp",),
    options: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> DecodedToken:
    """Check a JWT's signature and claims; return it as a ``verified=True`` :class:`DecodedToken`.

    The key comes from ``key`` if given, else from ``jwks_url``, else from the ``issuer``'s
    discovery document. ``audience`` and ``issuer`` are checked when given (PyJWT names and
    semantics); ``leeway`` absorbs clock skew. Each failure raises its own subclass of
    :class:`~tokenkit.TokenVerificationError`, with PyJWT's exception on ``original``.

    ``now`` checks ``exp``/``nbf``/``iat`` against another instant than this machine's
    clock (e.g. ``api.clock.now()`` after a lesson moved the mock's clock); PyJWT cannot,
    so those three checks are then done here, with the same leeway.
    """
    import jwt

    raw = _raw_token(token)
    unverified = decode(raw)  # precise TokenDecodeError for malformed input
    allowed = list(algorithms)
    alg = unverified.algorithm
    if alg not in allowed:
        raise AlgorithmNotAllowedError(f"the token's algorithm {alg!r} is not among the allowed {allowed}")
    try:
        if key is None:
            if jwks_url is None:
                if issuer is None:
                    raise TypeError("verify() needs a key, a jwks_url or an issuer to find the keys")
                jwks_url = _discover_jwks_uri(issuer)
            key = _jwk_client(jwks_url).get_signing_key_from_jwt(raw).key
        opts: dict[str, Any] = {"require": list(require)}
        opts.update(options or {})
        if now is not None:
            opts.update(verify_exp=False, verify_nbf=False, verify_iat=False)
        claims = jwt.decode(
            raw,
            key,
            algorithms=allowed,
            audience=list(audience) if audience is not None and not isinstance(audience, str) else audience,
            issuer=issuer,
            leeway=leeway,
            options=opts,
        )
    except jwt.DecodeError as exc:
        if isinstance(exc, jwt.InvalidSignatureError):
            raise _translate(exc) from None
        raise TokenDecodeError(f"PyJWT could not decode the token: {exc}", part="token") from None
    except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
        if isinstance(exc, jwt.InvalidAudienceError) and audience is None:
            raise WrongAudienceError(
                f"the token is for audience {unverified.claims.get('aud')!r} but no audience was given to check it "
                "against; pass audience=… (a token meant for another API must not be accepted by default)",
                original=exc,
            ) from None
        raise _translate(exc) from None
    if now is not None:
        _check_times(claims, now, leeway, options or {})
    return DecodedToken(
        header=unverified.header,
        claims=claims,
        verified=True,
        now=time.time() if now is None else now,
        masked=mask(raw),
    )


def _check_times(claims: Mapping[str, Any], now: float, leeway: float, options: Mapping[str, Any]) -> None:
    """PyJWT's exp/nbf/iat checks, against an explicit ``now``."""
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if options.get("verify_exp", True) and isinstance(exp, (int, float)) and exp <= now - leeway:
        raise TokenExpiredError(f"the token has expired: exp {_utc(exp)} is before now {_utc(now)}")
    if options.get("verify_nbf", True) and isinstance(nbf, (int, float)) and nbf > now + leeway:
        raise TokenNotYetValidError(f"the token is not valid yet: nbf {_utc(nbf)} is after now {_utc(now)}")
    if options.get("verify_iat", True) and isinstance(iat, (int, float)) and iat > now + leeway:
        raise TokenNotYetValidError(f"the token is not valid yet: iat {_utc(iat)} is after now {_utc(now)}")
