"""Lesson 07: rate limits and token pools.

The check makes the calls itself, with the learner's pool and ``max_wait`` set to 0, so
"no waiting" is what the server's answers prove, not what the pool claims.
"""

from __future__ import annotations

from typing import Any

import requests

from tokenkit import BearerAuth, RateLimitedError, TokenPool

from . import Exercise, Verdict, demo_source, error_name, not_yet, raised, right

CALLS = 20
RATE_LIMITED = "rate-limited"
LIMIT, WINDOW = 5, 2  # the rate-limited demo client: 5 requests per 2 s per token


def check_pool(answer: Any, *, api: Any) -> Verdict:
    """A TokenPool of rate-limited tokens that makes 20 calls to /data with max_wait=0."""
    if answer is None:
        return not_yet("`answer` is still None.", "Build a tokenkit.TokenPool([...]) of rate-limited tokens and assign it to answer.")
    if isinstance(answer, (list, tuple)):
        return not_yet(
            f"this is a {type(answer).__name__} of {len(answer)} items, not a pool.",
            "Wrap them: answer = tokenkit.TokenPool(tokens). The pool is what rotates them and fails over on 429.",
        )
    if isinstance(answer, BearerAuth):
        return not_yet(
            "this is a BearerAuth: one token, so one budget of 5 requests per 2 s.",
            "Put several tokens in a tokenkit.TokenPool([...]).",
        )
    if not isinstance(answer, TokenPool):
        return not_yet(f"expected a tokenkit.TokenPool, got {type(answer).__name__}.", "answer = tokenkit.TokenPool([...])")

    api.clock.advance(WINDOW)  # a fresh window for every token: earlier runs do not count
    saved_wait = answer.max_wait
    answer.max_wait = 0
    answers: list[requests.Response] = []
    try:
        with requests.Session() as http:
            http.auth = answer
            for _ in range(CALLS):
                response = http.get(f"{api.url}/data", timeout=10)
                answers.append(response)
                if response.status_code != 200:
                    break
    except RateLimitedError:
        sent = {a.request.headers.get("Authorization") for a in answers}
        if len(sent) < len(answer):
            return not_yet(
                f"after {len(answers)} calls every token was rate limited, and your pool of {len(answer)} "
                f"holds only {len(sent)} different token(s).",
                "Limits count per token: the same token twice is one budget. Fetch a new one for each place: "
                "[source.fetch() for _ in range(n)].",
            )
        return not_yet(
            f"after {len(answers)} calls all {len(answer)} tokens were rate limited, and the pool may not wait.",
            f"Each token may make {LIMIT} calls per {WINDOW} s, so {CALLS} calls need at least {CALLS // LIMIT} tokens.",
        )
    except requests.RequestException as exc:
        return not_yet(f"the calls failed ({error_name(exc)}).", "Is the setup cell's mock still running? Run the setup cell again.")
    except Exception as exc:  # noqa: BLE001 - whatever the learner's pool raised, explain it
        return not_yet(f"using the pool raised {raised(exc)}", "Build the pool from tokens or token sources.")
    finally:
        answer.max_wait = saved_wait

    last = answers[-1]
    if last.status_code != 200:
        try:
            said = last.json().get("error_description", "")
        except ValueError:
            said = ""
        return not_yet(
            f"call {len(answers)} answered HTTP {last.status_code}: {said}",
            "Use tokens of the rate-limited client from this lesson's mock (api.clients['rate-limited']).",
        )
    limit = last.headers.get("RateLimit-Limit")
    if limit != str(LIMIT):
        return not_yet(
            f"these tokens may make {limit} requests per window, so they prove nothing about a small limit.",
            "Use the rate-limited client's tokens: api.clients['rate-limited'] (the setup cell's CLIENT_ID).",
        )
    used = len({a.request.headers.get("Authorization") for a in answers})
    return right(
        f"{CALLS} calls, all 200, no waiting: {used} tokens × {LIMIT} requests cover {CALLS} calls in one "
        f"{WINDOW}-second window. One token fewer and call {(used - 1) * LIMIT + 1} would find every token cooling down."
    )


# -- answers that must fail (tests/test_exercises.py) ---------------------------------------


def _three_tokens(ns: dict[str, Any]) -> TokenPool:
    source = demo_source(ns["api"], RATE_LIMITED)
    return TokenPool([source.fetch() for _ in range(3)])


def _same_token_four_times(ns: dict[str, Any]) -> TokenPool:
    return TokenPool([demo_source(ns["api"], RATE_LIMITED).fetch()] * 4)


def _a_list_of_tokens(ns: dict[str, Any]) -> list[Any]:
    source = demo_source(ns["api"], RATE_LIMITED)
    return [source.fetch() for _ in range(4)]


def _generous_tokens(ns: dict[str, Any]) -> TokenPool:
    source = demo_source(ns["api"], "notes-app")
    return TokenPool([source.fetch() for _ in range(4)])


EXERCISES = {
    "twenty_calls": Exercise(
        solution="solutions/07_twenty_calls.py",
        check=check_pool,
        context=("api",),
        wrong_answers=(_three_tokens, _same_token_four_times, _a_list_of_tokens, _generous_tokens),
    ),
}
