"""The mock's signing keys and the JWKS that publishes them.

One RSA key per server, made at start-up (no key material is ever committed). The
``kid`` is the key's RFC 7638 thumbprint, so it changes whenever the key does and a
token from a previous server run is refused as "unknown key" rather than as a puzzling
bad signature.

A ``KeyRing`` is what a real authorization server has: the current key, which signs, and
the keys it rotated away from, still published in the JWKS for a grace period so tokens
they signed keep verifying until they would have expired anyway. A verifier that meets a
``kid`` it has not cached refetches the JWKS and finds the new key there.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

#: How long a rotated-away key stays in the JWKS by default: one default token lifetime.
DEFAULT_GRACE_PERIOD = 3600.0


def _thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint: SHA-256 over the required members in lexical order."""
    required = {name: public_jwk[name] for name in ("e", "kty", "n")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    """A private key for signing and the public JWK that verifies it."""

    kid: str
    private_key: rsa.RSAPrivateKey
    public_key: rsa.RSAPublicKey
    public_jwk: dict[str, Any]

    @classmethod
    def generate(cls) -> "SigningKey":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_key = private_key.public_key()
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        kid = _thumbprint(jwk)
        jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
        return cls(kid=kid, private_key=private_key, public_key=public_key, public_jwk=jwk)

    def jwks(self) -> dict[str, Any]:
        """A JSON Web Key Set with this key alone."""
        return {"keys": [dict(self.public_jwk)]}

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, alg='RS256')"


@lru_cache(maxsize=1)
def shared_test_key() -> SigningKey:
    """One key per process for test fixtures, so a test suite makes one RSA key, not one per mock.

    Never used by ``MockAPI``, ``tokenkit mock`` or ``create_app`` unless a caller passes it:
    lessons and classroom servers make their own key at start-up.
    """
    return SigningKey.generate()


class KeyRing:
    """The key that signs now, and the rotated-away keys still trusted until their grace ends.

    Grace periods are measured on the mock's clock (``now`` arguments), so moving the clock
    past the grace shows an old token being refused as "unknown key".
    """

    def __init__(self, current: SigningKey) -> None:
        self.current = current
        self._retiring: dict[str, tuple[SigningKey, float]] = {}
        """kid -> (key, instant its grace period ends)."""
        self._lock = threading.Lock()

    def rotate(self, new: SigningKey, grace_period: float, now: float) -> SigningKey:
        """Sign with ``new`` from now on; keep the current key for ``grace_period`` seconds."""
        if grace_period < 0:
            raise ValueError("grace_period must be 0 or more seconds")
        with self._lock:
            old = self.current
            if grace_period > 0:
                self._retiring[old.kid] = (old, now + grace_period)
            self.current = new
        return new

    def key_for(self, kid: object, now: float) -> SigningKey | None:
        """The key that verifies tokens with this ``kid`` now, or None if none is trusted."""
        current = self.current
        if kid == current.kid:
            return current  # the hot path: one comparison
        if not isinstance(kid, str):
            return None
        entry = self._retiring.get(kid)
        if entry is not None and now < entry[1]:
            return entry[0]
        return None

    def jwks(self, now: float) -> dict[str, Any]:
        """The JWKS document: the current key first, then keys still in their grace period."""
        with self._lock:
            keys = [self.current] + [key for key, until in self._retiring.values() if now < until]
        return {"keys": [dict(key.public_jwk) for key in keys]}

    def forget_retired(self, now: float) -> int:
        """Drop keys whose grace period is over. Returns how many."""
        with self._lock:
            gone = [kid for kid, (_, until) in self._retiring.items() if until <= now]
            for kid in gone:
                del self._retiring[kid]
        return len(gone)

    def __len__(self) -> int:
        return 1 + len(self._retiring)
