"""TokenInspector: decode on paste, live state, verify against the mock's JWKS, errors shown."""

from __future__ import annotations

import base64
import json

import pytest

from tokenkit import TokenState, decode
from tokenkit.widgets import TokenInspector
from tokenkit.widgets import inspector as inspector_module

from .conftest import AUDIENCE, FakeClock, get_token, shown_text, wait_for


def tampered(token: str, **claims: object) -> str:
    """``token`` with its payload changed and the signature kept (so it no longer matches)."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    new = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{new}.{signature}"


def test_repr_is_short_and_fixed(mock_api):
    inspector = TokenInspector(get_token(mock_api), live=False)
    assert repr(inspector) == "TokenInspector()"
    assert inspector._repr_mimebundle_()["text/plain"] == "TokenInspector()"


def test_css_classes_for_the_browser_test():
    inspector = TokenInspector(live=False)
    assert "tokenkit-inspector" in inspector._dom_classes
    assert "tokenkit-token-input" in inspector.token_input._dom_classes
    assert "tokenkit-verify" in inspector.verify_button._dom_classes
    assert "tokenkit-claims" in inspector.claims_view._dom_classes
    assert "tokenkit-status" in inspector.status._dom_classes
    assert "tokenkit-state" in inspector.state_label._dom_classes
    assert inspector.token_input.placeholder.startswith("Paste a JWT")
    assert inspector.verify_button.description == "Verify signature"


def test_pasting_a_token_shows_header_claims_and_human_times(mock_api):
    token = get_token(mock_api)
    inspector = TokenInspector(live=False)
    inspector.token_input.value = token  # what typing or pasting does
    assert inspector.decoded is not None
    assert "RS256" in inspector.header_view.value
    claims = inspector.claims_view.value
    assert "Claims (unverified)" in claims
    assert "notes-app" in claims and "notes:write" in claims
    assert " UTC" in claims  # exp/iat/nbf as readable times
    assert "UNVERIFIED" in inspector.status.value
    assert "FRESH" in inspector.state_label.value and "s left" in inspector.state_label.value
    assert inspector.state is TokenState.FRESH
    assert 3500 < inspector.seconds_left <= 3600
    assert inspector.error_text == ""


def test_inspect_returns_the_decoded_token_and_fills_the_input(mock_api):
    token = get_token(mock_api)
    inspector = TokenInspector(live=False)
    decoded = inspector.inspect(token)
    assert decoded is not None and decoded.claims["client_id"] == "notes-app"
    assert inspector.token_input.value == token
    assert inspector.inspect("Bearer " + token) is not None  # a whole header value pasted in


def test_constructor_token_is_inspected(mock_api):
    inspector = TokenInspector(get_token(mock_api), live=False)
    assert inspector.decoded is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not-a-token", "opaque token"),
        ("a.b", "3 dot-separated segments"),
        ("eyJhbGciOiJSUzI1NiJ9.%%%.sig", "payload"),
        ("bm90IGpzb24.e30.sig", "header"),
    ],
)
def test_malformed_tokens_are_explained_in_the_widget(text, expected):
    inspector = TokenInspector(live=False)
    assert inspector.inspect(text) is None
    assert "Not a readable JWT" in inspector.status.value
    assert expected in inspector.status.value
    assert inspector.decoded is None and inspector.error is not None
    assert inspector.claims_view.value == "" and inspector.state_label.value == ""
    assert inspector.error_text == ""  # an expected outcome, not a crash


def test_empty_input_resets_the_view(mock_api):
    inspector = TokenInspector(get_token(mock_api), live=False)
    inspector.token_input.value = ""
    assert inspector.decoded is None
    assert "Paste a token" in inspector.status.value
    assert inspector.claims_view.value == ""


def test_state_follows_the_injected_clock(mock_api):
    token = get_token(mock_api)
    exp = decode(token).expires_at
    clock = FakeClock(exp - 3000)
    inspector = TokenInspector(token, live=False, clock=clock)
    assert inspector.state is TokenState.FRESH
    clock.advance(3000 - 10)
    inspector.tick()
    assert "STALE" in inspector.state_label.value and "10 s left" in inspector.state_label.value
    clock.advance(30)
    inspector.tick()
    assert "EXPIRED" in inspector.state_label.value and "expired 20 s ago" in inspector.state_label.value


def test_live_updates_on_a_daemon_thread_until_stopped(mock_api):
    clock = FakeClock(mock_api.clock.now())
    inspector = TokenInspector(get_token(mock_api), clock=clock, interval=0.02)
    try:
        assert inspector.live
        thread = inspector._ticker._thread
        assert thread.daemon  # never keeps the kernel or a script alive
        clock.advance(4000)
        assert wait_for(lambda: "EXPIRED" in inspector.state_label.value)
    finally:
        inspector.stop()
    assert not inspector.live and not thread.is_alive()
    clock.advance(-4000)
    inspector.tick()  # by hand still works after stop()
    assert "FRESH" in inspector.state_label.value


def test_live_can_be_switched_and_close_stops_it():
    inspector = TokenInspector(live=False, interval=0.02)
    assert not inspector.live
    inspector.live = True
    thread = inspector._ticker._thread
    assert inspector.live and thread.is_alive()
    inspector.close()
    assert not thread.is_alive()


def test_verify_button_against_the_issuer(mock_api):
    inspector = TokenInspector(get_token(mock_api), issuer=mock_api.url, audience=AUDIENCE, live=False)
    assert "signature not checked yet" in inspector.verify_result.value
    inspector.verify_button.click()
    assert "VERIFIED" in inspector.verify_result.value and "REFUSED" not in inspector.verify_result.value
    assert "Claims (verified)" in inspector.claims_view.value
    assert "VERIFIED" in inspector.status.value and "UNVERIFIED" not in inspector.status.value
    assert inspector.verified is not None and inspector.verified.verified
    assert inspector.error_text == ""


def test_verify_against_a_jwks_url(mock_api):
    inspector = TokenInspector(
        get_token(mock_api), jwks_url=f"{mock_api.url}/.well-known/jwks.json", audience=AUDIENCE, live=False
    )
    assert inspector.verify() is not None


def test_a_new_token_forgets_the_verification(mock_api):
    inspector = TokenInspector(get_token(mock_api), issuer=mock_api.url, audience=AUDIENCE, live=False)
    inspector.verify()
    inspector.token_input.value = get_token(mock_api, "analytics-reader")
    assert inspector.verified is None
    assert "signature not checked yet" in inspector.verify_result.value
    assert "Claims (unverified)" in inspector.claims_view.value
    assert "UNVERIFIED" in inspector.status.value


def test_wrong_audience_is_refused_with_the_reason(mock_api):
    inspector = TokenInspector(get_token(mock_api), issuer=mock_api.url, audience="https://other.test", live=False)
    assert inspector.verify() is None
    assert "REFUSED" in inspector.verify_result.value
    assert "WrongAudienceError" in inspector.verify_result.value
    assert type(inspector.error).__name__ == "WrongAudienceError"


def test_tampered_token_is_refused(mock_api):
    token = tampered(get_token(mock_api, "analytics-reader"), scope="data:read notes:write")
    inspector = TokenInspector(token, issuer=mock_api.url, audience=AUDIENCE, live=False)
    assert "notes:write" in inspector.claims_view.value  # decoding believes anything…
    inspector.verify_button.click()
    assert "BadSignatureError" in inspector.verify_result.value  # …verifying does not
    assert token not in shown_text(inspector, skip=(inspector.token_input,))


def test_expired_by_the_mocks_clock_is_refused(fresh_mock):
    token = get_token(fresh_mock, "short-lived")
    inspector = TokenInspector(token, issuer=fresh_mock.url, audience=AUDIENCE, live=False, clock=fresh_mock.clock.now)
    fresh_mock.clock.advance(120)
    inspector.tick()
    assert "EXPIRED" in inspector.state_label.value
    inspector.verify_button.click()
    assert "TokenExpiredError" in inspector.verify_result.value


def test_a_refusal_takes_back_an_earlier_verified(fresh_mock):
    """Verified, then the clock passes exp and verify refuses: nothing may still say VERIFIED."""
    token = get_token(fresh_mock, "short-lived")
    inspector = TokenInspector(token, issuer=fresh_mock.url, audience=AUDIENCE, live=False, clock=fresh_mock.clock.now)
    assert inspector.verify() is not None
    assert "<b>VERIFIED</b>" in inspector.status.value and "Claims (verified)" in inspector.claims_view.value
    fresh_mock.clock.advance(120)
    assert inspector.verify() is None
    assert "REFUSED" in inspector.verify_result.value
    assert "<b>UNVERIFIED</b>" in inspector.status.value and "Claims (unverified)" in inspector.claims_view.value


def test_verify_needs_keys_and_a_token(mock_api):
    inspector = TokenInspector(get_token(mock_api), live=False)
    assert inspector.verify() is None
    assert "jwks_url" in inspector.verify_result.value and "vouch for itself" in inspector.verify_result.value
    empty = TokenInspector(issuer=mock_api.url, live=False)
    empty.verify_button.click()
    assert "paste a token first" in empty.verify_result.value


def test_unreachable_key_server_is_refused_not_raised(mock_api):
    inspector = TokenInspector(get_token(mock_api), issuer="http://127.0.0.1:9", audience=AUDIENCE, live=False)
    inspector.verify_button.click()
    assert "REFUSED" in inspector.verify_result.value
    assert "ServerUnreachableError" in inspector.verify_result.value


def test_callback_errors_are_shown_on_one_line_masked(mock_api, monkeypatch):
    token = get_token(mock_api)

    def broken(raw: str, **kwargs: object) -> None:
        raise RuntimeError(f"exploded on\n{raw}")

    monkeypatch.setattr(inspector_module, "verify_token", broken)
    inspector = TokenInspector(token, issuer=mock_api.url, live=False)
    inspector.verify_button.click()  # must not raise out of the click
    assert inspector.error_text.startswith("RuntimeError: exploded on eyJ")
    assert "\n" not in inspector.error_text
    assert token not in inspector.errors.value
    assert "chars)" in inspector.error_text


def test_no_full_token_outside_the_input(mock_api):
    token = get_token(mock_api)
    inspector = TokenInspector(token, issuer=mock_api.url, audience=AUDIENCE, live=False)
    inspector.verify()
    assert token not in shown_text(inspector, skip=(inspector.token_input,))
    assert token not in repr(inspector)
