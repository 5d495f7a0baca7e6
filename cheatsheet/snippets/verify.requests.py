import os

import jwt  # PyJWT[crypto]

issuer, token = os.environ["TOKENKIT_API_URL"], os.environ["TOKENKIT_TOKEN"]
keys = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")  # keep one: cache
claims = jwt.decode(
    token,
    keys.get_signing_key_from_jwt(token).key,  # the key the kid names
    algorithms=["RS256"],  # a fixed list, never the token's own alg
    audience="https://analytics.tokenkit.test",  # your API's identifier
    issuer=issuer,  # the mock is its own issuer
    options={"require": ["exp", "iss", "aud"]},
)
if jwt.get_unverified_header(token).get("typ") != "at+jwt":  # RFC 9068
    raise SystemExit("a JWT, but not an access token")
print("verified:", claims["sub"], claims["scope"])
# prints: verified: analytics-reader data:read
