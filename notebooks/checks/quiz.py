"""Quick checks: multiple-choice and "predict the output before you run it" questions.

A lesson asks a question every ten minutes or so, so that a learner (and an instructor
watching a room) finds out what did not land while it is still cheap to fix. Each wrong
option is a misconception people really hold, and every option, right or wrong, has its
own explanation: picking a wrong one teaches as much as picking the right one.

The questions live here, in the lessons' ``checks/lessonNN.py`` modules, not in the
notebook, so a learner reading the cell's source does not read the answer with it. A
lesson shows one with::

    from checks.quiz import ask

    ask("01_401_or_403")

which displays radio buttons and a **Check** button (``checks.quizbox``). Run All presses
no button, so the committed output is the question and its options, never the answer. A
learner without widgets (a screen reader, a plain console) answers in code, with the
same feedback: ``answer("01_401_or_403", "b")``.

Everything that decides is a pure function here (:meth:`Quiz.judge`), so the tests judge
every option of every question without a browser; ``tests/test_quiz.py`` also checks that
every question has exactly one right answer, an explanation for each option, and that no
explanation is on screen before the learner answers.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .quizbox import QuizBox

KEY = re.compile(r"^(\d\d)_[a-z0-9_]+$")

REGISTRY: dict[str, Quiz] = {}
"""Every question defined so far, by key. ``all_quizzes()`` loads every lesson's first."""


@dataclass(frozen=True)
class Feedback:
    """What the learner sees after choosing ``choice``: right or not, and why."""

    choice: str
    correct: bool
    explanation: str

    @property
    def text(self) -> str:
        """One or two lines, the same in the widget and in ``answer()``."""
        if self.correct:
            return f"✅ Right: {self.explanation}"
        return f"❌ Not quite: {self.explanation}\n   Try another option."

    def _ipython_display_(self) -> None:
        """Show nothing: ``answer()`` printed the text already."""

    def __repr__(self) -> str:
        return f"<feedback {self.choice}: {'right' if self.correct else 'not quite'}>"


@dataclass(frozen=True)
class Quiz:
    """One question: its options (label → text, in display order), the one right label, and
    an explanation per option.

    ``objective`` is a phrase from one of the lesson's objectives (its title cell), naming
    what this question assesses; ``tests/test_lesson_checks.py`` matches the two.
    ``code``, for a "predict" question, is the snippet whose result the learner predicts
    before running the cell below the question.
    """

    key: str
    question: str
    options: Mapping[str, str]
    answer: str
    explain: Mapping[str, str]
    objective: str
    code: str | None = None
    lesson: str = field(init=False)

    def __post_init__(self) -> None:
        problems = quiz_problems(self)
        if problems:
            raise ValueError(f"quiz {self.key!r}: " + "; ".join(problems))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        object.__setattr__(self, "explain", MappingProxyType(dict(self.explain)))
        object.__setattr__(self, "lesson", self.key[:2])

    @property
    def kind(self) -> str:
        return "predict" if self.code is not None else "choose"

    def judge(self, choice: str) -> Feedback:
        """The feedback for one option, by its label (``"b"``) or by its text."""
        label = self.label(choice)
        feedback = Feedback(label, label == self.answer, self.explain[label])
        from . import report_to_classroom  # on a shared server, the instructor sees how it went

        report_to_classroom("quiz", self.lesson, self.key, feedback.correct)
        return feedback

    def label(self, choice: str) -> str:
        """``"b"`` for ``"b"``, ``"B"``, ``"b)"`` or the option's full text; ValueError otherwise."""
        wanted = str(choice).strip()
        short = wanted.rstrip(")").strip().lower()
        for label, text in self.options.items():
            if short == label.lower() or wanted == text:
                return label
        raise ValueError(f"{choice!r} is not an option; choose one of {', '.join(self.options)}")

    def text(self) -> str:
        """The question and its options as plain text: no answer, no explanation."""
        lines = [f"Quick check ({self.key}): {self.question}"]
        if self.code is not None:
            lines += ["", *("    " + line for line in self.code.splitlines()), ""]
        lines += [f"  {label}) {text}" for label, text in self.options.items()]
        return "\n".join(lines)


def quiz_problems(q: Quiz) -> list[str]:
    """What makes a question unfit to ask (empty when it is fit): used on creation and by the tests."""
    problems = []
    if not KEY.match(q.key):
        problems.append("the key is the lesson number, an underscore, then lowercase words (01_401_or_403)")
    if not q.question.strip():
        problems.append("the question is empty")
    if len(q.options) < 2:
        problems.append("a question needs at least two options")
    if q.answer not in q.options:
        problems.append(f"the answer {q.answer!r} is not one of the options {list(q.options)}")
    if set(q.explain) != set(q.options):
        problems.append(f"explain has {sorted(q.explain)} but the options are {sorted(q.options)}: one explanation per option")
    if any(not str(text).strip() for text in [*q.options.values(), *q.explain.values()]):
        problems.append("an option or an explanation is empty")
    if len(set(q.options.values())) != len(q.options):
        problems.append("two options have the same text")
    if len(set(q.explain.values())) != len(q.explain):
        problems.append("two options share one explanation: say why each is right or wrong")
    if not q.objective.strip():
        problems.append("name the objective (a phrase from the lesson's title cell) this question assesses")
    return problems


def quiz(
    key: str,
    question: str,
    *,
    options: Mapping[str, str],
    answer: str,
    explain: Mapping[str, str],
    objective: str,
) -> Quiz:
    """Define and register a multiple-choice question; returns it (a ValueError if it is unfit)."""
    made = Quiz(key, question, options, answer, explain, objective)
    REGISTRY[key] = made
    return made


def predict(
    key: str,
    code: str,
    *,
    options: Mapping[str, str],
    answer: str,
    explain: Mapping[str, str],
    objective: str,
    question: str = "What will this print? Choose before you run the cell below.",
) -> Quiz:
    """Define and register a "predict the output before you run it" question about ``code``.

    The lesson shows the question, then a code cell that runs ``code`` so the learner can
    compare their prediction with what really happens.
    """
    made = Quiz(key, question, options, answer, explain, objective, code=code)
    REGISTRY[key] = made
    return made


def get(key: str) -> Quiz:
    """The registered question ``key``, loading its lesson's module (``checks.lessonNN``) first."""
    found = KEY.match(key)
    if found:
        try:
            importlib.import_module(f"{__package__}.lesson{found.group(1)}")
        except ModuleNotFoundError:
            pass
    if key not in REGISTRY:
        known = ", ".join(sorted(REGISTRY)) or "none yet"
        raise ValueError(f"there is no quick check {key!r}; known: {known}")
    return REGISTRY[key]


def all_quizzes() -> dict[str, Quiz]:
    """Every question of every lesson module in ``checks/``, by key."""
    from pathlib import Path

    for module_file in sorted(Path(__file__).resolve().parent.glob("lesson[0-9][0-9].py")):
        importlib.import_module(f"{__package__}.{module_file.stem}")
    return dict(sorted(REGISTRY.items()))


def ask(key: str) -> QuizBox:
    """Show question ``key`` with radio buttons and a Check button; nothing is judged until pressed."""
    from .quizbox import QuizBox  # ipywidgets only when a lesson asks

    return QuizBox(get(key))


def answer(key: str, choice: str) -> Feedback:
    """Answer question ``key`` in code (no widgets needed): prints and returns the feedback."""
    feedback = get(key).judge(choice)
    print(feedback.text)
    return feedback
