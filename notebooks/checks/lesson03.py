"""Lesson 03: authenticated requests.

The checks look at the notes on the server itself (with a token of their own for the
same client), so what counts is what the API stored, not what an answer claims.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import requests

from tokenkit import BearerAuth, ClientCredentials

from . import Exercise, Verdict, error_name, not_yet, raised, right
from .quiz import quiz

REPORT_TITLE = "Weekly report"
REPORT_TAGS = ("work", "reports")
NEW_TITLE = "Q3 numbers (final)"


def _token(token_url: str, client_id: str, client_secret: str) -> str:
    return ClientCredentials(token_url, client_id, client_secret, scope="notes:read notes:write").fetch().access_token


def _get_note(base_url: str, token: str, note_id: int) -> tuple[int, dict[str, Any]]:
    response = requests.get(f"{base_url}/notes/{note_id}", auth=BearerAuth(token), timeout=10)
    try:
        body = response.json()
    except ValueError:
        body = {}
    return response.status_code, body


def check_create_note(answer: Any, *, BASE_URL: str, TOKEN_URL: str, CLIENT_ID: str, CLIENT_SECRET: str) -> Verdict:
    """The id (an int) of a note titled 'Weekly report' with tags work and reports."""
    if answer is None:
        return not_yet("`answer` is still None.", "Fill in the answer cell, run it, then run this check again.")
    if isinstance(answer, requests.Response):
        return not_yet(
            f"this is the Response (HTTP {answer.status_code}), not the note's id.",
            'The id is in the JSON the POST answered: answer = response.json()["id"].',
        )
    if isinstance(answer, dict):
        return not_yet("this is a whole note (a dict); the task asks for its id.", 'answer = created["id"]')
    if isinstance(answer, str):
        if answer.startswith("/notes/"):
            return not_yet(
                "this is the Location header; the id is the number at its end.",
                'answer = response.json()["id"] (or int(location.rsplit("/", 1)[1])).',
            )
        return not_yet(f"the id is a str ({answer!r}); the API's ids are numbers.", 'answer = response.json()["id"]')
    if isinstance(answer, bool) or not isinstance(answer, int):
        return not_yet(f"expected the note's id as an int, got {type(answer).__name__}.", 'answer = response.json()["id"]')
    try:
        status, note = _get_note(BASE_URL, _token(TOKEN_URL, CLIENT_ID, CLIENT_SECRET), answer)
    except requests.RequestException as exc:
        return not_yet(f"the check could not reach the API ({error_name(exc)}).", "Is the setup cell's mock still running? Run the setup cell again.")
    if status == 404:
        return not_yet(f"there is no note {answer} on the server (GET /notes/{answer} answered 404).", "Was it deleted, or created with another client? Create it with this lesson's token.")
    if status != 200:
        return not_yet(f"GET /notes/{answer} answered HTTP {status}: {note.get('error_description', '')}", note.get("hint"))
    if note.get("title") != REPORT_TITLE:
        return not_yet(f"note {answer} is titled {note.get('title')!r}, not {REPORT_TITLE!r}.", "Check the spelling and capitals, or create a new note.")
    tags = note.get("tags") or []
    if sorted(tags) != sorted(REPORT_TAGS):
        return not_yet(
            f"note {answer} has tags {tags}; the task asks for {list(REPORT_TAGS)}.",
            'Tags are a JSON list of strings: "tags": ["work", "reports"].',
        )
    return right(
        f"note {answer} is on the server, titled {note['title']!r} with tags {', '.join(tags)}. "
        "POST answered 201 Created, and its Location header and JSON both gave you this id."
    )


def check_retitle(answer: Any, *, BASE_URL: str, TOKEN_URL: str, CLIENT_ID: str, CLIENT_SECRET: str) -> Verdict:
    """A function retitle(token, note_id, title) that changes the title and keeps body and tags."""
    if answer is None:
        return not_yet("`answer` is still None.", "Define the function, then: answer = retitle (no parentheses).")
    if not callable(answer):
        return not_yet(
            f"expected a function, got {type(answer).__name__}.",
            "Write `def retitle(token, note_id, title): ...` and set answer = retitle, without calling it.",
        )
    try:
        inspect.signature(answer).bind("token", 1, "title")
    except TypeError:
        return not_yet("the function must take three arguments: token, note_id, title.", "def retitle(token, note_id, title): ...")
    except ValueError:
        pass  # no signature to inspect (a builtin); calling it will tell
    try:
        token = _token(TOKEN_URL, CLIENT_ID, CLIENT_SECRET)
        original = {"title": "Q3 numbers", "body": "EU up 4%, NA flat. Send to the client on Friday.", "tags": ["work", "q3"]}
        created = requests.post(f"{BASE_URL}/notes", json=original, auth=BearerAuth(token), timeout=10)
        created.raise_for_status()
        note_id = created.json()["id"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        return not_yet(f"the check could not create its test note ({error_name(exc)}).", "Is the setup cell's mock still running? Run the setup cell again.")
    try:
        returned = answer(token, note_id, NEW_TITLE)
    except Exception as exc:  # the learner's code: report, never raise
        return not_yet(f"calling retitle(token, {note_id}, {NEW_TITLE!r}) raised {raised(exc)}", "Run it yourself on a note of yours to see where.")
    try:
        status, note = _get_note(BASE_URL, token, note_id)
    except requests.RequestException as exc:
        return not_yet(f"the check could not read the note back ({error_name(exc)}).", "Is the setup cell's mock still running?")
    if status == 404:
        return not_yet(f"the test note {note_id} is gone after retitle(): was it deleted?", "Change the note; do not DELETE it.")
    if note.get("title") != NEW_TITLE:
        hint = None
        if isinstance(returned, requests.Response) and returned.status_code >= 400:
            try:
                said = returned.json().get("error_description")
            except ValueError:
                said = returned.text[:200]
            hint = f"Your request answered HTTP {returned.status_code}: {said}"
        elif isinstance(returned, dict) and returned.get("error_description"):
            hint = f"The API answered: {returned['error_description']}"
        return not_yet(
            f"after retitle(token, {note_id}, {NEW_TITLE!r}) the note is still titled {note.get('title')!r}.",
            hint or "Send the change to /notes/{note_id} with the token, and check the answer's status.",
        )
    lost = [name for name in ("body", "tags") if note.get(name) != original[name]]
    if lost:
        return not_yet(
            f"the title changed, but the note lost its {' and '.join(lost)}: now {', '.join(f'{n}={note.get(n)!r}' for n in lost)}.",
            "PUT replaces the whole note: send title, body and tags (GET the note first), or use PATCH to change only the title.",
        )
    if not isinstance(returned, dict) or returned.get("title") != NEW_TITLE:
        return not_yet(
            f"the note was changed right, but retitle() returned {type(returned).__name__}, not the updated note.",
            "End with: return response.json()",
        )
    return right("the title changed and the body and tags were kept. PATCH changes only what you send; PUT replaces the whole note.")


# -- wrong answers the tests feed the checks ----------------------------------------------


def _post_note(ns: dict[str, Any], note: dict[str, Any]) -> requests.Response:
    token = _token(ns["TOKEN_URL"], ns["CLIENT_ID"], ns["CLIENT_SECRET"])
    return requests.post(f"{ns['BASE_URL']}/notes", json=note, auth=BearerAuth(token), timeout=10)


def _deleted_note_id(ns: dict[str, Any]) -> int:
    token = _token(ns["TOKEN_URL"], ns["CLIENT_ID"], ns["CLIENT_SECRET"])
    note_id = int(_post_note(ns, {"title": REPORT_TITLE, "tags": list(REPORT_TAGS)}).json()["id"])
    requests.delete(f"{ns['BASE_URL']}/notes/{note_id}", auth=BearerAuth(token), timeout=10)
    return note_id


def _retitle_with(ns: dict[str, Any], method: str, make_body: Callable[[dict[str, Any], str], Any]) -> Callable[[str, int, str], Any]:
    """A retitle function that sends ``make_body(current note, title)`` with ``method``."""

    def retitle(token: str, note_id: int, title: str) -> Any:
        url = f"{ns['BASE_URL']}/notes/{note_id}"
        current = requests.get(url, auth=BearerAuth(token), timeout=10).json()
        return requests.request(method, url, json=make_body(current, title), auth=BearerAuth(token), timeout=10).json()

    return retitle


EXERCISES = {
    "create_note": Exercise(
        solution="solutions/03_create_note.py",
        check=check_create_note,
        context=("BASE_URL", "TOKEN_URL", "CLIENT_ID", "CLIENT_SECRET"),
        objective="send a token on GET, POST, PUT, PATCH and DELETE",
        wrong_answers=(
            lambda ns: _post_note(ns, {"title": REPORT_TITLE, "tags": list(REPORT_TAGS)}),
            lambda ns: _post_note(ns, {"title": REPORT_TITLE, "tags": list(REPORT_TAGS)}).json(),
            lambda ns: _post_note(ns, {"title": REPORT_TITLE, "tags": list(REPORT_TAGS)}).headers["Location"],
            lambda ns: str(_post_note(ns, {"title": REPORT_TITLE, "tags": list(REPORT_TAGS)}).json()["id"]),
            lambda ns: _post_note(ns, {"title": "weekly report", "tags": list(REPORT_TAGS)}).json()["id"],
            lambda ns: _post_note(ns, {"title": REPORT_TITLE, "tags": ["work, reports"]}).json()["id"],
            lambda ns: _post_note(ns, {"title": REPORT_TITLE}).json()["id"],
            _deleted_note_id,
            lambda ns: 999_999,
        ),
    ),
    "retitle": Exercise(
        solution="solutions/03_retitle.py",
        check=check_retitle,
        context=("BASE_URL", "TOKEN_URL", "CLIENT_ID", "CLIENT_SECRET"),
        objective="tell PUT (replace the whole resource) from PATCH",
        wrong_answers=(
            # PUT with only the title: body and tags are wiped
            lambda ns: _retitle_with(ns, "PUT", lambda note, title: {"title": title}),
            # PUT of the whole GET answer: id, owner... are refused with 422
            lambda ns: _retitle_with(ns, "PUT", lambda note, title: {**note, "title": title}),
            # PATCH of the wrong field
            lambda ns: _retitle_with(ns, "PATCH", lambda note, title: {"name": title}),
            # called instead of passed
            lambda ns: "retitle(token, 1, 'x')",
            # a function with the wrong arguments
            lambda ns: (lambda note_id, title: None),
            # a function that forgets the token
            lambda ns: (lambda token, note_id, title: requests.patch(f"{ns['BASE_URL']}/notes/{note_id}", json={"title": title}, timeout=10)),
            # a function that raises
            lambda ns: (lambda token, note_id, title: requests.patch(f"{ns['BASE_URL']}/notes/{note_id}", json={"title": title}, auth=BearerAuth(token), timeout=10).json()["missing"]),
        ),
    ),
}


quiz(
    "03_status",
    "POST /notes with your token answers 422 Unprocessable Content. What is wrong?",
    options={
        "a": "The token: it has expired.",
        "b": "The data you sent: a required field is missing, or it went as a form (data=) where the API wants JSON (json=).",
        "c": "The note does not exist yet.",
        "d": "Nothing: 422 is a kind of success, like 201.",
    },
    answer="b",
    explain={
        "a": "An expired token is a 401: the server would not have looked at your data at all. A 422 means it accepted who you are and read the request.",
        "b": "422: the server understood the request but the content is not valid (RFC 9110 §15.5.21). The error body names the field and why.",
        "c": "A POST creates the note; a missing resource is a 404, and only for a URL that names one.",
        "d": "Every 4xx is a refusal. Success is 2xx: 201 Created (with a Location), 200 OK, 204 No Content.",
    },
    objective="read `201 Created` with its `Location`",
)

quiz(
    "03_session_retries",
    "tokenkit.session() retries a GET that got 503 Service Unavailable, but not a POST. Why?",
    options={
        "a": "POST is not idempotent: if the first POST was processed and only its answer was lost, a retry could create the note twice.",
        "b": "A POST never gets a 503.",
        "c": "requests cannot send the same body twice.",
        "d": "POST requests are not authenticated, so there is no token to resend.",
    },
    answer="a",
    explain={
        "a": "Idempotent means that sending it twice has the same effect as once: GET, PUT and DELETE are, POST and PATCH are not (RFC 9110 §9.2.2). Only idempotent requests are retried without asking you.",
        "b": "Any request can meet an overloaded server. The question is whether repeating it is safe.",
        "c": "It can (a prepared request can be sent again); whether it should is the point.",
        "d": "A POST carries the same Authorization header as a GET; the session's auth puts it on every request.",
    },
    objective="reuse one `requests.Session`",
)

quiz(
    "03_401_order",
    "A script that worked yesterday now gets 401 Unauthorized from GET /data. In what order do you check?",
    options={
        "a": "First the form: switch from Bearer to X-API-Key, then to a raw Authorization header, until one works.",
        "b": "First the token: was one sent at all (an empty variable?), has it expired, is it whole and bare? "
             "Read error_description. Only if a fresh, whole token is refused, check the form the docs ask for.",
        "c": "First the scopes: ask for every scope the client may have.",
        "d": "Retry a few times: a 401 is often temporary.",
    },
    answer="b",
    explain={
        "a": "Most 401s are about the token, not its form: missing, expired or malformed. Trying forms at random also sends your token to places it does not belong.",
        "b": "Missing, expired, malformed: that order finds most 401s, and the challenge's error=\"invalid_token\" and error_description usually name which. The form is the last suspect.",
        "c": "A missing scope is a 403, not a 401. And asking for every scope makes a leaked token worth more.",
        "d": "A 401 is an answer about your credentials; the same request gets the same answer. Something changed: usually the token expired.",
    },
    objective="send a token as",
)

quiz(
    "03_which_form",
    "The API's docs say: \"Authenticate with the header X-API-Key: <your key>\". Which auth do you pass to requests?",
    options={
        "a": "BearerAuth(key)",
        "b": "ApiKeyAuth(key)",
        "c": "HeaderAuth(key, scheme=None), which sends Authorization: <key>",
        "d": "ApiKeyAuth(key, query=\"api_key\")",
    },
    answer="b",
    explain={
        "a": "BearerAuth sends Authorization: Bearer <key>. This API reads X-API-Key and would answer 401, with a description that says where it looks.",
        "b": "ApiKeyAuth(key) sends X-API-Key: <key>, exactly what the docs ask for.",
        "c": "That is the raw Authorization form, for APIs that want the token with no scheme. This one looks in another header.",
        "d": "A key in the URL ends up in server logs, proxies and browser history. Use a query parameter only if an API accepts nothing else; this one names a header.",
    },
    objective="read the 401 that says which one",
)
