"""Lesson 05 (troubleshooting): decide what to do next from a failing response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from . import Exercise, Verdict, not_yet, raised, right

#: The five answers the exercise allows, and what each means.
ACTIONS = {
    "renew_token": "401 from the API: the token is missing, expired, revoked or altered; get a new one, send it, retry once",
    "more_scope": "403: the token is valid but lacks a scope; a new token of the same kind will not help",
    "wait": "429: too many requests; wait Retry-After seconds",
    "fix_client": "the token endpoint refused the client itself (client id, secret, scope); retrying cannot help",
    "not_auth": "nothing to do with tokens (404, a bad body, a server error); fix the request or the URL",
}


def _token(api: Any, client_id: str) -> str:
    client = api.clients[client_id]
    reply = requests.post(
        api.token_url, data={"grant_type": "client_credentials"}, auth=(client.client_id, client.client_secret), timeout=10
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _cases(api: Any) -> list[tuple[str, str, requests.Response, str]]:
    """(what was done, expected action, response, why) for each failing request."""
    base, token_url = api.url, api.token_url
    reader = api.clients["analytics-reader"]
    notes = _token(api, "notes-app")
    revoked = _token(api, "analytics-reader")
    requests.post(f"{base}/oauth/revoke", data={"token": revoked}, auth=(reader.client_id, reader.client_secret), timeout=10)
    header, payload, signature = _token(api, "analytics-reader").split(".")
    altered = f"{header}.{payload}.{signature[:-4]}AAAA"
    limited = _token(api, "rate-limited")
    for _ in range(5):
        requests.get(f"{base}/data", headers=_bearer(limited), timeout=10)
    form = {"grant_type": "client_credentials"}
    return [
        ("GET /data without a token", "renew_token",
         requests.get(f"{base}/data", timeout=10), "a 401 from the API: send a (new) token"),
        ("GET /data with a revoked token", "renew_token",
         requests.get(f"{base}/data", headers=_bearer(revoked), timeout=10), "a revoked token never works again: get a new one"),
        ("GET /data with an altered token", "renew_token",
         requests.get(f"{base}/data", headers=_bearer(altered), timeout=10), "a 401 from the API: get a fresh, unaltered token"),
        ("POST /notes with an analytics-reader token", "more_scope",
         requests.post(f"{base}/notes", json={"title": "x"}, headers=_bearer(_token(api, "analytics-reader")), timeout=10),
         "a 403 insufficient_scope: the token is valid, a new one of the same kind is refused the same way"),
        ("a 6th quick GET /data with a rate-limited token", "wait",
         requests.get(f"{base}/data", headers=_bearer(limited), timeout=10), "a 429: wait Retry-After seconds"),
        ("POST /oauth/token with a wrong client secret", "fix_client",
         requests.post(token_url, data=form, auth=(reader.client_id, "not-the-secret"), timeout=10),
         "this 401 comes from the token endpoint (invalid_client): there is no token to renew, the client credentials are wrong"),
        ("POST /oauth/token asking analytics-reader for notes:write", "fix_client",
         requests.post(token_url, data={**form, "scope": "notes:write"}, auth=(reader.client_id, reader.client_secret), timeout=10),
         "a 400 invalid_scope from the token endpoint: the client may not have that scope"),
        ("GET /notes/99999 with a valid notes-app token", "not_auth",
         requests.get(f"{base}/notes/99999", headers=_bearer(notes), timeout=10),
         "a 404 with a valid token: the note does not exist, the token is fine"),
        ("POST /notes without a title, valid notes-app token", "not_auth",
         requests.post(f"{base}/notes", json={"body": "no title"}, headers=_bearer(notes), timeout=10),
         "a 422: the body is invalid, the token is fine"),
    ]


def check_what_next(answer: Any, api: Any = None) -> Verdict:
    """``answer`` is a function ``(response) -> one of ACTIONS``; the check makes the responses."""
    if answer is None:
        return not_yet(
            "`answer` is still None.",
            "Write def what_next(response): ... returning one of " + ", ".join(repr(a) for a in ACTIONS) + "; then answer = what_next.",
        )
    if not callable(answer):
        return not_yet(
            f"`answer` should be a function, not a {type(answer).__name__}.",
            "Set answer = what_next (the function itself, without calling it).",
        )
    if api is None:
        return not_yet("the check needs the lesson's mock: call it as check_what_next(answer, api=api).")
    try:
        cases = _cases(api)
    except Exception as exc:  # noqa: BLE001 - a check never raises
        return not_yet(f"the check could not make its requests ({raised(exc)}).", "Is the setup cell's mock still running?")

    wrong: list[str] = []
    for what, expected, response, why in cases:
        try:
            got = answer(response)
        except Exception as exc:  # noqa: BLE001
            return not_yet(
                f"for {what} (HTTP {response.status_code}) your function raised {raised(exc)}",
                "Every response here is a failure, some without a JSON body or a WWW-Authenticate header: use .get().",
            )
        if got not in ACTIONS:
            return not_yet(
                f"for {what} your function returned {got!r}, which is not one of the five answers.",
                "Return one of " + ", ".join(repr(a) for a in ACTIONS) + ".",
            )
        if got != expected:
            wrong.append(f"{what} (HTTP {response.status_code}): you said {got!r}, it is {expected!r}: {why}.")
    if wrong:
        shown = "\n   - ".join(wrong[:3])
        more = f"\n   (and {len(wrong) - 3} more)" if len(wrong) > 3 else ""
        return not_yet(
            f"{len(cases) - len(wrong)} of {len(cases)} right. Not right yet:\n   - {shown}{more}",
            "The status code alone is not enough: look at which URL answered (the token endpoint or the API) "
            "and at the error code (RFC 6749's invalid_client/invalid_scope vs RFC 6750's invalid_token). "
            "tokenkit.diagnose(response) has .about_tokens and .token_endpoint.",
        )
    return right(
        f"all {len(cases)} classified. The status says who refused (401 the token, 403 the permission, "
        "429 the pace); the URL and the error code say whether it was the API or the token endpoint, and "
        "a 404 or 422 with a valid token is never the token's fault."
    )


# -- answers that must fail ------------------------------------------------------------------


def _by_status_only(response: requests.Response) -> str:
    return {401: "renew_token", 403: "more_scope", 429: "wait"}.get(response.status_code, "not_auth")


def _every_4xx_is_auth(response: requests.Response) -> str:
    return {401: "renew_token", 403: "more_scope", 429: "wait"}.get(response.status_code, "fix_client")


def _always_renew(response: requests.Response) -> str:
    return "renew_token"


def _wrong_words(response: requests.Response) -> str:
    return "retry"


_WRONG: tuple[Callable[[dict[str, Any]], Any], ...] = (
    lambda ns: _by_status_only,
    lambda ns: _every_4xx_is_auth,
    lambda ns: _always_renew,
    lambda ns: _wrong_words,
)

EXERCISES = {
    "what_next": Exercise(
        solution="solutions/05_what_next.py",
        check=check_what_next,
        context=("api",),
        wrong_answers=_WRONG,
        objective="tell apart 401",
    ),
}


# -- quick checks (checks.quiz) --------------------------------------------------------------

from .quiz import predict, quiz  # noqa: E402 - the questions follow the exercise they sit beside

quiz(
    "05_no_error_code",
    'A GET /data is refused with 401 and the header WWW-Authenticate: Bearer realm="analytics" '
    "(no error=...). What does the missing error code tell you?",
    options={
        "a": "The server is misconfigured: every 401 must carry an error code.",
        "b": "No credentials arrived at all: check that the request really carried an Authorization header.",
        "c": "The token expired; expired tokens are the one case without an error code.",
        "d": "The server wants another scheme than Bearer.",
    },
    answer="b",
    explain={
        "a": "RFC 6750 §3.1 says the opposite: when a request carries no authentication at all, the server SHOULD NOT send an error code.",
        "b": "Right: 'Bearer with no error' means nothing the server recognised as a token arrived: a forgotten auth=, a header on another request, an empty variable.",
        "c": "An expired token gets error=\"invalid_token\" and a description that says so (section 3). No error code means no token at all.",
        "d": "The challenge names the scheme it wants, and it is Bearer. A missing error code says nothing arrived, not that the scheme is wrong.",
    },
    objective="read the evidence",
)

quiz(
    "05_401_order",
    "Your script gets 401 invalid_token from an API that worked yesterday. In which order is it "
    "most useful to check?",
    options={
        "a": "First whether the API now wants the token in another form (raw, X-API-Key), then the token.",
        "b": "Did a token arrive at all, has it expired, is it whole (no trailing space, one 'Bearer '), and only then the header's form.",
        "c": "Open a ticket with the provider: a 401 on a working script is their outage.",
        "d": "Switch to the refresh token in the Authorization header, since the access token is refused.",
    },
    answer="b",
    explain={
        "a": "An API rarely changes how it reads credentials overnight. Most 401s are a missing, expired or malformed token: check those first.",
        "b": "Most 401s are a missing, expired or malformed token, in roughly that order of frequency; the header's form is the last suspect, and the challenge says which scheme the API wants.",
        "c": "An outage is a 5xx or no answer. A 401 is a deliberate refusal of this token, and its description usually says why.",
        "d": "A refresh token is never sent to the API: it only buys a new access token from the token endpoint (lesson 06).",
    },
    objective="check a 401's usual causes in order",
)

quiz(
    "05_revocation",
    "A token leaked. You revoke it with POST /oauth/revoke and get 200. The API verifies JWTs "
    "locally, with the issuer's public keys, and does not introspect. What happens when the thief "
    "uses the token ten minutes later, 50 minutes before its exp?",
    options={
        "a": "401: revocation is instant everywhere, that is what the 200 means.",
        "b": "It is accepted: the signature and exp still check out, and this API never asks the server. Revocation bites at exp, or where an API introspects or shares a deny-list.",
        "c": "403: a revoked token keeps its identity but loses its scopes.",
        "d": "The token endpoint blocks the request before it reaches the API.",
    },
    answer="b",
    explain={
        "a": "The 200 says the authorization server will treat the token as revoked (RFC 7009 §2). An API that never asks it cannot know (RFC 7009 §3).",
        "b": "A self-contained token checked locally stays valid until exp. Short lifetimes bound the damage; introspection (RFC 7662) or a shared deny-list make revocation immediate.",
        "c": "Nothing in a JWT changes when it is revoked, so a local check sees the same scopes; an API that asks would answer 401 invalid_token, not 403.",
        "d": "The token endpoint is not on the path of API calls: the token goes straight to the API.",
    },
    objective="say when a revocation takes effect",
)

predict(
    "05_not_about_tokens",
    'token = ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET).fetch().access_token\n'
    'response = requests.get(f"{BASE_URL}/dta", headers={"Authorization": f"Bearer {token}"})  # typo\n'
    'print(response.status_code, tokenkit.diagnose(response).about_tokens)',
    options={
        "a": "401 True",
        "b": "403 True",
        "c": "404 False",
        "d": "404 True",
    },
    answer="c",
    explain={
        "a": "The token is fresh and sent correctly: nothing about it is wrong, so the server has no reason to answer 401.",
        "b": "A 403 would mean the token lacks a scope for an endpoint that exists. /dta does not exist.",
        "c": "A typo in the path gives 404, and diagnose says it is not about tokens: fix the URL, keep the token.",
        "d": "The status is right, but a 404 with a valid token is never the token's fault: about_tokens is False.",
    },
    objective="recognise an answer that is **not** about tokens",
)

predict(
    "05_except_order",
    "try:\n"
    "    response = requests.get(f\"{BASE_URL}/data\", timeout=10)   # no token\n"
    "    tokenkit.raise_for_auth(response)\n"
    "except requests.HTTPError:\n"
    "    print(\"HTTPError\")\n"
    "except tokenkit.AuthenticationError:\n"
    "    print(\"renew the token\")",
    options={
        "a": "renew the token",
        "b": "HTTPError",
        "c": "Both lines, one after the other.",
        "d": "Nothing: raise_for_auth only raises for 403 and 429.",
    },
    answer="b",
    explain={
        "a": "AuthenticationError is also a requests.HTTPError, and Python runs the first except that matches: the generic handler, listed first, takes it.",
        "b": "Every tokenkit HTTP error is also a requests.HTTPError, so the first except catches it. Put the specific handlers first and requests.HTTPError last.",
        "c": "Only one except clause runs for one exception: the first that matches.",
        "d": "raise_for_auth raises for 401 too (AuthenticationError); the question is which except clause catches it.",
    },
    objective="handle each case in code",
)
