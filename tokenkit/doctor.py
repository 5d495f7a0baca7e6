"""``tokenkit doctor``: is this machine ready for the lessons, and if not, what fixes it?

Workshops lose their first half hour to the same few problems: an old Python, a missing
package, a JupyterLab started from *another* environment (its kernel cannot import
tokenkit, its widget extension is missing), and a proxy variable that sends the lessons'
calls to 127.0.0.1 through a corporate proxy. Each check names the problem and prints
the exact command that fixes it, written for the way tokenkit was installed.

Two Pythons matter, and they are often not the same: the one running this check (where
tokenkit is installed) and the one running JupyterLab (which decides which Python the
notebooks' kernel runs and which browser extensions load). The doctor finds the second
one (the Jupyter process that started this kernel, the JupyterLab servers running for
this user, or ``jupyter-lab`` on PATH) and looks inside it with a small standard-library
probe. Nothing here imports the packages it checks (versions come from package
metadata), so the doctor still runs when one of them is broken.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MIN_PYTHON = (3, 10)
#: The name pip knows tokenkit by ("tokenkit" on PyPI is an unrelated project); the import name is `tokenkit`.
DISTRIBUTION = "tokenkit-auth"
#: Packages the lessons need that no extra names (they come with another package), and
#: the lowest version that works. Everything else is read from the installed metadata.
INDIRECT = {
    "cryptography": "41.0",  # comes with PyJWT[crypto]
    "jupyterlab_widgets": "3.0",  # comes with ipywidgets
    "ipykernel": "6.0",  # comes with jupyterlab
}
#: What the checks fall back on when tokenkit-auth's metadata cannot be read (run from a
#: folder without installing); the installed distribution's own requirements win.
_FALLBACK = {
    "requests": "2.31", "PyJWT": "2.8", "python-dotenv": "1.0", "fastapi": "0.110", "uvicorn": "0.29",
    "swagger-ui-bundle-v2": "5.17", "ipywidgets": "8.1", "jupyterlab": "4.1", "matplotlib": "3.7",
}


#: A Requires-Dist line (PEP 508, as pip writes it into METADATA): name, [extras],
#: version specifiers, and the marker after ";". URL requirements do not occur in ours.
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*\(?([^;]*?)\)?\s*(?:;\s*(.*))?$")
_LOWER_BOUND = re.compile(r"(>=|==|~=)\s*([^,\s)]+)")
#: One comparison of a marker: ``variable op "value"`` (either side may be the quoted one).
_COMPARISON = re.compile(r"""([a-z_]+|'[^']*'|"[^"]*")\s*(==|!=|<=|>=|<|>|~=)\s*([a-z_]+|'[^']*'|"[^"]*")""")


def _marker_environment(extra: str) -> dict[str, str]:
    return {
        "extra": extra,
        "sys_platform": sys.platform,
        "platform_python_implementation": sys.implementation.name.replace("cpython", "CPython").replace("pypy", "PyPy"),
        "implementation_name": sys.implementation.name,
        "os_name": os.name,
        "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}.get(sys.platform, sys.platform),
        "python_version": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "python_full_version": ".".join(map(str, sys.version_info[:3])),
    }


def _compare(left: str, op: str, right: str) -> bool:
    if op in ("==", "!=") and not (left.replace(".", "").isdigit() and right.replace(".", "").isdigit()):
        return (left == right) == (op == "==")
    a, b = (tuple(int(part) for part in re.findall(r"\d+", side)[:3]) for side in (left, right))
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "~=": a >= b}[op]


