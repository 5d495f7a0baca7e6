"""Self-checks for the lessons' exercises.

A learner writes an answer in a cell, then runs ``check_…(answer, …)``: it prints
"Right" with why, or "Not yet" with what is wrong and a hint, and returns a
:class:`Verdict`, true or false like a bool but displayed as nothing, so the cell shows the
message and not a stray ``True``/``False`` under it. A check never raises, so a lesson
still runs top to bottom with the exercise left blank.

A solution stays hidden until the learner asks: ``solution("03_retitle")`` shows a
button that reveals ``solutions/03_retitle.py`` (the one copy of it) and how to load it.
Run All presses no buttons, so it spoils nothing.

Each lesson module lists its exercises in ``EXERCISES``; ``tests/test_exercises.py``
runs every solution file against a live mock and checks that it passes, that each
listed wrong answer fails with a helpful message, and that every ``solution(…)`` in a
lesson names a solution file that exists.

Quick checks (multiple choice, "predict the output") are in :mod:`checks.quiz`:
``from checks.quiz import ask; ask("01_401_or_403")``. Each exercise and each quick check
names the objective it assesses, and ``tests/test_lesson_checks.py`` requires every
objective of every lesson to be assessed, and a check about every ten minutes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tokenkit import ClientCredentials

if TYPE_CHECKING:
    from .reveal import SolutionReveal


@dataclass(frozen=True)
class Exercise:
    """One exercise: its solution file, its check, and answers that must fail it.

    ``solution`` is a path relative to ``notebooks/``; running it defines ``answer``.
    ``context`` names the lesson variables the check needs besides the answer (passed
    by keyword: ``BASE_URL``, ``TOKEN_URL``, ``CLIENT_ID``, ``CLIENT_SECRET``, ``api``).
    ``wrong_answers`` are functions of that same namespace returning an answer the check
    must refuse. ``objective`` is a phrase from one of the lesson's objectives (its title
    cell) that this exercise assesses; ``tests/test_lesson_checks.py`` matches the two.
    """

    solution: str
    check: Callable[..., Verdict]
    context: tuple[str, ...] = ()
    wrong_answers: tuple[Callable[[dict[str, Any]], Any], ...] = field(default_factory=tuple)
    objective: str = ""


@dataclass(frozen=True)
class Verdict:
    """What a check decided: true when the answer is right, false when not yet.

    The check has printed the message already, so in a notebook the verdict displays as
    nothing (``_ipython_display_``); in code it is used as a bool (``if check_…(…):``).
    """

    passed: bool
    message: str
    hint: str | None = None

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        """Show nothing: the message was printed when the check ran."""

    def __repr__(self) -> str:
        return "<check: right>" if self.passed else "<check: not yet>"


def right(message: str) -> Verdict:
    print(f"✅ Right: {message}")
    _report_check(True)
    return Verdict(True, message)


def not_yet(message: str, hint: str | None = None) -> Verdict:
    print(f"❌ Not yet: {message}")
    if hint:
        print(f"   Hint: {hint}")
    _report_check(False)
    return Verdict(False, message, hint)


def report_to_classroom(kind: str, lesson: str, item: str, passed: bool) -> None:
    """On a shared classroom server, tell the instructor's who-is-stuck page how a check went.

    Only when ``TOKENKIT_CLASSROOM_URL`` is set (or this kernel connected to a classroom);
    the report goes from a background thread with a short timeout and never raises here.
    """
    if not _in_classroom():
        return
    try:
        from tokenkit.mock.remote import report

        report(kind, lesson, item, passed)
    except Exception:  # noqa: BLE001 - a lesson never fails because a report could not go
        pass


def _in_classroom() -> bool:
    """Whether this process sits in a classroom: the variable is set, or it connected to one."""
    remote = sys.modules.get("tokenkit.mock.remote")
    return bool(os.environ.get("TOKENKIT_CLASSROOM_URL")) or getattr(remote, "_active", None) is not None


def _report_check(passed: bool) -> None:
    """Report the verdict of the ``check_…`` function of a ``lessonNN`` module that called us."""
    if not _in_classroom():
        return
    frame = sys._getframe(2)
    while frame is not None:
        name, module = frame.f_code.co_name, str(frame.f_globals.get("__name__", ""))
        lesson = module.rpartition(".")[2]
        if name.startswith("check_") and lesson.startswith("lesson") and lesson[6:].isdigit():
            report_to_classroom("exercise", lesson[6:], f"{lesson[6:]}_{name[6:]}", passed)
            return
        frame = frame.f_back  # type: ignore[assignment]


def error_name(exc: BaseException) -> str:
    """The name a learner would import the exception by: ``binascii.Error``, not ``Error``.

    Builtins stay bare (``KeyError``); others get their package, shortened to where the
    package exposes them (``json.JSONDecodeError``, ``requests.ConnectionError``).
    """
    cls = type(exc)
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    package = module.split(".")[0]
    if getattr(sys.modules.get(package), cls.__qualname__, None) is cls:
        return f"{package}.{cls.__qualname__}"
    return f"{module}.{cls.__qualname__}"


def raised(exc: BaseException) -> str:
    """``"binascii.Error: Incorrect padding"``: an exception as a message line."""
    return f"{error_name(exc)}: {exc}" if str(exc) else error_name(exc)


def solution(name: str) -> SolutionReveal:
    """A "Show solution" button for ``solutions/<name>.py``: nothing is shown or run until pressed.

    ``name`` is the file's stem (``"03_retitle"``); the file is the only copy of the
    solution, and the button shows it with the ``%load`` line that puts it in a cell.
    """
    from .reveal import SolutionReveal  # ipywidgets only when a lesson asks for it

    return SolutionReveal(name)


def demo_source(api: Any, client_name: str, **kwargs: Any) -> ClientCredentials:
    """A token source for one of the lesson mock's demo clients (``api.clients[client_name]``).

    Checks fetch tokens of their own, for clients the learner did not pick, so an answer
    is judged on what it does and not on the tokens it happened to be given. ``kwargs``
    go to ``ClientCredentials`` (``scope``, ``clock``).
    """
    client = api.clients[client_name]
    return ClientCredentials(api.token_url, client.client_id, client.client_secret, **kwargs)
