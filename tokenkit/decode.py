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
    MalformedTokenError,
    MissingClaimError,
    ServerUnreachableError,
    TokenDecodeError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenVerificationError,
    UnknownKeyError,
    WrongAudienceError,
    WrongIssuerError,
    WrongTokenTypeError,
    is_timeout,
)
from .secrets import mask
from .tokens import REFRESH_THRESHOLD, Token, TokenState, numeric_date

if TYPE_CHECKING:
    import jwt

__all__ = ["DecodedToken", "decode", "verify", "looks_like_jwt", "numeric_date", "printable", "ACCESS_TOKEN_TYPE"]

_TIME_CLAIMS = ("exp", "iat", "nbf")

#: A JWT longer than this is refused before any parsing (servers refuse headers of 8-16 KB).
MAX_TOKEN_LENGTH = 100_000
#: Header and claims nested deeper than this are refused: no real JWT comes close, and
#: deep nesting is how a crafted token exhausts a parser's recursion.
MAX_DEPTH = 32
#: The ``typ`` an access token should carry (RFC 9068 §2.1); ``application/at+jwt`` is the same.
ACCESS_TOKEN_TYPE = "at+jwt"


def _utc(value: Any) -> str | None:
    number = numeric_date(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return None


def printable(text: str) -> str:
    """``text`` with control and format characters escaped (``\\x1b`` → ``\\u001b``).

    A claim is attacker-chosen text; printed raw to a terminal, an escape sequence in it
    can recolour, move the cursor or hide lines, and a bidi override can reorder what is
    shown. Letters of any script are kept as they are.
    """
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c == " " else (
            f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
        )
        for c in text
    )


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


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
        """``exp``, ``iat`` and ``nbf`` as UTC strings (only those present; None if not a usable NumericDate)."""
        return {name: _utc(self.claims[name]) for name in _TIME_CLAIMS if name in self.claims}

    @property
    def expires_at(self) -> float | None:
        """``exp`` as an instant, or None when absent or not a usable NumericDate (see :func:`numeric_date`)."""
        return numeric_date(self.claims.get("exp"))

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
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else None

    @property
    def token_type(self) -> str | None:
        """The header's ``typ`` (``at+jwt`` for an RFC 9068 access token), if it is a string."""
        typ = self.header.get("typ")
        return typ if isinstance(typ, str) else None

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
        """Readable text for a terminal or notebook. Every line is passed through
        :func:`printable`, so control characters in a crafted claim are shown escaped."""
        label = "VERIFIED" if self.verified else "UNVERIFIED (signature not checked; do not trust these claims)"
        lines = [f"JWT {self.masked} — {label}", "header:"]
        lines += [f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in self.header.items()]
        lines.append("claims:")
        times = self.times
        for key, value in self.claims.items():
            shown = json.dumps(value, ensure_ascii=False)
            if times.get(key):
                shown += f"  ({times[key]})"
            elif key in _TIME_CLAIMS:
                shown += "  (not a usable NumericDate: seconds since 1970 expected)"
            lines.append(f"  {key}: {shown}")
        left = self.seconds_left
        if left is not None:
            when = f"{left:.0f} s left" if left > 0 else f"expired {-left:.0f} s ago"
            lines.append(f"state: {self.state.value} ({when})")
        return "\n".join(printable(line) for line in lines)


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
    except RecursionError:
        raise TokenDecodeError(f"the {part} is JSON nested too deeply to read", part=part) from None
    if not isinstance(value, dict):
        raise TokenDecodeError(f"the {part} is JSON but not an object ({type(value).__name__})", part=part)
    if _depth(value) > MAX_DEPTH:
        raise TokenDecodeError(f"the {part} is JSON nested more than {MAX_DEPTH} levels deep", part=part)
    return value


