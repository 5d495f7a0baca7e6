"""Fixtures shared by every test: a live mock API on a free loopback port.

Both mocks sign with one RSA key made once per test run (``keys.shared_test_key``), not one
per server: lessons and servers still make their own. ``fresh_mock`` is a server of its own
that is reset before each test (the mechanism of the ``tokenkit_mock`` plugin fixture), so a
test gets clean state in microseconds instead of a server started and stopped for it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tokenkit.mock import MockAPI
from tokenkit.mock.keys import shared_test_key


def _own_mock() -> MockAPI:
    """A mock of this test run's own, even where a workshop's TOKENKIT_CLASSROOM_URL is exported."""
    api = MockAPI(signing_key=shared_test_key())
    api.follows_classroom = False
    return api


@pytest.fixture(scope="session")
def mock_api() -> Iterator[MockAPI]:
    """One mock for the whole run, for tests that neither move its clock nor exhaust limits."""
    with _own_mock() as api:
        yield api


@pytest.fixture(scope="session")
def _fresh_mock_server() -> Iterator[MockAPI]:
    with _own_mock() as api:
        yield api


@pytest.fixture
def fresh_mock(_fresh_mock_server: MockAPI) -> MockAPI:
    """A mock with clean state for this test: its clock, clients' secrets, notes, tokens,
    revocations, rate counters, log and faults start afresh (tokens from before are refused)."""
    return _fresh_mock_server.reset()
