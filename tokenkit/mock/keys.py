"""The mock's signing key and the JWKS that publishes it.

One RSA key per server, made at start-up (no key material is ever committed). The
``kid`` is the key's RFC 7638 thumbprint, so it changes whenever the key does and a
token from a previous server run is refused as "unknown key" rather than as a puzzling
bad signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


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
        """The JSON Web Key Set document served at ``/.well-known/jwks.json``."""
        return {"keys": [dict(self.public_jwk)]}

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, alg='RS256')"
