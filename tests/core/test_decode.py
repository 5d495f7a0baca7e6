"""decode (unverified, labelled so) and verify (PyJWT + JWKS, one error class per cause)."""

from __future__ import annotations

import base64
import json
import socket

import pytest

from tokenkit import (
    AlgorithmNotAllowedError,
    BadSignatureError,
    KeySetUnavailableError,
    MissingClaimError,
    ServerUnreachableError,
    Token,
    TokenDecodeError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenState,
    TokenVerificationError,
    UnknownKeyError,
    WrongAudienceError,
    WrongIssuerError,
    decode,
    verify,
)
from tokenkit.mock import API_AUDIENCE, MockAPI

from .conftest import credentials


def b64(obj) -> str:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


GOOD = f"{b64({'alg': 'RS256', 'kid': 'k1'})}.{b64({'sub': 'me', 'exp': 2_000_000_000, 'iat': 1_700_000_000, 'scope': 'a b'})}.c2ln"


@pytest.fixture(scope="module")
def issued(mock_api):
    return credentials(mock_api, "notes-app", mock_clock=False).fetch()


def test_decode_shows_header_claims_and_human_times():
    d = decode(GOOD, now=1_999_999_900)
    assert d.verified is False
    assert d.header == {"alg": "RS256", "kid": "k1"}
    assert d.claims["sub"] == "me"
    assert d.times == {"exp": "2033-05-18 03:33:20 UTC", "iat": "2023-11-14 22:13:20 UTC"}
    assert d.seconds_left == 100
    assert d.state is TokenState.FRESH
    assert d.scopes == ("a", "b")
    text = str(d)
    assert "UNVERIFIED" in text and "2033-05-18 03:33:20 UTC" in text
    assert GOOD not in text and GOOD not in json.dumps(d.to_dict())
    assert d.to_dict()["verified"] is False
    assert decode(GOOD, now=2_000_000_010).state is TokenState.EXPIRED


def test_decode_accepts_a_token_object_and_a_bearer_prefix():
    assert decode(Token(GOOD)).claims["sub"] == "me"
    assert decode(f"  Bearer {GOOD}\n").claims["sub"] == "me"


@pytest.mark.parametrize(
    ("token", "part", "words"),
    [
        ("abc", "segments", "3 dot-separated segments"),
        ("a.b.c.d.e", "segments", "JWE"),
        (f".{b64({'a': 1})}.sig", "header", "empty"),
        (f"{b64({'alg': 'RS256'})}.!!!.sig", "payload", "base64url"),
        (f"{b64({'alg': 'RS256'})}.{b64(b'not json')}.sig", "payload", "not JSON"),
        (f"{b64(b'[1, 2]')}.{b64({'a': 1})}.sig", "header", "not an object"),
        (f"{b64({'alg': 'RS256'})}.ab+/cd.sig", "payload", "'+'"),
        ("", "input", "empty"),
    ],
)
def test_malformed_tokens_say_which_part_is_wrong(token, part, words):
    with pytest.raises(TokenDecodeError) as info:
        decode(token)
    assert info.value.part == part
    assert words in str(info.value)
    assert isinstance(info.value, ValueError)


def test_decode_a_real_token(issued, mock_api):
    d = decode(issued)
    assert d.header["alg"] == "RS256" and d.header["kid"]
    assert d.claims["iss"] == mock_api.url and d.claims["aud"] == API_AUDIENCE
    assert d.scopes == ("data:read", "notes:read", "notes:write")


def test_verify_with_a_jwks_url(issued, mock_api):
    d = verify(issued, jwks_url=f"{mock_api.url}/.well-known/jwks.json", audience=API_AUDIENCE)
    assert d.verified is True and "VERIFIED" in str(d) and "UNVERIFIED" not in str(d)
    assert d.claims["sub"] == "notes-app"


def test_verify_with_issuer_discovery(issued, mock_api):
    d = verify(issued, issuer=mock_api.url, audience=API_AUDIENCE)
    assert d.verified


