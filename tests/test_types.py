"""`mypy tokenkit` is clean: the package ships py.typed, so its annotations are a promise.

Runs mypy on the whole package with the settings in pyproject.toml's [tool.mypy] and fails
with mypy's own report, one line per error, so the fix is named in the failure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_errors_in_tokenkit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--config-file", str(ROOT / "pyproject.toml"), "tokenkit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 0 and not errors, "\n" + done.stdout[-6000:]
