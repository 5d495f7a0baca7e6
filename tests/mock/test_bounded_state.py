"""A classroom server that runs for days stays small: state that can no longer matter goes.

Measured on the mock's clock: move it forward, let the sweep run (it runs from the
/oauth/* endpoints at most every ``SWEEP_EVERY`` mock seconds), and watch /mock/state.
"""

from __future__ import annotations

import gc
from dataclasses import asdict

import pytest
import requests

from tokenkit.mock import MockAPI
from tokenkit.mock.app import SWEEP_EVERY
from tokenkit.mock.authority import Authority, ClaimsCache
from tokenkit.mock.classroom import Classroom
from tokenkit.mock.clients import make_clients, make_public_clients
from tokenkit.mock.clock import Clock
from tokenkit.mock.errors import ApiError
from tokenkit.mock.keys import KeyRing, SigningKey, shared_test_key
from tokenkit.mock.ratelimit import RateLimiter
from tokenkit.mock.requestlog import LogEntry, RequestLog
from tokenkit.mock.settings import API_AUDIENCE, Settings
from tokenkit.mock.store import (
    EXPIRED_REMEMBERED_FOR, MAX_FAMILIES_PER_HOLDER, SHARED_MAX_FAMILIES_PER_HOLDER, RefreshTokenStore, RevocationList,
)
from tokenkit.mock.tenant import MockServer, Tenant
from tokenkit.reasons import Reason

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
    assert store.sizes() == {"refresh_tokens": 0, "families": 0, "family_access_tokens": 0, "forgotten_refresh_tokens": 0}


# -- limits by count: a classroom's 1,000 tenants stay the same size however long they run --------


def test_a_new_family_beyond_the_limit_evicts_the_oldest_for_that_account_only() -> None:
    store = RefreshTokenStore(max_families=3)
    first, _ = store.issue("notes-app", "notes:read", "aud", expires_at=1000.0)
    alices, _ = store.issue("cli-app", "notes:read", "aud", expires_at=1000.0, account="alice")
    later = [store.issue("notes-app", "notes:read", "aud", expires_at=1000.0)[0] for _ in range(3)]
    assert store.check(first, "notes-app", now=10.0) == (None, "evicted")
    assert store.check(first, "cli-app", now=10.0) == (None, "other_client")
    assert all(store.check(token, "notes-app", now=10.0)[1] == "ok" for token in later)
    assert store.check(alices, "cli-app", now=10.0)[1] == "ok", "another account's families are not counted"
    assert store.sizes()["families"] == 4 and store.sizes()["refresh_tokens"] == 4


def test_an_evicted_familys_access_tokens_live_until_they_expire() -> None:
    revoked = RevocationList()
    store = RefreshTokenStore(revoked, max_families=1)
    first, family = store.issue("notes-app", "notes:read", "aud", expires_at=1000.0)
    store.add_access_token(family, "jti-1", 950.0)
    store.issue("notes-app", "notes:read", "aud", expires_at=1000.0)
    assert store.check(first, "notes-app", now=10.0)[1] == "evicted"
    assert not revoked.is_revoked("jti-1"), "evicting is not revoking: like Google, the access token lives on"
    assert store.sizes()["family_access_tokens"] == 0


def test_a_long_rotation_keeps_its_last_spent_tokens_and_still_catches_an_old_ones_reuse() -> None:
    revoked = RevocationList()
    store = RefreshTokenStore(revoked, max_spent=2)
    tokens = [store.issue("notes-app", "notes:read", "aud", expires_at=1000.0)]
    for _ in range(5):
        token, family = tokens[-1]
        assert store.redeem(token, "notes-app", now=10.0)[1] == "ok"
        tokens.append(store.issue("notes-app", "notes:read", "aud", 1000.0, family))
    store.add_access_token(family, "jti-live", 950.0)
    assert store.sizes()["refresh_tokens"] == 3, "the live token and two spent ones"
    assert store.sizes()["forgotten_refresh_tokens"] == 3
    assert store.check(tokens[0][0], "notes-app", now=20.0) == (None, "reused"), "dropped from the family, still a reuse"
    assert revoked.is_revoked("jti-live") and store.check(tokens[-1][0], "notes-app", now=20.0)[1] == "revoked"
    assert store.check(tokens[1][0], "notes-app", now=20.0)[1] == "revoked"