def marker_applies(marker: str | None, extra: str) -> bool:
    """Does a requirement's environment ``marker`` hold here, for ``extra``?

    The markers pip writes into our metadata are comparisons joined by ``and`` (the
    ``extra``, the platform, the Python version), which this evaluates itself, so the
    doctor needs no ``packaging`` (tokenkit-auth does not depend on it). A marker with
    ``or`` is left to ``packaging`` when it is installed; without it such a requirement
    counts as applying, so the doctor checks too much rather than too little.
    """
    if not marker:
        return True
    if re.search(r"\bor\b", marker):
        try:
            from packaging.markers import Marker
        except ImportError:
            return True
        return bool(Marker(marker).evaluate({"extra": extra}))
    env = _marker_environment(extra)
    for left, op, right in _COMPARISON.findall(marker):
        values = [side[1:-1] if side[:1] in "'\"" else env.get(side, "") for side in (left, right)]
        if not _compare(values[0], op, values[1]):
            return False
    return True


def _requirement(line: str) -> tuple[str, list[str], list[str], str | None] | None:
    """``(name, extras, lower bounds, marker)`` of a Requires-Dist line (None if unreadable)."""
    match = _REQUIREMENT.match(line)
    if match is None:
        return None
    name, extras, specifier, marker = match.groups()
    names = [e.strip() for e in (extras or "").split(",") if e.strip()]
    return name, names, [version for _, version in _LOWER_BOUND.findall(specifier or "")], marker


def required_versions(extra: str = "lessons") -> dict[str, str]:
    """Lowest versions the ``extra`` needs, from the installed distribution's metadata.

    Reads ``Requires-Dist`` of tokenkit-auth (the pins in pyproject.toml as installed):
    the core requirements, those of ``extra`` and of every extra it names in turn
    (``lessons`` includes ``mock``), plus :data:`INDIRECT`. No second copy of the pins,
    and no ``packaging`` needed to read them (see :func:`marker_applies`).
    """
    try:
        lines = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return {**_FALLBACK, **INDIRECT}
    wanted: list[str] = [extra]
    seen: set[str] = set()
    found: dict[str, str] = {}
    while wanted:
        current = wanted.pop()
        if current in seen:
            continue
        seen.add(current)
        for line in lines:
            parsed = _requirement(line)
            if parsed is None:
                continue
            name, extras, lows, marker = parsed
            applies = marker_applies(marker, current)
            core = marker_applies(marker, "")
            if not applies or (core and current != extra and marker is not None):
                continue
            if name == DISTRIBUTION:
                wanted += sorted(extras)
                continue
            if lows:
                found.setdefault(name, lows[0])
    return {**found, **INDIRECT}


REQUIRED = required_versions()
WIDGET_EXTENSION_NAME = "@jupyter-widgets/jupyterlab-manager"
#: ipywidgets' major version -> the jupyterlab_widgets major and the extension major it needs.
WIDGET_PROTOCOL = {8: (3, 5), 7: (1, 3)}
KERNEL_NAME = "tokenkit"
KERNEL_DISPLAY_NAME = "Python (tokenkit)"
#: Hosts the lessons call: the mock in the kernel listens on 127.0.0.1.
LOOPBACK_URLS = ("http://127.0.0.1:8000/", "http://localhost:8000/")
#: Settings whose URL the lessons may call when set (a shared classroom server, your own API).
URL_SETTINGS = ("TOKENKIT_CLASSROOM_URL", "TOKENKIT_API_URL")


@dataclass(frozen=True)
class Check:
    """One thing the doctor looked at: its name, whether it is fine, and the fix if not."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _quote(path: str) -> str:
    return shlex.quote(path) if os.name != "nt" else (f'"{path}"' if " " in path else path)


def _pip(*args: str, python: str = sys.executable) -> str:
    return f"{_quote(python)} -m pip install " + " ".join(shlex.quote(arg) for arg in args)


def install_extra(extra: str, *, package_dir: Path = Path(__file__).resolve().parent) -> str:
    """The pip command that adds ``extra`` to tokenkit the way this copy was installed.

    No release is on an index yet, so most people run tokenkit from a checkout: when the
    package sits in a source tree (an editable install, or PYTHONPATH), the fix is
    ``-e /path/to/checkout[lessons]``. A plain install from a folder or URL is recorded by
    pip in the distribution's direct_url.json (PEP 610) and gets
    ``tokenkit-auth[lessons] @ file:///that/folder``; only an install from an index gets
    ``tokenkit-auth[lessons]``. Never the bare name "tokenkit": on PyPI that is an
    unrelated project.
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
    """Each distribution the lessons need: missing ones come back with the `lessons` extra."""
    checks = []
    for name, minimum in REQUIRED.items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            checks.append(Check(name, False, "not installed", install_extra("lessons")))
            continue
        if _version_tuple(version) < _version_tuple(minimum):
            checks.append(Check(name, False, f"{version} is older than {minimum}", _pip("--upgrade", f"{name}>={minimum}")))
        else:
            checks.append(Check(name, True, version))
    return checks


