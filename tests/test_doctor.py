"""tokenkit doctor: each problem is found where it really is, and comes with the command that fixes it.

The classroom situations are made for real where that is cheap: a second venv that runs a
Jupyter server (it can import JupyterLab's packages but not tokenkit, and has no widget
extension of its own), a `jupyter-lab` of that venv on PATH, an extension disabled with
`jupyter labextension disable`, a proxy variable that makes requests fail against a live
mock. Jupyter's own state (runtime, config, data) is kept in temporary folders.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
import requests

from tokenkit import doctor

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_STATE = ("JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_PATH", "JUPYTER_DATA_DIR", "JPY_PARENT_PID")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "TOKENKIT_CLASSROOM_URL", "TOKENKIT_API_URL")


@pytest.fixture
def quiet_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No running Jupyter, no proxy, this venv first on PATH (as `make lab` and an activated shell have it)."""
    for name in JUPYTER_STATE + PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name in ("runtime", "config", "data"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return tmp_path


@pytest.fixture(scope="module")
def second_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of another venv, as a learner's conda base or system Jupyter would be.

    It borrows this venv's site-packages through a .pth line, so it can run a Jupyter
    server, but (as a .pth line adds a folder without reading *its* .pth files) not the
    editable tokenkit; and its own share/jupyter has no labextensions.
    """
    folder = tmp_path_factory.mktemp("labenv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=60)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    Path(target, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server_in_second_venv(second_venv: Path, quiet_machine: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real Jupyter server started from the second venv, registered in our runtime dir."""
    args = [str(second_venv), "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={_free_port()}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    process = subprocess.Popen(args, env=dict(os.environ), cwd=quiet_machine, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not list((quiet_machine / "runtime").glob(f"jpserver-{process.pid}.json")):
            assert process.poll() is None, "the second venv's Jupyter server exited"
            assert time.monotonic() < deadline, "the second venv's Jupyter server did not start in 30 s"
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_this_environment_is_healthy(quiet_machine: Path) -> None:
    report = doctor.run_checks()
    assert report.ok, str(report)
    assert "All good" in str(report) and "tokenkit-doctor" in report._repr_html_()
    names = [check.name for check in report.checks]
    for name in ("matplotlib", "swagger-ui-bundle-v2", "widgets in JupyterLab", "notebook kernel", "proxy settings", "mock API"):
        assert name in names, name


def test_the_package_table_is_pyprojects_lessons_extra() -> None:
    """doctor reads its table from the installed metadata: it must equal pyproject's pins (for this platform)."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    declared = {}
    for line in project["dependencies"] + extras["mock"] + extras["lessons"]:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": "lessons"}):
            continue  # not needed on this platform (uvloop on Windows)
        if requirement.name != doctor.DISTRIBUTION:
            declared[requirement.name.lower()] = next(s.version for s in requirement.specifier if s.operator == ">=")
    table = {name.lower(): minimum for name, minimum in doctor.REQUIRED.items()}
    assert {name: table.get(name) for name in declared} == declared, "doctor.REQUIRED must check every package pyproject's lessons extra installs"
    assert doctor.required_versions("lessons") == doctor.REQUIRED


def test_required_versions_follow_the_extras_it_names() -> None:
    mock_only = doctor.required_versions("mock")
    assert "fastapi" in mock_only and "ipywidgets" not in mock_only and mock_only["requests"] == "2.31"


def test_missing_packages_come_back_with_the_lessons_extra_of_this_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    real_version = metadata.version

    def fake_version(name: str) -> str:
        if name in {"ipywidgets", "matplotlib"}:
            raise metadata.PackageNotFoundError(name)
        if name == "requests":
            return "2.0.1"
        return real_version(name)

    monkeypatch.setattr(doctor.metadata, "version", fake_version)
    problems = {check.name: check for check in doctor.check_packages() if not check.ok}
    assert set(problems) == {"ipywidgets", "matplotlib", "requests"}
    assert problems["matplotlib"].fix == f"{sys.executable} -m pip install -e '{ROOT}[lessons]'"
    assert problems["ipywidgets"].fix == problems["matplotlib"].fix
    assert problems["requests"].fix == f"{sys.executable} -m pip install --upgrade 'requests>=2.31'"
    assert "older than 2.31" in problems["requests"].detail


def test_jupyterlab_running_from_a_second_venv_is_caught(second_venv: Path, server_in_second_venv: subprocess.Popen[bytes]) -> None:
    labs = doctor.find_labs()
    assert [lab.python for lab in labs][0] == str(second_venv), labs
    assert f"pid {server_in_second_venv.pid}" in labs[0].how
    checks = {check.name: check for check in doctor.check_jupyterlab(labs[:1])}
    kernel, widgets = checks["notebook kernel"], checks["widgets in JupyterLab"]
    assert not kernel.ok and f"starts python3 kernels with {second_venv}, which cannot import tokenkit" in kernel.detail
    register = f'{sys.executable} -m ipykernel install --user --name tokenkit --display-name "Python (tokenkit)"'
    assert register in kernel.fix and "make lab" in kernel.fix
    assert not widgets.ok and "has no @jupyter-widgets/jupyterlab-manager" in widgets.detail
    assert widgets.fix.startswith(f"{second_venv} -m pip install 'jupyterlab_widgets==3.*'")
    report = str(doctor.Report(tuple(checks.values())))
    assert "BAD  notebook kernel" in report and "          or register it as a kernel" in report


def test_in_a_notebook_the_jupyter_that_started_the_kernel_is_the_one_checked(
    second_venv: Path, server_in_second_venv: subprocess.Popen[bytes]
) -> None:
    labs = doctor.find_labs({"JPY_PARENT_PID": str(server_in_second_venv.pid), "PATH": os.environ["PATH"]})
    assert labs == [doctor.Lab(str(second_venv), f"the one that started this kernel, pid {server_in_second_venv.pid}")]


def test_the_registered_kernel_runs_a_python_that_imports_tokenkit(second_venv: Path, quiet_machine: Path) -> None:
    """The fix the kernel check prints, run as printed (its --user folder kept in a temporary JUPYTER_DATA_DIR)."""
    fix = doctor.check_lab_kernel(doctor.Lab(str(second_venv), "pid 1"), doctor.probe(str(second_venv))).fix
    register = fix.splitlines()[-1].split(": ", 1)[1]
    subprocess.run(shlex.split(register), check=True, capture_output=True, timeout=60)
    spec = json.loads((quiet_machine / "data" / "kernels" / "tokenkit" / "kernel.json").read_text())
    assert spec["display_name"] == "Python (tokenkit)"
    found = subprocess.run([spec["argv"][0], "-c", "import tokenkit"], cwd=quiet_machine, capture_output=True, timeout=60)
    assert found.returncode == 0, found.stderr


def test_jupyter_lab_on_path_from_another_environment(second_venv: Path, quiet_machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = quiet_machine / "other-bin"
    bin_dir.mkdir()
    script = bin_dir / "jupyter-lab"
    script.write_text(f"#!{second_venv}\nimport sys\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), os.environ["PATH"]]))
    assert doctor.find_labs() == [doctor.Lab(str(second_venv), f"{script} on PATH")]
    long_form = bin_dir / "long"  # pip writes this form when the interpreter's path is too long for #!
    long_form.write_text(f"#!/bin/sh\n'''exec' \"{second_venv}\" \"$0\" \"$@\"\n' '''\nimport sys\n")
    assert doctor.python_of_script(str(long_form)) == str(second_venv)


def test_a_disabled_widget_extension_is_caught_and_the_fix_enables_it(quiet_machine: Path) -> None:
    lab = doctor.Lab(sys.executable, "this environment's")
    jupyter = [sys.executable, "-m", "jupyter", "labextension"]
    subprocess.run(jupyter + ["disable", "--level=user", doctor.WIDGET_EXTENSION_NAME], check=True, capture_output=True, timeout=60)
    check = doctor.check_lab_widgets(lab, doctor.probe())
    assert not check.ok and f"disabled in {quiet_machine / 'config'}" in check.detail
    subprocess.run(shlex.split(check.fix), check=True, capture_output=True, timeout=60)
    assert doctor.check_lab_widgets(lab, doctor.probe()).ok


def test_an_old_widget_extension_first_on_the_jupyter_path_is_caught(quiet_machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = quiet_machine / "path" / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager" / "package.json"
    package.parent.mkdir(parents=True)
    package.write_text(json.dumps({"name": doctor.WIDGET_EXTENSION_NAME, "version": "3.1.0"}))  # ipywidgets 7's
    monkeypatch.setenv("JUPYTER_PATH", str(quiet_machine / "path"))
    check = doctor.check_lab_widgets(doctor.Lab(sys.executable, "here"), doctor.probe())
    assert not check.ok and "jupyterlab-manager 3.1.0" in check.detail and "needs 5.x" in check.detail
    assert check.fix.endswith("install --upgrade 'jupyterlab_widgets==3.*'")


def test_a_python3_kernelspec_of_another_python_is_caught(second_venv: Path, quiet_machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = quiet_machine / "path" / "kernels" / "python3" / "kernel.json"
    spec.parent.mkdir(parents=True)
    spec.write_text(json.dumps({"argv": [str(second_venv), "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Python 3"}))
    monkeypatch.setenv("JUPYTER_PATH", str(quiet_machine / "path"))
    lab = doctor.Lab(sys.executable, "this environment's")
    check = doctor.check_lab_kernel(lab, doctor.probe())
    assert not check.ok and f"kernels with {second_venv} (kernelspec {spec})" in check.detail
    assert check.fix == f"{sys.executable} -m ipykernel install --sys-prefix --name python3 && rm -r {spec.parent}"
    spec.write_text(json.dumps({"argv": ["python3", "-m", "ipykernel_launcher"]}))
    assert doctor.check_lab_kernel(lab, doctor.probe()).ok


def test_a_proxy_without_no_proxy_is_caught_before_requests_fails(quiet_machine: Path, monkeypatch: pytest.MonkeyPatch, mock_api) -> None:
    dead = f"http://user:pw@127.0.0.1:{_free_port()}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    check = doctor.check_proxy()
    assert not check.ok and "127.0.0.1, localhost through the proxy http://***@127.0.0.1" in check.detail and "pw" not in check.detail
    assert check.fix.startswith("export NO_PROXY=127.0.0.1,localhost ") and "%env NO_PROXY=127.0.0.1,localhost" in check.fix
    with pytest.raises(requests.exceptions.ProxyError):  # what a lesson's first call does meanwhile
        requests.get(mock_api.url + "/health", timeout=5)
    assert doctor.check_mock().ok, "the mock itself is fine: only the proxy check fails"
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the fix
    assert doctor.check_proxy().ok and "bypassed by NO_PROXY" in doctor.check_proxy().detail
    assert requests.get(mock_api.url + "/health", timeout=5).status_code == 200


def test_a_shared_servers_host_must_be_in_no_proxy_too(quiet_machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("TOKENKIT_CLASSROOM_URL", "http://10.0.0.5:8000")
    check = doctor.check_proxy()
    assert not check.ok and "10.0.0.5 through the proxy http://proxy.example:3128" in check.detail
    assert check.fix.startswith("export NO_PROXY=127.0.0.1,localhost,10.0.0.5 ")


def test_command_exit_status_says_whether_anything_is_wrong(quiet_machine: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "tokenkit", "doctor"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mock API" in result.stdout and "All good" in result.stdout
    report = doctor.Report((doctor.Check("x", False, "broken", "fix it\nor this"),))
    assert not report.ok and "fix: fix it\n          or this" in str(report)
    assert "<code>or this</code>" in report._repr_html_()


class _Installed:
    """A distribution as importlib.metadata returns it, with pip's direct_url.json (PEP 610)."""

    def __init__(self, direct_url: dict[str, object] | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        return json.dumps(self.direct_url) if name == "direct_url.json" and self.direct_url is not None else None


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (None, "install 'tokenkit-auth[mock]'"),  # from an index, once a release exists
        ({"url": "file:///srv/tokenkit", "dir_info": {}}, "install 'tokenkit-auth[mock] @ file:///srv/tokenkit'"),
        (
            {"url": "https://example.org/tokenkit.git", "vcs_info": {"vcs": "git", "commit_id": "ab12"}},
            "install 'tokenkit-auth[mock] @ git+https://example.org/tokenkit.git'",
        ),
    ],
)
def test_the_mock_fix_installs_the_extra_the_way_tokenkit_was_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_url: dict[str, object] | None, expected: str
) -> None:
    site_packages = tmp_path / "site-packages" / "tokenkit"  # no pyproject.toml above it: not a checkout
    site_packages.mkdir(parents=True)
    monkeypatch.setattr(doctor.metadata, "distribution", lambda name: _Installed(direct_url) if name == "tokenkit-auth" else None)
    command = doctor.install_extra("mock", package_dir=site_packages)
    assert command.startswith(f"{sys.executable} -m pip ") and command.endswith(expected)


def test_from_a_checkout_the_mock_fix_is_an_editable_install_of_that_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = Path(doctor.__file__).resolve().parent.parent
    assert (checkout / "pyproject.toml").exists(), "the tests run from a checkout"
    monkeypatch.setitem(sys.modules, "tokenkit.mock", None)  # as if fastapi/uvicorn were missing
    check = doctor.check_mock()
    assert not check.ok and "cannot import the mock" in check.detail
    assert check.fix == f"{sys.executable} -m pip install -e '{checkout}[mock]'"
    assert "pip install tokenkit" not in check.fix and "'tokenkit[" not in check.fix
