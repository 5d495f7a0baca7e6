"""A classroom server that runs for days stays small: state that can no longer matter goes.

Measured on the mock's clock: move it forward, let the sweep run (it runs from the
/oauth/* endpoints at most every ``SWEEP_EVERY`` mock seconds), and watch /mock/state.
"""

from __future__ import annotations

import requests

from tokenkit.mock import MockAPI
from tokenkit.mock.app import SWEEP_EVERY
from tokenkit.mock.ratelimit import RateLimiter
from tokenkit.mock.store import EXPIRED_REMEMBERED_FOR, RefreshTokenStore, RevocationList

from .conftest import bearer, get_token


def sizes(api: MockAPI) -> dict[str, int]:
    return requests.get(f"{api.url}/mock/state", timeout=5).json()["sizes"]


def test_a_day_of_classroom_state_is_forgotten_once_it_cannot_matter(fresh_mock: MockAPI) -> None:
    url, auth = fresh_mock.url, ("notes-app", fresh_mock.clients["notes-app"].client_secret)
    for _ in range(10):
        answer = get_token(fresh_mock)
        requests.get(f"{url}/me", headers=bearer(answer["access_token"]), timeout=5)
        requests.post(f"{url}/oauth/revoke", data={"token": answer["access_token"]}, auth=auth, timeout=5)
        rotated = requests.post(fresh_mock.token_url, data={"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]}, auth=auth, timeout=5)
        assert rotated.status_code == 200
    for _ in range(5):
        requests.get(f"{url}/data", headers=bearer(get_token(fresh_mock, "rate-limited")["access_token"]), timeout=5)
    busy = sizes(fresh_mock)
    assert busy["rate_limit_windows"] == 15 and busy["revoked_access_tokens"] == 10
    assert busy["refresh_tokens"] == 20 and busy["families"] == 10 and busy["family_access_tokens"] == 20

    # A minute later every rate-limit window (2 s and 60 s) is over; tokens are still valid,
    # so their revocations and refresh tokens must stay.
    fresh_mock.clock.advance(SWEEP_EVERY + 1)
    get_token(fresh_mock, "analytics-reader")  # a token request runs the sweep
    later = sizes(fresh_mock)
    assert later["rate_limit_windows"] == 0 and later["revoked_access_tokens"] == 10 and later["refresh_tokens"] == 20

    # Two days on: every token has expired, refresh tokens a day ago; all of it goes.
    fresh_mock.clock.advance(24 * 3600 + EXPIRED_REMEMBERED_FOR + 60)
    get_token(fresh_mock, "analytics-reader")
    idle = sizes(fresh_mock)
    assert idle["rate_limit_windows"] == 0
    assert idle["revoked_access_tokens"] == 0
    assert idle["refresh_tokens"] == 0 and idle["families"] == 0 and idle["family_access_tokens"] == 0


def test_the_sweep_runs_at_most_every_sweep_every_seconds(fresh_mock: MockAPI) -> None:
    for _ in range(3):
        requests.get(f"{fresh_mock.url}/data", headers=bearer(get_token(fresh_mock, "rate-limited")["access_token"]), timeout=5)
    fresh_mock.clock.advance(5)  # the 2 s windows ended, but the next sweep is not due yet
    get_token(fresh_mock, "analytics-reader")
    assert sizes(fresh_mock)["rate_limit_windows"] == 3
    fresh_mock.clock.advance(SWEEP_EVERY)
    get_token(fresh_mock, "analytics-reader")
    assert sizes(fresh_mock)["rate_limit_windows"] == 0


def test_a_live_rate_limit_window_survives_a_sweep() -> None:
    limiter = RateLimiter()
    for _ in range(5):
        limiter.hit("busy", limit=5, window=60, now=1000.0)
    limiter.hit("done", limit=5, window=2, now=1000.0)
    assert limiter.forget_ended(1030.0) == 1
    assert len(limiter) == 1 and not limiter.hit("busy", limit=5, window=60, now=1031.0).allowed


def test_revocations_last_until_the_token_would_be_refused_anyway() -> None:
    revoked = RevocationList()
    revoked.revoke("a", expires_at=100.0)
    revoked.revoke("b", expires_at=200.0)
    assert revoked.forget_expired(150.0) == 1
    assert not revoked.is_revoked("a") and revoked.is_revoked("b")


def test_a_spent_refresh_token_still_counts_as_reuse_until_it_expires() -> None:
    revoked = RevocationList()
    store = RefreshTokenStore(revoked)
    token, family = store.issue("notes-app", "data:read", "aud", expires_at=1000.0)
    store.add_access_token(family, "jti-1", 950.0)
    assert store.redeem(token, "notes-app", now=10.0)[1] == "ok"
    store.forget_expired(now=900.0)
    assert store.check(token, "notes-app", now=900.0)[1] == "reused"
    assert revoked.is_revoked("jti-1")
    store.forget_expired(now=1000.0 + EXPIRED_REMEMBERED_FOR)
    assert store.sizes() == {"refresh_tokens": 0, "families": 0, "family_access_tokens": 0}
