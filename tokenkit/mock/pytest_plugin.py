"""The ``tokenkit_mock`` pytest fixture: a real OAuth2 server and API for your own client's tests.

Registered through the ``pytest11`` entry point, so installing ``tokenkit-auth[mock]`` is
enough: any test that names the fixture gets a running mock, fresh for that test::

    def test_my_client_retries_a_503(tokenkit_mock):
        client = tokenkit_mock.add_client("my-app", scopes=["data:read"])
        tokenkit_mock.fail_next("/oauth/token", status=503, retry_after=1)
        ...

One server is started for the whole session (on a free loopback port, in a background
thread) and every test gets it reset: new client secrets, the clock at real time, no notes,
refresh tokens, log entries, faults or added clients left by the test before. The signing key
stays, so a verifier's cached JWKS stays right. A reset takes microseconds; the fixture is a
``tokenkit.mock.MockAPI``, the same object the lessons use.

This module imports nothing of the mock until a test asks for the fixture, so a project that
installed only the client core pays nothing for the plugin and gets a clear message if it
asks for the fixture anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tokenkit.mock import MockAPI

_MISSING_EXTRA = "the tokenkit_mock fixture needs the mock's dependencies: pip install 'tokenkit-auth[mock]' ({error})"


@pytest.fixture(scope="session")
def tokenkit_mock_server() -> Iterator["MockAPI"]:
    """The session's one running mock. Use ``tokenkit_mock`` in tests: it is this, reset."""
    try:
        from tokenkit.mock import MockAPI
    except ImportError as exc:  # the core installed without the [mock] extra
        pytest.fail(_MISSING_EXTRA.format(error=exc), pytrace=False)
    api = MockAPI()
    # A developer's suite tests against its own mock, even in a shell where a workshop's
    # TOKENKIT_CLASSROOM_URL is still exported.
    api.follows_classroom = False
    with api:
        yield api


@pytest.fixture
def tokenkit_mock(tokenkit_mock_server: "MockAPI") -> "MockAPI":
    """A running tokenkit mock API with fresh state for this test.

    ``url``, ``token_url``, ``jwks_url``, ``clients`` (the demo clients, with secrets),
    ``clock`` (``advance(seconds)``), ``log()``; ``add_client(...)``, ``fail_next(...)``,
    ``rotate_keys(...)``. See ``tokenkit.mock.MockAPI``.
    """
    return tokenkit_mock_server.reset()
