"""Every lesson checks understanding often enough, and checks every objective it states.

A lesson's title cell lists objectives ("You will learn to" bullets) and a time. Each check a
lesson uses (an exercise with a check, or a quick check shown with ``ask("…")``) names, in its
``objective``, a phrase of one of those bullets. This test requires:

- every objective bullet to be named by at least one check the lesson uses;
- every check's objective to name a bullet of its own lesson (no stale or misspelt names);
- at least one check per ten minutes of the lesson's stated time (``round(minutes / 10)``,
  at least 1), so no long stretch goes without one.
"""

from __future__ import annotations

import importlib
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

from checks.quiz import all_quizzes  # noqa: E402

LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
STATED = re.compile(r"\*\*Time:\*\*\s*(?:about\s*)?(\d+)\s*min", re.I)
ASK = re.compile(r"""\bask\(\s*["']([^"']+)["']\s*\)""")
REVEAL = re.compile(r"""\bsolution\(\s*["']([^"']+)["']\s*\)""")
# Lessons whose checks are still being written in issue 10 (the other half of it: 05-09).
# Remove a lesson from here when its checks land; a pending lesson that passes is fine.
PENDING: set[str] = set()


@dataclass(frozen=True)
class Check:
    """One check a lesson uses: what it is and the objective phrase it names."""

    name: str
    objective: str


def normal(text: str) -> str:
    """Lowercase, no backticks or stars, single spaces: how objective phrases are compared."""
    return " ".join(re.sub(r"[`*]", "", text).lower().split())


def objectives(title: str) -> list[str]:
    """The bullets after "You will …" in a title cell, each joined from its wrapped lines."""
    bullets: list[str] = []
    started = False
    for line in title.splitlines():
        if re.match(r"\*\*You will", line):
            started = True
            continue
        if not started:
            continue
        if line.startswith("- "):
            bullets.append(line[2:].strip())
        elif bullets and line.startswith("  ") and line.strip():
            bullets[-1] += " " + line.strip()
        elif bullets:
            break
    return bullets


def lesson_checks(path: Path) -> list[Check]:
    """The quick checks a lesson asks and the exercises whose solutions it offers."""
    code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
    quizzes = all_quizzes()
    found = [Check(key, quizzes[key].objective) for key in ASK.findall(code) if key in quizzes]
    module_name = f"checks.lesson{path.name[:2]}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return found
    offered = {f"solutions/{name}.py" for name in REVEAL.findall(code)}
    for name, exercise in getattr(module, "EXERCISES", {}).items():
        if exercise.solution in offered or re.search(rf"\b{exercise.check.__name__}\(", code):
            found.append(Check(f"exercise {name}", exercise.objective))
    return found


def required(minutes: int) -> int:
    return max(1, math.floor(minutes / 10 + 0.5))


def lesson_params() -> list:
    return [
        pytest.param(path, id=path.name, marks=[pytest.mark.xfail(reason="its checks land with issue 10's other half", strict=False)])
        if path.name[:2] in PENDING
        else pytest.param(path, id=path.name)
        for path in LESSONS
    ]


@pytest.mark.parametrize("path", lesson_params())
def test_every_objective_is_assessed_by_a_check(path: Path) -> None:
    title = "".join(json.loads(path.read_text())["cells"][0]["source"])
    goals = objectives(title)
    assert goals, f"{path.name}: the title cell lists objectives as '- ' bullets after '**You will …**'"
    checks = lesson_checks(path)
    for check in checks:
        assert check.objective.strip(), f"{path.name}: {check.name} names no objective"
        matches = [goal for goal in goals if normal(check.objective) in normal(goal)]
        assert len(matches) == 1, f"{path.name}: {check.name}'s objective {check.objective!r} should name exactly one of {goals}"
    for goal in goals:
        assert any(normal(check.objective) in normal(goal) for check in checks), (
            f"{path.name}: no check assesses the objective {goal!r}"
        )


@pytest.mark.parametrize("path", lesson_params())
def test_a_check_about_every_ten_minutes(path: Path) -> None:
    title = "".join(json.loads(path.read_text())["cells"][0]["source"])
    stated = STATED.search(title)
    assert stated, f"{path.name}: the title cell says **Time:** about N minutes"
    minutes = int(stated.group(1))
    checks = lesson_checks(path)
    assert len(checks) >= required(minutes), (
        f"{path.name}: {len(checks)} checks ({', '.join(c.name for c in checks) or 'none'}) for {minutes} minutes; "
        f"needs at least {required(minutes)}"
    )


def test_the_objective_parser_reads_wrapped_bullets() -> None:
    title = "# 99\n\n**You will learn to**\n- one thing;\n- another, which\n  wraps;\n\n**Time:** about 15 minutes."
    assert objectives(title) == ["one thing;", "another, which wraps;"]
    assert [required(m) for m in (5, 10, 14, 15, 20, 25, 30)] == [1, 1, 1, 2, 2, 3, 3]
