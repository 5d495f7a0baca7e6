"""How long the tokenkit_mock fixture takes to give a test a fresh mock. Target: < 50 ms.

Runs a user-style suite of 200 tests that each take the fixture (in a fresh pytest session,
the plugin found through its entry point) and times the fixture's setup for every test,
and the session's one server start. For contrast it also times what a fresh server per test
would cost (MockAPI start and stop, with a key made each time, as before the reset existed).
Figures only: the machine is shared, nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import pytest

TESTS = 200
RESTARTS = 10

SUITE = """
import requests

def test_uses_the_mock(tokenkit_mock, index):
    assert tokenkit_mock.clock.offset == 0 and tokenkit_mock.log() == []
    tokenkit_mock.clock.advance(10)
    tokenkit_mock.add_client("my-app-%d" % index)
"""


class SetupTimer:
    """A pytest plugin that times each setup of the two fixtures."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {"tokenkit_mock": [], "tokenkit_mock_server": []}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        yield
        if fixturedef.argname in self.seconds:
            self.seconds[fixturedef.argname].append(time.perf_counter() - started)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def main() -> None:
    timer = SetupTimer()
    with tempfile.TemporaryDirectory() as folder:
        suite = Path(folder) / "test_user_suite.py"
        suite.write_text(SUITE + f"\nimport pytest\n\n@pytest.fixture(params=range({TESTS}))\ndef index(request):\n    return request.param\n")
        code = pytest.main([str(suite), "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir", folder], plugins=[timer])
    if code != 0:
        raise SystemExit(f"the suite failed (exit {code})")
    per_test = timer.seconds["tokenkit_mock"]
    (session,) = timer.seconds["tokenkit_mock_server"]

    from tokenkit.mock import MockAPI

    restarts = []
    for _ in range(RESTARTS):
        started = time.perf_counter()
        with MockAPI():
            pass
        restarts.append(time.perf_counter() - started)

    print(f"tokenkit_mock fixture setup, {len(per_test)} tests in one session")
    print(f"  session start (one server)          {_ms(session)}")
    print(f"  per test: median                    {_ms(statistics.median(per_test))}")
    print(f"  per test: 95th percentile           {_ms(statistics.quantiles(per_test, n=20)[-1])}")
    print(f"  per test: slowest                   {_ms(max(per_test))}")
    print(f"  a new server per test instead       {_ms(statistics.median(restarts))}  (median of {RESTARTS}, RSA key made each time)")
    print(f"  reset / new server = {statistics.median(per_test) / statistics.median(restarts):.4f}   target: per test < 50 ms")


if __name__ == "__main__":
    main()
