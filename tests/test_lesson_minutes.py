"""scripts/lesson_minutes.py counts what is in a notebook, and the instructors' agenda adds up to it."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "lesson_minutes.py"
_spec = importlib.util.spec_from_file_location("lesson_minutes", SCRIPT)
lesson_minutes = importlib.util.module_from_spec(_spec)
sys.modules["lesson_minutes"] = lesson_minutes  # dataclasses look their module up by name
_spec.loader.exec_module(lesson_minutes)


def _notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    path.write_text(json.dumps({"cells": [{"cell_type": kind, "source": source, "metadata": {}} for kind, source in cells], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    return path


def test_a_small_lesson_is_counted_by_the_stated_rules(tmp_path: Path) -> None:
    words = " ".join(["word"] * 130)  # one minute of reading
    lesson = lesson_minutes.estimate(
        _notebook(
            tmp_path / "01_demo.ipynb",
            [
                ("markdown", "# 01 · Demo\n\n**Time:** about 10 minutes.\n" + words),
                ("markdown", "## 1. Something\n" + words),
                ("code", "print(1)"),
                ("code", "from checks.lesson01 import check_thing, quiz\nquiz('401 or 403?')"),  # a quick check
                ("markdown", "## Exercise: do it"),
                ("code", "answer = None"),
                ("code", "from checks.lesson01 import check_thing\ncheck_thing(answer)"),
                ("markdown", "## Try it: break it"),
                ("code", "x = 1"),
                ("markdown", "## Going further: PKCE\n" + words),
                ("code", "y = 2"),
            ],
        )
    )
    assert lesson.stated == 10
    assert lesson.exercises == 2 and lesson.quick_checks == 1 and lesson.code_cells == 6
    exercise = next(s for s in lesson.sections if s.title == "Exercise: do it")
    assert exercise.checked and exercise.doing == lesson_minutes.EXERCISE_MINUTES
    try_it = next(s for s in lesson.sections if s.title.startswith("Try it"))
    assert not try_it.checked and try_it.doing == lesson_minutes.TRY_IT_MINUTES
    further = next(s for s in lesson.sections if s.further)
    assert further.minutes == pytest.approx((130 + 4 + 3) / 130 + lesson_minutes.RUN_MINUTES)  # 4 heading words, 3 in "y = 2"
    reading = lesson.words / lesson_minutes.WORDS_PER_MINUTE
    expected = (
        reading
        + 6 * lesson_minutes.RUN_MINUTES
        + lesson_minutes.DISCUSSION_MINUTES
        + lesson_minutes.EXERCISE_MINUTES
        + lesson_minutes.TRY_IT_MINUTES
        + lesson_minutes.QUICK_CHECK_MINUTES
    )
    assert lesson.total == pytest.approx(expected)
    assert lesson.core == pytest.approx(lesson.total - further.minutes)


def test_the_command_prints_a_row_per_lesson_and_a_total() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lessons = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for stem in lessons:
        assert re.search(rf"^{stem}\s+\d+", result.stdout, re.M), stem
    assert re.search(r"^all lessons\s+\d+", result.stdout, re.M)


def _agenda() -> list[tuple[str, int, str]]:
    """(what, minutes, cut) rows of INSTRUCTORS.md's 3-hour agenda table."""
    text = (ROOT / "notebooks" / "INSTRUCTORS.md").read_text()
    table = text.split("<!-- agenda -->")[1].split("<!-- /agenda -->")[0]
    rows = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[1].isdigit():
            rows.append((cells[2], int(cells[1]), cells[3]))
    return rows


def test_the_three_hour_agenda_adds_up_and_gives_each_lesson_its_minutes() -> None:
    rows = _agenda()
    assert sum(minutes for _, minutes, _ in rows) == 180, rows
    assert sum(1 for what, _, _ in rows if what.lower().startswith("break")) == 2
    estimates = {lesson.name[:2]: lesson for lesson in lesson_minutes.lessons()}
    for what, minutes, cut in rows:
        number = re.match(r"\[?(\d\d) ", what)
        if not number:
            continue
        lesson = estimates[number.group(1)]
        cut_sections = re.findall(r"§(\d+)", cut)
        needed = lesson.total - sum(
            s.minutes for s in lesson.sections if re.match(r"(\d+)\.", s.title) and re.match(r"(\d+)\.", s.title).group(1) in cut_sections
        )
        if "setup done at home" in cut:
            needed = min(needed, 10)  # 00 in the room: the doctor and the widget test, nothing else
        # An agenda may round, and live-coding moves a little faster than reading alone, but not by more than 20 %.
        assert minutes >= 0.8 * needed, f"{what}: {minutes} min in the agenda, {needed:.0f} by scripts/lesson_minutes.py"


def test_the_instructors_table_has_every_lesson_with_its_computed_minutes() -> None:
    """A lesson added without a row (11 was, once) leaves instructors planning without it."""
    text = (ROOT / "notebooks" / "INSTRUCTORS.md").read_text(encoding="utf-8")
    rows = {
        match.group(1): [int(cell) for cell in match.group(2, 3, 4, 5)]
        for match in re.finditer(r"^\| \[\d\d [^\]]+\]\((\d\d)_[^)]+\) \| [^|]+ \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", text, re.M)
    }
    estimates = {lesson.name[:2]: lesson for lesson in lesson_minutes.lessons()}
    assert set(rows) == set(estimates), f"rows for {sorted(rows)}, lessons {sorted(estimates)}"
    for number, (teach, do, total, core) in rows.items():
        lesson = estimates[number]
        computed = (round(lesson.teaching), round(lesson.doing), round(lesson.total), round(lesson.core))
        # the table may lag an edit by a minute or two, not more
        assert all(abs(a - b) <= 2 for a, b in zip((teach, do, total, core), computed)), (number, (teach, do, total, core), computed)
