"""Self-checks for the lessons' exercises.

A learner writes an answer in a cell, then runs ``check_…(answer, …)``: it prints
"Right" with why, or "Not yet" with what is wrong and a hint, and returns a bool. It
never raises, so a lesson still runs top to bottom with the exercise left blank.

Each lesson module lists its exercises in ``EXERCISES``; ``tests/test_exercises.py``
runs every solution file against a live mock and checks that it passes, that each
listed wrong answer fails with a helpful message, and that every ``%load`` in a lesson
points at a file that exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tokenkit import ClientCredentials


@dataclass(frozen=True)
class Exercise:
    """One exercise: its solution file, its check, and answers that must fail it.

    ``solution`` is a path relative to ``notebooks/``; running it defines ``answer``.
    ``context`` names the lesson variables the check needs besides the answer (passed
    by keyword: ``BASE_URL``, ``TOKEN_URL``, ``CLIENT_ID``, ``CLIENT_SECRET``, ``api``).
    ``wrong_answers`` are functions of that same namespace returning an answer the check
    must refuse.
    """

    solution: str
    check: Callable[..., bool]
    context: tuple[str, ...] = ()
    wrong_answers: tuple[Callable[[dict[str, Any]], Any], ...] = field(default_factory=tuple)


def right(message: str) -> bool:
    print(f"✅ Right: {message}")
    return True


def not_yet(message: str, hint: str | None = None) -> bool:
    print(f"❌ Not yet: {message}")
    if hint:
        print(f"   Hint: {hint}")
    return False


def demo_source(api: Any, client_name: str, **kwargs: Any) -> ClientCredentials:
    """A token source for one of the lesson mock's demo clients (``api.clients[client_name]``).

    Checks fetch tokens of their own, for clients the learner did not pick, so an answer
    is judged on what it does and not on the tokens it happened to be given. ``kwargs``
    go to ``ClientCredentials`` (``scope``, ``clock``).
    """
    client = api.clients[client_name]
    return ClientCredentials(api.token_url, client.client_id, client.client_secret, **kwargs)
