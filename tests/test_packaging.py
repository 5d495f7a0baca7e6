"""Promises about the project itself: the README's commands, environment.yml, secrets hygiene."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

# conda-forge names for PyPI distributions where they differ (and extras they cover).
CONDA_NAMES = {"pyjwt[crypto]": ["pyjwt", "cryptography"]}
PIP_ONLY = {"swagger-ui-bundle-v2", "uvloop", "httpx2"}  # not on conda-forge / needs a marker: the pip section


def _requirement(text: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)\s*(.*)$", text)
    assert match, text
    return match.group(1).lower(), match.group(2).replace(" ", "")


def runtime_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in ("mock", "httpx2", "lessons"):  # what the lessons install
        wanted += [r for r in project["optional-dependencies"][extra] if not r.startswith("tokenkit")]
    return dict(_requirement(r) for r in wanted)


def environment_yml() -> tuple[dict[str, str], dict[str, str]]:
    """(conda dependencies, pip dependencies) from environment.yml, read without a YAML library."""
    conda, pip, in_pip, section = {}, {}, False, ""
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#")[0].rstrip()
        top_level = re.match(r"^([a-z_]+):", stripped)
        if top_level:
            section = top_level.group(1)
            continue
        if section != "dependencies":
            continue
        if stripped.strip() == "- pip:":
            in_pip = True
            continue
        item = re.match(r"^(\s*)- (.+)$", stripped)
        if not item:
            continue
        if in_pip and len(item.group(1)) > 2:
            if not item.group(2).startswith("-e"):
                name, spec = _requirement(item.group(2))
                pip[name] = spec
        else:
            in_pip = False
            name, spec = _requirement(item.group(2))
            conda[name] = spec
    return conda, pip


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    conda, pip = environment_yml()
    for name, spec in runtime_requirements().items():
        if name in PIP_ONLY:
            assert pip.get(name) == spec, f"environment.yml pip section: {name}{spec}"
            continue
        for conda_name in CONDA_NAMES.get(name, [name]):
            assert conda_name in conda, f"environment.yml lacks {conda_name} (pyproject: {name}{spec})"
        assert conda[CONDA_NAMES.get(name, [name])[0]] == spec, f"{name}: pyproject says {spec!r}, environment.yml {conda[name]!r}"
    extra = set(conda) - {"python", "pip", "cryptography"} - {n for names in CONDA_NAMES.values() for n in names} - set(runtime_requirements())
    assert not extra, f"environment.yml has dependencies pyproject.toml does not: {extra}"
    assert conda["python"] == ">=3.10"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.10"


def test_readme_first_screen_gives_exactly_two_commands_that_the_makefile_has() -> None:
    readme = (ROOT / "README.md").read_text()
    first_screen = readme.split("---")[0]
    blocks = re.findall(r"```bash\n(.*?)```", first_screen, re.S)
    commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]
    assert commands == ["make lab", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_secrets_are_ignored_and_example_names_the_variables() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT).returncode == 0
    assert ignored, ".env must be git-ignored"
    assert subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=ROOT).returncode != 0
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ".env" not in tracked
    example = (ROOT / ".env.example").read_text()
    for name in ("TOKENKIT_API_URL", "TOKENKIT_CLIENT_ID", "TOKENKIT_CLIENT_SECRET"):
        assert re.search(rf"^{name}=", example, re.M), name


def test_python_dash_m_tokenkit_and_console_script_exist() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["tokenkit"] == "tokenkit.cli:main"
    result = subprocess.run([sys.executable, "-m", "tokenkit", "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "mock" in result.stdout


def test_binder_installs_the_project_from_environment_yml() -> None:
    # repo2docker stages the whole repository before creating the environment when the
    # pip section has a local requirement such as `-e .`, so no postBuild step is needed
    # (JupyterLab 4 loads the ipywidgets extension without a build).
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- -e \.\s*$", text, re.M), "environment.yml must install the project itself"
    assert not (ROOT / "postBuild").exists() and not (ROOT / "binder").exists(), "one place for Binder config"


def test_readme_links_and_images_point_at_files() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(((?!https?:)[^)#]+)\)", readme)
    assert targets, "the README links its lessons and images"
    for target in targets:
        assert (ROOT / target).exists(), f"README links {target}, which does not exist"
    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for lesson in lessons:
        assert f"notebooks/{lesson}" in readme, f"the README's lesson map lacks {lesson}"


def test_readme_says_how_to_install_into_your_own_project_and_run_the_command_from_any_shell() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Using tokenkit in your own project" in readme
    section = readme.split("## Using tokenkit in your own project")[1].split("\n## ")[0]
    name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    assert f"**`{name}`**" in section and "import name is `tokenkit`" in section
    assert "pip install -e /path/to/tokenkit" in section and f"pip install '{name} @ file:///path/to/tokenkit'" in section
    for command in (".venv/bin/tokenkit doctor", "source .venv/bin/activate", r".venv\Scripts\activate", "python -m tokenkit doctor"):
        assert command in section, command
    assert "tokenkit: command not found" in readme.split("## Troubleshooting")[1]


def test_readme_pictures_have_no_painted_mask() -> None:
    """Playwright's screenshot ``mask=`` paints a magenta block; the pictures show masked text instead
    (scripts/screenshots.py re-makes them)."""
    from PIL import Image

    assert (ROOT / "scripts" / "screenshots.py").exists()
    for path in sorted((ROOT / "docs" / "images").glob("*.png")):
        with Image.open(path) as image:
            size = image.width * image.height
            colours = {colour: count for count, colour in image.convert("RGB").getcolors(size)}
        magenta = colours.get((255, 0, 255), 0)
        assert magenta < size // 1000, f"{path.name}: {magenta} magenta pixels, a painted mask"
