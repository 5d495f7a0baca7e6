"""Lesson 11: logging a person in.

The exercise is ``make_pkce()``: a fresh ``(code_verifier, code_challenge)`` pair, S256
(RFC 7636 §4.1–4.2). The check calls it twice, looks at the pair the way a strict server
does (length, alphabet, base64url of the SHA-256, no padding, a new verifier each time),
and then uses it for a real login at the lesson's mock: an authorization request with the
challenge, approved as alice, and the code exchanged with the verifier. Each classic
mistake (a hex digest, ``=`` padding, standard base64, the ``plain`` method, a short or a
fixed verifier) gets a hint of its own.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from . import Exercise, Verdict, error_name, not_yet, raised, right

CLIENT = "cli-app"
REDIRECT_URI = "http://127.0.0.1:8765/callback"  # never listened on: the check reads the redirect itself
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def _pair(answer: Callable[[], Any]) -> tuple[str, str] | Verdict:
    try:
        result = answer()
    except TypeError as exc:
        return not_yet(f"calling make_pkce() raised TypeError: {exc}", "The check calls it with no arguments: def make_pkce(): …")
    except Exception as exc:  # noqa: BLE001 - explain whatever the learner's function raised
        return not_yet(f"make_pkce() raised {raised(exc)}", "Run it yourself first: print(len(make_pkce()[0])).")
    if result is None:
        return not_yet("make_pkce() returned None.", "End it with `return verifier, challenge`.")
    if not isinstance(result, (tuple, list)) or len(result) != 2 or not all(isinstance(x, str) for x in result):
        return not_yet(
            f"make_pkce() returned {type(result).__name__}, not a pair of strings.",
            "return verifier, challenge  (two str; decode the base64 bytes with .decode('ascii'))",
        )
    return result[0], result[1]


def _challenge_mistake(verifier: str, challenge: str) -> Verdict | None:
    right_one = _s256(verifier)
    if challenge == right_one:
        return None
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    if challenge == verifier:
        return not_yet(
            "the challenge is the verifier itself: that is the 'plain' method, which the mock (and RFC 9700) refuses.",
            "The challenge is the SHA-256 of the verifier, base64url-encoded: only its holder can show the verifier later.",
        )
    if challenge.lower() == digest.hex():
        return not_yet(
            "the challenge is the SHA-256 as hex (hexdigest()), not base64url.",
            "Take hashlib.sha256(verifier.encode()).digest() (bytes), then base64.urlsafe_b64encode(...).",
        )
    if challenge == right_one + "=":
        return not_yet(
            "the challenge ends with '=': base64 padding, which PKCE leaves out (RFC 7636 §4.2).",
            "Strip it: base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii').",
        )
    if challenge.rstrip("=") == base64.b64encode(digest).decode("ascii").rstrip("="):
        return not_yet(
            "the challenge is standard base64 ('+' and '/'), not base64url ('-' and '_').",
            "Use base64.urlsafe_b64encode, not base64.b64encode.",
        )
    return not_yet(
        f"the challenge {challenge[:12]!r}… is not the S256 of the verifier.",
        "challenge = base64url(SHA-256(verifier)) without '=': hash the verifier string you return, encoded as ASCII.",
    )


def _logs_in(api: Any, verifier: str, challenge: str) -> Verdict | None:
    """Use the pair for a real authorization code login at the mock; None when it works."""
    state = secrets.token_urlsafe(16)
    query = {
        "response_type": "code", "client_id": CLIENT, "redirect_uri": REDIRECT_URI, "scope": "notes:read",
        "state": state, "code_challenge": challenge, "code_challenge_method": "S256",
    }
    try:
        landing = api.approve_authorization(f"{api.url}/oauth/authorize?{urlencode(query)}", "alice")
        params = dict(parse_qsl(urlsplit(landing).query))
        if "code" not in params:
            return not_yet(
                f"the mock refused the authorization request: {params.get('error')}: {params.get('error_description')}",
                "Send the challenge exactly as you return it.",
            )
        answer = requests.post(
            f"{api.url}/oauth/token",
            data={"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT_URI,
                  "client_id": CLIENT, "code_verifier": verifier},
            timeout=10,
        )
    except requests.RequestException as exc:
        return not_yet(f"the check could not reach the API ({error_name(exc)}).", "Is the setup cell's mock still running? Run it again.")
    if answer.status_code != 200:
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        return not_yet(
            f"the mock refused to exchange the code: {body.get('error')}: {body.get('error_description')}",
            "The verifier you return must be the very string whose S256 you return as the challenge.",
        )
    return None


def check_pkce(answer: Any, *, api: Any) -> Verdict:
    """``make_pkce()`` returning a fresh (code_verifier, code_challenge) pair, S256."""
    if answer is None:
        return not_yet("`answer` is still None.", "Write def make_pkce(): … returning (verifier, challenge), then answer = make_pkce.")
    if isinstance(answer, (tuple, list)):
        return not_yet(
            "`answer` is a pair, not your function.",
            "Set answer = make_pkce (no parentheses): the check calls it twice, and each call must make a new verifier.",
        )
    if not callable(answer):
        return not_yet(f"`answer` should be your function make_pkce, not a {type(answer).__name__}.", "answer = make_pkce")
    first = _pair(answer)
    if isinstance(first, Verdict):
        return first
    verifier, challenge = first
    if not 43 <= len(verifier) <= 128:
        return not_yet(
            f"the verifier has {len(verifier)} characters; RFC 7636 §4.1 wants 43 to 128.",
            "secrets.token_urlsafe(32) gives 43 characters; token_urlsafe(48) gives 64.",
        )
    if not _UNRESERVED.fullmatch(verifier):
        return not_yet(
            "the verifier has characters outside A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1).",
            "secrets.token_urlsafe(…) makes exactly such a string.",
        )
    mistake = _challenge_mistake(verifier, challenge)
    if mistake is not None:
        return mistake
    second = _pair(answer)
    if isinstance(second, Verdict):
        return second
    if second[0] == verifier:
        return not_yet(
            "two calls returned the same verifier: a fixed verifier protects nothing, anyone who read it once can use it.",
            "Make a new one inside the function on every call, with the secrets module (not random).",
        )
    failed = _logs_in(api, verifier, challenge)
    if failed is not None:
        return failed
    return right(
        f"a {len(verifier)}-character verifier, its S256 challenge, a new pair on each call; and the mock "
        "accepted the pair: it issued alice a token for the code only with your verifier."
    )


# -- answers that must fail (tests/test_exercises.py) ---------------------------------------


def _hex(ns: dict[str, Any]) -> Callable[[], tuple[str, str]]:
    def make_pkce() -> tuple[str, str]:
        verifier = secrets.token_urlsafe(48)
        return verifier, hashlib.sha256(verifier.encode()).hexdigest()

    return make_pkce


def _padded(ns: dict[str, Any]) -> Callable[[], tuple[str, str]]:
    def make_pkce() -> tuple[str, str]:
        verifier = secrets.token_urlsafe(48)
        return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode()

    return make_pkce


def _standard_base64(ns: dict[str, Any]) -> Callable[[], tuple[str, str]]:
    def make_pkce() -> tuple[str, str]:
        while True:  # a verifier whose challenge has a '+' or '/' (most do), so the mistake shows
            verifier = secrets.token_urlsafe(48)
            challenge = base64.b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if "+" in challenge or "/" in challenge:
                return verifier, challenge

    return make_pkce


def _plain(ns: dict[str, Any]) -> Callable[[], tuple[str, str]]:
    def make_pkce() -> tuple[str, str]:
        verifier = secrets.token_urlsafe(48)
        return verifier, verifier

    return make_pkce


def _short(ns: dict[str, Any]) -> Callable[[], tuple[str, str]]:
    def make_pkce() -> tuple[str, str]:
        verifier = secrets.token_urlsafe(16)
        return verifier, _s256(verifier)

    return make_pkce


def _fixed(ns: dict[str, Any]) -> Callable[[], tuple[str, str]]:
    verifier = secrets.token_urlsafe(48)

    def make_pkce() -> tuple[str, str]:
        return verifier, _s256(verifier)

    return make_pkce


def _the_pair_itself(ns: dict[str, Any]) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, _s256(verifier)


EXERCISES = {
    "pkce": Exercise(
        solution="solutions/11_pkce.py",
        check=check_pkce,
        context=("api",),
        wrong_answers=(_hex, _padded, _standard_base64, _plain, _short, _fixed, _the_pair_itself),
        objective="make a PKCE verifier, challenge and state by hand",
    ),
}


# -- quick checks (checks.quiz) --------------------------------------------------------------

from .quiz import predict, quiz  # noqa: E402 - the questions follow the exercise they sit beside

quiz(
    "11_which_grant",
    "You are writing a command-line tool that lists *the person's own* notes from an API. Which grant fits?",
    options={
        "a": "Client credentials, with the client secret shipped inside the tool.",
        "b": "The device code grant (or authorization code + PKCE through the browser).",
        "c": "The password grant: the tool asks for the person's password and sends it to the token endpoint.",
        "d": "No grant: the person pastes a token from the website into the tool.",
    },
    answer="b",
    explain={
        "a": "A secret shipped to every user's machine is no secret: anyone can read it out of the tool. And the token would be the tool's, not the person's: the API could not tell whose notes to list.",
        "b": "The person approves at the server, in a browser, and the tool gets a token for that person. No secret in the tool, no password in the tool.",
        "c": "The tool would see the password, and every tool would need to be trusted with it. The password grant is deprecated (RFC 9700 §2.4) and missing from OAuth 2.1.",
        "d": "It works for a quick test, but that token never refreshes, is usually broader than needed, and ends up in shell history. A login flow gives short-lived tokens and a refresh token.",
    },
    objective="tell when client credentials fits and when a person must log in",
)

predict(
    "11_poll_twice",
    "# the person approved; the first poll returned a token\n"
    "again = requests.post(TOKEN_URL, data={\n"
    '    "grant_type": "urn:ietf:params:oauth:grant-type:device_code",\n'
    '    "device_code": device["device_code"], "client_id": CLIENT_ID}, timeout=10)\n'
    'print(again.status_code, again.json()["error"])',
    options={
        "a": "200 and a second token: the approval is valid until the code expires.",
        "b": "400 invalid_grant: a device code gives one token, once.",
        "c": "400 authorization_pending: the person must approve again.",
        "d": "429 slow_down: the poll came too soon.",
    },
    answer="b",
    explain={
        "a": "Then anyone who saw the device code could get tokens for the person until it expired. One approval, one token.",
        "b": "The code was used up by the token it gave. To get more tokens, the device uses its refresh token; to log in again, it starts a new device login.",
        "c": "The approval is not reset; the code is simply spent, so the server says invalid_grant.",
        "d": "slow_down is a 400 with error=slow_down, about polling too often while still pending; this code is no longer pending.",
    },
    objective="run a device login end to end",
)

predict(
    "11_wrong_verifier",
    "# code: from the redirect, for a request sent with challenge = S256(verifier)\n"
    "other_verifier = secrets.token_urlsafe(48)\n"
    "answer = requests.post(TOKEN_URL, data={\"grant_type\": \"authorization_code\", \"code\": code,\n"
    "    \"redirect_uri\": REDIRECT_URI, \"client_id\": CLIENT_ID, \"code_verifier\": other_verifier}, timeout=10)\n"
    "print(answer.status_code, answer.json()[\"error\"])",
    options={
        "a": "200: the code is what counts; the verifier is only checked when there is a client secret.",
        "b": "400 invalid_grant, and the code is burned: even the right verifier fails after this.",
        "c": "400 invalid_grant, and trying again with the right verifier still works.",
        "d": "401 invalid_client: a public client cannot be authenticated.",
    },
    answer="b",
    explain={
        "a": "PKCE matters most for public clients, which have no secret: the verifier is the only proof that this is the app that started the login.",
        "b": "The server compares S256(code_verifier) with the challenge it stored for the code. A mismatch is invalid_grant, and the mock burns the code, so someone who stole it gets one guess at most.",
        "c": "A server that let a stolen code be tried until a verifier matched would invite guessing. Single use: the code is gone after the first attempt.",
        "d": "A public client is identified by client_id alone; nothing about the client failed here. The grant (code + verifier) did.",
    },
    objective="make a PKCE verifier, challenge and state by hand",
)

quiz(
    "11_cache_mode",
    "A script saves a refresh token with `open(path, 'w').write(...)` then calls `os.chmod(path, 0o600)`. What is wrong?",
    options={
        "a": "Nothing: the file ends up owner-only, which is what matters.",
        "b": "For a moment the file exists with the umask's mode (often 0644): another user on the machine can open it then, and keep reading it.",
        "c": "chmod does not work on files created by Python.",
        "d": "A refresh token is not secret: only access tokens need protecting.",
    },
    answer="b",
    explain={
        "a": "Permissions are checked when a file is opened. Someone who opened it during that moment keeps a readable handle after the chmod.",
        "b": "Create it owner-only in the one call: os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), then write. tokenkit's cache does that, in a new file moved over the old one.",
        "c": "chmod works; the problem is the window before it.",
        "d": "A refresh token is the longer-lived secret: it gets new access tokens for days or months, as the person, with no password asked.",
    },
    objective="keep tokens in an owner-only cache",
)

quiz(
    "11_mobile",
    "A mobile app logs its users in. Which is the recommended way (RFC 8252)?",
    options={
        "a": "An embedded web view inside the app showing the login page.",
        "b": "The system browser (or an in-app browser tab) with authorization code + PKCE, back to the app by a claimed https link.",
        "c": "The app's own login screen, sending the password to the token endpoint.",
        "d": "The implicit flow: the token comes straight back in the URL fragment.",
    },
    answer="b",
    explain={
        "a": "The app controls an embedded web view: it could read the password typed into it, and the person cannot tell. The user also has to log in again, with no shared session.",
        "b": "The browser is not the app: the password stays between the person and the server, the session is shared across apps, and PKCE keeps an intercepted code useless.",
        "c": "That is the password grant: the app sees the password. Deprecated for this reason.",
        "d": "The implicit flow puts the access token in a URL, where history, logs and other apps can see it. RFC 9700 says not to use it; single-page apps use code + PKCE too.",
    },
    objective="choose the flow for a CLI, a web app and a mobile app",
)

predict(
    "11_state_mismatch",
    "def stale_tab(url):   # the browser comes back from an older login: another state\n"
    '    landing = api.approve_authorization(url.replace("state=", "state=old"), "bob")\n'
    "    requests.get(landing, timeout=10)\n"
    "\n"
    "try:\n"
    "    tokenkit.AuthorizationCodeLogin(ISSUER, CLIENT_ID, open_browser=stale_tab).fetch()\n"
    "except tokenkit.LoginError as exc:\n"
    '    print(type(exc).__name__, "·", exc.error)',
    options={
        "a": "Nothing is raised: bob approved, so the code is exchanged and bob's token returned.",
        "b": "StateMismatchError · state_mismatch, and the code is never sent to the token endpoint.",
        "c": "The mock refuses the authorization request: it knows the state was changed.",
        "d": "The listener ignores that redirect and keeps waiting for one with the right state.",
    },
    answer="b",
    explain={
        "a": "A code that arrives with a state this login did not send may be an attacker's, pushed into your browser so that your program ends up logged in as them (login CSRF). It must not be used.",
        "b": "The state is this login's own random value: anything else means the redirect belongs to another login, so tokenkit refuses it before exchanging anything.",
        "c": "The server only hands the state back; it cannot know which value the client sent first. Checking it is the client's job.",
        "d": "The listener is one-shot: the first redirect decides, and it is gone afterwards, so it cannot be fed a second, forged one later.",
    },
    objective="log in with `AuthorizationCodeLogin` through a loopback redirect",
)