def test_forgotten_tokens_are_few_and_then_unknown() -> None:
    store = RefreshTokenStore(max_families=1, max_forgotten=2)
    evicted = [store.issue("notes-app", "notes:read", "aud", expires_at=1000.0)[0] for _ in range(4)][:3]
    assert [store.check(token, "notes-app", now=10.0)[1] for token in evicted] == ["unknown", "evicted", "evicted"]
    assert store.sizes() == {"refresh_tokens": 1, "families": 1, "family_access_tokens": 0, "forgotten_refresh_tokens": 2}
    store.forget_expired(now=1000.0 + EXPIRED_REMEMBERED_FOR)
    assert store.sizes() == {"refresh_tokens": 0, "families": 0, "family_access_tokens": 0, "forgotten_refresh_tokens": 0}


def test_the_token_endpoint_says_why_an_evicted_refresh_token_fails(fresh_mock: MockAPI) -> None:
    fresh_mock.tenant.authority.refresh_tokens.max_families = 3  # a learner's world keeps 10; three are quicker to pass
    auth = ("notes-app", fresh_mock.clients["notes-app"].client_secret)
    oldest = get_token(fresh_mock)["refresh_token"]
    newer = [get_token(fresh_mock)["refresh_token"] for _ in range(3)]
    answer = requests.post(fresh_mock.token_url, data={"grant_type": "refresh_token", "refresh_token": oldest}, auth=auth, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    assert "at most 3 refresh tokens per account" in answer.json()["error_description"]
    assert "3 newer ones were issued since" in answer.json()["error_description"]
    assert "newest refresh_token" in answer.json()["hint"]
    refreshed = requests.post(fresh_mock.token_url, data={"grant_type": "refresh_token", "refresh_token": newer[0]}, auth=auth, timeout=5)
    assert refreshed.status_code == 200, "the oldest of the ones kept still refreshes"
    assert sizes(fresh_mock)["families"] == 3


def test_a_learners_world_keeps_few_families_and_a_shared_world_a_rooms_worth() -> None:
    settings, key = Settings(), shared_test_key()
    assert Tenant.fresh(settings, key).authority.refresh_tokens.max_families == MAX_FAMILIES_PER_HOLDER == 10
    assert MockServer(settings, key).tenant.authority.refresh_tokens.max_families == SHARED_MAX_FAMILIES_PER_HOLDER
    server = MockServer(settings, key)
    assert server.reset().authority.refresh_tokens.max_families == SHARED_MAX_FAMILIES_PER_HOLDER
    seat = Classroom(settings, key, instructor_key="k").join("ada")
    assert seat.tenant.authority.refresh_tokens.max_families == MAX_FAMILIES_PER_HOLDER


def test_a_person_family_evicted_is_forgotten_by_the_sweep() -> None:
    settings = Settings()
    clock = Clock()
    clients = make_public_clients()
    authority = Authority(settings, clients, clock, KeyRing(shared_test_key()))
    authority.refresh_tokens = RefreshTokenStore(authority.revoked, max_families=1)
    authority.issue(clients["cli-app"], "notes:read", "aud", "https://issuer.test", user="alice")
    authority.issue(clients["cli-app"], "notes:read", "aud", "https://issuer.test", user="alice")
    assert authority.person_families == 2
    authority.forget_expired(clock.now())
    assert authority.person_families == 1


def test_the_request_log_keeps_untracked_rows_and_gives_back_log_entries() -> None:
    log = RequestLog(3)
    for status in (200, 401, 201, 204):
        log.add(LogEntry(1.5, "GET", "/notes", status, "Bearer eyJh…Qx8w (812 chars)", "notes-app", None))
    gc.collect()
    assert not any(gc.is_tracked(row) for row in log._rows), "a full collection must not walk a log's entries"
    assert [entry.status for entry in log.entries()] == [401, 201, 204]
    assert log.entries(1) == [LogEntry(1.5, "GET", "/notes", 204, "Bearer eyJh…Qx8w (812 chars)", "notes-app", None)]
    assert log.as_json(1) == [asdict(log.entries(1)[0])]


def test_the_claims_cache_is_bounded_and_a_hit_still_needs_this_tenants_key() -> None:
    cache = ClaimsCache(maxsize=2)
    for n in range(3):
        cache.put(f"token-{n}", "iss", ("kid", {"n": n}))
    assert len(cache) == 2 and cache.get("token-0", "iss") is None and cache.get("token-2", "iss") == ("kid", {"n": 2})

    settings, issuer = Settings(), "https://one-issuer.test"
    clients = make_clients("seed")
    ours = Authority(settings, clients, Clock(), KeyRing(shared_test_key()))
    theirs = Authority(settings, clients, Clock(), KeyRing(SigningKey.generate()))
    token = ours.issue(clients["notes-app"], "notes:read", API_AUDIENCE, issuer).access_token
    assert ours.verify(token, issuer).client.client_id == "notes-app"  # now in the shared cache
    with pytest.raises(ApiError) as refused:
        theirs.verify(token, issuer)
    assert refused.value.reason is Reason.UNKNOWN_KEY
