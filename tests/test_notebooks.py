"""Promises every lesson keeps, checked on the committed files (nbval checks the outputs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = NOTEBOOKS / "solutions"
# What would end a lesson's mock or its widgets: `api.stop()`, a widget's `.stop()`/`.close()`.
WIDGETS = ("TokenInspector", "RequestExplorer", "TokenLifeView", "PoolMonitor")
FULL_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}")
REFRESH_TOKEN = re.compile(r"rt_[A-Za-z0-9_-]{30,}")


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_the_lessons_are_numbered_from_00_without_gaps() -> None:
    """00 to 09 at least, and any later lesson takes the next number: no gap, no duplicate."""
    numbers = [path.name[:2] for path in LESSONS]
    assert len(numbers) >= 10, numbers
    assert numbers == [f"{n:02d}" for n in range(len(numbers))], numbers


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
    setup = next(text for text in code if "MockAPI(" in text)
    assert 'api = MockAPI(name="lesson").start()' in setup, f"{path.name}: the setup cell starts the kernel's mock (replaced on a re-run)"
    for text in code:
        assert not re.search(r"\b(input|getpass)\(", text), f"{path.name}: no prompts (nbval has no stdin)"
        for seconds in re.findall(r"sleep\((\d+(?:\.\d+)?)\)", text):
            assert float(seconds) <= 2, f"{path.name}: a cell sleeps {seconds} s; move the mock's clock instead"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_no_lesson_stops_its_mock_or_its_widgets(path: Path) -> None:
    """Restart & Run All must leave everything live: the mock lives as long as the kernel."""
    code = [source(cell) for cell in cells(path) if cell["cell_type"] == "code"]
    widgets = set()
    for text in code:
        widgets |= set(re.findall(rf"^(\w+)\s*=\s*(?:\w+\.)*(?:{'|'.join(WIDGETS)})\(", text, re.M))
    stoppable = "|".join(sorted({"api", *widgets}))
    for text in code:
        assert not re.search(rf"\b({stoppable})\.(stop|close|__exit__)\(", text), f"{path.name}: a cell stops the mock or a widget:\n{text}"
        assert not re.search(r"^with\s+MockAPI\(", text, re.M), f"{path.name}: a `with MockAPI()` block stops its mock at its end"
        assert "close_all()" not in text, f"{path.name}: a cell closes every widget"


@pytest.mark.parametrize("path", [p for p in LESSONS if p.name[:2] >= "02"], ids=lambda p: p.name)
def test_lessons_from_02_have_an_exercise_with_a_solution(path: Path) -> None:
    text = "\n".join(source(cell) for cell in cells(path))
    assert re.search(r"^solution\(\"\w+\"\)", text, re.M), f"{path.name}: an exercise with a solution(...) reveal"
    assert "from checks." in text, f"{path.name}: the exercise has a check"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_run_all_spoils_no_exercise(path: Path) -> None:
    """No cell loads a solution (``%load`` replaces the cell on Run All), and no output shows one.

    The committed outputs are those of a Run All, so a solution line in them (other than
    the lines the lesson itself shows, such as the stub's ``def``) would be a solution that
    Run All revealed.
    """
    notebook = cells(path)
    for cell in notebook:
        if cell["cell_type"] == "code":
            assert not re.search(r"^\s*%load\b", source(cell), re.M), f"{path.name}: a %load cell is replaced by the solution on Run All"
    outputs = "\n".join(output_text(cell) for cell in notebook)
    given = "\n".join(source(cell) for cell in notebook)  # the task's own stub and text show these anyway
    for solution in sorted(SOLUTIONS.glob("*.py")):
        for line in solution_lines(solution):
            if line not in given:
                assert line not in outputs, f"{path.name}: an output shows {solution.name}: {line!r}"


def output_text(cell: dict) -> str:
    """Everything a cell's outputs show, in every format (stream text, text/plain, HTML, …)."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append("".join(output.get("text", [])))
        for value in output.get("data", {}).values():
            parts.append("".join(value) if isinstance(value, list) else json.dumps(value) if isinstance(value, dict) else str(value))
    return "\n".join(parts)


def solution_lines(path: Path) -> list[str]:
    """The lines of a solution that only a solution would contain: code, long enough to be its own."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split("  #")[0].strip()
        if len(line) >= 20 and not line.startswith(("#", "import ", "from ", '"""')):
            found.append(line)
    assert found, f"{path.name}: a solution with lines to look for"
    return found


def test_the_spoiler_test_finds_a_solution_in_an_output() -> None:
    line = solution_lines(SOLUTIONS / "03_retitle.py")[0]
    shown = {"output_type": "display_data", "data": {"text/html": [f"<pre>{line}</pre>"], "text/plain": ["<solution>"]}}
    assert line in output_text({"cell_type": "code", "outputs": [shown]})


def _stated_minutes(path: Path) -> int:
    match = re.search(r"\*\*Time:\*\*\s*(?:about\s*)?(\d+)\s*min", source(cells(path)[0]), re.I)
    assert match, f"{path.name}: the title cell says **Time:** about N minutes"
    return int(match.group(1))


def _table_minutes(text: str) -> dict[str, int]:
    """Minutes per lesson from a markdown table whose rows link the lessons: | [NN title](…NN_x.ipynb) | min | …"""
    rows = re.findall(r"^\| \[(\d\d) [^\]]*\]\([^)]*\d\d_[^)]*\.ipynb\) \| (\d+) \|", text, re.M)
    return {number: int(minutes) for number, minutes in rows}


def test_lesson_00_map_and_readme_give_each_lessons_own_minutes() -> None:
    """One figure per lesson: its title cell, lesson 00's map and README's table never disagree."""
    stated = {path.name[:2]: _stated_minutes(path) for path in LESSONS}
    lesson00 = "\n".join(source(cell) for cell in cells(LESSONS[0]) if cell["cell_type"] == "markdown")
    readme = (NOTEBOOKS.parent / "README.md").read_text()
    in_map = _table_minutes(lesson00)
    in_readme = _table_minutes(readme)
    assert {k: v for k, v in stated.items() if k != "00"} == {k: v for k, v in in_map.items() if k != "00"}, "lesson 00's map"
    assert stated == in_readme, "README's lesson table"
