"""Lesson 00's first check: can this notebook's kernel import tokenkit? Standard library only.

The most common first-morning failure is a notebook kernel that runs a different Python
from the one tokenkit was installed into (JupyterLab started from conda's base, a system
Python, another venv). Then `import tokenkit` fails, and so would any check written with
tokenkit. This one needs nothing but the standard library, so it runs in any kernel and
names the fix: the kernel's Python, where tokenkit *is* installed (the checkout's .venv,
found next to this file), and the exact command that connects the two.

In a notebook next to this file::

    import preflight
    preflight.check()

or ``%run preflight.py``; on a terminal, ``python notebooks/preflight.py`` (exit status 1
when tokenkit cannot be imported).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MIN_PYTHON = (3, 10)
KERNEL_NAME = "tokenkit"
KERNEL_DISPLAY_NAME = "Python (tokenkit)"
#: The checkout: this file lives in its notebooks/ folder.
CHECKOUT = Path(__file__).resolve().parent.parent


@dataclass
class Preflight:
    """What the check found: each line as ``(ok, name, detail)``, and the fixes to print."""

    lines: list[tuple[bool, str, str]] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok for ok, _, _ in self.lines)

    def __str__(self) -> str:
        # The same layout as `tokenkit doctor`, so one nbval pattern hides machine-specific details.
        text = [f"{'ok ' if ok else 'BAD'}  {name:<22} {detail}" for ok, name, detail in self.lines]
        if self.fixes:
            text.append("")
            text.extend(self.fixes)
        else:
            text.append("Ready: the next cell runs the full check (tokenkit doctor).")
        return "\n".join(text)


def venv_python(checkout: Path = CHECKOUT) -> Path | None:
    """The checkout's own .venv interpreter (what `make lab` creates), if there is one."""
    for candidate in (checkout / ".venv" / "bin" / "python", checkout / ".venv" / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    return None


def imports_tokenkit(python: Path) -> bool:
    """Whether ``python`` can import tokenkit, asked from a neutral folder.

    From the checkout itself `import tokenkit` would find the source folder and say yes
    for any Python; a notebook's kernel runs in notebooks/, where it would not.
    """
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('tokenkit') is None)"
    try:
        return subprocess.run([str(python), "-c", probe], cwd=tempfile.gettempdir(), capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _quote(path: Path | str) -> str:
    text = str(path)
    return f'"{text}"' if (" " in text or os.name == "nt") and not text.startswith('"') else text


def diagnose(checkout: Path = CHECKOUT) -> Preflight:
    """Look at this Python and, if it lacks tokenkit, at the checkout's .venv; say what connects them."""
    result = Preflight()
    version = ".".join(map(str, sys.version_info[:3]))
    new_enough = sys.version_info[:2] >= MIN_PYTHON
    result.lines.append((new_enough, "kernel Python", f"{version} at {sys.executable}" + ("" if new_enough else " (tokenkit needs 3.10 or newer)")))
    spec = importlib.util.find_spec("tokenkit")
    if spec is not None and new_enough:
        result.lines.append((True, "tokenkit", f"imports from {Path(spec.origin or '').parent}"))
        return result
    if spec is not None:
        result.lines.append((True, "tokenkit", f"imports from {Path(spec.origin or '').parent}"))
    else:
        result.lines.append((False, "tokenkit", "this kernel's Python cannot import it"))
    installed = venv_python(checkout)
    if installed is not None and imports_tokenkit(installed):
        result.fixes += [
            f"This notebook runs {sys.executable}; tokenkit is installed for {installed}.",
            "Fix it one of these ways, then Kernel → Restart Kernel and run this cell again:",
            "  1. Start JupyterLab from the project (in a terminal, in the project folder):",
            "       make lab" if os.name != "nt" else f"       {_quote(installed.parent / 'jupyter')} lab notebooks/00_start_here.ipynb",
            "  2. Or register the project's Python as a kernel (in any terminal),",
            f"     then choose \"{KERNEL_DISPLAY_NAME}\" in Kernel → Change Kernel for each lesson:",
            f'       {_quote(installed)} -m ipykernel install --user --name {KERNEL_NAME} --display-name "{KERNEL_DISPLAY_NAME}"',
            "  3. Or install tokenkit into this kernel's own Python (in a cell here):",
            f'       %pip install -e "{checkout}[lessons]"',
        ]
    elif (checkout / "pyproject.toml").exists():
        where = f" ({installed} has no tokenkit yet)" if installed is not None else ""
        result.fixes += [
            f"tokenkit is not installed for this notebook's Python{where}. Either:",
            "  1. In a terminal, in the project folder, run `make lab`: it installs everything into .venv",
            "     and starts JupyterLab from there (without make: see the README's Troubleshooting).",
            "  2. Or install it into this kernel's Python (in a cell here), then Kernel → Restart Kernel:",
            f'       %pip install -e "{checkout}[lessons]"',
        ]
    else:
        result.fixes.append("tokenkit is not installed, and this folder is not in a tokenkit checkout: clone the repository and run `make lab` there.")
    if not new_enough:
        result.fixes.append("This Python is too old for tokenkit: install Python 3.10 or newer, then `make lab PYTHON=python3.12`.")
    return result


def check() -> None:
    """Print what :func:`diagnose` found: two ``ok`` lines, or the exact fix."""
    print(diagnose())


if __name__ == "__main__":
    found = diagnose()
    print(found)
    if not found.ok and "IPython" not in sys.modules:  # %run in a notebook: no SystemExit traceback
        raise SystemExit(1)
