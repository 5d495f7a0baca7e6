"""Every install line we show people installs *this* project, with extras that exist.

"tokenkit" on PyPI is an unrelated project (tokenizer metrics, with transformers and
pandas), so `pip install tokenkit` in a lesson would install the wrong thing. The
distribution is `tokenkit-auth` (import name `tokenkit`), installed from a checkout until a
release exists. This test reads what a person could copy — every Markdown file, every
notebook cell (markdown, code and outputs), docs/, scripts, the Makefile, environment.yml
and the string constants of tokenkit's own code (fix lines, error messages) — and checks
each pip install line in it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DISTRIBUTION = PROJECT["name"]
EXTRAS = set(PROJECT["optional-dependencies"])
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", "artifacts", "build", "dist"}

#: `pip install ...` (also `pip3`, `python -m pip`, `%pip`, `uv pip`) up to the end of the line or inline code.
INSTALL = re.compile(r"\bpip3?\s+install\b([^\n`]*)")
#: A requirement's name at the start of an argument (after quotes): `tokenkit`, `tokenkit[mock]`, `tokenkit==0.1`.
REQUIREMENT = re.compile(r"""^['"]?([A-Za-z0-9][A-Za-z0-9._-]*)(?=$|[\[<>=!~;@\s'"])""")
#: Extras named on something that is this project: `.[x]`, `/path/to/checkout[x]`, `tokenkit-auth[x]`.
EXTRA = re.compile(r"""(?:(?<![\w-])\.|[\w./-]*/[\w.-]*|(?<![\w-])tokenkit(?:[-_]auth)?)\[([A-Za-z0-9_,\s-]+)\]""")


def _files(patterns: tuple[str, ...]) -> Iterator[Path]:
    for directory, subdirectories, names in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in names:
            path = Path(directory, name)
            if any(path.match(pattern) for pattern in patterns):
                yield path


def _notebook_texts(path: Path) -> Iterator[tuple[str, str]]:
    for index, cell in enumerate(json.loads(path.read_text())["cells"], start=1):
        yield f"cell {index} ({cell['cell_type']})", "".join(cell["source"])
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain") or output.get("data", {}).get("text/markdown") or ""
            yield f"cell {index} output", "".join(text)


def _python_strings(path: Path) -> Iterator[tuple[str, str]]:
    """String constants (f-string pieces too) of a module: what it can print or raise."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield f"line {node.lineno}", node.value


def copyable_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for everything a learner, instructor or developer could copy a command from."""
    for path in _files(("*.md", "Makefile", "environment.yml", "*.sh", "*.txt", "*.rst", "*.cfg")):
        yield str(path.relative_to(ROOT)), path.read_text()
    for path in _files(("*.ipynb",)):
        for where, text in _notebook_texts(path):
            yield f"{path.relative_to(ROOT)} {where}", text
    for folder in ("tokenkit", "scripts", "notebooks", "docs"):
        for path in _files(("*.py",)):
            if path.is_relative_to(ROOT / folder):
                for where, text in _python_strings(path):
                    yield f"{path.relative_to(ROOT)} {where}", text


def install_lines(text: str) -> list[str]:
    """The arguments of each pip install command in ``text``, cut at a shell separator or comment."""
    return [re.split(r"&&|\|\||;|\s#", match.group(1))[0].strip() for match in INSTALL.finditer(text)]


def wrong_names(arguments: str) -> list[str]:
    """Requirements on an install line that name the unrelated PyPI project `tokenkit`."""
    wrong = []
    for argument in arguments.split():
        found = REQUIREMENT.match(argument)
        if found and re.sub(r"[-_.]+", "-", found.group(1).lower()) == "tokenkit":
            wrong.append(argument)
    return wrong


def named_extras(text: str) -> set[str]:
    return {extra.strip() for group in EXTRA.findall(text) for extra in group.split(",") if extra.strip()}


def test_the_detector_catches_each_form_of_the_wrong_name() -> None:
    for line in (
        "pip install tokenkit",
        "pip install 'tokenkit[mock]'",
        'pip install "tokenkit"',
        "python -m pip install -U tokenkit==0.1",
        "%pip install --quiet tokenkit[lessons]",
        "      - run: pip install tokenkit\n",
        "Use tokenkit in your own scripts (`pip install tokenkit`), or",
    ):
        assert any(wrong_names(arguments) for arguments in install_lines(line)), line
    for line in (
        "pip install -e '.[lessons]'",
        "pip install 'tokenkit-auth[mock] @ file:///srv/tokenkit'",
        "pip install -e /path/to/tokenkit",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && jupyter lab",
        "pip install nbstripout",
    ):
        assert not any(wrong_names(arguments) for arguments in install_lines(line)), line
    assert named_extras("pip install -e '.[mock,lessons]' 'tokenkit-auth[test]' -e ~/src/tokenkit[x]") == {"mock", "lessons", "test", "x"}
    assert named_extras("pip install 'requests[socks]' 'PyJWT[crypto]'") == set()


def test_we_read_the_places_people_copy_install_lines_from() -> None:
    sources = {where.split(" ")[0] for where, _ in copyable_texts()}
    for expected in ("README.md", "notebooks/INSTRUCTORS.md", "Makefile", "environment.yml", "tokenkit/doctor.py", "tokenkit/cli.py"):
        assert expected in sources, expected
    assert any(source.endswith(".ipynb") for source in sources)


def test_no_install_line_names_the_unrelated_tokenkit_project() -> None:
    wrong = [
        f"{where}: pip install {arguments}"
        for where, text in copyable_texts()
        for arguments in install_lines(text)
        if wrong_names(arguments)
    ]
    assert not wrong, (
        f"'tokenkit' on PyPI is another project; install {DISTRIBUTION} from a checkout "
        "(pip install -e '.[lessons]') instead:\n" + "\n".join(wrong)
    )


def test_every_extra_named_exists_in_pyproject() -> None:
    unknown = []
    for where, text in copyable_texts():
        candidates = [arguments for arguments in install_lines(text)]
        candidates += re.findall(rf"{re.escape(DISTRIBUTION)}\[[^\]]*\]", text)  # e.g. "needs tokenkit-auth[mock]"
        for extra in set().union(*(named_extras(candidate) for candidate in candidates)):
            if extra not in EXTRAS:
                unknown.append(f"{where}: [{extra}]")
    assert not unknown, f"extras that pyproject.toml does not define (it has {sorted(EXTRAS)}):\n" + "\n".join(unknown)


@pytest.mark.parametrize("path", ["Makefile", "README.md"])
def test_the_setup_commands_install_this_checkout(path: str) -> None:
    lines = install_lines((ROOT / path).read_text())
    assert any(re.search(r"-e\s+['\"]?\.\[test\]", arguments) for arguments in lines), f"{path}: {lines}"