# --- the environment that runs JupyterLab ------------------------------------------------


def _probe() -> dict:  # pragma: no cover - its source runs in another Python, see probe()
    """What one Python environment offers Jupyter; runs there, standard library only (3.7+)."""
    import importlib.util
    import json
    import os
    import sys

    def version(name):
        try:
            from importlib import metadata

            return metadata.version(name)
        except Exception:
            return None

    try:
        from jupyter_core.paths import jupyter_config_dir, jupyter_config_path, jupyter_path

        data_dirs, config_dirs, user_config = jupyter_path(), jupyter_config_path(), jupyter_config_dir()
    except Exception:
        data_dirs = [os.path.join(sys.prefix, "share", "jupyter")]
        config_dirs = [os.path.join(sys.prefix, "etc", "jupyter")]
        user_config = None
    name = "@jupyter-widgets/jupyterlab-manager"
    extension = None
    for directory in data_dirs:
        package = os.path.join(directory, "labextensions", *name.split("/"), "package.json")
        if os.path.isfile(package):
            try:
                with open(package, encoding="utf-8") as f:
                    extension = {"version": json.load(f).get("version", "0"), "path": os.path.dirname(package)}
            except ValueError:
                extension = {"version": "0", "path": os.path.dirname(package)}
            break
    disabled_by = disabled_level = None
    for directory in config_dirs:  # highest precedence first: the first mention decides
        page_config = os.path.join(directory, "labconfig", "page_config.json")
        try:
            with open(page_config, encoding="utf-8") as f:
                disabled = json.load(f).get("disabledExtensions", {})
        except (OSError, ValueError):
            continue
        if isinstance(disabled, list):
            disabled = dict.fromkeys(disabled, True)
        mentions = [value for key, value in disabled.items() if key == name or key.startswith(name + ":")]
        if mentions:
            if any(mentions):
                disabled_by = page_config
                in_prefix = os.path.abspath(directory).startswith(os.path.abspath(sys.prefix) + os.sep)
                disabled_level = "user" if directory == user_config else "sys_prefix" if in_prefix else "system"
            break
    kernels = {}
    for directory in reversed(data_dirs):  # later (lower precedence) first, so the winner overwrites
        folder = os.path.join(directory, "kernels")
        for kernel in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            spec = os.path.join(folder, kernel, "kernel.json")
            try:
                with open(spec, encoding="utf-8") as f:
                    argv = json.load(f).get("argv") or [""]
            except (OSError, ValueError):
                continue
            kernels[kernel.lower()] = {"spec": spec, "python": argv[0]}
    return {
        "python": sys.executable,
        "prefix": sys.prefix,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "tokenkit": getattr(importlib.util.find_spec("tokenkit"), "origin", None),
        "ipywidgets": version("ipywidgets"),
        "jupyterlab": version("jupyterlab"),
        "extension": extension,
        "extension_disabled_by": disabled_by,
        "extension_disabled_level": disabled_level,
        "kernels": kernels,
    }


