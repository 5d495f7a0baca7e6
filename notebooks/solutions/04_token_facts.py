import base64
import json


def token_facts(token: str, now: float) -> dict:
    """kid, scopes and seconds left of a JWT, read without verification: a debugging aid.

    A client plans renewal with expires_in from the token answer, not exp: to a client the
    access token is opaque (RFC 9068 §6).
    """

    def segment(part: str) -> dict:
        # base64url without padding (RFC 7515 §2): put the '=' back before decoding
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    header_b64, payload_b64, _signature = token.split(".")
    header, claims = segment(header_b64), segment(payload_b64)
    return {
        "kid": header["kid"],                   # the key id lives in the header
        "scopes": claims["scope"].split(),      # one space-separated string in the claims
        "seconds_left": claims["exp"] - now,    # exp is an instant; negative once expired
    }


answer = token_facts
