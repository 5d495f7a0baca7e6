"""Quick checks (checks.quiz): every question is fit to ask and never spoils its answer."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

from checks.quiz import REGISTRY, Quiz, all_quizzes, answer, ask, get, quiz, quiz_problems  # noqa: E402

ASK = re.compile(r"""\bask\(\s*["']([^"']+)["']\s*\)""")
QUIZZES = all_quizzes()


def asked() -> list[tuple[str, str]]:
    """(lesson file, key) for every ``ask("…")`` in a lesson's code cells."""
    found = []
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] == "code":
                found += [(notebook.name, key) for key in ASK.findall("".join(cell["source"]))]
    return found


def test_there_are_quick_checks() -> None:
    assert len(QUIZZES) >= 5 and asked()


@pytest.mark.parametrize("key", sorted(QUIZZES))
def test_every_quiz_has_one_right_answer_and_an_explanation_per_option(key: str) -> None:
    q = QUIZZES[key]
    assert quiz_problems(q) == []
    assert q.answer in q.options and set(q.explain) == set(q.options)
    verdicts = [q.judge(label) for label in q.options]
    assert sum(f.correct for f in verdicts) == 1, "exactly one option is right"
    for label, feedback in zip(q.options, verdicts, strict=True):
        assert feedback.explanation == q.explain[label] and feedback.text.endswith(("Try another option.", q.explain[label]))
    assert q.judge(q.options[q.answer]).correct, "an option can be named by its text too"


@pytest.mark.parametrize("key", sorted(QUIZZES))
def test_nothing_is_judged_or_explained_before_the_learner_answers(key: str) -> None:
    q = QUIZZES[key]
    box = ask(key)
    shown = repr(box) + box.prompt.value + json.dumps(box.choices.options) + box.feedback.value
    for explanation in q.explain.values():
        assert explanation not in shown
    assert box.choices.value is None and box.last is None
    assert "Right" not in repr(box) and "answer is" not in repr(box).lower()
    box.button.click()
    assert "Choose an option first" in box.feedback.value and box.last is None
    wrong = next(label for label in q.options if label != q.answer)
    assert not box.choose(wrong).correct and "Not quite" in box.feedback.value
    box.choices.value = q.answer
    assert box.feedback.value == "", "changing the choice hides the old feedback"
    assert box.choose(q.answer).correct and "Right" in box.feedback.value


def test_the_repr_is_the_question_and_options_and_the_same_every_time() -> None:
    key = next(iter(QUIZZES))
    first, second = repr(ask(key)), repr(ask(key))
    assert first == second
    assert "0x" not in first and QUIZZES[key].question in first
    assert all(text in first for text in QUIZZES[key].options.values())


def test_committed_outputs_never_show_an_explanation() -> None:
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        outputs = json.dumps([cell.get("outputs", []) for cell in json.loads(notebook.read_text())["cells"]])
        for q in QUIZZES.values():
            for explanation in q.explain.values():
                assert json.dumps(explanation)[1:-1] not in outputs, f"{notebook.name} shows an explanation of {q.key}"


def test_every_ask_in_a_lesson_names_a_quiz_of_that_lesson() -> None:
    for notebook, key in asked():
        assert key in QUIZZES, f"{notebook}: ask({key!r}) names no quiz"
        assert key[:2] == notebook[:2], f"{notebook}: asks {key}, a quiz of another lesson"
    unasked = set(QUIZZES) - {key for _, key in asked()}
    assert not unasked, f"quizzes defined but asked in no lesson: {sorted(unasked)}"


def test_answer_in_code_prints_the_same_feedback(capsys: pytest.CaptureFixture[str]) -> None:
    q = QUIZZES["01_401_or_403"]
    feedback = answer("01_401_or_403", "C)")
    assert feedback.correct and capsys.readouterr().out.strip() == feedback.text
    assert "Not quite" in answer("01_401_or_403", "a").text
    with pytest.raises(ValueError, match="choose one of a, b, c, d"):
        q.judge("e")
    with pytest.raises(ValueError, match="no quick check"):
        get("01_no_such_question")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"answer": "z"}, "not one of the options"),
        ({"explain": {"a": "because", "b": "why not"}}, "one explanation per option"),
        ({"explain": {"a": "same", "b": "same", "c": "other"}}, "share one explanation"),
        ({"options": {"a": "x", "b": "x", "c": "y"}}, "same text"),
        ({"objective": " "}, "objective"),
        ({"key": "Lesson one"}, "key"),
    ],
)
def test_an_unfit_quiz_is_refused_when_defined(changes: dict, problem: str) -> None:
    fields = {
        "key": "99_example",
        "question": "Which?",
        "options": {"a": "one", "b": "two", "c": "three"},
        "answer": "a",
        "explain": {"a": "it is one", "b": "two is not", "c": "three is not"},
        "objective": "choose",
    } | changes
    key = fields.pop("key")
    question = fields.pop("question")
    with pytest.raises(ValueError, match=problem):
        quiz(key, question, **fields)
    assert key not in REGISTRY
    assert isinstance(Quiz, type)