@dataclass(frozen=True)
class Environment:
    """What :func:`probe` found in one Python: where tokenkit is, what Jupyter would load."""

    python: str
    prefix: str
    version: str
    tokenkit: str | None
    ipywidgets: str | None
    jupyterlab: str | None
    extension: dict[str, str] | None
    extension_disabled_by: str | None
    extension_disabled_level: str | None
    kernels: dict[str, dict[str, str]]

    @property
    def kernel_python(self) -> str:
        """The Python that JupyterLab of this environment starts for a ``python3`` notebook.

        jupyter_client replaces a bare ``python``/``python3`` in a kernelspec with its own
        interpreter, and with no spec file at all ipykernel's built-in spec is its own too.
        """
        spec = self.kernels.get("python3")
        argv0 = spec["python"] if spec else ""
        if not argv0 or re.fullmatch(r"python[\d.]*", argv0):
            return self.python
        return argv0


class ProbeError(RuntimeError):
    """A Python could not be run or did not answer the probe."""


def probe(python: str | None = None) -> Environment:
    """Look inside ``python``'s environment (this one, in-process, when None).

    The probe runs in a neutral working directory: with the checkout as the current
    directory, `import tokenkit` would succeed from the source folder and hide exactly the
    problem we look for.
    """
    if python is None or _same_environment(python):
        return Environment(**_probe())
    source = inspect.getsource(_probe) + "\nimport json\nprint(json.dumps(_probe()))\n"
    try:
        result = subprocess.run([python, "-c", source], capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir())
    except (OSError, subprocess.SubprocessError) as exc:
        raise ProbeError(f"cannot run {python}: {exc}") from exc
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProbeError(f"{python} failed: {last}")
    return Environment(**json.loads(result.stdout.strip().splitlines()[-1]))


def _same_environment(python: str) -> bool:
    """Whether ``python`` is this environment's interpreter.

    A venv's ``python`` is a symlink to its base interpreter, which every venv made from
    that base shares: the same resolved file is not enough, the folder must match too.
    """
    given, ours = Path(os.path.abspath(python)), Path(os.path.abspath(sys.executable))
    try:
        return given == ours or (given.parent == ours.parent and given.resolve() == ours.resolve())
    except OSError:
        return False


@dataclass(frozen=True)
class Lab:
    """A Jupyter that decides the notebooks' kernel and widgets: its Python and how we found it."""

    python: str
    how: str


def _live(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except (OSError, OverflowError):
        return False
    return True


def python_of_process(pid: int) -> str | None:
    """The interpreter path a running process was started with, as it was typed.

    On Linux the command line says it: a script such as ``.venv/bin/jupyter-lab`` is run
    by the kernel as ``<shebang interpreter> <script>``, so argv[0] is the venv's
    ``python`` (while /proc/PID/exe would name the base interpreter it links to). A
    relative name is resolved the way that process resolved it: against its working
    directory or its PATH.
    """
    proc = Path("/proc", str(pid))
    try:
        argv = [part.decode() for part in proc.joinpath("cmdline").read_bytes().split(b"\0") if part]
    except OSError:
        try:  # macOS and the BSDs: no /proc
            line = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        argv = line.split()
    if not argv:
        return None
    first = argv[0]
    if not re.fullmatch(r"python[\dw.]*(\.exe)?", Path(first).name.lower()):
        try:
            return os.readlink(proc / "exe")
        except OSError:
            return None
    if os.path.isabs(first):
        return first
    if os.sep in first:
        try:
            return os.path.normpath(os.path.join(os.readlink(proc / "cwd"), first))
        except OSError:
            return None
    try:
        environ = dict(item.split(b"=", 1) for item in proc.joinpath("environ").read_bytes().split(b"\0") if b"=" in item)
        search = environ.get(b"PATH", b"").decode()
    except OSError:
        search = os.environ.get("PATH", "")
    return shutil.which(first, path=search)


def python_of_script(script: str) -> str | None:
    """The interpreter a console script such as ``jupyter-lab`` runs with (its shebang)."""
    path = Path(script)
    if path.suffix.lower() == ".exe":  # Windows launchers: the env's python.exe is beside them or one up
        for candidate in (path.with_name("python.exe"), path.parent.parent / "python.exe"):
            if candidate.exists():
                return str(candidate)
        return None
    try:
        head = path.read_bytes()[:1024].decode(errors="replace").splitlines()
    except OSError:
        return None
    if not head or not head[0].startswith("#!"):
        return None
    words = head[0][2:].split()
    if words and words[0].endswith("/sh"):  # pip's form for long paths: #!/bin/sh then '''exec' "/path/python" "$0" "$@"
        found = re.search(r"exec'? \"?([^\"\s]+)", "\n".join(head[1:3]))
        return found.group(1) if found else None
    if words and Path(words[0]).name == "env" and len(words) > 1:
        return shutil.which(words[-1])
    return words[0] if words else None


def running_servers(runtime_dir: str | None = None) -> list[dict[str, Any]]:
    """The Jupyter servers of this user that are alive, from their jpserver-PID.json files.

    Read here rather than with jupyter_server's list_running_servers(), which deletes the
    files of dead servers as a side effect. Only "pid" is used: the files also hold the
    server's token, which is never printed.
    """
    if runtime_dir is None:
        try:
            from jupyter_core.paths import jupyter_runtime_dir

            runtime_dir = jupyter_runtime_dir()
        except ImportError:
            runtime_dir = os.environ.get("JUPYTER_RUNTIME_DIR")
    servers = []
    for info_file in sorted(Path(runtime_dir).glob("jpserver-*.json")) if runtime_dir else []:
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info.get("pid"), int) and _live(info["pid"]):
            servers.append(info)
    return servers


