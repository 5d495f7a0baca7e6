import tokenkit

issuer = tokenkit.from_env("TOKENKIT_API_URL")  # the mock is its own issuer
token = tokenkit.from_env("TOKENKIT_TOKEN")
verified = tokenkit.verify(  # keys from the issuer's discovery and JWKS
    token, issuer=issuer, audience="https://analytics.tokenkit.test"
)  # or TokenExpiredError, WrongAudienceError, BadSignatureError, ...
print("verified:", verified.claims["sub"], verified.claims["scope"])
# prints: verified: analytics-reader data:read