def test_one_jwk_client_per_url(issued, mock_api):
    from tokenkit import Verifier

    verifier = Verifier()
    url = f"{mock_api.url}/.well-known/jwks.json"
    verifier.verify(issued, jwks_url=url, audience=API_AUDIENCE)
    client = verifier.jwk_client(url)
    verifier.verify(issued, jwks_url=url, audience=API_AUDIENCE)
    assert verifier.jwk_client(url) is client


def test_wrong_audience(issued, mock_api):
    with pytest.raises(WrongAudienceError) as info:
        verify(issued, issuer=mock_api.url, audience="https://elsewhere.test")
    assert info.value.original is not None


def test_wrong_issuer(issued, mock_api):
    with pytest.raises(WrongIssuerError):
        verify(issued, jwks_url=f"{mock_api.url}/.well-known/jwks.json", issuer="https://other.test", audience=API_AUDIENCE)


def test_expired_against_an_explicit_now(issued, mock_api):
    with pytest.raises(TokenExpiredError):
        verify(issued, issuer=mock_api.url, audience=API_AUDIENCE, now=mock_api.clock.now() + 4000)
    with pytest.raises(TokenNotYetValidError):
        verify(issued, issuer=mock_api.url, audience=API_AUDIENCE, now=mock_api.clock.now() - 4000)
    assert verify(issued, issuer=mock_api.url, audience=API_AUDIENCE, now=mock_api.clock.now() + 4000, leeway=500).verified


def test_expired_by_the_real_clock(fresh_mock):
    token = credentials(fresh_mock, "short-lived", mock_clock=False).fetch()
    # The mock's clock only moves forward, so check the token 120 s in its future.
    with pytest.raises(TokenExpiredError) as info:
        verify(token, issuer=fresh_mock.url, audience=API_AUDIENCE, now=fresh_mock.clock.now() + 120)
    assert isinstance(info.value, TokenVerificationError)


def test_bad_signature(issued, mock_api):
    header, payload, signature = issued.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] += " admin"
    forged = f"{header}.{b64(claims)}.{signature}"
    with pytest.raises(BadSignatureError):
        verify(forged, issuer=mock_api.url, audience=API_AUDIENCE)


def test_unknown_key(mock_api):
    with MockAPI() as other:
        foreign = credentials(other, "notes-app", mock_clock=False).fetch()
    with pytest.raises(UnknownKeyError):
        verify(foreign, jwks_url=f"{mock_api.url}/.well-known/jwks.json", audience=API_AUDIENCE)


def test_algorithm_not_allowed(mock_api):
    import jwt

    hs = jwt.encode({"sub": "x", "exp": 2_000_000_000}, "secret-key-of-32-bytes-or-more!!", algorithm="HS256")
    with pytest.raises(AlgorithmNotAllowedError):
        verify(hs, issuer=mock_api.url)
    none = f"{b64({'alg': 'none'})}.{b64({'sub': 'x'})}."
    with pytest.raises(AlgorithmNotAllowedError):
        verify(none, issuer=mock_api.url)


def test_missing_claim(issued, mock_api):
    with pytest.raises(MissingClaimError):
        verify(issued, issuer=mock_api.url, audience=API_AUDIENCE, require=("exp", "email"))


def test_malformed_is_a_decode_error_in_verify_too(mock_api):
    with pytest.raises(TokenDecodeError):
        verify("not-a-jwt", issuer=mock_api.url)


def test_key_source_problems():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(KeySetUnavailableError):
        verify(GOOD, jwks_url=f"http://127.0.0.1:{port}/jwks.json")
    with pytest.raises(ServerUnreachableError):
        verify(GOOD, issuer=f"http://127.0.0.1:{port}")
    with pytest.raises(TypeError):
        verify(GOOD)


def test_an_audience_claim_needs_an_expected_audience(issued, mock_api):
    with pytest.raises(WrongAudienceError) as info:
        verify(issued, issuer=mock_api.url)
    assert "pass audience=" in str(info.value) and API_AUDIENCE in str(info.value)
