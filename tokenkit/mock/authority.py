"""The mock's authorization server: it issues RS256 access tokens and checks them.

Checking is done the way a careful resource server does it, and each failure is named
precisely, because the point of the mock is that a learner can see *why* a token was
refused: only RS256 with a known ``kid`` (no ``alg: none``, no HS256 signed with the
public key), then signature, token type (``at+jwt``, RFC 9068 §4), issuer, audience, and
time claims against the mock's own clock with a small leeway, then revocation.

Revocation is where the two kinds of resource server differ. One that only checks a JWT
locally (signature, claims, time) cannot know it was revoked and accepts it until ``exp``;
one that introspects, or shares the issuer's deny-list, refuses it at once. ``verify``
does both, ``verify(..., local_only=True)`` only the first, and the mock has endpoints of
each kind side by side.
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import jwt

from . import boundedjson
from .clients import DemoClient
from .clock import Clock
from .echo import shown
from tokenkit.reasons import Reason

from .errors import ApiError, invalid_token
from .keys import KeyRing
from .settings import API_AUDIENCE, Settings
from .store import EXPIRED_REMEMBERED_FOR, MAX_FAMILIES_PER_HOLDER, RefreshTokenStore, RevocationList

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "nbf", "jti", "scope", "client_id")
TIME_CLAIMS = ("exp", "nbf", "iat")
STRING_CLAIMS = ("sub", "jti", "scope", "client_id")
#: RFC 9068 §2.1: the JOSE ``typ`` of a JWT access token (media type, ``application/`` optional).
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
#: 9999-12-31T23:59:59Z: a NumericDate past this is not a time any clock will show.
LATEST_INSTANT = 253402300799


def _json_segment(segment: str) -> dict[str, Any] | None:
    """A token segment decoded as a JSON object, or None if it is not base64url JSON.

    Decoded here rather than with ``jwt.get_unverified_header``, which also decodes the
    signature and so blames the header for a signature that was cut short. Parsed with
    the bounded loader, so a segment of ``[[[[…]]]]`` is malformed, not a crash; and since
    PyJWT only ever sees tokens whose segments passed here, it never parses one either.
    """
    try:
        header = boundedjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        return None
    return header if isinstance(header, dict) else None


def _claim_type_problem(claims: dict[str, Any]) -> str | None:
    """Why the claims' types are unusable (a string ``exp``, NaN, a list as ``client_id``), or None.

    Only a holder of the signing key can make such a token, but a resource server checks
    types anyway: every comparison below assumes NumericDates are finite numbers (RFC 7519
    §2) and identifiers are strings.
    """
    for name in TIME_CLAIMS:
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"its '{name}' claim is {type(value).__name__}, not a NumericDate (seconds since 1970)"
        if not (isinstance(value, int) or math.isfinite(value)) or not 0 <= value <= LATEST_INSTANT:
            return f"its '{name}' claim is not a usable time (it must be seconds since 1970, before year 10000)"
    for name in STRING_CLAIMS:
        if not isinstance(claims[name], str):
            return f"its '{name}' claim is {type(claims[name]).__name__}, not a string"
    return None


def _unknown_key() -> ApiError:
    return invalid_token(
        Reason.UNKNOWN_KEY,
        "The token was signed with an unknown key (its kid is not in this server's JWKS).",
        "Was it issued by another server, by an earlier run of this mock, or with a key rotated away since? Get a new token from this one.",
    )


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ClaimsCache:
    """What never changes for a token string, checked once: ``(token, issuer)`` -> ``(kid, claims)``.

    One cache for every tenant of the process, least recently used out first. A cache per
    tenant (4,096 entries each) grew by every token a learner ever got: on a classroom server
    of 1,000 tenants that was about 2 KB per token, tens of MB an hour, never given back.
    Sharing is safe because everything a hit skips depends on the key alone: the ``kid`` is
    the key's RFC 7638 thumbprint (one kid, one key, whichever tenant checked it), the issuer
    is part of the key, and whether this tenant still trusts that kid, time, revocation and
    the client are checked on every request after the cache.
    """

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, str], tuple[str, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, issuer: str) -> tuple[str, dict[str, Any]] | None:
        with self._lock:
            found = self._entries.get((token, issuer))
            if found is not None:
                self._entries.move_to_end((token, issuer))
            return found

    def put(self, token: str, issuer: str, checked: tuple[str, dict[str, Any]]) -> None:
        with self._lock:
            self._entries[(token, issuer)] = checked
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


#: The process's one ``ClaimsCache`` (failures are never cached: they raise).
STATIC_CHECKS = ClaimsCache()


@dataclass(frozen=True)
class Principal:
    """Who a verified access token speaks for."""

    claims: dict[str, Any]
    client: DemoClient

    @property
    def sub(self) -> str:
        return str(self.claims["sub"])

    @property
    def jti(self) -> str:
        return str(self.claims["jti"])

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(str(self.claims.get("scope", "")).split())


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    claims: dict[str, Any]
    refresh_token: str | None
    family: str | None = None
    """The refresh-token family the tokens joined (None without a refresh token)."""


class Authority:
    """Issues and verifies tokens for one tenant of a mock server (its clients, clock and keys)."""

    def __init__(
        self, settings: Settings, clients: Mapping[str, DemoClient], clock: Clock, keys: KeyRing, *, max_families: int = MAX_FAMILIES_PER_HOLDER
    ) -> None:
        """``max_families``: refresh-token families kept per client and account (see ``RefreshTokenStore``)."""
        self.settings = settings
        self.clients = clients
        self.clock = clock
        self.keys = keys
        self.revoked = RevocationList()
        self.refresh_tokens = RefreshTokenStore(self.revoked, max_families=max_families)
        # What never changes for a given token string (signature, typ, iss, aud, required
        # claims) is checked once and remembered (in STATIC_CHECKS), as API gateways do;
        # whether its key is still trusted, time and revocation are checked on every request.
        # The person a refresh-token family speaks for (family -> (user, when it can end)), so
        # a token refreshed for alice is alice's too. Families of machine tokens are not here.
        self._family_users: dict[str, tuple[str, float]] = {}

    # -- issuing ---------------------------------------------------------------------

    def issue(
        self, client: DemoClient, scope: str, audience: str, issuer: str, family: str | None = None, *, user: str | None = None
    ) -> IssuedTokens:
        """Sign an access token (and a refresh token if the client gets them).

        ``sub`` is ``user`` for a person's login and the client's id for a machine; a
        refresh in ``family`` keeps the person the family was first issued for.
        """
        now = int(self.clock.now())
        if user is None and family is not None and family in self._family_users:
            user = self._family_users[family][0]
        jti = secrets.token_urlsafe(12)
        claims: dict[str, Any] = {
            "iss": issuer,
            "sub": user if user is not None else client.client_id,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + client.token_lifetime,
            "jti": jti,
            "scope": scope,
            "client_id": client.client_id,
        }
        key = self.keys.current
        headers = {"kid": key.kid, "typ": "at+jwt"}  # RFC 9068 access-token type
        access_token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers=headers)
        refresh_token = None
        if client.refresh_tokens:
            refresh_token, family = self.refresh_tokens.issue(
                client.client_id, scope, audience, now + self.settings.refresh_token_lifetime, family, account=user
            )
            # The access token joins the family, so a reuse that revokes the family revokes it too.
            self.refresh_tokens.add_access_token(family, jti, now + client.token_lifetime)
            if user is not None:
                self._family_users[family] = (user, now + self.settings.refresh_token_lifetime + EXPIRED_REMEMBERED_FOR)
        return IssuedTokens(access_token, claims, refresh_token, family)

    # -- upkeep ----------------------------------------------------------------------

    def forget_expired(self, now: float) -> int:
        """Drop revocations and refresh state that can no longer change an answer.

        A revoked access token is remembered until it would be refused as expired anyway
        (``exp`` plus the leeway); a refresh token (used, revoked or fresh) until it expires.
        """
        leeway = self.settings.leeway
        dropped = self.revoked.forget_expired(now - leeway) + self.refresh_tokens.forget_expired(now, leeway)
        # By ``until`` the store has forgotten every refresh token of the family; an evicted
        # family (one login too many for the account) has none left already.
        ended = [
            family for family, (_, until) in self._family_users.items() if until <= now or not self.refresh_tokens.knows_family(family)
        ]
        for family in ended:
            del self._family_users[family]
        return dropped + len(ended) + self.keys.forget_retired(now)

    @property
    def person_families(self) -> int:
        """How many refresh-token families speak for a person (remembered so a refresh keeps ``sub``)."""
        return len(self._family_users)

    # -- verifying -------------------------------------------------------------------

    def verify(self, token: str, issuer: str, *, local_only: bool = False) -> Principal:
        """Check ``token`` completely, or raise an ``invalid_token`` refusal naming the cause.

        ``local_only`` checks what a resource server can check by itself (signature, claims,
        time) and skips the revocation list, as an API that neither introspects nor shares
        a deny-list does: a revoked token then passes until it expires.
        """
        checked = STATIC_CHECKS.get(token, issuer)
        if checked is None:
            checked = self._verified_claims(token, issuer)
            STATIC_CHECKS.put(token, issuer, checked)
        kid, claims = checked
        now = self.clock.now()
        if self.keys.key_for(kid, now) is None:  # rotated away and past its grace since it was cached
            raise _unknown_key()
        leeway = self.settings.leeway
        if claims["exp"] + leeway <= now:
            ago = int(now - claims["exp"])
            raise invalid_token(
                Reason.EXPIRED,
                f"The access token expired {ago} s ago (exp {_utc(claims['exp'])}).",
                "Tokens are short-lived on purpose: get a new one (or use your refresh token) and retry.",
            )
        if claims["nbf"] - leeway > now:
            raise invalid_token(
                Reason.NOT_YET_VALID,
                f"The access token is not valid until {_utc(claims['nbf'])} (nbf); this server's time is {_utc(now)}.",
                "Check the clock of the machine that issued the token.",
            )
        if not local_only and self.revoked.is_revoked(str(claims["jti"])):
            raise invalid_token(
                Reason.REVOKED,
                "The access token was revoked (POST /oauth/revoke); this API checks the revocation list, so it is refused at once.",
                "Get a new token; a revoked one never works again.",
            )
        client = self.clients.get(str(claims["client_id"]))
        if client is None:
            raise invalid_token(Reason.UNKNOWN_CLIENT, "The token names a client this server does not know.", "Get a token from this server.")
        return Principal(claims, client)

    def _verified_claims(self, token: str, issuer: str) -> tuple[str, dict[str, Any]]:
        """The token's ``kid`` and claims, once everything that cannot change has been checked."""
        parts = token.split(".")
        if len(parts) != 3:
            raise invalid_token(
                Reason.MALFORMED,
                f"The access token is malformed: a JWT has 3 base64url parts separated by dots, this one has {len(parts)}.",
                "Send the access_token value exactly as the token endpoint returned it, nothing added or cut.",
            )
        header = _json_segment(parts[0])
        if header is None:
            raise invalid_token(
                Reason.MALFORMED,
                "The access token is malformed: its header is not base64url-encoded JSON.",
                "Send the access_token value exactly as the token endpoint returned it.",
            )
        if _json_segment(parts[1]) is None:
            raise invalid_token(
                Reason.MALFORMED,
                "The access token is malformed: its claims (the middle part) are not base64url-encoded JSON.",
                "Send the access_token value exactly as the token endpoint returned it.",
            )
        alg = header.get("alg")
        if alg != ALGORITHM:
            named = f"'{shown(alg)}'" if isinstance(alg, str) else ("(missing)" if alg is None else f"(a {type(alg).__name__})")
            raise invalid_token(
                Reason.ALGORITHM_NOT_ALLOWED,
                f"The token's algorithm {named} is not allowed; this API accepts RS256 only.",
                "Servers must never trust the alg a token names (alg none, or HS256 signed with the public key, are classic attacks).",
            )
        kid = header.get("kid")
        key = self.keys.key_for(kid, self.clock.now())
        if key is None:
            raise _unknown_key()
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.public_key,
                algorithms=[ALGORITHM],
                audience=API_AUDIENCE,
                issuer=issuer,
                # Time claims are checked against the mock's movable clock, below.
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": list(REQUIRED_CLAIMS)},
            )
        except jwt.InvalidSignatureError:
            raise invalid_token(
                Reason.BAD_SIGNATURE,
                "The token's signature does not match: it was changed after signing, or signed by someone else.",
                "Never edit a token; get a new one from POST /oauth/token.",
            ) from None
        except jwt.InvalidAudienceError:
            raise invalid_token(
                Reason.WRONG_AUDIENCE,
                f"The token is for another audience; this API is '{API_AUDIENCE}'.",
                "Ask the token endpoint for this API's audience (or leave audience out for the default).",
            ) from None
        except jwt.InvalidIssuerError:
            raise invalid_token(
                Reason.WRONG_ISSUER,
                f"The token was issued by another issuer; this API trusts '{issuer}'.",
                "Get the token from this server's /oauth/token, using the same base URL as your API calls.",
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise invalid_token(
                Reason.MISSING_CLAIM,
                f"The token lacks the required claim '{exc.claim}'.",
                "Use an access token from this server, not an ID token or a hand-made JWT.",
            ) from None
        except jwt.DecodeError as exc:
            if "padding" in str(exc).lower() or "signature" in str(exc).lower():
                raise invalid_token(
                    Reason.MALFORMED,
                    "The token's signature part is damaged (characters were cut off or added).",
                    "Copy the whole access_token again, with nothing before or after it.",
                ) from None
            raise invalid_token(
                Reason.MALFORMED,
                "The access token is malformed: its claims are not base64url-encoded JSON.",
                "Send the access_token value exactly as the token endpoint returned it.",
            ) from None
        except jwt.InvalidTokenError:
            raise invalid_token(
                Reason.MALFORMED,
                "The access token is malformed: its parts are not valid base64url JSON and signature.",
                "Send the access_token value exactly as the token endpoint returned it.",
            ) from None
        # Checked once the signature is known good, so a forged token is called forged first.
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            named = f"'{shown(typ)}'" if isinstance(typ, str) else "(missing)"
            raise invalid_token(
                Reason.WRONG_TOKEN_TYPE,
                f"The token's type (typ) is {named}, not 'at+jwt': it is a JWT from this server, but not an access token.",
                "APIs accept access tokens only (RFC 9068); use the access_token from POST /oauth/token, not an ID token or another JWT.",
            )
        problem = _claim_type_problem(claims)
        if problem is not None:
            raise invalid_token(
                Reason.MALFORMED,
                f"The access token is unusable: {problem}.",
                "Use an access token from this server's /oauth/token, not a hand-made JWT.",
            )
        return str(kid), claims

    # -- introspection (RFC 7662) ------------------------------------------------------

    def introspect(self, token: str, issuer: str) -> dict[str, Any]:
        try:
            principal = self.verify(token, issuer)
        except ApiError:
            grant = self.refresh_tokens.lookup(token)
            if grant is None or grant.used or grant.revoked or grant.expires_at <= self.clock.now():
                return {"active": False}
            return {
                "active": True,
                "token_type": "refresh_token",
                "client_id": grant.client_id,
                "scope": grant.scope,
                "aud": grant.audience,
                "exp": int(grant.expires_at),
            }
        return {"active": True, "token_type": "Bearer", **principal.claims}
