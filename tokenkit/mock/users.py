"""Demo people: the accounts a learner logs in as on the mock's login and device pages.

Machines get tokens with a client secret; people log in with a name and a password, and a
token issued for a person has ``sub`` set to that name. ``alice`` and ``bob`` exist on every
mock; their passwords are made per server (random, or derived from the server's seed, as the
demo clients' secrets are), so ``api.users`` is where a learner reads them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: The demo people on every mock server.
DEMO_USERS: tuple[str, ...] = ("alice", "bob")


def make_users(seed: str | None = None) -> dict[str, str]:
    """The demo people, name -> password: random, or derived from ``seed`` (same seed, same passwords)."""
    users = {}
    for name in DEMO_USERS:
        if seed is None:
            users[name] = secrets.token_urlsafe(9)
        else:
            users[name] = hmac.new(seed.encode(), f"user:{name}".encode(), hashlib.sha256).hexdigest()[:16]
    return users


def check_password(users: dict[str, str], username: str, password: str) -> bool:
    """Whether ``password`` is ``username``'s, compared in constant time even for an unknown name."""
    expected = users.get(username)
    ok = hmac.compare_digest(password.encode(), (expected if expected is not None else "x" * 16).encode())
    return ok and expected is not None
