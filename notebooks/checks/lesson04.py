"""Lesson 04 (decoding JWTs): read the kid, the scopes and the seconds left from a token."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

import requests

from . import Exercise, Verdict, not_yet, raised, right

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
        "deciding who gets access."
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
