"""Lesson 02: getting a token.

Each check asks the API's own ``GET /me`` who the token belongs to and what it may do,
so an answer is judged the way the API would judge it, not by its looks.
"""

from __future__ import annotations

from typing import Any

import requests

from tokenkit import ClientCredentials, Token

from . import Exercise, Verdict, error_name, not_yet, right
from .quiz import quiz

READER = "analytics-reader"


def _ask_me(base_url: str, access_token: str) -> tuple[dict[str, Any] | None, str, str | None]:
    """``GET /me`` with the token: (what the API says about it, "", None) or (None, why not, the server's hint)."""
    try:
        response = requests.get(f"{base_url}/me", headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
    except requests.RequestException as exc:
        return None, f"the check could not reach {base_url} ({error_name(exc)}).", "Is the setup cell's mock still running? Run the setup cell again."
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200:
        said = body.get("error_description") or response.reason
        return None, f"the API refused this token with HTTP {response.status_code}: {said}", body.get("hint")
    return body, "", None


def _not_a_token_string(answer: Any) -> Verdict | None:
    """``not_yet`` for answers that are not a bare token string; None when it is one."""
    if answer is None:
        return not_yet("`answer` is still None.", "Fill in the answer cell, run it, then run this check again.")
    if isinstance(answer, requests.Response):
        return not_yet(
            f"this is the Response (HTTP {answer.status_code}), not the token.",
            'The token is in its JSON: answer = response.json()["access_token"].',
        )
    if isinstance(answer, dict):
        keys = ", ".join(sorted(map(str, answer))) or "no keys"
        return not_yet(f"this is a dict ({keys}), not the token itself.", 'Take one field of the JSON answer: answer = data["access_token"].')
    if isinstance(answer, Token):
        return not_yet(
            "this is a tokenkit Token; this exercise is about doing it by hand with requests.",
            'Post to TOKEN_URL with requests and take response.json()["access_token"] (a str).',
        )
    if not isinstance(answer, str):
        return not_yet(f"expected the access token as a str, got {type(answer).__name__}.", 'answer = response.json()["access_token"]')
    if answer.strip().lower().startswith(("bearer ", "basic ")):
        return not_yet(
            f"the answer starts with {answer.split()[0]!r}: that word belongs in the Authorization header, not in the token.",
            'Keep the token bare: answer = response.json()["access_token"].',
        )
    if answer != answer.strip():
        return not_yet("the token has spaces or a newline around it.", "Use the access_token value exactly as it came, or .strip() it.")
    return None


def check_reader_token(answer: Any, *, BASE_URL: str) -> Verdict:
    """A token, got by hand, for analytics-reader with exactly the scope data:read."""
    refused = _not_a_token_string(answer)
    if refused is not None:
        return refused
    me, why_not, hint = _ask_me(BASE_URL, answer)
    if me is None:
        return not_yet(why_not, hint)
    if me.get("client_id") != READER:
        return not_yet(
            f"this token belongs to {me.get('client_id')!r}, not {READER!r}.",
            f'Authenticate as {READER}: its secret is api.clients["{READER}"].client_secret.',
        )
    if me.get("scope") != "data:read":
        return not_yet(f"this token has scope {me.get('scope')!r}; the task asks for exactly 'data:read'.", 'Send "scope": "data:read" with the request.')
    return right(
        f"the API knows this token as {me['client_id']} with scope {me['scope']}, "
        f"valid for another {round(me['expires_in'] / 60)} minutes. That is all GET /data needs."
    )


def check_narrow_token(answer: Any, *, BASE_URL: str) -> Verdict:
    """A tokenkit Token for notes-app with only notes:read (least privilege)."""
    if answer is None:
        return not_yet("`answer` is still None.", "Fill in the answer cell, run it, then run this check again.")
    if isinstance(answer, ClientCredentials):
        return not_yet("this is the ClientCredentials source, not a token yet.", "Call its .fetch(): answer = source.fetch().")
    if isinstance(answer, str):
        return not_yet("this is a token string; this exercise wants the Token object that ClientCredentials(...).fetch() returns.", "answer = ClientCredentials(...).fetch()")
    if not isinstance(answer, Token):
        return not_yet(f"expected a tokenkit Token, got {type(answer).__name__}.", "answer = ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, scope=...).fetch()")
    me, why_not, hint = _ask_me(BASE_URL, answer.access_token)
    if me is None:
        return not_yet(why_not, hint)
    if me.get("client_id") != "notes-app":
        return not_yet(f"this token belongs to {me.get('client_id')!r}; the task is about 'notes-app'.", "Use CLIENT_ID and CLIENT_SECRET from the setup cell.")
    granted = me.get("scope", "")
    if granted != "notes:read":
        extra = sorted(set(granted.split()) - {"notes:read"})
        if "notes:read" in granted.split():
            return not_yet(
                f"this token can also do {', '.join(extra)}: more than reading notes needs.",
                'Without scope= the server grants everything the client may have; pass scope="notes:read".',
            )
        return not_yet(f"this token has scope {granted!r}, without notes:read.", 'Pass scope="notes:read".')
    return right(
        "notes-app may read data and read and write notes, but this token can only read notes. "
        "If it leaks, nobody can change or delete a note with it."
    )


def _reader_token(ns: dict[str, Any], **params: str) -> str:
    reader = ns["api"].clients[READER]
    response = requests.post(
        ns["TOKEN_URL"], data={"grant_type": "client_credentials", **params}, auth=(reader.client_id, reader.client_secret), timeout=10
    )
    return str(response.json()["access_token"])


def _notes_app(ns: dict[str, Any], **kwargs: Any) -> ClientCredentials:
    return ClientCredentials(ns["TOKEN_URL"], ns["CLIENT_ID"], ns["CLIENT_SECRET"], **kwargs)


EXERCISES = {
    "reader_token": Exercise(
        solution="solutions/02_reader_token.py",
        check=check_reader_token,
        context=("BASE_URL",),
        objective="ask the token endpoint for a token by hand",
        wrong_answers=(
            # the setup cell's client instead of analytics-reader
            lambda ns: _notes_app(ns, scope="data:read").fetch().access_token,
            # a token for another API
            lambda ns: _reader_token(ns, audience="https://billing.tokenkit.test"),
            # the header value instead of the token
            lambda ns: "Bearer " + _reader_token(ns),
            # the whole JSON answer, the Response, the helper's Token
            lambda ns: {"access_token": _reader_token(ns), "token_type": "Bearer"},
            lambda ns: requests.post(ns["TOKEN_URL"], data={"grant_type": "client_credentials"}, auth=("analytics-reader", "wrong"), timeout=10),
            lambda ns: Token(_reader_token(ns)),
            lambda ns: "not-a-token",
        ),
    ),
    "narrow_token": Exercise(
        solution="solutions/02_narrow_token.py",
        check=check_narrow_token,
        context=("BASE_URL",),
        objective="do the same with tokenkit.ClientCredentials",
        wrong_answers=(
            lambda ns: _notes_app(ns).fetch(),
            lambda ns: _notes_app(ns, scope="notes:read notes:write").fetch(),
            lambda ns: _notes_app(ns, scope="notes:read"),
            lambda ns: _notes_app(ns, scope="notes:read").fetch().access_token,
            lambda ns: Token(_reader_token(ns)),
        ),
    ),
}


quiz(
    "02_expires_in",
    "A token answer arrives with \"expires_in\": 3600. Your script saves the whole answer to a file and "
    "reads it again 50 minutes later. How long is that token still good for?",
    options={
        "a": "3600 seconds: that is what the answer says.",
        "b": "About 600 seconds: expires_in counts from when the answer was sent, so 3000 of them are gone.",
        "c": "Decode the token and read its exp claim; expires_in is only a rough guide.",
        "d": "No way to tell: use the token until the API answers 401.",
    },
    answer="b",
    explain={
        "a": "expires_in is relative: seconds from when the answer was sent (RFC 6749 §5.1). Stored without the time it arrived, it means nothing.",
        "b": "Turn expires_in into an instant the moment the answer arrives (received_at + expires_in) and store that; tokenkit's Token.expires_at does it.",
        "c": "To a client the access token is opaque (RFC 9068 §6): the API may change its format, or issue opaque tokens with nothing to decode. expires_in is the contract; keep the instant it gives.",
        "d": "You can tell, if you kept the instant. Waiting for the 401 costs a failed call each time; renew shortly before the instant instead (lesson 06).",
    },
    objective="read the token answer",
)

quiz(
    "02_token_errors",
    "POST /oauth/token answers 401 with {\"error\": \"invalid_client\"} and the header WWW-Authenticate: Basic. "
    "What do you check first?",
    options={
        "a": "The client id and secret: a stray space or newline, another client's secret, an old secret after a secret rotation.",
        "b": "The scope you asked for.",
        "c": "Whether your access token has expired.",
        "d": "Nothing: send the same request as JSON instead, the server wants another format.",
    },
    answer="a",
    explain={
        "a": "invalid_client means the server could not authenticate your client (RFC 6749 §5.2). The Basic challenge says it tried HTTP Basic with what you sent.",
        "b": "A scope the client may not have is a 400 invalid_scope, and the server got far enough to read the scope. invalid_client fails earlier, at who you are.",
        "c": "At the token endpoint you have no access token yet: you are asking for one. It is your client's id and secret that were refused.",
        "d": "Changing the format hides the real problem. A format the server does not read is invalid_request; invalid_client is about the credentials themselves.",
    },
    objective="read the token endpoint's refusals",
)

quiz(
    "02_which_flow",
    "You are writing a mobile app where each user signs in to see their own data in the API. How does it get tokens?",
    options={
        "a": "Client credentials, with the client secret built into the app.",
        "b": "Authorization code with PKCE, with the sign-in page opened in the system browser.",
        "c": "Authorization code with PKCE, with the sign-in page shown in a web view embedded in the app.",
        "d": "The password grant: the app asks for the user's password and sends it to the token endpoint.",
    },
    answer="b",
    explain={
        "a": "Anyone can unpack the app and read the secret, and the token would stand for the app, not for the user. A mobile app is a public client.",
        "b": "The token must stand for a user, who signs in where the app cannot see the password: the system browser (RFC 8252 §8.12). PKCE stands in for the secret the app cannot keep (RFC 7636).",
        "c": "An embedded web view lets the app read what the user types, password included, and hides the address bar. RFC 8252 §8.12 says native apps MUST NOT use one for sign-in.",
        "d": "The password grant gives the app the user's password; the OAuth security best practice (RFC 9700 §2.4) says it MUST NOT be used.",
    },
    objective="tell when you need a different flow",
)
