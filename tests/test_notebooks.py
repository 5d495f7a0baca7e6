"""Promises every lesson keeps, checked on the committed files (nbval checks the outputs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
FULL_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}")
REFRESH_TOKEN = re.compile(r"rt_[A-Za-z0-9_-]{30,}")


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_the_ten_lessons_are_there() -> None:
    numbers = [path.name[:2] for path in LESSONS]
    assert numbers == [f"{n:02d}" for n in range(10)], numbers


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_full_token_is_committed(path: Path) -> None:
    text = path.read_text()
    assert not FULL_JWT.search(text), f"{path.name} contains a full JWT (outputs or widget state)"
    assert not REFRESH_TOKEN.search(text), f"{path.name} contains a refresh token"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_shape(path: Path) -> None:
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    first = notebook["cells"][0]
    assert first["cell_type"] == "markdown"
    intro = source(first).lower()
    assert "objective" in intro or "you will" in intro, f"{path.name}: the first cell states objectives"
    assert re.search(r"\d+\s*min", intro), f"{path.name}: the first cell gives the time in minutes"
    code = [source(cell) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(cell.get("outputs") is not None for cell in notebook["cells"] if cell["cell_type"] == "code")
    assert any(c.get("outputs") for c in notebook["cells"] if c["cell_type"] == "code"), f"{path.name}: outputs are committed"
    if path.name[:2] != "00":
        assert "MockAPI" in "\n".join(code[:3]), f"{path.name}: starts its own mock near the top"
        assert "api.stop()" in code[-1], f"{path.name}: the last code cell stops the mock"
    for text in code:
        assert not re.search(r"\b(input|getpass)\(", text), f"{path.name}: no prompts (nbval has no stdin)"
        for seconds in re.findall(r"sleep\((\d+(?:\.\d+)?)\)", text):
            assert float(seconds) <= 2, f"{path.name}: a cell sleeps {seconds} s; move the mock's clock instead"


@pytest.mark.parametrize("path", [p for p in LESSONS if p.name[:2] >= "02"], ids=lambda p: p.name)
def test_lessons_from_02_have_an_exercise_with_a_solution(path: Path) -> None:
    text = "\n".join(source(cell) for cell in cells(path))
    assert re.search(r"^%load solutions/", text, re.M), f"{path.name}: an exercise with a %load solution"
    assert "from checks." in text, f"{path.name}: the exercise has a check"
