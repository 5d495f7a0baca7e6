"""Lesson 04 (decoding JWTs): read the kid, the scopes and the seconds left from a token."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

import requests

from . import Exercise, Verdict, not_yet, raised, right
from .quiz import predict, quiz

_FIELDS = ("kid", "scopes", "seconds_left")


def _token_for(api: Any, client_id: str) -> str:
    client = api.clients[client_id]
    reply = requests.post(
        api.token_url,
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
        timeout=10,
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def _segment(part: str) -> dict[str, Any]:
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def _truth(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header_b64, payload_b64, _ = token.split(".")
    return _segment(header_b64), _segment(payload_b64)


def _hint_for(exc: Exception) -> str:
    """The step that an exception from decoding a JWT by hand points at."""
    if isinstance(exc, binascii.Error):
        return (
            "base64url in a JWT has its '=' padding removed (RFC 7515 §2), and the decoder wants it back: "
            "base64.urlsafe_b64decode(part + '=' * (-len(part) % 4))."
        )
    if isinstance(exc, (UnicodeDecodeError, json.JSONDecodeError)):
        return (
            "the decoded bytes are not JSON. Decode the header (first part) and the claims (second part), not the "
            "signature, and with base64.urlsafe_b64decode (the '-' and '_' alphabet), not b64decode."
        )
    if isinstance(exc, KeyError):
        return f"there is no {exc} where you looked: kid is in the header (first part); scope and exp are claims (second part)."
    if isinstance(exc, ValueError) and "unpack" in str(exc):
        return "A JWT has exactly three parts: header, payload, signature = token.split('.')."
    return "Split on '.', add back the '=' padding, base64url-decode, then json.loads the first two parts."


def check_token_facts(answer: Any, api: Any = None) -> Verdict:
    """``answer`` is a function ``(token, now) -> {"kid", "scopes", "seconds_left"}``.

    The check asks the lesson's mock for two tokens of its own (two clients, different
    scopes) and compares the function's answers with what the tokens say, at two
    instants: 100 s before expiry and 20 s after it.
    """
    if answer is None:
        return not_yet(
            "`answer` is still None.",
            "Write def token_facts(token, now): ... returning a dict, then set answer = token_facts.",
        )
    if not callable(answer):
        return not_yet(
            f"`answer` should be a function, not a {type(answer).__name__}.",
            "Set answer = token_facts (the function itself, without calling it).",
        )
    if api is None:
        return not_yet("the check needs the lesson's mock: call it as check_token_facts(answer, api=api).")
    try:
        tokens = [_token_for(api, "notes-app"), _token_for(api, "analytics-reader")]
    except Exception as exc:  # noqa: BLE001 - a check never raises
        return not_yet(f"the check could not get tokens from the mock ({raised(exc)}).", "Is the setup cell's mock still running?")

    for token in tokens:
        header, claims = _truth(token)
        for offset in (100, -20):
            now = float(claims["exp"] - offset)
            try:
                got = answer(token, now)
            except Exception as exc:  # noqa: BLE001
                return not_yet(f"your function raised {raised(exc)}", _hint_for(exc))
            if not isinstance(got, dict):
                return not_yet(
                    f"your function returned a {type(got).__name__}; it should return a dict.",
                    'Return {"kid": ..., "scopes": [...], "seconds_left": ...}.',
                )
            missing = [key for key in _FIELDS if key not in got]
            if missing:
                return not_yet(f"the dict has no {', '.join(missing)}.", 'Return {"kid": ..., "scopes": [...], "seconds_left": ...}.')

            kid = got["kid"]
            if kid != header["kid"]:
                if kid is None or kid == claims.get("kid"):
                    return not_yet(
                        "kid is None: there is no kid among the claims.",
                        "kid is a header field: decode the first segment, not the second.",
                    )
                return not_yet(f"kid is {kid!r}, which is not this token's kid.", "Read it from the header (first segment).")

            scopes = got["scopes"]
            expected_scopes = str(claims["scope"]).split()
            if isinstance(scopes, str):
                return not_yet(
                    f"scopes is the string {scopes!r}; the task asks for a list of scope names.",
                    "The scope claim is one space-separated string (RFC 8693): .split() it.",
                )
            if sorted(map(str, scopes)) != sorted(expected_scopes):
                return not_yet(f"scopes is {scopes!r}, but this token's scope claim is {claims['scope']!r}.", "Split the scope claim on spaces.")

            left = got["seconds_left"]
            expected = claims["exp"] - now
            if isinstance(left, bool) or not isinstance(left, (int, float)):
                return not_yet(f"seconds_left is a {type(left).__name__}; it should be a number of seconds.", "exp is a number: exp - now.")
            if abs(left - expected) <= 1:
                continue
            if abs(left - claims["exp"]) <= 1:
                return not_yet(
                    "seconds_left is the exp claim itself: an instant (seconds since 1970), not a duration.",
                    "Subtract the now you were given: exp - now.",
                )
            if abs(left - (claims["exp"] - time.time())) <= 5 or abs(left - (claims["exp"] - api.clock.now())) <= 5:
                return not_yet(
                    "seconds_left was computed against the current time, not against the now argument.",
                    "Use the now you were given (the check asks about several instants): exp - now.",
                )
            if abs(left + expected) <= 1:
                return not_yet("seconds_left has the wrong sign.", "exp - now: positive before expiry, negative after.")
            return not_yet(f"seconds_left is {left!r}, but at now={now:.0f} this token has {expected:.0f} s left.", "exp - now.")
    return right(
        "kid comes from the header, the scopes from the scope claim, and the seconds left are exp − now "
        "(negative once expired). All of it unverified: good for reading and debugging, never for "
        "deciding who gets access. And not how your client plans renewal: that is expires_in from the "
        "token answer, because to a client the token is opaque (RFC 9068 §6)."
    )


# -- answers that must fail ------------------------------------------------------------------


def _kid_from_claims(token: str, now: float) -> dict[str, Any]:
    _, claims = _truth(token)
    return {"kid": claims.get("kid"), "scopes": claims["scope"].split(), "seconds_left": claims["exp"] - now}


def _scopes_as_string(token: str, now: float) -> dict[str, Any]:
    header, claims = _truth(token)
    return {"kid": header["kid"], "scopes": claims["scope"], "seconds_left": claims["exp"] - now}


def _exp_not_seconds_left(token: str, now: float) -> dict[str, Any]:
    header, claims = _truth(token)
    return {"kid": header["kid"], "scopes": claims["scope"].split(), "seconds_left": claims["exp"]}


def _no_padding(token: str, now: float) -> dict[str, Any]:
    header_b64, payload_b64, _ = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64))
    claims = json.loads(base64.urlsafe_b64decode(payload_b64))
    return {"kid": header["kid"], "scopes": claims["scope"].split(), "seconds_left": claims["exp"] - now}


def _ignores_now(token: str, now: float) -> dict[str, Any]:
    header, claims = _truth(token)
    return {"kid": header["kid"], "scopes": claims["scope"].split(), "seconds_left": claims["exp"] - time.time()}


EXERCISES = {
    "token_facts": Exercise(
        solution="solutions/04_token_facts.py",
        check=check_token_facts,
        objective="take a JWT apart by hand",
        context=("api",),
        wrong_answers=(
            lambda ns: _kid_from_claims,
            lambda ns: _scopes_as_string,
            lambda ns: _exp_not_seconds_left,
            lambda ns: _ignores_now,
            lambda ns: _no_padding,
            lambda ns: "kid, scopes, seconds_left",
        ),
    ),
}


quiz(
    "04_opaque",
    "An API's token endpoint gives you the access token 3f9ac27d0e5b41c8a9d2e6f70b18c4a5 (32 hex characters). "
    "How do you find out when it expires and what it may do?",
    options={
        "a": "Decode the hex string into bytes and read the JSON inside.",
        "b": "Split it on the dots and base64url-decode the parts, as with a JWT.",
        "c": "From the token answer (expires_in, scope); only the issuer can say more, for example by introspection.",
        "d": "It is broken: every access token is a JWT.",
    },
    answer="c",
    explain={
        "a": "Hex decodes to 16 random bytes, not JSON. An opaque token is a reference to a record on the server: there is nothing inside to read.",
        "b": "There are no dots: this is not a JWT. Only a JWT (eyJ…, two dots) has parts to decode.",
        "c": "An opaque token carries nothing readable. The token answer says how long it lasts and what it may do; the issuer can say more (RFC 7662 introspection, an API's concern more than a client's).",
        "d": "RFC 6749 leaves the format to the server; many issue opaque tokens, and even a JWT should be opaque to the client (RFC 9068 §6).",
    },
    objective="tell a JWT from an opaque token",
)

quiz(
    "04_client_expiry",
    "Your client needs to know when to fetch a new token. Where should it get the expiry from?",
    options={
        "a": "Decode the access token and read its exp claim: it is right there.",
        "b": "expires_in in the token answer, turned into an instant when the answer arrived.",
        "c": "Nowhere: fetch a new token for every request.",
    },
    answer="b",
    explain={
        "a": "It works today and breaks the day the issuer changes the token format or switches to opaque tokens: a client must not inspect the access token (RFC 9068 §6). Decoding is for debugging.",
        "b": "expires_in is the contract between the token endpoint and the client (RFC 6749 §5.1); tokenkit's Token.expires_at keeps it as an instant.",
        "c": "That multiplies calls to the token endpoint, which is often rate-limited harder than the API. Reuse the token until shortly before it expires.",
    },
    objective="tell a JWT from an opaque token",
)

predict(
    "04_decode_is_not_verify",
    'forged = header_b64 + "." + payload_with_admin_scope + "." + signature_b64   # claims edited, old signature\n'
    'print(jwt.decode(forged, options={"verify_signature": False})["scope"])',
    options={
        "a": "It raises jwt.InvalidSignatureError: the signature no longer matches.",
        "b": "It prints the edited scope, admin included.",
        "c": "It prints the original scope: PyJWT ignores the edit.",
    },
    answer="b",
    explain={
        "a": "With verify_signature False nothing is checked, not the signature, not exp, not aud. That is why it is for looking only.",
        "b": "Unverified decoding believes whatever the payload says. The API, which verifies, refuses the same token.",
        "c": "The payload is what you edited; decoding reads it as it is now. The signature is the only thing that still belongs to the original, and nobody checked it.",
    },
    objective="decode with PyJWT without verifying",
)

quiz(
    "04_checklist",
    "An API receives a JWT access token. Which list is what it must check before trusting the claims?",
    options={
        "a": "That it decodes, and that exp is in the future.",
        "b": "The signature with the issuer's key (by kid, from its JWKS), an algorithm from its own list, typ at+jwt, iss, aud, then exp and nbf with a few seconds of leeway.",
        "c": "The signature, with the algorithm named in the token's alg header.",
        "d": "Nothing: the token came over HTTPS, so it is genuine.",
    },
    answer="b",
    explain={
        "a": "Anyone can write a JWT that decodes and has a future exp; without the signature, nothing in it is evidence.",
        "b": "That is RFC 9068 §4 and RFC 8725 §3: a genuine token from the right issuer may still be for another API (aud) or another kind of JWT, such as an ID token (typ, RFC 8725 §3.11).",
        "c": "Taking the algorithm from the token lets an attacker choose it (alg none, or HS256 keyed with the public key). And a genuine signature says nothing about aud, typ or exp.",
        "d": "HTTPS protects the token on the wire; it says nothing about who made it or whom it is for.",
    },
    objective="say what verifying a token checks",
)

quiz(
    "04_refusal",
    "tokenkit.verify(token, issuer=ISSUER, audience=\"https://analytics.tokenkit.test\") raises WrongAudienceError "
    "for a token the same issuer signed a minute ago. What does that mean?",
    options={
        "a": "The token was altered after it was signed.",
        "b": "The token is genuine but was issued for another API; ask for a token for this audience.",
        "c": "The token has expired.",
        "d": "The issuer's keys were rotated, so the signature no longer checks.",
    },
    answer="b",
    explain={
        "a": "An altered token fails its signature first: BadSignatureError.",
        "b": "The signature is fine; the aud claim names another API, and an API must refuse a token meant for someone else (RFC 7519 §4.1.3).",
        "c": "Expiry is TokenExpiredError, and a minute-old token is far from its exp.",
        "d": "After signing-key rotation the JWKS still lists the old key for a while; a kid it no longer has is UnknownKeyError, not an audience error.",
    },
    objective="recognise its refusals",
)
