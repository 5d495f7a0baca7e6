"""``tokenkit doctor``: is this machine ready for the lessons, and if not, what fixes it?

Workshops lose their first half hour to the same few problems: an old Python, a missing
package, widgets that do not render because ipywidgets and JupyterLab's widget extension
disagree, and a notebook kernel that runs a different Python than the one tokenkit was
installed into. Each check here names the problem and prints the exact command that
fixes it. Nothing here imports the packages it checks (versions come from package
metadata), so the doctor still runs when one of them is broken.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from importlib import metadata
from pathlib import Path

MIN_PYTHON = (3, 10)
#: The name pip knows tokenkit by ("tokenkit" on PyPI is an unrelated project); the import name is `tokenkit`.
DISTRIBUTION = "tokenkit-auth"
#: Distributions the lessons need, with the lowest version that works.
REQUIRED = {
    "requests": "2.31",
    "PyJWT": "2.8",
    "cryptography": "41.0",
    "python-dotenv": "1.0",
    "fastapi": "0.110",
    "uvicorn": "0.29",
    "ipywidgets": "8.1",
    "jupyterlab": "4.1",
    "jupyterlab_widgets": "3.0",
    "ipykernel": "6.0",
}
WIDGET_EXTENSION = Path("share", "jupyter", "labextensions", "@jupyter-widgets", "jupyterlab-manager", "package.json")


@dataclass(frozen=True)
class Check:
    """One thing the doctor looked at: its name, whether it is fine, and the fix if not."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _pip(*args: str) -> str:
    return f"{shlex.quote(sys.executable)} -m pip install " + " ".join(shlex.quote(arg) for arg in args)


def install_extra(extra: str, *, package_dir: Path = Path(__file__).resolve().parent) -> str:
    """The pip command that adds ``extra`` to tokenkit the way this copy was installed.

    No release is on an index yet, so most people run tokenkit from a checkout: when the
    package sits in a source tree (an editable install, or PYTHONPATH), the fix for the
    mock is ``-e /path/to/checkout[mock]``. A plain install from a folder or URL is
    recorded by pip in the distribution's direct_url.json (PEP 610) and gets
    ``tokenkit-auth[mock] @ file:///that/folder``; only an install from an index gets
    ``tokenkit-auth[mock]``. Never the bare name "tokenkit": on PyPI that is an unrelated
    project.
    """
    checkout = package_dir.parent
    if (checkout / "pyproject.toml").exists():
        return _pip("-e", f"{checkout}[{extra}]")
    try:
        recorded = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        recorded = None
    direct = json.loads(recorded) if recorded else {}
    url = direct.get("url", "")
    if "vcs_info" in direct:  # PEP 610 keeps the VCS apart from the URL; pip wants "git+https://..."
        url = f"{direct['vcs_info']['vcs']}+{url}"
    return _pip(f"{DISTRIBUTION}[{extra}] @ {url}" if url else f"{DISTRIBUTION}[{extra}]")


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] >= MIN_PYTHON:
        return Check("Python", True, f"{version} at {sys.executable}")
    return Check("Python", False, f"{version} is too old; tokenkit needs 3.10 or newer", "install Python 3.10+ and run: make lab PYTHON=python3.12")


def check_packages() -> list[Check]:
    checks = []
    for name, minimum in REQUIRED.items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            checks.append(Check(name, False, "not installed", _pip(f"{name}>={minimum}")))
            continue
        if _version_tuple(version) < _version_tuple(minimum):
            checks.append(Check(name, False, f"{version} is older than {minimum}", _pip(f"{name}>={minimum}")))
        else:
            checks.append(Check(name, True, version))
    return checks


def check_widget_extension(prefix: str = sys.prefix) -> Check:
    """ipywidgets (kernel side) and the JupyterLab extension (browser side) must agree.

    ipywidgets 8 talks protocol 2 and needs jupyterlab_widgets 3, which ships the
    @jupyter-widgets/jupyterlab-manager 5 extension; its files must be in this
    environment's share/jupyter/labextensions for JupyterLab to load them. A
    mismatch is the classic "Error displaying widget" seen in workshops.
    """
    name = "widgets in JupyterLab"
    try:
        ipywidgets = metadata.version("ipywidgets")
        lab_widgets = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError:
        return Check(name, False, "ipywidgets or jupyterlab_widgets is missing", _pip("ipywidgets>=8.1"))
    major = _version_tuple(ipywidgets)[0]
    wanted = {8: 3, 7: 1}.get(major)
    if wanted is None or _version_tuple(lab_widgets)[0] != wanted:
        return Check(
            name,
            False,
            f"ipywidgets {ipywidgets} needs jupyterlab_widgets {wanted}.x, found {lab_widgets}",
            _pip("ipywidgets>=8.1") + " --upgrade jupyterlab_widgets",
        )
    package_json = Path(prefix) / WIDGET_EXTENSION
    if not package_json.exists():
        return Check(name, False, f"the widget extension is not in {package_json.parent}", _pip("jupyterlab_widgets") + " --force-reinstall")
    extension = json.loads(package_json.read_text()).get("version", "0")
    wanted_extension = {8: 5, 7: 3}[major]
    if _version_tuple(extension)[:1] != (wanted_extension,):
        return Check(
            name,
            False,
            f"JupyterLab loads jupyterlab-manager {extension}, but ipywidgets {ipywidgets} needs {wanted_extension}.x",
            _pip("jupyterlab_widgets") + " --force-reinstall",
        )
    return Check(name, True, f"ipywidgets {ipywidgets} with jupyterlab-manager {extension}")