def find_labs(environ: Mapping[str, str] | None = None) -> list[Lab]:
    """The Jupyter installations whose kernels and extensions the lessons will meet.

    In a notebook, that is the process that started this kernel (jupyter_client sets
    JPY_PARENT_PID). On a terminal, the JupyterLab servers running for this user and the
    ``jupyter-lab`` a learner would start from this shell. With none of them, this
    environment's own (what ``make lab`` starts).
    """
    environ = os.environ if environ is None else environ
    parent = environ.get("JPY_PARENT_PID", "")
    if parent.isdigit() and _live(int(parent)):
        python = python_of_process(int(parent))
        if python:
            return [Lab(python, f"the one that started this kernel, pid {parent}")]
    labs: dict[str, Lab] = {}
    for server in running_servers(environ.get("JUPYTER_RUNTIME_DIR")):
        python = python_of_process(server["pid"])
        if python:
            labs.setdefault(os.path.abspath(python), Lab(python, f"pid {server['pid']}"))
    script = shutil.which("jupyter-lab", path=environ.get("PATH", os.defpath))
    python = python_of_script(script) if script else None
    if python:
        labs.setdefault(os.path.abspath(python), Lab(python, f"{script} on PATH"))
    return list(labs.values()) or [Lab(sys.executable, "this environment's; none running or on PATH")]


def check_lab_kernel(lab: Lab, environment: Environment) -> Check:
    """The kernel that JupyterLab starts for the lessons (they ask for ``python3``) must import tokenkit.

    The classic: tokenkit was installed into .venv, JupyterLab was started from conda's base
    or a system Python, and lesson 00's first cell says ModuleNotFoundError while the
    terminal says everything is fine.
    """
    name = "notebook kernel"
    kernel = environment.kernel_python
    if _same_environment(kernel):
        has_tokenkit = True
    elif os.path.abspath(kernel) == os.path.abspath(environment.python):
        has_tokenkit = environment.tokenkit is not None
    else:
        try:
            has_tokenkit = probe(kernel).tokenkit is not None
        except ProbeError:
            has_tokenkit = False
    spec = environment.kernels.get("python3", {}).get("spec")
    where = f" (kernelspec {spec})" if spec else ""
    if has_tokenkit:
        return Check(name, True, f"python3 kernels run {kernel}, which imports tokenkit (JupyterLab: {lab.how})")
    register = f'{_quote(sys.executable)} -m ipykernel install --user --name {KERNEL_NAME} --display-name "{KERNEL_DISPLAY_NAME}"'
    if spec and _same_environment(environment.python):
        # This environment's JupyterLab, but a python3 spec (often a user-level one) points elsewhere.
        fix = f"{_quote(sys.executable)} -m ipykernel install --sys-prefix --name python3 && rm -r {_quote(str(Path(spec).parent))}"
    else:
        fix = (
            f"start JupyterLab from tokenkit's environment: make lab  (or {_quote(str(Path(sys.executable).parent / 'jupyter'))} lab)\n"
            f"or register it as a kernel and choose {KERNEL_DISPLAY_NAME} in Kernel → Change Kernel: {register}"
        )
    return Check(
        name,
        False,
        f"JupyterLab ({lab.how}) starts python3 kernels with {kernel}{where}, which cannot import tokenkit (installed for {sys.executable})",
        fix,
    )


