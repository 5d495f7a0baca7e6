"""notebooks/preflight.py: lesson 00's first check runs in a kernel without tokenkit and names the fix.

Each case runs the module in a real interpreter: this venv's (tokenkit importable), and a
throwaway venv made with --without-pip (a kernel from "another environment", where only
the standard library exists). The printed ipykernel command is then run as printed.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PREFLIGHT = ROOT / "notebooks" / "preflight.py"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with the standard library only: no tokenkit, no Jupyter."""
    folder = tmp_path_factory.mktemp("bare")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=60)
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(python: Path | str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


def test_it_imports_only_the_standard_library() -> None:
    tree = ast.parse(PREFLIGHT.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_with_tokenkit_it_prints_two_ok_lines_in_doctors_layout() -> None:
    result = _run(sys.executable, "-c", "import preflight; preflight.check()", cwd=ROOT / "notebooks")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok   kernel Python          ") and sys.executable in lines[0]
    assert lines[1].startswith("ok   tokenkit               imports from ")
    assert lines[-1] == "Ready: the next cell runs the full check (tokenkit doctor)."


@pytest.mark.skipif(not VENV_PYTHON.exists(), reason="the checkout's .venv (made by make lab / make test) is what the fix points at")
def test_a_kernel_without_tokenkit_is_told_the_ipykernel_command_and_it_works(bare_python: Path, tmp_path: Path) -> None:
    # The kernel runs in notebooks/, as JupyterLab starts it for lesson 00.
    result = _run(bare_python, "-c", "import preflight; preflight.check()", cwd=ROOT / "notebooks")
    assert result.returncode == 0, result.stderr  # it reports; it does not raise in a notebook
    out = result.stdout
    assert "ok   kernel Python" in out and str(bare_python) in out
    assert "BAD  tokenkit               this kernel's Python cannot import it" in out
    assert f"tokenkit is installed for {VENV_PYTHON}" in out
    register = next(line.strip() for line in out.splitlines() if "ipykernel install" in line)
    assert register == f'{VENV_PYTHON} -m ipykernel install --user --name tokenkit --display-name "Python (tokenkit)"'
    assert f'%pip install -e "{ROOT}[lessons]"' in out and "make lab" in out
    # Run the printed command; --user writes to JUPYTER_DATA_DIR, kept in tmp here.
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path)}
    subprocess.run(shlex.split(register), check=True, capture_output=True, timeout=60, env=env)
    spec = json.loads((tmp_path / "kernels" / "tokenkit" / "kernel.json").read_text())
    assert spec["display_name"] == "Python (tokenkit)"
    assert _run(spec["argv"][0], "-c", "import tokenkit", cwd=tmp_path).returncode == 0


def test_as_a_script_the_exit_status_says_whether_tokenkit_imports(bare_python: Path, tmp_path: Path) -> None:
    assert _run(bare_python, str(PREFLIGHT), cwd=tmp_path).returncode == 1
    assert _run(sys.executable, str(PREFLIGHT), cwd=tmp_path).returncode == 0


def test_a_checkout_without_a_venv_gets_make_lab_and_pip_into_this_kernel(bare_python: Path, tmp_path: Path) -> None:
    checkout = tmp_path / "my tokenkit"  # a space, as in many home folders
    (checkout / "notebooks").mkdir(parents=True)
    shutil.copy(PREFLIGHT, checkout / "notebooks" / "preflight.py")
    (checkout / "pyproject.toml").write_text('[project]\nname = "tokenkit-auth"\n')
    result = _run(bare_python, str(checkout / "notebooks" / "preflight.py"), cwd=checkout / "notebooks")
    assert result.returncode == 1
    assert "make lab" in result.stdout and f'%pip install -e "{checkout}[lessons]"' in result.stdout
    assert "ipykernel install" not in result.stdout  # no .venv with tokenkit to register


def test_outside_a_checkout_it_says_so(bare_python: Path, tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    shutil.copy(PREFLIGHT, tmp_path / "notebooks" / "preflight.py")
    result = _run(bare_python, str(tmp_path / "notebooks" / "preflight.py"), cwd=tmp_path)
    assert result.returncode == 1 and "not in a tokenkit checkout" in result.stdout
