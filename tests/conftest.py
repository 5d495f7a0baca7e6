"""Fixtures shared by every test: a live mock API on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tokenkit.mock import MockAPI


@pytest.fixture(scope="session")
def mock_api() -> Iterator[MockAPI]:
    """One mock for the whole run, for tests that neither move its clock nor exhaust limits."""
    with MockAPI() as api:
        yield api


@pytest.fixture
def fresh_mock() -> Iterator[MockAPI]:
    """A mock of this test's own: its clock, notes, revocations and rate counters start clean."""
    with MockAPI() as api:
        yield api
