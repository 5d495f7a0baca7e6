"""The workshop kit's promises: the JupyterHub note's commands work, and its links point at files."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKSHOP = ROOT / "docs" / "workshop"


def _tested_block(path: Path) -> list[str]:
    """The commands of the code block that follows the file's "tested" marker."""
    text = path.read_text()
    block = re.search(r"<!-- tested:[^>]*-->\s*```bash\n(.*?)```", text, re.S)
    assert block, f"{path.name} has no tested command block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_jupyterhub_notes_shared_environment_commands_install_a_kernel_that_imports_tokenkit(tmp_path: Path) -> None:
    srv, opt, prefix = tmp_path / "srv" / "tokenkit", tmp_path / "opt" / "tokenkit", tmp_path / "usr-local"
    replacements = {"<REPO_URL>": str(ROOT), "/srv/tokenkit": str(srv), "/opt/tokenkit": str(opt), "/usr/local": str(prefix)}
    commands = _tested_block(WORKSHOP / "jupyterhub.md")
    assert [c.split()[0] for c in commands] == ["git", "python3", "/opt/tokenkit/bin/python", "/opt/tokenkit/bin/python"]
    for command in commands:
        for placeholder, value in replacements.items():
            command = command.replace(placeholder, value)
        argv = shlex.split(command)
        if argv[0] == "python3":
            argv[0] = sys.executable
        result = subprocess.run(argv, capture_output=True, text=True, timeout=240, cwd=tmp_path)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        if argv[1:3] == ["-m", "venv"]:
            # Lend the new venv this one's packages (a .pth adds the folder, not its editable
            # tokenkit), so pip has only tokenkit-auth itself to build and install: seconds, not a minute.
            purelib = subprocess.run([str(opt / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
            Path(purelib, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    spec = json.loads((prefix / "share" / "jupyter" / "kernels" / "tokenkit" / "kernel.json").read_text())
    assert spec["display_name"] == "Python (tokenkit)" and spec["argv"][0] == str(opt / "bin" / "python")
    where = subprocess.run([spec["argv"][0], "-c", "import tokenkit; print(tokenkit.__file__)"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(opt), f"tokenkit should come from the installed copy, not {where.stdout}"


def test_the_workshop_pages_link_to_files_that_exist() -> None:
    pages = [*WORKSHOP.glob("*.md"), ROOT / "notebooks" / "INSTRUCTORS.md"]
    for page in pages:
        for target in re.findall(r"\]\(((?!https?:)[^)#\s]+)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links {target}, which does not exist"
    instructors = (ROOT / "notebooks" / "INSTRUCTORS.md").read_text()
    for page in ("setup-email.md", "day-of-checklist.md", "jupyterhub.md"):
        assert f"../docs/workshop/{page}" in instructors, page


def test_the_setup_email_covers_each_system_with_the_lessons_extra_only() -> None:
    text = (WORKSHOP / "setup-email.md").read_text()
    for line in ("make lab", ".venv/bin/pip install -e '.[lessons]'", "py -m venv .venv", r'.venv\Scripts\pip install -e ".[lessons]"', r".venv\Scripts\jupyter lab notebooks/00_start_here.ipynb"):
        assert line in text, line
    assert "[test]" not in text, "learners need only the lessons extra"
    assert "<BINDER_LINK>" in text and "<HUB_LINK>" in text
