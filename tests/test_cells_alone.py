"""Every lesson cell can be copied: it runs alone after the setup cell, or says what it takes.

Lesson 00 promises that a code cell does its own imports and names what it takes from
above. The rule, for every code cell after a lesson's setup cell: it runs on its own right
after the setup cell, or its first line is a comment that names, in backticks, each
variable it takes from an earlier cell::

    # uses `token` from "A token" above, `note_id` from the POST above

An environment variable that an earlier cell set counts as such a variable
(``# uses `TOKENKIT_CLIENT_ID` and `TOKENKIT_CLIENT_SECRET`, set above``).

How it is checked: each cell gets a fresh IPython namespace and its own run of the setup
cell (so its own mock: the setup cell's named mock replaces the one before). Then the
cells that last defined each named variable run (with what *they* name), everything they
left behind that the cell did not name is removed, and the cell runs. Any exception fails
the test; a NameError says which name to import, define or name in the comment. Names in
the comment must be used by the cell and defined by an earlier cell, so the comments stay
true as lessons change.

A cell magic's first line cannot be a comment. The one lesson cell that starts with one,
``%%writefile {SCRIPT}``, is copied without that line (the lesson says so), so the names in
that magic line count as named.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
USES = re.compile(r"#\s*uses\b(?P<rest>.*)")
BACKTICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")
MAGIC_NAMES = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class CellFailed(Exception):
    """Why one cell broke the rule (collected, so one test reports every cell of a lesson)."""


@dataclass
class Cell:
    """One code cell: where it is, its source, what it names and what it defines at top level."""

    lesson: str
    index: int  # position among all the notebook's cells, as JupyterLab counts them from 0
    source: str
    named: tuple[str, ...] = ()  # from the `# uses` line (and a cell magic's line)
    binds: set[str] = field(default_factory=set)  # names and environment variables it sets
    environment: set[str] = field(default_factory=set)  # the environment variables among them
    loads: set[str] = field(default_factory=set)  # names it reads, anywhere in the cell

    @property
    def label(self) -> str:
        first = self.source.splitlines()[0] if self.source else ""
        return f"{self.lesson} cell {self.index} ({first[:60]!r})"


def python_of(source: str) -> str:
    """The cell as Python, magics turned into calls, the way IPython runs it."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def top_level_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node outside function, class, lambda and comprehension bodies."""
    for child in ast.iter_child_nodes(tree):
        yield child
        if not isinstance(child, SCOPES):
            yield from top_level_nodes(child)


def is_os_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"


