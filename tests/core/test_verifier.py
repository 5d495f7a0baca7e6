"""Verifier: owns its JWKS client and a discovery cache with a lifespan; refetches once on an unknown kid."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tokenkit import InvalidTokenError, UnknownKeyError, Verifier, verify
from tokenkit.verify import default_verifier

from .servers import Received, Server, serve

AUD = "https://api.test"


def _key(kid: str) -> tuple[ec.EllipticCurvePrivateKey, dict]:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid=kid, alg="ES256", use="sig")
    return private, jwk


def _token(private, kid: str, issuer: str) -> str:
    claims = {"sub": "me", "aud": AUD, "iss": issuer, "exp": int(time.time()) + 300}
    return jwt.encode(claims, private, algorithm="ES256", headers={"kid": kid, "typ": "at+jwt"})


class Issuer:
    """A tiny issuer: a discovery document and a JWKS whose keys a test can rotate."""

    def __init__(self) -> None:
        self.keys = [_key("k1")]

    def answer(self, got: Received, server: Server) -> tuple[int, dict[str, str], bytes]:
        if got.path == "/.well-known/openid-configuration":
            doc = {"issuer": server.url, "jwks_uri": f"{server.url}/jwks"}
            return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()
        if got.path == "/jwks":
            return 200, {"Content-Type": "application/json"}, json.dumps({"keys": [k[1] for k in self.keys]}).encode()
        return 404, {}, b""


@pytest.fixture
def issuer():
    state = Issuer()
    with serve(state.answer) as server:
        yield state, server


def _paths(server: Server) -> list[str]:
    return [r.path for r in server.received]


def test_unknown_kid_refetches_the_key_set_once(issuer):
    state, server = issuer
    verifier = Verifier(refetch_cooldown=0)  # PyJWT's default waits 30 s after a fetch
    assert verifier.verify(_token(state.keys[0][0], "k1", server.url), issuer=server.url, audience=AUD, algorithms=("ES256",)).verified
    assert _paths(server).count("/jwks") == 1
    state.keys.append(_key("k2"))  # the issuer rotates: a token signed with the new key
    assert verifier.verify(_token(state.keys[1][0], "k2", server.url), issuer=server.url, audience=AUD, algorithms=("ES256",)).verified
    assert _paths(server).count("/jwks") == 2  # one refetch, not one per call
    verifier.verify(_token(state.keys[1][0], "k2", server.url), issuer=server.url, audience=AUD, algorithms=("ES256",))
    assert _paths(server).count("/jwks") == 2


def test_a_kid_that_stays_unknown_is_refused_after_one_refetch(issuer):
    state, server = issuer
    verifier = Verifier(refetch_cooldown=0)
    stranger, _ = _key("k9")
    with pytest.raises(UnknownKeyError) as info:
        verifier.verify(_token(stranger, "k9", server.url), issuer=server.url, audience=AUD, algorithms=("ES256",))
    assert isinstance(info.value, InvalidTokenError)
    assert _paths(server).count("/jwks") <= 2


def test_within_the_cooldown_an_unknown_kid_does_not_refetch(issuer):
    state, server = issuer
    verifier = Verifier(refetch_cooldown=600)
    verifier.verify(_token(state.keys[0][0], "k1", server.url), issuer=server.url, audience=AUD, algorithms=("ES256",))
    stranger, _ = _key("k9")
    with pytest.raises(UnknownKeyError):
        verifier.verify(_token(stranger, "k9", server.url), issuer=server.url, audience=AUD, algorithms=("ES256",))
    assert _paths(server).count("/jwks") == 1


def test_discovery_is_cached_for_its_lifespan_then_read_again(issuer):
    state, server = issuer
    now = [0.0]
    verifier = Verifier(lifespan=60, clock=lambda: now[0])
    token = _token(state.keys[0][0], "k1", server.url)
    verifier.verify(token, issuer=server.url, audience=AUD, algorithms=("ES256",))
    verifier.verify(token, issuer=server.url, audience=AUD, algorithms=("ES256",))
    discovery = "/.well-known/openid-configuration"
    assert _paths(server).count(discovery) == 1
    now[0] = 61.0
    verifier.verify(token, issuer=server.url, audience=AUD, algorithms=("ES256",))
    assert _paths(server).count(discovery) == 2


def test_clear_forgets_everything(issuer):
    state, server = issuer
    verifier = Verifier()
    token = _token(state.keys[0][0], "k1", server.url)
    verifier.verify(token, issuer=server.url, audience=AUD, algorithms=("ES256",))
    verifier.clear()
    verifier.verify(token, issuer=server.url, audience=AUD, algorithms=("ES256",))
    assert _paths(server).count("/jwks") == 2


def test_verify_is_the_default_verifier(issuer):
    state, server = issuer
    token = _token(state.keys[0][0], "k1", server.url)
    assert verify(token, issuer=server.url, audience=AUD, algorithms=("ES256",)).verified
    assert default_verifier().jwks_uri(server.url) == f"{server.url}/jwks"


def test_garbage_is_an_invalid_token_whatever_the_key():
    with pytest.raises(InvalidTokenError):
        verify("abc.def", key="not-a-key")
