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