def check_lab_widgets(lab: Lab, environment: Environment) -> Check:
    """The widget extension must be installed and enabled *where JupyterLab runs*, and match ipywidgets.

    ipywidgets (in the kernel: this environment) and @jupyter-widgets/jupyterlab-manager (in
    the browser, loaded by the JupyterLab server from its own environment's
    share/jupyter/labextensions) talk one protocol: ipywidgets 8 needs the extension 5.x
    (jupyterlab_widgets 3), ipywidgets 7 needs 3.x. Otherwise the notebook shows
    "Error displaying widget", or only a line of text such as ``HBox(children=...)``.
    """
    name = "widgets in JupyterLab"
    try:
        ipywidgets = metadata.version("ipywidgets")
    except metadata.PackageNotFoundError:
        return Check(name, False, "ipywidgets is not installed in the kernel's environment", install_extra("lessons"))
    major = _version_tuple(ipywidgets)[0]
    lab_widgets_major, extension_major = WIDGET_PROTOCOL.get(major, (None, None))
    if extension_major is None:
        return Check(name, False, f"ipywidgets {ipywidgets} is not a version the lessons know (8.x)", _pip("--upgrade", "ipywidgets>=8.1"))
    lab_python = environment.python
    this_one = _same_environment(lab_python)
    wanted = f"jupyterlab_widgets=={lab_widgets_major}.*"
    reinstall = _pip("--force-reinstall", wanted, python=lab_python) if this_one else _pip(wanted, python=lab_python)
    if environment.extension is None:
        fix = reinstall if this_one else f"{reinstall}\nor start JupyterLab from tokenkit's environment, which has it: make lab"
        return Check(name, False, f"JupyterLab ({lab.how}) runs {lab_python}, whose environment has no {WIDGET_EXTENSION_NAME} extension", fix)
    if environment.extension_disabled_by:
        return Check(
            name,
            False,
            f"{WIDGET_EXTENSION_NAME} is disabled in {environment.extension_disabled_by}",
            f"{_quote(lab_python)} -m jupyter labextension enable --level={environment.extension_disabled_level} {WIDGET_EXTENSION_NAME}",
        )
    extension = environment.extension["version"]
    if _version_tuple(extension)[:1] != (extension_major,):
        return Check(
            name,
            False,
            f"JupyterLab ({lab.how}) loads {WIDGET_EXTENSION_NAME} {extension} from {environment.extension['path']}, but ipywidgets {ipywidgets} needs {extension_major}.x",
            _pip("--upgrade", wanted, python=lab_python),
        )
    return Check(name, True, f"ipywidgets {ipywidgets} with jupyterlab-manager {extension} (JupyterLab: {lab.how})")


def check_jupyterlab(labs: list[Lab] | None = None) -> list[Check]:
    """Kernel and widget checks for each JupyterLab found (usually one)."""
    checks: list[Check] = []
    for lab in find_labs() if labs is None else labs:
        try:
            environment = probe(lab.python)
        except ProbeError as exc:
            checks.append(Check("JupyterLab", False, f"{lab.how}: {exc}", "start JupyterLab from tokenkit's environment: make lab"))
            continue
        checks.append(check_lab_widgets(lab, environment))
        checks.append(check_lab_kernel(lab, environment))
    return checks


# --- proxies -------------------------------------------------------------------------------


