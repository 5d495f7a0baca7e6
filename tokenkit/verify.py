"""``verify``: a JWT's signature and claims, checked with PyJWT against a key or a JWKS.

Layer 2 of the core. A :class:`Verifier` owns what verification caches: one
``jwt.PyJWKClient`` per JWKS URL (which keeps the keys for ``lifespan`` seconds and, when
a token names a ``kid`` it does not have, fetches the set again once: keys rotate) and
the issuers' discovery documents, also kept ``lifespan`` seconds. :func:`verify` is a
convenience over one default verifier; an application that talks to several issuers, or
a test that must start cold, makes its own.

``jwt`` (PyJWT + cryptography, ~100 ms to import) is imported only when a verification
runs, so ``import tokenkit`` stays light.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import requests

from .decode import ACCESS_TOKEN_TYPE, TIME_CLAIMS, DecodedToken, decode, printable, utc
from .errors import (
    AlgorithmNotAllowedError,
    BadSignatureError,
    KeySetUnavailableError,
    MalformedTokenError,
    MissingClaimError,
    TokenDecodeError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenVerificationError,
    UnknownKeyError,
    WrongAudienceError,
    WrongIssuerError,
    WrongTokenTypeError,
)
from .exchange import unreachable
from .jwtparts import strip_bearer
from .secrets import mask
from .tokens import Token, numeric_date

if TYPE_CHECKING:
    import jwt

__all__ = ["Verifier", "verify", "default_verifier"]

_TIME_CLAIMS = TIME_CLAIMS


class Verifier:
    """Verifies JWTs; owns a JWKS client per URL and a discovery cache, both with a ``lifespan``.

    ``lifespan``: seconds a fetched key set or discovery document is trusted before it is
    read again. ``timeout``: seconds for each fetch. ``clock`` (monotonic) ages the
    discovery cache; PyJWKClient ages its own key cache.

    ``refetch_cooldown``: a token whose ``kid`` is not in the cached set makes the JWKS be
    fetched again once (keys rotate), and PyJWT ≥ 2.10 can refuse to do that sooner than
    this many seconds after the last fetch, so a flood of made-up kids cannot hammer the
    issuer. The default 0 refetches at once: a server that rotated its keys a moment ago
    (the mock in a lesson, a restarted issuer on the same URL) is followed immediately.
    A service that verifies tokens from the open internet should pass a cooldown (PyJWT's
    own default is 30 s; ``None`` keeps it).
    """

    def __init__(
        self,
        *,
        lifespan: float = 300.0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        refetch_cooldown: float | None = 0.0,
    ) -> None:
        self.lifespan = lifespan
        self.timeout = timeout
        self.clock = clock
        self.refetch_cooldown = refetch_cooldown
        self._lock = threading.Lock()
        self._jwk_clients: dict[str, jwt.PyJWKClient] = {}
        self._discovered: dict[str, tuple[str, float]] = {}

    def jwk_client(self, jwks_url: str) -> jwt.PyJWKClient:
        """The one ``PyJWKClient`` for ``jwks_url``, so its key cache survives across calls."""
        import jwt

        with self._lock:
            client = self._jwk_clients.get(jwks_url)
            if client is None:
                extra: dict[str, Any] = {}
                if self.refetch_cooldown is not None and _has_cooldown():
                    extra["cooldown_duration"] = self.refetch_cooldown
                client = self._jwk_clients[jwks_url] = jwt.PyJWKClient(
                    jwks_url, cache_keys=True, lifespan=max(1, int(self.lifespan)), timeout=max(1, int(self.timeout)), **extra
                )
            return client

    def jwks_uri(self, issuer: str) -> str:
        """``jwks_uri`` from the issuer's OpenID discovery document, cached for ``lifespan`` seconds."""
        now = self.clock()
        with self._lock:
            cached = self._discovered.get(issuer)
            if cached is not None and now - cached[1] < self.lifespan:
                return cached[0]
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=self.timeout, headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            mapped = unreachable(exc, url, self.timeout)
            if mapped is None:
                raise
            raise mapped from None
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
        with self._lock:
            self._discovered[issuer] = (jwks_uri, now)
        return jwks_uri

    def clear(self) -> None:
        """Forget every cached key set and discovery document."""
        with self._lock:
            self._jwk_clients.clear()
            self._discovered.clear()

    def verify(
        self,
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
                jwks_url = self.jwks_uri(issuer)
        try:
            if key is None:
                # PyJWKClient refetches the JWKS once when the kid is unknown (keys rotated).
                key = self.jwk_client(str(jwks_url)).get_signing_key_from_jwt(raw).key
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
                options=opts,  # type: ignore[arg-type]  # PyJWT's Options TypedDict; ours adds nothing else
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




def _has_cooldown() -> bool:
    """PyJWKClient takes ``cooldown_duration`` since PyJWT 2.10."""
    import inspect

    import jwt

    return "cooldown_duration" in inspect.signature(jwt.PyJWKClient).parameters


_default = Verifier()


def default_verifier() -> Verifier:
    """The :class:`Verifier` behind :func:`verify`."""
    return _default


#: :meth:`Verifier.verify` on the default verifier (see there for every argument). A bound
#: method rather than a function that repeats the signature, as ``random.random`` is
#: ``random._inst.random``: one signature to keep, and the same docstring.
verify = _default.verify


def _raw_token(token: str | bytes | Token) -> str:
    return strip_bearer(token.access_token if isinstance(token, Token) else token)


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
        raise TokenExpiredError(f"the token has expired: exp {utc(exp)} is before now {utc(now)}")
    if options.get("verify_nbf", True) and nbf is not None and nbf > now + leeway:
        raise TokenNotYetValidError(f"the token is not valid yet: nbf {utc(nbf)} is after now {utc(now)}")
    if options.get("verify_iat", True) and iat is not None and iat > now + leeway:
        raise TokenNotYetValidError(f"the token is not valid yet: iat {utc(iat)} is after now {utc(now)}")
