"""doctor reads tokenkit-auth's Requires-Dist without ``packaging`` (which tokenkit-auth does not declare).

Its small reader must agree with ``packaging`` (installed here with pytest) on every line of
the installed metadata and on the marker shapes pip writes.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from tokenkit import doctor

EXTRAS = ["", "mock", "lessons", "test", "httpx", "httpx2", "unknown"]
MARKERS = [
    'extra == "mock"',
    '(sys_platform != "win32" and platform_python_implementation == "CPython") and extra == "mock"',
    'python_version < "3.11" and extra == "test"',
    'python_version >= "3.10"',
    'sys_platform == "win32"',
    'os_name == "nt" or extra == "lessons"',
    "extra == 'lessons'",
]


def _lines() -> list[str]:
    return metadata.requires(doctor.DISTRIBUTION) or []


@pytest.mark.parametrize("extra", EXTRAS)
def test_markers_read_as_packaging_reads_them(extra: str) -> None:
    markers = MARKERS + [Requirement(line).marker for line in _lines() if Requirement(line).marker is not None]
    for marker in map(str, markers):
        assert doctor.marker_applies(marker, extra) == Marker(marker).evaluate({"extra": extra}), (marker, extra)


def test_names_extras_and_lower_bounds_as_packaging_reads_them() -> None:
    assert _lines(), "tokenkit-auth's metadata is installed in the test environment"
    for line in _lines():
        parsed = doctor._requirement(line)
        requirement = Requirement(line)
        assert parsed is not None, line
        name, extras, lows, _marker = parsed
        assert name == requirement.name and set(extras) == requirement.extras
        expected = [spec.version for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
        assert sorted(lows) == sorted(expected), line


def test_the_doctor_runs_without_packaging() -> None:
    probe = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def block(name, *a, **k):\n"
        "    if name.split('.')[0] == 'packaging': raise ImportError('packaging is not installed')\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = block\n"
        "from tokenkit import doctor\n"
        "assert doctor.REQUIRED['requests'] and 'fastapi' in doctor.required_versions('mock')\n"
        "assert 'packaging' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr
