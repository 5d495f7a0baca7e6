"""tokenkit doctor: each problem is found and comes with the command that fixes it."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tokenkit import doctor


def test_this_environment_is_healthy() -> None:
    report = doctor.run_checks()
    assert report.ok, str(report)
    assert "All good" in str(report) and "tokenkit-doctor" in report._repr_html_()


def test_missing_and_old_packages_print_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real_version = metadata.version

    def fake_version(name: str) -> str:
        if name == "ipywidgets":
            raise metadata.PackageNotFoundError(name)
        if name == "requests":
            return "2.0.1"
        return real_version(name)

    monkeypatch.setattr(doctor.metadata, "version", fake_version)
    problems = {check.name: check for check in doctor.check_packages() if not check.ok}
    assert set(problems) == {"ipywidgets", "requests"}
    assert problems["ipywidgets"].fix.endswith("-m pip install 'ipywidgets>=8.1'")
    assert sys.executable in problems["requests"].fix and "older than 2.31" in problems["requests"].detail


def _extension(prefix: Path, version: str) -> None:
    package_json = prefix / doctor.WIDGET_EXTENSION
    package_json.parent.mkdir(parents=True)
    package_json.write_text(json.dumps({"name": "@jupyter-widgets/jupyterlab-manager", "version": version}))


def test_widget_extension_missing_or_mismatched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = doctor.check_widget_extension(prefix=str(tmp_path))
    assert not missing.ok and "not in" in missing.detail and "--force-reinstall" in missing.fix
    _extension(tmp_path, "3.1.0")  # the ipywidgets 7 extension
    old = doctor.check_widget_extension(prefix=str(tmp_path))
    assert not old.ok and "needs 5.x" in old.detail
    real_version = metadata.version
    monkeypatch.setattr(doctor.metadata, "version", lambda n: "1.1.0" if n == "jupyterlab_widgets" else real_version(n))
    mismatched = doctor.check_widget_extension(prefix=sys.prefix)
    assert not mismatched.ok and "needs jupyterlab_widgets 3.x" in mismatched.detail


def test_a_kernel_from_another_python_is_caught(tmp_path: Path) -> None:
    spec = tmp_path / "python3" / "kernel.json"
    spec.parent.mkdir()
    spec.write_text(json.dumps({"argv": ["/usr/bin/python3.9", "-m", "ipykernel_launcher", "-f", "{connection_file}"]}))
    check = doctor.check_kernel([tmp_path])
    assert not check.ok and "/usr/bin/python3.9" in check.detail
    assert "ipykernel install --sys-prefix" in check.fix
    spec.write_text(json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher"]}))
    assert doctor.check_kernel([tmp_path]).ok


def test_command_exit_status_says_whether_anything_is_wrong() -> None:
    result = subprocess.run([sys.executable, "-m", "tokenkit", "doctor"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mock API" in result.stdout and "All good" in result.stdout
    report = doctor.Report((doctor.Check("x", False, "broken", "fix it"),))
    assert not report.ok and "fix: fix it" in str(report)


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
