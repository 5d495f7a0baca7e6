"""Lesson 09: the capstone's ``fetch_report(api_url, source)``.

The check runs the learner's function four times against the lesson's mock, each time
with a token source it prepared: an ordinary one; one whose token lacks ``data:read``; one
whose first token the server already considers expired (the check moved the mock's
clock); and one whose first token has used up its rate limit. A robust client passes all
four without the check ever looking at its code.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import requests

from tokenkit import (
    AuthenticationError,
    BearerAuth,
    ClientCredentials,
    ForbiddenError,
    RateLimitedError,
    RefreshingAuth,
    Token,
    TokenKitError,
    raise_for_auth,
    session,
)

from . import Exercise, Verdict, demo_source, error_name, not_yet, raised, right

SCENARIOS = 4


class _FirstTokenGiven:
    """A token source that hands out ``first`` once, then fresh tokens from ``source``.

    Stands in for a token cached from earlier: after a laptop slept, or from a spent budget.
    """

    def __init__(self, first: Token, source: ClientCredentials) -> None:
        self.first: Token | None = first
        self.source = source
        self.fetches = 0

    def fetch(self) -> Token:
        self.fetches += 1
        first, self.first = self.first, None
        return first if first is not None else self.source.fetch()

    def __repr__(self) -> str:
        return f"<token source for {self.source.client_id!r} prepared by the check>"


def _expected(api: Any) -> dict[str, int]:
    response = requests.get(f"{api.url}/data", auth=BearerAuth(demo_source(api, "notes-app").fetch()), timeout=10)
    response.raise_for_status()
    totals: dict[str, int] = defaultdict(int)
    for row in response.json()["rows"]:
        totals[row["region"]] += row["active_users"]
    return dict(sorted(totals.items()))


def _compare(result: Any, expected: dict[str, int], where: str) -> Verdict | None:
    """None when ``result`` is the expected report, else the Not-yet verdict (False)."""
    if result == expected:
        return None
    if result is None:
        return not_yet(f"{where}: fetch_report returned None.", "End the function with `return` and the dict of totals.")
    if isinstance(result, requests.Response):
        return not_yet(f"{where}: fetch_report returned the Response (HTTP {result.status_code}).", "Return the totals: a dict like {'APAC': …, 'EU': …, 'NA': …}.")
    if not isinstance(result, dict):
        return not_yet(f"{where}: expected a dict of totals per region, got {type(result).__name__}.", "Return e.g. {'APAC': …, 'EU': …, 'NA': …}.")
    if "error" in result:
        return not_yet(
            f"{where}: fetch_report returned the API's error body ({result.get('error')}) as if it were data.",
            "Call tokenkit.raise_for_auth(response) and response.raise_for_status() before response.json().",
        )
    if sorted(map(str, result)) != sorted(expected):
        return not_yet(f"{where}: the report's keys are {sorted(map(str, result))}; expected the regions {sorted(expected)}.", "Group the rows by row['region'].")
    wrong = {k: result[k] for k in expected if result[k] != expected[k]}
    return not_yet(
        f"{where}: the totals differ: got {wrong}, expected {{{', '.join(f'{k!r}: {expected[k]}' for k in wrong)}}}.",
        "Sum row['active_users'] over every row of each region (all weeks; not 'sessions').",
    )


def _call(answer: Callable[..., Any], api: Any, source: Any) -> tuple[Any, BaseException | None]:
    try:
        return answer(api.url, source), None
    except Exception as exc:  # noqa: BLE001 - the check explains whatever was raised
        return None, exc


def _raised(where: str, exc: BaseException) -> Verdict:
    if isinstance(exc, requests.ConnectionError):
        return not_yet(f"{where}: the API could not be reached ({error_name(exc)}).", "Is the setup cell's mock still running? Run the setup cell again.")
    if isinstance(exc, TypeError):
        return not_yet(f"{where}: calling fetch_report(api_url, source) raised TypeError: {exc}", "The check calls it with two arguments: the API's base URL and a token source.")
    return not_yet(f"{where}: fetch_report raised {raised(exc)}", "Run it yourself first: fetch_report(BASE_URL, source).")


def _survived(
    outcome: tuple[Any, BaseException | None], expected: dict[str, int], where: str,
    gave_up: type[BaseException], message: str, hint: str,
) -> Verdict | None:
    """Judge a scenario the function must recover from: None when it did, else the printed verdict.

    ``gave_up`` is the exception that means it did not try to recover (a 401 not retried, a
    429 not waited out); that case gets its own hint, since it is the lesson being checked.
    """
    result, exc = outcome
    if isinstance(exc, gave_up):
        return not_yet(message, hint)
    if exc is not None:
        return _raised(where, exc)
    return _compare(result, expected, where)


def check_fetch_report(answer: Any, *, api: Any) -> Verdict:
    """fetch_report(api_url, source) -> {region: active users}, robust to 403, expiry and 429."""
    if answer is None:
        return not_yet("`answer` is still None.", "Complete fetch_report, then set answer = fetch_report.")
    if not callable(answer):
        return not_yet(
            f"`answer` should be your function fetch_report, not a {type(answer).__name__}.",
            "answer = fetch_report (no parentheses): the check calls it with sources of its own.",
        )
    try:
        expected = _expected(api)
    except requests.RequestException as exc:
        return not_yet(f"the check could not reach the API ({error_name(exc)}).", "Is the setup cell's mock still running? Run the setup cell again.")

    # 1 of 4: an ordinary source.
    where = f"check 1 of {SCENARIOS} (an ordinary token source)"
    result, exc = _call(answer, api, demo_source(api, "notes-app"))
    if exc is not None:
        return _raised(where, exc)
    verdict = _compare(result, expected, where)
    if verdict is not None:
        return verdict

    # 2 of 4: a token without data:read -> 403, which must surface as ForbiddenError.
    where = f"check 2 of {SCENARIOS} (a token without the data:read scope)"
    result, exc = _call(answer, api, demo_source(api, "notes-app", scope="notes:read"))
    if exc is None:
        return not_yet(
            f"{where}: the API answered 403, but fetch_report returned {result!r:.80} instead of raising.",
            "Call tokenkit.raise_for_auth(response) before using the body: it raises ForbiddenError on a 403.",
        )
    if not isinstance(exc, ForbiddenError):
        if isinstance(exc, requests.HTTPError) and not isinstance(exc, TokenKitError):
            return not_yet(
                f"{where}: raise_for_status() raised a plain HTTPError ({exc}).",
                "Call tokenkit.raise_for_auth(response) first: a ForbiddenError says which scope is missing, "
                "and callers can catch it apart from other failures.",
            )
        return not_yet(
            f"{where}: the API answered 403, and fetch_report raised {raised(exc)}",
            "Call tokenkit.raise_for_auth(response) right after the request: on a 403 it raises tokenkit.ForbiddenError.",
        )

    # 3 of 4: the first token has expired on the server's clock.
    where = f"check 3 of {SCENARIOS} (a token that expired: the check moved the mock's clock)"
    short = demo_source(api, "short-lived")
    stale = short.fetch()
    api.clock.advance(120)  # short-lived tokens live 60 s: this one is now refused
    prepared = _FirstTokenGiven(stale, short)
    verdict = _survived(
        _call(answer, api, prepared), expected, where, AuthenticationError,
        f"{where}: the API answered 401 (token expired) and fetch_report stopped there.",
        "Send the token through tokenkit.RefreshingAuth(source): on a 401 it gets a new token once and resends.",
    )
    if verdict is not None:
        return verdict

    # 4 of 4: the first token has used up its rate limit.
    where = f"check 4 of {SCENARIOS} (a token whose rate limit is used up)"
    limited = demo_source(api, "rate-limited")
    spent = limited.fetch()
    with requests.Session() as http:
        http.auth = BearerAuth(spent)
        for _ in range(5):  # the rate-limited client's whole budget for this window
            http.get(f"{api.url}/data", timeout=10)
    api.clock.advance(1.5)  # so the server asks for Retry-After: 1, not 2
    prepared = _FirstTokenGiven(spent, limited)
    started = time.monotonic()
    verdict = _survived(
        _call(answer, api, prepared), expected, where, RateLimitedError,
        f"{where}: the API answered 429 with Retry-After: 1, and fetch_report gave up.",
        "Build the session with tokenkit.session(auth, retries=3): it waits Retry-After and tries again.",
    )
    if verdict is not None:
        return verdict

    waited = time.monotonic() - started
    return right(
        "fetch_report passed all four: the totals are right; a missing scope raised ForbiddenError; "
        "an expired token was renewed after one 401; and a spent rate limit was waited out "
        f"(Retry-After: 1 s, the call took {waited:.0f} s) instead of failing."
    )


# -- answers that must fail (tests/test_exercises.py) ---------------------------------------


def _totals(rows: list[dict[str, Any]], field: str = "active_users") -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["region"]] += row[field]
    return dict(sorted(totals.items()))


def _no_raise_for_auth(ns: dict[str, Any]) -> Callable[[str, Any], dict[str, int]]:
    def fetch_report(api_url: str, source: Any) -> dict[str, int]:
        with session(RefreshingAuth(source), retries=3) as http:
            return _totals(http.get(f"{api_url}/data").json().get("rows", []))

    return fetch_report


def _no_refresh(ns: dict[str, Any]) -> Callable[[str, Any], dict[str, int]]:
    def fetch_report(api_url: str, source: Any) -> dict[str, int]:
        with session(BearerAuth(source.fetch()), retries=3) as http:
            response = raise_for_auth(http.get(f"{api_url}/data"))
            return _totals(response.json()["rows"])

    return fetch_report


def _no_backoff(ns: dict[str, Any]) -> Callable[[str, Any], dict[str, int]]:
    def fetch_report(api_url: str, source: Any) -> dict[str, int]:
        with requests.Session() as http:
            http.auth = RefreshingAuth(source)
            response = raise_for_auth(http.get(f"{api_url}/data", timeout=10))
            return _totals(response.json()["rows"])

    return fetch_report


def _sums_sessions(ns: dict[str, Any]) -> Callable[[str, Any], dict[str, int]]:
    def fetch_report(api_url: str, source: Any) -> dict[str, int]:
        with session(RefreshingAuth(source), retries=3) as http:
            response = raise_for_auth(http.get(f"{api_url}/data"))
            return _totals(response.json()["rows"], "sessions")

    return fetch_report


EXERCISES = {
    "fetch_report": Exercise(
        solution="solutions/09_fetch_report.py",
        check=check_fetch_report,
        context=("api",),
        wrong_answers=(_no_raise_for_auth, _no_refresh, _no_backoff, _sums_sessions),
        objective="complete `fetch_report`",
    ),
}


# -- quick checks (checks.quiz) --------------------------------------------------------------

from .quiz import predict, quiz  # noqa: E402 - the questions follow the exercise they sit beside

quiz(
    "09_layers",
    "http = tokenkit.session(tokenkit.RefreshingAuth(source), retries=3). Which layer deals with a 429?",
    options={
        "a": "RefreshingAuth: it gets a new token, since the old one is used up.",
        "b": "The session's urllib3 Retry: it waits Retry-After and sends the same GET again.",
        "c": "ClientCredentials: the token endpoint hands out a token with a fresh budget.",
        "d": "None: a 429 always reaches your code as an exception.",
    },
    answer="b",
    explain={
        "a": "RefreshingAuth renews on expiry and on a 401. A 429 is about pace, not the token: a new token would not help (and real APIs count per client).",
        "b": "Each layer has one job: the source gets tokens, RefreshingAuth keeps one valid, the session's Retry waits out 429/503 for idempotent methods.",
        "c": "The token source is asked only when RefreshingAuth needs a token; it knows nothing of rate limits.",
        "d": "The session returns the last 429 when its retries run out; raise_for_auth then turns it into RateLimitedError. Usually the retry succeeds first.",
    },
    objective="build a client from",
)

quiz(
    "09_post_retry",
    "The session retries a GET /data that got 429, but not the POST /notes. Why?",
    options={
        "a": "POST requests are never rate limited.",
        "b": "A POST is not idempotent: if the first one was in fact processed, sending it again could create a second note.",
        "c": "urllib3 cannot resend a request with a JSON body.",
        "d": "It is an oversight: retry every method the same way.",
    },
    answer="b",
    explain={
        "a": "A POST counts against the limit like any request and can get a 429.",
        "b": "GET, PUT and DELETE can be repeated with the same effect; a POST may not be. The decision to resend one stays with you (RFC 9110 §9.2.2).",
        "c": "It can resend any body it was given; it chooses not to, by default, for methods that are not idempotent.",
        "d": "Retrying a POST blindly is how duplicate orders and double notes happen; allowed_methods leaves it out on purpose.",
    },
    objective="write the summary with `POST /notes`",
)

predict(
    "09_expiry",
    "# RefreshingAuth with the default clock (real time); the session made one call already\n"
    "api.clock.advance(3700)   # the mock's time jumps past the token's exp; ours does not\n"
    'response = http.get(f"{API_URL}/data")\n'
    "print(response.status_code, [r.status_code for r in response.history])",
    options={
        "a": "401 []",
        "b": "200 []",
        "c": "200 [401]",
        "d": "401 [401]",
    },
    answer="c",
    explain={
        "a": "RefreshingAuth treats a 401 as 'renew': it gets a new token and resends once, so the caller does not see the 401.",
        "b": "By our clock the token still has time, so it is sent as is and refused first; the refused answer stays in history.",
        "c": "The server, judging by its clock, refuses the token; RefreshingAuth renews, resends once, and the first answer is kept in response.history.",
        "d": "The renewed token is fresh by the server's clock too, so the resend succeeds; and it resends only once, never in a loop.",
    },
    objective="survive an expired token and a 429",
)

quiz(
    "09_exit_status",
    "A scheduler runs the script every Monday. One week it exits with status 3. What does the script tell the scheduler?",
    options={
        "a": "Fix the configuration: the secret or a scope is wrong.",
        "b": "Try again later: the API was rate limiting or not reachable, and nothing in the configuration is known to be wrong.",
        "c": "The report was saved, with three warnings.",
        "d": "Nothing: exit statuses other than 0 all mean the same.",
    },
    answer="b",
    explain={
        "a": "That is exit status 2: a wrong secret, a missing variable or scope will fail again however often it is retried.",
        "b": "Status 3 is for what time can fix (a 429 that outlasted the retries, a network failure): a scheduler may retry later.",
        "c": "Success is 0; the script prints what it saved.",
        "d": "The script uses two statuses on purpose, so a scheduler or CI can tell 'retry later' from 'a person must fix this'.",
    },
    objective="a complete script, run here as a real process",
)