def _raw_token(token: str | bytes | Token) -> str:
    raw = token.access_token if isinstance(token, Token) else token
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("ascii")
        except UnicodeDecodeError:
            raise TokenDecodeError("the token bytes are not ASCII: a JWT is base64url text", part="input") from None
    if not isinstance(raw, str):
        raise TokenDecodeError(f"expected a token string, got {type(raw).__name__}", part="input")
    if len(raw) > MAX_TOKEN_LENGTH:
        raise TokenDecodeError(f"the token is {len(raw)} characters long, more than any real JWT", part="input")
    raw = raw.strip()
    if raw[:7].lower() == "bearer ":  # a whole header value pasted in
        raw = raw[7:].strip()
    return raw


def looks_like_jwt(value: str | None) -> bool:
    """Cheap check: three dot-separated segments, the first a base64url JSON object."""
    if not value or not isinstance(value, str) or value.count(".") != 2:
        return False
    try:
        decode(value)
    except TokenDecodeError:
        return False
    return True


def decode(token: str | bytes | Token, *, now: float | None = None) -> DecodedToken:
    """Header and claims of a JWT, **without verifying the signature**.

    For inspection only: the result says ``verified=False``. Malformed input raises
    :class:`~tokenkit.TokenDecodeError` naming the part that is wrong (segment count,
    header or payload base64url, JSON, nesting), and nothing else: any string or bytes
    either decodes or raises that. Claims are shown as they are, odd ones included (a
    string ``exp`` is worth seeing when debugging); a time claim that is not a usable
    NumericDate gives no expiry (see :func:`numeric_date`).
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
        raise ServerUnreachableError(url, exc, timed_out=True, timeout=timeout) from None
    except requests.ConnectionError as exc:
        raise ServerUnreachableError(url, exc, timed_out=is_timeout(exc), timeout=timeout) from None
    try:
        response.raise_for_status()
        jwks_uri = response.json()["jwks_uri"]
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("http://", "https://")):
            raise ValueError("jwks_uri is not an http(s) URL")
    except (requests.HTTPError, ValueError, KeyError, TypeError, RecursionError) as exc:
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
    token_type: str | None = ACCESS_TOKEN_TYPE,
) -> DecodedToken:
    """Check a JWT's signature and claims; return it as a ``verified=True`` :class:`DecodedToken`.

    The key comes from ``key`` if given, else from ``jwks_url``, else from the ``issuer``'s
    discovery document. ``audience`` and ``issuer`` are checked when given (PyJWT names and
    semantics); ``leeway`` absorbs clock skew. Each failure raises its own subclass of
    :class:`~tokenkit.TokenVerificationError`, with PyJWT's exception on ``original``;
    input that is not a well-formed JWT raises :class:`~tokenkit.MalformedTokenError`, which
    is both a ``TokenDecodeError`` and a ``TokenVerificationError``.

    ``token_type`` is the ``typ`` header an access token must carry (RFC 9068 §4, RFC 8725
    §3.11): by default ``at+jwt`` (case-insensitive, ``application/at+jwt`` too), so an
    ID token or another JWT signed by the same issuer is refused with
    :class:`~tokenkit.WrongTokenTypeError`. Pass another value for other JWTs, or
    ``None`` to skip the check.

    ``now`` checks ``exp``/``nbf``/``iat`` against another instant than this machine's
    clock (e.g. ``api.clock.now()`` after a lesson moved the mock's clock); PyJWT cannot,
    so those three checks are then done here, with the same leeway. Either way a time
    claim that is present must be a usable NumericDate (a string or NaN ``exp`` is a
    malformed token, never a token that does not expire).
    """
    import jwt

    try:
        raw = _raw_token(token)
        unverified = decode(raw)
    except TokenDecodeError as exc:
        raise MalformedTokenError(str(exc), part=exc.part) from None
    for name in _TIME_CLAIMS:
        if name in unverified.claims and numeric_date(unverified.claims[name]) is None:
            shown = printable(json.dumps(unverified.claims[name]))[:40]
            raise MalformedTokenError(
                f"the token's {name} claim is {shown}, not a NumericDate (seconds since 1970)", part="payload"
            )
    allowed = list(algorithms)
    alg = unverified.algorithm
    if alg not in allowed:
        shown_alg = printable(repr(unverified.header.get("alg")))[:40]
        raise AlgorithmNotAllowedError(f"the token's algorithm {shown_alg} is not among the allowed {allowed}")
    if key is None:
        if jwks_url is None:
            if issuer is None:
                raise TypeError("verify() needs a key, a jwks_url or an issuer to find the keys")
            jwks_url = _discover_jwks_uri(issuer)
    try:
        if key is None:
            key = _jwk_client(jwks_url).get_signing_key_from_jwt(raw).key  # type: ignore[arg-type]
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
        raise MalformedTokenError(f"PyJWT could not decode the token: {exc}", part="token", original=exc) from None
    except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
        if isinstance(exc, jwt.InvalidAudienceError) and audience is None:
            raise WrongAudienceError(
                f"the token is for audience {printable(repr(unverified.claims.get('aud')))[:80]} but no audience was "
                "given to check it against; pass audience=… (a token meant for another API must not be accepted by default)",
                original=exc,
            ) from None
        raise _translate(exc) from None
    except (TypeError, ValueError, AttributeError) as exc:
        # PyJWT hands the key to the token's algorithm: an RSA/EC key cannot check an HMAC
        # signature (HS256 with a public key is the classic algorithm-confusion attack).
        raise AlgorithmNotAllowedError(
            f"the key does not fit the token's algorithm {alg!r} ({type(exc).__name__}); never allow HMAC (HS*) "
            "and public-key (RS*/ES*/PS*) algorithms together for one key",
            original=exc,
        ) from None
    except (OverflowError, RecursionError) as exc:
        raise MalformedTokenError(f"the token's claims cannot be checked: {type(exc).__name__}", part="payload",
                                  original=exc) from None
    if now is not None:
        _check_times(claims, now, leeway, options or {})
    if token_type is not None:
        _check_type(unverified.token_type, token_type, unverified.header.get("typ"))
    return DecodedToken(
        header=unverified.header,
        claims=claims,
        verified=True,
        now=time.time() if now is None else now,
        masked=mask(raw),
    )


def _media_type(value: str) -> str:
    value = value.strip().lower()
    return value[len("application/"):] if value.startswith("application/") else value


def _check_type(typ: str | None, expected: str, shown: Any) -> None:
    """RFC 9068 §4: the ``typ`` header must be the expected one (compared as media types)."""
    if typ is not None and _media_type(typ) == _media_type(expected):
        return
    what = "no typ header" if shown is None else f"typ {printable(repr(shown))[:40]}"
    raise WrongTokenTypeError(
        f"the token has {what}, not {expected!r}: it is not an access token (an ID token or another JWT of "
        f"the same issuer?). Pass token_type=None only if this API really accepts other JWTs"
    )


def _check_times(claims: Mapping[str, Any], now: float, leeway: float, options: Mapping[str, Any]) -> None:
    """PyJWT's exp/nbf/iat checks, against an explicit ``now`` (values already checked to be NumericDates)."""
    exp, nbf, iat = (numeric_date(claims.get(name)) for name in ("exp", "nbf", "iat"))
    if options.get("verify_exp", True) and exp is not None and exp <= now - leeway:
        raise TokenExpiredError(f"the token has expired: exp {_utc(exp)} is before now {_utc(now)}")
    if options.get("verify_nbf", True) and nbf is not None and nbf > now + leeway:
        raise TokenNotYetValidError(f"the token is not valid yet: nbf {_utc(nbf)} is after now {_utc(now)}")
    if options.get("verify_iat", True) and iat is not None and iat > now + leeway:
        raise TokenNotYetValidError(f"the token is not valid yet: iat {_utc(iat)} is after now {_utc(now)}")