def check_kernel(spec_dirs: list[Path] | None = None) -> Check:
    """The 'python3' kernel JupyterLab starts must be this environment's Python.

    A kernelspec installed once into ~/.local/share/jupyter by another Python wins over
    the environment's own, and then `import tokenkit` fails in the notebook although it
    works in the terminal.
    """
    name = "notebook kernel"
    directories = spec_dirs if spec_dirs is not None else _kernel_dirs()
    for directory in directories:
        spec = directory / "python3" / "kernel.json"
        if not spec.exists():
            continue
        argv = json.loads(spec.read_text()).get("argv", [])
        interpreter = argv[0] if argv else ""
        if interpreter in {"python", "python3", "{python}"} or _same_prefix(interpreter):
            return Check(name, True, f"python3 kernel runs {interpreter or 'this Python'} ({spec})")
        return Check(
            name,
            False,
            f"the python3 kernel at {spec} runs {interpreter}, not this environment's {sys.executable}",
            f"{shlex.quote(sys.executable)} -m ipykernel install --sys-prefix --name python3 && rm -r {shlex.quote(str(spec.parent))}",
        )
    return Check(name, True, f"python3 kernel is ipykernel's built-in spec for {sys.executable}")


def _kernel_dirs() -> list[Path]:
    """Where Jupyter looks for kernelspecs, in its order of precedence."""
    try:
        from jupyter_core.paths import jupyter_path

        return [Path(p) / "kernels" for p in jupyter_path()]
    except ImportError:
        return [Path(sys.prefix) / "share" / "jupyter" / "kernels"]


def _same_prefix(interpreter: str) -> bool:
    try:
        return Path(interpreter).resolve().parent == Path(sys.executable).resolve().parent
    except OSError:
        return False


def check_mock() -> Check:
    name = "mock API"
    try:
        import requests

        from .mock import MockAPI

        with MockAPI() as api:
            status = requests.get(api.url + "/health", timeout=5).status_code
    except ImportError as exc:
        return Check(name, False, f"cannot import the mock ({exc})", install_extra("mock"))
    except Exception as exc:  # the doctor reports any failure instead of crashing
        return Check(name, False, f"did not start: {type(exc).__name__}: {exc}", "tokenkit mock --port 0   # shows the full error")
    if status != 200:
        return Check(name, False, f"started but /health answered {status}", "tokenkit mock --port 0   # shows the full error")
    return Check(name, True, "starts and answers")


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def __str__(self) -> str:
        lines = [f"{'ok ' if c.ok else 'BAD'}  {c.name:<22} {c.detail}" + (f"\n     fix: {c.fix}" if c.fix else "") for c in self.checks]
        lines.append("All good: ready for the lessons." if self.ok else f"{len(self.problems)} problem(s): run the fix line(s) above, then `tokenkit doctor` again.")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'✅' if c.ok else '❌'}</td><td>{escape(c.name)}</td><td>{escape(c.detail)}"
            + (f"<br><code>{escape(c.fix)}</code>" if c.fix else "")
            + "</td></tr>"
            for c in self.checks
        )
        return f"<table class='tokenkit-doctor'>{rows}</table><p>{escape(str(self).splitlines()[-1])}</p>"


CHECKS: tuple[Callable[[], Check | list[Check]], ...] = (check_python, check_packages, check_widget_extension, check_kernel, check_mock)


def run_checks(*, start_mock: bool = True) -> Report:
    """Run every check (the mock one only with ``start_mock``) and collect the results."""
    results: list[Check] = []
    for check in CHECKS:
        if check is check_mock and not start_mock:
            continue
        outcome = check()
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    return Report(tuple(results))


def main(start_mock: bool = True) -> int:
    """Print the report; exit status 1 when anything needs fixing."""
    report = run_checks(start_mock=start_mock)
    print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main(start_mock=os.environ.get("TOKENKIT_DOCTOR_NO_MOCK") is None))
