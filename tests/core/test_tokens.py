"""Token: expiry against one threshold, construction from token answers, masked display."""

from __future__ import annotations

import base64
import json

import pytest

from tokenkit import REFRESH_THRESHOLD, Token, TokenEndpointError, TokenState, mask


def fake_jwt(claims: dict, header: dict | None = None) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part(header or {'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


SECRET = "access-token-value-that-must-never-be-shown-0123456789"
REFRESH = "refresh-token-value-that-must-never-be-shown-9876543210"


def test_expires_in_uses_the_token_clock(clock):
    token = Token(SECRET, expires_at=clock() + 100, clock=clock)
    assert token.expires_in == 100
    clock.advance(40)
    assert token.expires_in == 60
    clock.advance(100)
    assert token.expires_in == -40


def test_no_expiry_means_never_expired(clock):
    token = Token(SECRET, clock=clock)
    assert token.expires_in is None
    assert not token.is_expired(skew=10_000)
    assert token.state() is TokenState.FRESH


@pytest.mark.parametrize(
    ("left", "state"),
    [(REFRESH_THRESHOLD + 1, TokenState.FRESH), (REFRESH_THRESHOLD, TokenState.STALE), (1, TokenState.STALE),
     (0, TokenState.EXPIRED), (-5, TokenState.EXPIRED)],
)
def test_state_fresh_stale_expired(clock, left, state):
    token = Token(SECRET, expires_at=clock() + left, clock=clock)
    assert token.state() is state
    assert str(state) == state.value


def test_is_expired_with_skew_and_explicit_now(clock):
    token = Token(SECRET, expires_at=clock() + 20, clock=clock)
    assert not token.is_expired()
    assert token.is_expired(skew=30)
    assert token.is_expired(now=clock() + 25)
    assert not token.is_expired(now=clock() + 5)


def test_from_response_turns_expires_in_into_an_instant():
    token = Token.from_response(
        {"access_token": SECRET, "token_type": "bearer", "expires_in": 3600, "scope": "a b", "refresh_token": REFRESH},
        now=1000.0,
    )
    assert token.expires_at == 4600.0
    assert token.scopes == ("a", "b")
    assert token.scope == "a b"
    assert token.refresh_token == REFRESH
    assert token.token_type == "bearer"
    assert token.authorization == f"Bearer {SECRET}"  # RFC 6750: the scheme is case-insensitive, sent canonical
    assert token.has_scopes("a") and token.has_scopes("a b") and not token.has_scopes("c")


def test_from_response_defaults_scope_to_requested_and_reads_jwt_exp():
    jwt_like = fake_jwt({"exp": 5000, "scope": "x"})
    token = Token.from_response({"access_token": jwt_like}, now=1000.0, requested_scopes="data:read")
    assert token.scopes == ("data:read",)
    assert token.expires_at == 5000.0
    assert token.refresh_token is None
    assert token.token_type == "Bearer"


def test_from_response_without_access_token_is_a_token_endpoint_error():
    with pytest.raises(TokenEndpointError) as info:
        Token.from_response({"token_type": "Bearer", "expires_in": 10})
    assert info.value.error == "invalid_response"
    assert "access_token" in str(info.value)


def test_from_string_reads_claims_of_a_jwt_and_strips_bearer():
    raw = fake_jwt({"exp": 1234, "scope": "data:read notes:read"})
    token = Token.from_string(f"Bearer {raw}")
    assert token.access_token == raw
    assert token.expires_at == 1234.0
    assert token.scopes == ("data:read", "notes:read")
    opaque = Token.from_string("opaque-api-key-123456")
    assert opaque.expires_at is None and opaque.scopes == ()


def test_scopes_accepts_a_list_or_string():
    assert Token(SECRET, scopes=["a b", "c"]).scopes == ("a", "b", "c")  # type: ignore[arg-type]


def test_empty_token_is_refused():
    with pytest.raises(ValueError):
        Token("")


def test_equality_ignores_the_clock(clock):
    a = Token(SECRET, expires_at=5.0)
    b = Token(SECRET, expires_at=5.0, clock=clock)
    assert a == b and hash(a) == hash(b)
    assert a.with_clock(clock).clock is clock


def test_repr_and_str_mask_both_secrets(clock):
    token = Token(SECRET, expires_at=clock() + 90, scopes=("a",), refresh_token=REFRESH, clock=clock)
    for text in (repr(token), str(token), f"{token}", f"{token!r}"):
        assert SECRET not in text and REFRESH not in text
    assert mask(SECRET) in repr(token) and mask(REFRESH) in repr(token)
    assert "expires in 90 s" in str(token)
    clock.advance(100)
    assert "expired 10 s ago" in str(token)