def _proxied(url: str) -> str | None:
    """The proxy requests would send ``url`` through, read from the environment as requests reads it."""
    try:
        from requests.utils import get_environ_proxies
    except ImportError:  # the standard library's reading, which requests' builds on
        import urllib.request

        proxies = {} if urllib.request.proxy_bypass(urlsplit(url).hostname or "") else urllib.request.getproxies()
    else:
        proxies = get_environ_proxies(url)
    scheme = url.split(":", 1)[0]
    return proxies.get(scheme) or proxies.get("all")


def check_proxy() -> Check:
    """HTTP(S)_PROXY without NO_PROXY for 127.0.0.1 sends the lessons' calls to the proxy.

    requests honours the proxy variables for every host not listed in NO_PROXY, loopback
    included, so the mock in the kernel "does not answer" (ProxyError, or the proxy's own
    error page). The same goes for a shared classroom server's host (TOKENKIT_CLASSROOM_URL)
    and your own API's (TOKENKIT_API_URL) when set. The fix is to name those hosts in
    NO_PROXY before starting JupyterLab.
    """
    name = "proxy settings"
    environ = os.environ
    urls = list(LOOPBACK_URLS) + [environ[key] for key in URL_SETTINGS if environ.get(key, "").startswith("http")]
    proxied = {url: proxy for url in urls if (proxy := _proxied(url))}
    if not proxied:
        configured = [key for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY") if environ.get(key) or environ.get(key.lower())]
        return Check(name, True, "no proxy for 127.0.0.1 and localhost" + (f" ({', '.join(configured)} set, bypassed by NO_PROXY)" if configured else ""))
    hosts = list(dict.fromkeys(urlsplit(url).hostname or "" for url in proxied))
    current = [host.strip() for host in (environ.get("no_proxy") or environ.get("NO_PROXY") or "").split(",") if host.strip()]
    wanted = ",".join(dict.fromkeys(current + ["127.0.0.1", "localhost"] + hosts))
    command = f"set NO_PROXY={wanted}" if os.name == "nt" else f"export NO_PROXY={wanted}"
    fix = f"{command}   then start JupyterLab again from that shell\nin a notebook that is already open: %env NO_PROXY={wanted}   then run the lesson's setup cell again"
    proxy = _without_password(next(iter(proxied.values())))
    return Check(name, False, f"requests would send calls to {', '.join(hosts)} through the proxy {proxy} (NO_PROXY does not name them)", fix)


def _without_password(url: str | None) -> str:
    return re.sub(r"//[^@/]*@", "//***@", url or "")


# --- the mock ---------------------------------------------------------------------------------


def check_mock() -> Check:
    """The mock starts and answers, asked directly (proxies are the proxy check's business)."""
    name = "mock API"
    try:
        import requests

        from .mock import MockAPI

        with MockAPI() as api, requests.Session() as http:
            http.trust_env = False
            status = http.get(api.url + "/health", timeout=5).status_code
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
        lines = []
        for c in self.checks:
            lines.append(f"{'ok ' if c.ok else 'BAD'}  {c.name:<22} {c.detail}")
            if c.fix:
                first, *more = c.fix.splitlines()
                lines.append(f"     fix: {first}")
                lines.extend(f"          {line}" for line in more)
        lines.append("All good: ready for the lessons." if self.ok else f"{len(self.problems)} problem(s): run the fix line(s) above, then `tokenkit doctor` again.")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'✅' if c.ok else '❌'}</td><td>{escape(c.name)}</td><td>{escape(c.detail)}"
            + "".join(f"<br><code>{escape(line)}</code>" for line in (c.fix or "").splitlines())
            + "</td></tr>"
            for c in self.checks
        )
        return f"<table class='tokenkit-doctor'>{rows}</table><p>{escape(str(self).splitlines()[-1])}</p>"


CHECKS: tuple[Callable[[], Check | list[Check]], ...] = (check_python, check_packages, check_jupyterlab, check_proxy, check_mock)


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
