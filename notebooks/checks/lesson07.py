"""Lesson 07: rate limits, backoff and pacing, with plain requests.

The exercise is done without tokenkit: a function that makes ``n`` calls through a
``requests.Session`` and never provokes more than the one 429 it cannot avoid. The check
hands it a token whose budget "a colleague" has already spent, a ``sleep`` that moves the
mock's clock (so the waits cost no real time), and counts every answer the server sent
through a response hook, so "paced" is what the server saw, not what the function claims.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import requests

from . import Exercise, Verdict, demo_source, not_yet, raised, right
from .quiz import predict, quiz

CALLS = 12
RATE_LIMITED = "rate-limited"
LIMIT, WINDOW = 5, 2  # the rate-limited demo client: 5 requests per 2 s per token
JITTER_ALLOWED = 1.0  # seconds of jitter on top of Retry-After that still count as paced
MAX_ANSWERS = 60  # more server answers than this for 12 calls: the function is looping


class _Looping(RuntimeError):
    """Raised from the response hook when a function keeps calling without pacing."""


def _slowest_polite_wait(calls: int) -> float:
    """Waiting out the 429 (Retry-After plus jitter), then one reset after every full budget."""
    resets = math.ceil(calls / LIMIT) - 1
    return WINDOW + JITTER_ALLOWED + resets * WINDOW + 0.5


def check_get_all(answer: Any, *, api: Any) -> Verdict:
    """``answer(http, url, n, sleep)`` returns ``n`` responses, all 200, with at most one 429 on the way."""
    if answer is None:
        return not_yet("`answer` is still None.", "Write def get_all(http, url, n, sleep): ..., then answer = get_all.")
    if not callable(answer):
        return not_yet(
            f"`answer` should be a function, not a {type(answer).__name__}.",
            "Set answer = get_all (the function itself, without calling it).",
        )
    url = f"{api.url}/data"
    try:
        api.clock.advance(WINDOW)  # earlier runs' windows are over
        token = demo_source(api, RATE_LIMITED).fetch()
        headers = {"Authorization": token.authorization}
        for _ in range(LIMIT):  # a colleague spends this token's budget first
            requests.get(url, headers=headers, timeout=10)
    except Exception as exc:  # noqa: BLE001 - a check never raises
        return not_yet(f"the check could not prepare its token ({raised(exc)}).", "Is the setup cell's mock still running?")

    seen: list[int] = []
    waits: list[float] = []

    def record(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        seen.append(response.status_code)
        if len(seen) > MAX_ANSWERS:
            raise _Looping(f"{len(seen)} answers for {CALLS} calls")

    def sleep(seconds: float) -> None:  # what time.sleep does, on the mock's clock
        if isinstance(seconds, str) or not isinstance(seconds, (int, float)):
            raise TypeError(f"sleep() takes a number of seconds, not {type(seconds).__name__} {seconds!r}: convert it with float()")
        waits.append(float(seconds))
        api.clock.advance(max(0.0, float(seconds)))

    try:
        with requests.Session() as http:
            http.headers.update(headers)
            http.hooks["response"].append(record)
            result = answer(http, url, CALLS, sleep)
    except _Looping:
        return not_yet(
            f"your function kept calling: the server answered {len(seen)} times for {CALLS} calls, "
            f"{seen.count(429)} of them 429, and it waited {len(waits)} times.",
            "After a 429, call sleep(...) with the answer's Retry-After before you send the request again.",
        )
    except Exception as exc:  # noqa: BLE001 - explain whatever the learner's function raised
        return not_yet(
            f"your function raised {raised(exc)}",
            "The first answer is a 429 (the budget is spent): wait Retry-After seconds, then send the same request again. "
            "Header values are strings: float(response.headers['Retry-After']).",
        )

    if not isinstance(result, (list, tuple)):
        return not_yet(f"your function returned a {type(result).__name__}, not a list of responses.", "Collect each 200 response in a list and return it.")
    statuses = [getattr(r, "status_code", None) for r in result]
    if len(result) != CALLS or any(status != 200 for status in statuses):
        return not_yet(
            f"asked for {CALLS} calls, got back {len(result)} responses with statuses {statuses}.",
            "Return exactly n responses, each a 200: a 429 is not a result, it is a request to wait and send the same call again.",
        )
    refused = seen.count(429)
    if refused > 1:
        return not_yet(
            f"the server refused you {refused} times. The first 429 was unavoidable (the budget was spent before "
            f"you started); the other {refused - 1} came from calling on with RateLimit-Remaining at 0.",
            "Pace from the headers: when an answer says RateLimit-Remaining: 0, sleep RateLimit-Reset seconds before the next call.",
        )
    after_429 = waits[0] if waits else 0.0
    waited = sum(waits)
    if waited > _slowest_polite_wait(CALLS):
        return not_yet(
            f"all {CALLS} calls came back 200, but your function waited {waited:g} s in all ({len(waits)} waits); "
            f"reading the headers it needs about {_slowest_polite_wait(CALLS) - JITTER_ALLOWED - 0.5:g} s.",
            "Wait only when the server says so: after a 429 (Retry-After) and when RateLimit-Remaining reaches 0 (RateLimit-Reset), not before every call.",
        )
    jitter = (
        f" You waited {after_429:.2f} s after the 429: Retry-After plus jitter, so clients refused together do not all come back at once."
        if after_429 > WINDOW
        else " Consider a little random jitter on top of Retry-After (random.uniform(0, 0.5)): clients refused together then do not all come back at the same instant."
    )
    return right(
        f"{CALLS} calls, all 200, and the server refused you only the once you could not avoid. "
        f"{len(waits)} waits, {waited:.1f} s in all, each when the server asked.{jitter}"
    )


# -- answers that must fail (tests/test_exercises.py) ---------------------------------------


def _hammer(http: requests.Session, url: str, n: int, sleep: Callable[[float], None]) -> list[requests.Response]:
    return [http.get(url, timeout=10) for _ in range(n)]


def _backoff_only(http: requests.Session, url: str, n: int, sleep: Callable[[float], None]) -> list[requests.Response]:
    responses: list[requests.Response] = []
    while len(responses) < n:
        response = http.get(url, timeout=10)
        if response.status_code == 429:
            sleep(float(response.headers["Retry-After"]))
            continue
        responses.append(response)
    return responses


def _fixed_sleep(http: requests.Session, url: str, n: int, sleep: Callable[[float], None]) -> list[requests.Response]:
    responses: list[requests.Response] = []
    while len(responses) < n:
        sleep(1.0)  # a guess instead of the headers
        response = http.get(url, timeout=10)
        if response.status_code != 429:
            responses.append(response)
    return responses


def _paced_but_gives_up(http: requests.Session, url: str, n: int, sleep: Callable[[float], None]) -> list[requests.Response]:
    responses = []
    for _ in range(n):
        response = http.get(url, timeout=10)
        responses.append(response)
        if response.headers.get("RateLimit-Remaining") == "0":
            sleep(float(response.headers["RateLimit-Reset"]))
    return responses


EXERCISES = {
    "paced_calls": Exercise(
        solution="solutions/07_paced_calls.py",
        check=check_get_all,
        context=("api",),
        wrong_answers=(
            lambda ns: _hammer,
            lambda ns: _backoff_only,
            lambda ns: _fixed_sleep,
            lambda ns: _paced_but_gives_up,
        ),
        objective="pace your calls from the headers",
    ),
}


# -- quick checks ---------------------------------------------------------------------------

predict(
    "07_headers",
    "# a fresh rate-limited token: 5 requests per 2 seconds\n"
    "for call in range(6):\n"
    '    response = requests.get(f"{BASE_URL}/data", headers=headers, timeout=10)\n'
    'print(response.status_code, response.headers["RateLimit-Remaining"], response.headers.get("Retry-After"))',
    options={
        "a": "200 0 None",
        "b": "429 0 2",
        "c": "429 -1 None",
        "d": "The loop raises requests.HTTPError on the sixth call.",
    },
    answer="b",
    explain={
        "a": "Five requests fit in the window; the sixth is one too many, and the answer to it is a 429, not a 200.",
        "b": "The sixth call is refused: 429, nothing remaining, and Retry-After says how many seconds until the window resets.",
        "c": "Remaining never goes below 0, and a 429 from a polite server says when to come back: Retry-After is there.",
        "d": "requests never raises for a status by itself; a 429 is an answer like any other until you call raise_for_status().",
    },
    objective="read the rate-limit headers",
)

quiz(
    "07_jitter",
    "A hundred copies of your script run at once, all get 429 at the same moment, and all back off "
    "1 s, 2 s, 4 s... exactly. Why add random jitter to each wait?",
    options={
        "a": "It makes each script finish sooner.",
        "b": "Without it they all retry at the same instants, and each retry is a burst that is refused together again; jitter spreads them out.",
        "c": "The server requires it: RFC 9110 says a client must add randomness to Retry-After.",
        "d": "Jitter lets a client retry before Retry-After has passed.",
    },
    answer="b",
    explain={
        "a": "Jitter adds a little waiting on average; what it buys is fewer refusals for everyone, not speed for one.",
        "b": "Synchronised retries arrive as one burst (a 'thundering herd') and fail together; a random extra spreads them so the server can take them.",
        "c": "RFC 9110 §10.2.3 defines Retry-After as the minimum wait; jitter is good client practice, not a protocol rule.",
        "d": "Never earlier: jitter goes on top of Retry-After (the minimum the server asked for), or on top of the exponential backoff.",
    },
    objective="back off with jitter",
)

quiz(
    "07_pool_terms",
    "Your client's allowance is 100 requests a minute and your nightly job needs 300. Which is the "
    "right move?",
    options={
        "a": "Fetch three tokens for the same client and put them in a TokenPool: three budgets.",
        "b": "Register two more free accounts and pool their keys with yours.",
        "c": "Pace the job within the allowance (it takes three minutes), cache or batch what you can, or ask the provider for a higher limit.",
        "d": "Retry every 429 at once until it goes through.",
    },
    answer="c",
    explain={
        "a": "Real APIs count per client, account or IP, so the three tokens share one budget; and spreading requests to get round a limit is what their terms forbid.",
        "b": "Extra accounts to get round a limit is evasion, against nearly every API's terms, and gets all of them suspended.",
        "c": "The limit is the provider's to set: stay within it, or ask for more. A pool is for several accounts you are entitled to act for, each within its own allowance.",
        "d": "Immediate retries spend the next window's budget on refusals and look like abuse; wait Retry-After.",
    },
    objective="say what a token pool is for",
)
