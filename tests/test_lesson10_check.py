"""Lesson 10's check refuses each wrong ``fetch_all`` for *its* mistake, and judges what the server saw.

tests/test_exercises.py already runs the solution and requires every listed wrong answer to
fail with a hint. The check here is elaborate (a watching transport, a clock moved
mid-flight, token requests counted in the mock's log), so these tests pin which message
each mistake gets: a wrong answer that failed for another reason would hide a check that
no longer sees the mistake it was written for.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tokenkit.mock import MockAPI

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

from checks import lesson10  # noqa: E402


@pytest.mark.parametrize(
    ("wrong", "said"),
    [
        (lesson10._auth_per_request, "token requests for 12 URLs"),
        (lesson10._token_kept, "expired mid-flight and nothing renewed it"),
        (lesson10._one_at_a_time, "went one at a time"),
        (lesson10._as_they_finish, "not in the order of `urls`"),
        (lesson10._responses, "the responses, not their JSON bodies"),
        (lesson10._blocking_first_token, "blocking fetch() or refresh() was called on the running event loop"),
        (lesson10._no_token, "carried no token"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else "",
)
def test_each_wrong_answer_is_told_its_own_mistake(wrong: Any, said: str, fresh_mock: MockAPI, capsys: pytest.CaptureFixture[str]) -> None:
    verdict = lesson10.check_fetch_all(wrong, api=fresh_mock)
    assert not verdict and said in verdict.message, verdict.message
    assert verdict.hint


def test_the_solution_makes_two_token_requests_and_is_right_on_every_run(fresh_mock: MockAPI, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {}
    exec(compile((NOTEBOOKS / "solutions" / "10_fetch_all.py").read_text(), "10_fetch_all.py", "exec"), namespace)  # noqa: S102
    for _ in range(2):  # a second run counts only its own token requests (a fresh client, entries from now on)
        assert lesson10.check_fetch_all(namespace["answer"], api=fresh_mock)
    out = capsys.readouterr().out
    assert out.count("✅ Right") == 2 and "two token requests" in out
    mine = [e for e in fresh_mock.log(None) if e.path == "/oauth/token" and e.client_id == lesson10.CLIENT]
    assert len(mine) == 4, mine  # two per run, as the check said


def test_a_function_that_is_not_async_is_told_so(fresh_mock: MockAPI, capsys: pytest.CaptureFixture[str]) -> None:
    verdict = lesson10.check_fetch_all(lambda client, source, urls: [], api=fresh_mock)
    assert not verdict and "async def" in (verdict.hint or "")
