"""TokenLifeView: a RefreshingAuth's token state and renewals, with the user's on_refresh kept."""

from __future__ import annotations

import re

import pytest
import requests

from tokenkit import ClientCredentials, RefreshingAuth
from tokenkit.widgets import TokenLifeView

from .conftest import rendered_lines, shown_text, wait_for


def short_lived_auth(api, **kwargs) -> RefreshingAuth:
    c = api.clients["short-lived"]
    source = ClientCredentials(api.token_url, c.client_id, c.client_secret, clock=api.clock.now)
    return RefreshingAuth(source, clock=api.clock.now, **kwargs)


def test_follows_first_fetch_staleness_and_renewal(fresh_mock):
    auth = short_lived_auth(fresh_mock, skew=10)
    view = TokenLifeView(auth, live=False)
    assert repr(view) == "TokenLifeView()"
    assert "no token yet" in view.state_label.value
    assert rendered_lines(view.events_view.value) == [
        "Renewals",  # a line of its own, not "Renewalsnone seen yet"
        "none seen yet: the next renewal is listed here",
    ]
    with requests.Session() as s:
        s.get(f"{fresh_mock.url}/data", auth=auth, timeout=10).raise_for_status()
        assert [e.number for e in view.events] == [1]
        assert "FRESH" in view.state_label.value
        assert rendered_lines(view.counts.value) == ["1 token obtained"]
        fresh_mock.clock.advance(55)  # 60 s tokens, renewed 10 s early
        view.refresh()
        assert "STALE" in view.state_label.value
        assert re.search(r"[45] s left: the next request renews it", view.state_label.value)
        fresh_mock.clock.advance(10)
        view.tick()
        assert "EXPIRED" in view.state_label.value
        s.get(f"{fresh_mock.url}/data", auth=auth, timeout=10).raise_for_status()
    assert [e.number for e in view.events] == [1, 2]
    assert view.events[1].token != view.events[0].token
    assert "FRESH" in view.state_label.value
    assert rendered_lines(view.counts.value) == ["2 tokens obtained"]
    lines = rendered_lines(view.events_view.value)
    assert lines[0] == "Renewals" and lines[1].startswith("#2 at") and lines[2].startswith("#1 at")  # newest first
    assert auth.token.access_token not in shown_text(view)
    assert view.error_text == ""


def test_keeps_the_users_callback_and_gives_it_back(fresh_mock):
    seen = []
    auth = short_lived_auth(fresh_mock, on_refresh=seen.append)
    view = TokenLifeView(auth, live=False)
    view.refresh_button.click()
    assert len(seen) == 1 and len(view.events) == 1
    view.detach()
    assert auth.on_refresh == seen.append
    auth.refresh()
    assert len(seen) == 2 and len(view.events) == 1


def test_a_failing_user_callback_does_not_lose_the_event(fresh_mock):
    def broken(token):
        raise RuntimeError("user callback broke")

    auth = short_lived_auth(fresh_mock, on_refresh=broken)
    view = TokenLifeView(auth, live=False)
    auth.refresh()  # the core logs the callback's error, as it would without the view
    assert len(view.events) == 1


def test_counts_tokens_obtained_before_the_view(fresh_mock):
    auth = short_lived_auth(fresh_mock)
    auth.refresh()
    view = TokenLifeView(auth, live=False)
    assert rendered_lines(view.counts.value) == ["1 token obtained (1 before this view)"]
    assert "FRESH" in view.state_label.value


def test_a_later_on_refresh_does_not_unhook_the_view(fresh_mock):
    """A later cell sets its own on_refresh: the view is a listener of its own and keeps receiving."""
    auth = short_lived_auth(fresh_mock)
    view = TokenLifeView(auth, live=False)
    auth.on_refresh = None
    auth.refresh()
    assert len(view.events) == 1


def test_a_closed_view_stops_receiving_events_and_two_views_both_do(fresh_mock):
    auth = short_lived_auth(fresh_mock)
    first, second = TokenLifeView(auth, live=False), TokenLifeView(auth, live=False)
    auth.refresh()
    assert len(first.events) == len(second.events) == 1
    first.close()
    auth.refresh()
    assert len(first.events) == 1 and len(second.events) == 2
    second.close()
    assert auth.listeners == ()


def test_a_tick_shows_renewals_made_behind_its_back(fresh_mock):
    """Renewals while the view was detached: the count still follows the auth on the next tick."""
    auth = short_lived_auth(fresh_mock)
    view = TokenLifeView(auth, live=False)
    view.detach()
    auth.refresh()
    auth.refresh()
    assert view.events == []
    view.tick()
    assert rendered_lines(view.counts.value) == ["2 tokens obtained"]
    assert "FRESH" in view.state_label.value


def test_live_view_follows_the_clock_without_a_request(fresh_mock):
    """The mock's clock moves in another cell; the state line follows with no click and no request."""
    auth = short_lived_auth(fresh_mock, skew=10)
    auth.refresh()
    view = TokenLifeView(auth, interval=0.02)
    try:
        assert "FRESH" in view.state_label.value
        fresh_mock.clock.advance(55)
        assert wait_for(lambda: "STALE" in view.state_label.value)
        assert auth.generation == 1  # only drawn: the view never renews by itself
    finally:
        view.close()


def test_refresh_errors_are_shown(fresh_mock):
    c = fresh_mock.clients["short-lived"]
    auth = RefreshingAuth(ClientCredentials(fresh_mock.token_url, c.client_id, "wrong-secret"))
    view = TokenLifeView(auth, live=False)
    view.refresh_button.click()
    assert view.error_text.startswith("TokenEndpointError:")
    assert "wrong-secret" not in view.errors.value


def test_live_and_close(fresh_mock):
    auth = short_lived_auth(fresh_mock)
    auth.refresh()
    view = TokenLifeView(auth, interval=0.02)
    thread = view._ticker._thread
    assert thread.daemon
    fresh_mock.clock.advance(120)
    assert wait_for(lambda: "EXPIRED" in view.state_label.value)
    view.close()
    assert not thread.is_alive()
    assert auth.listeners == ()  # detached on close


def test_needs_a_refreshing_auth():
    with pytest.raises(TypeError, match="RefreshingAuth"):
        TokenLifeView(object(), live=False)  # type: ignore[arg-type]
