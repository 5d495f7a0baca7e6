"""Every exercise's solution passes its check; listed wrong answers fail it helpfully;
every ``solution(…)`` reveal in a lesson names a real, registered solution file."""

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

from checks import Exercise, Verdict, solution  # noqa: E402
from checks.lesson04 import _no_padding, check_token_facts  # noqa: E402
from checks.lesson06 import _refreshes_but_returns_old, check_fresh_token  # noqa: E402

REVEAL = re.compile(r"""^\s*solution\(\s*["']([^"']+)["']\s*\)""", re.M)


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
    verdict = exercise.check(answer, **context)
    assert isinstance(verdict, Verdict) and verdict.passed is True and bool(verdict), capsys.readouterr().out
    assert "Right" in capsys.readouterr().out
    assert not exercise.check(None, **context)
    for wrong in exercise.wrong_answers:
        verdict = exercise.check(wrong(lesson_namespace), **context)
        assert isinstance(verdict, Verdict) and verdict.passed is False and verdict.hint, verdict
    out = capsys.readouterr().out
    assert "Not yet" in out and out.count("Not yet") == 1 + len(exercise.wrong_answers)


def reveals() -> list[tuple[str, str]]:
    """(lesson file, name) for every ``solution("…")`` call in a lesson's code cells."""
    found = []
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] == "code":
                found += [(notebook.name, name) for name in REVEAL.findall("".join(cell["source"]))]
    return found


def test_every_reveal_in_a_lesson_names_a_registered_solution_file() -> None:
    found = reveals()
    assert found, "the lessons reveal their solutions with solution(...)"
    registered = {exercise.solution for _, _, exercise in all_exercises()}
    for notebook, name in found:
        path = f"solutions/{name}.py"
        assert (NOTEBOOKS / path).is_file(), f'{notebook}: solution("{name}") names no file'
        assert path in registered, f"{notebook}: {path} is not registered in checks/"
    assert registered <= {f"solutions/{name}.py" for _, name in found}, "every registered solution is offered in its lesson"


def test_a_reveal_shows_the_file_only_when_asked() -> None:
    reveal = solution("03_retitle")
    code = (NOTEBOOKS / "solutions" / "03_retitle.py").read_text()
    assert not reveal.shown and not reveal.area.outputs
    assert "def retitle" not in repr(reveal) and "solutions/03_retitle.py" in repr(reveal)
    reveal.button.click()
    shown = json.dumps(reveal.area.outputs)
    assert reveal.shown and "def retitle" in shown and "%load solutions/03_retitle.py" in shown
    reveal.button.click()
    assert not reveal.shown
    assert code == (NOTEBOOKS / "solutions" / "03_retitle.py").read_text(), "revealing never writes the file"
    with pytest.raises(ValueError, match="03_retitle"):
        solution("03_retitel")


def test_a_verdict_is_a_bool_that_displays_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter
    for verdict in (Verdict(True, "fine"), Verdict(False, "not so", "try this")):
        data, metadata = formatter.format(verdict)
        assert data == {} and metadata == {}, "nothing shown under the printed message"
    assert Verdict(True, "fine") and not Verdict(False, "not so")


def test_lesson04_names_the_exception_and_points_at_the_padding(capsys: pytest.CaptureFixture[str], mock_api: MockAPI) -> None:
    verdict = check_token_facts(_no_padding, api=mock_api)
    out = capsys.readouterr().out
    assert not verdict
    assert "raised binascii.Error: Incorrect padding" in out
    assert verdict.hint and "padding" in verdict.hint and "urlsafe_b64decode(part + '='" in verdict.hint


def test_lesson06_says_the_new_token_was_thrown_away(capsys: pytest.CaptureFixture[str], fresh_mock: MockAPI) -> None:
    verdict = check_fresh_token(_refreshes_but_returns_old, api=fresh_mock)
    assert not verdict
    assert "you did renew it" in verdict.message and "returned the old token" in verdict.message
    assert verdict.hint and "return source.refresh(token)" in verdict.hint and "time.time()" not in verdict.hint