def analyse(cell: Cell) -> None:
    tree = ast.parse(python_of(cell.source))
    for node in top_level_nodes(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            cell.binds.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            cell.binds.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            cell.binds.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            cell.binds.add(node.name)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and is_os_environ(node.value):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                cell.binds.add(node.slice.value)
                cell.environment.add(node.slice.value)
    cell.loads = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    lines = cell.source.splitlines() or [""]
    named: list[str] = []
    if lines[0].startswith("%%"):
        named += [a or b for a, b in MAGIC_NAMES.findall(lines[0])]
        cell.loads.update(named)
        lines = lines[1:] or [""]
    match = USES.fullmatch(lines[0].strip())
    if match:
        named += BACKTICKED.findall(match["rest"])
    cell.named = tuple(dict.fromkeys(named))


@cache
def lesson_cells(path: Path) -> tuple[Cell, list[Cell]]:
    """The setup cell and the code cells after it."""
    cells = [
        Cell(path.name, index, "".join(cell["source"]))
        for index, cell in enumerate(json.loads(path.read_text())["cells"])
        if cell["cell_type"] == "code"
    ]
    setup_at = next(n for n, cell in enumerate(cells) if "MockAPI(" in cell.source)
    for cell in cells[setup_at:]:
        analyse(cell)
    return cells[setup_at], cells[setup_at + 1 :]


def definer(name: str, cell: Cell, earlier: list[Cell]) -> Cell:
    """The last cell before ``cell`` that sets ``name``; fails the test if there is none."""
    for candidate in reversed(earlier):
        if candidate.index < cell.index and name in candidate.binds:
            return candidate
    raise CellFailed(f"{cell.label} names `{name}` in its first line, but no cell between the setup cell and it defines it")


def dependencies(cell: Cell, later: list[Cell]) -> list[Cell]:
    """The cells that must run before ``cell``: the definers of what it names, and theirs, in order."""
    needed: dict[int, Cell] = {}

    def visit(current: Cell) -> None:
        for name in current.named:
            source = definer(name, current, later)
            if source.index not in needed:
                visit(source)
                needed[source.index] = source

    visit(cell)
    return [needed[index] for index in sorted(needed)]


@pytest.fixture(scope="module")
def shell() -> Iterator[object]:
    """One IPython shell; each cell gets a copy of its pristine namespace (cheaper than reset())."""
    from IPython.core.interactiveshell import InteractiveShell

    # No plot windows in this process. Put back afterwards: the lessons' kernels (nbval,
    # later in the same run) inherit this process's environment, and under Agg their
    # plt.show() would display nothing, so their committed figures would go "missing".
    backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    shell = InteractiveShell.instance()
    pristine = dict(shell.user_ns)
    shell.pristine = pristine  # type: ignore[attr-defined]
    try:
        yield shell
    finally:
        shell.user_ns.clear()
        shell.user_ns.update(pristine)
        if backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = backend


@pytest.fixture
def in_notebooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Where a lesson's kernel runs: in notebooks/, with checks importable; the environment restored after."""
    monkeypatch.chdir(NOTEBOOKS)
    monkeypatch.syspath_prepend(str(NOTEBOOKS))
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def run(shell: object, cell: Cell, role: str) -> None:
    result = shell.run_cell(cell.source, store_history=False)  # type: ignore[attr-defined]
    error = result.error_before_exec or result.error_in_exec
    if error is None:
        return
    what = f"{type(error).__name__}: {error}"
    if role != "the cell":
        raise CellFailed(f"run as {role}, it failed: {what}")
    if isinstance(error, NameError):
        raise CellFailed(
            f"fails alone after the setup cell with {what}. Import or define it in the cell, or make the "
            f"cell's first line name it: # uses `{getattr(error, 'name', None) or 'name'}` from …"
        )
    raise CellFailed(f"fails alone after the setup cell (and the cells it names): {what}")


def tidy_up() -> None:
    """Stop what a cell left running: live widgets' tickers, open figures."""
    import ipywidgets

    ipywidgets.Widget.close_all()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def check_names(cell: Cell, setup: Cell, later: list[Cell]) -> list[Cell]:
    """Fail for a name the comment should not carry; return the cells to run first."""
    for name in cell.named:
        if name in setup.binds:
            raise CellFailed(f"`{name}` comes from the setup cell, which every cell may use; do not name it")
        read_from_environment = any(name in other.environment for other in later)
        if name not in cell.loads and not read_from_environment:
            raise CellFailed(f"its first line names `{name}`, but the cell does not use it")
    return dependencies(cell, later)


def run_alone(shell: object, setup: Cell, cell: Cell, needed: list[Cell]) -> None:
    """Setup cell, the named cells, then ``cell``, in a fresh namespace and environment."""
    namespace = shell.user_ns  # type: ignore[attr-defined]
    namespace.clear()
    namespace.update(shell.pristine)  # type: ignore[attr-defined]
    before = dict(os.environ)
    try:
        run(shell, setup, "the setup cell")
        from_setup = set(namespace)
        environment = dict(os.environ)
        for dependency in needed:
            run(shell, dependency, f"a cell it names (cell {dependency.index})")
        for name in set(namespace) - from_setup - set(cell.named):
            if not name.startswith("_"):
                del namespace[name]
        for name in set(os.environ) | set(environment):
            if name not in cell.named and os.environ.get(name) != environment.get(name):
                if name in environment:
                    os.environ[name] = environment[name]
                else:
                    del os.environ[name]
        run(shell, cell, "the cell")
    finally:
        os.environ.clear()
        os.environ.update(before)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_cell_runs_alone_after_the_setup_cell(path: Path, shell: object, in_notebooks: None) -> None:
    setup, later = lesson_cells(path)
    assert later, f"{path.name}: code cells after the setup cell"
    failures = []
    for cell in later:
        try:
            run_alone(shell, setup, cell, check_names(cell, setup, later))
        except CellFailed as failure:
            failures.append(f"{cell.label}: {failure}")
        finally:
            tidy_up()
    assert not failures, f"{len(failures)} of {len(later)} cells break the rule:\n" + "\n".join(failures)


# -- the rule's machinery, on a small notebook of our own: the test above must be able to fail --


def tiny_lesson(tmp_path: Path, *sources: str) -> Path:
    setup = 'from tokenkit.mock import MockAPI\n\napi = MockAPI(name="lesson").start()\nBASE_URL = api.url'
    cells = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []} for source in (setup, *sources)]
    path = tmp_path / "99_tiny.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    return path


def verdicts(path: Path, shell: object) -> list[str | None]:
    setup, later = lesson_cells(path)
    found: list[str | None] = []
    for cell in later:
        try:
            run_alone(shell, setup, cell, check_names(cell, setup, later))
            found.append(None)
        except CellFailed as failure:
            found.append(str(failure))
        finally:
            tidy_up()
    return found


def test_the_rule_catches_what_a_cell_takes_silently(tmp_path: Path, shell: object, in_notebooks: None) -> None:
    path = tiny_lesson(
        tmp_path,
        'token = "abc"\nextra = 1',
        "print(token)",                                   # takes token silently
        "# uses `token` from the cell above\nprint(token)",  # says so
        "# uses `token` from the cell above\nprint(token, extra)",  # takes extra silently, via the same cell
        "# uses `token` from the cell above\nprint(BASE_URL)",  # names what it does not use
        "# uses `BASE_URL` from the setup cell\nprint(BASE_URL)",  # names a setup constant
        "# uses `nothing` from the cell above\nprint(nothing)",  # names what no cell defines
        "import os\nos.environ['TK_LESSON_VALUE'] = 'x'",
        "import os\nprint(os.environ['TK_LESSON_VALUE'])",  # takes an environment variable silently
        "# uses `TK_LESSON_VALUE` from the environment (set above)\nimport os\nprint(os.environ['TK_LESSON_VALUE'])",
    )
    got = verdicts(path, shell)
    assert got[0] is None
    assert got[1] is not None and "NameError: name 'token' is not defined" in got[1]
    assert got[2] is None
    assert got[3] is not None and "'extra'" in got[3]
    assert got[4] is not None and "does not use it" in got[4]
    assert got[5] is not None and "comes from the setup cell" in got[5]
    assert got[6] is not None and "no cell between the setup cell and it defines it" in got[6]
    assert got[7] is None
    assert got[8] is not None and "KeyError" in got[8]
    assert got[9] is None
    assert "TK_LESSON_VALUE" not in os.environ
