"""Every exercise's solution passes its check; listed wrong answers fail it helpfully;
every ``%load`` in a lesson points at a real file."""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tokenkit.mock import MockAPI

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

from checks import Exercise  # noqa: E402


def all_exercises() -> list[tuple[str, str, Exercise]]:
    found = []
    for module_file in sorted((NOTEBOOKS / "checks").glob("lesson*.py")):
        module = importlib.import_module(f"checks.{module_file.stem}")
        for name, exercise in getattr(module, "EXERCISES", {}).items():
            found.append((module_file.stem, name, exercise))
    return found


@pytest.fixture
def lesson_namespace() -> Iterator[dict[str, Any]]:
    """What a lesson's setup cell defines, from a mock of the test's own."""
    with MockAPI() as api:
        yield {
            "api": api,
            "BASE_URL": api.url,
            "TOKEN_URL": api.token_url,
            "CLIENT_ID": "notes-app",
            "CLIENT_SECRET": api.clients["notes-app"].client_secret,
        }


def run_solution(exercise: Exercise, namespace: dict[str, Any]) -> Any:
    code = (NOTEBOOKS / exercise.solution).read_text()
    exec(compile(code, exercise.solution, "exec"), namespace)  # noqa: S102 - our own solution file
    assert "answer" in namespace, f"{exercise.solution} must define `answer`"
    return namespace["answer"]


def test_there_are_exercises() -> None:
    lessons = {lesson for lesson, _, _ in all_exercises()}
    expected = {f"lesson{n:02d}" for n in range(2, 10)}
    assert expected <= lessons, f"lessons without exercises: {sorted(expected - lessons)}"


@pytest.mark.parametrize(("lesson", "name", "exercise"), all_exercises(), ids=lambda v: v if isinstance(v, str) else "")
def test_solution_passes_and_wrong_answers_fail(
    lesson: str, name: str, exercise: Exercise, lesson_namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    answer = run_solution(exercise, lesson_namespace)
    context = {key: lesson_namespace[key] for key in exercise.context}
    assert exercise.check(answer, **context) is True, capsys.readouterr().out
    assert "Right" in capsys.readouterr().out
    assert exercise.check(None, **context) is False
    for wrong in exercise.wrong_answers:
        assert exercise.check(wrong(lesson_namespace), **context) is False
    out = capsys.readouterr().out
    assert "Not yet" in out and out.count("Not yet") == 1 + len(exercise.wrong_answers)


def test_every_load_in_a_lesson_points_at_a_file() -> None:
    loads = []
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            source = "".join(cell["source"])
            loads += [(notebook.name, path) for path in re.findall(r"^%load\s+(\S+)", source, re.M)]
    for notebook, path in loads:
        assert (NOTEBOOKS / path).is_file(), f"{notebook}: %load {path} points nowhere"
    registered = {exercise.solution for _, _, exercise in all_exercises()}
    assert {path for _, path in loads} <= registered, "every loaded solution is registered in checks/"
