import base64
import hashlib
import secrets


def make_pkce():
    verifier = secrets.token_urlsafe(48)  # 64 characters of A-Z a-z 0-9 - _ (RFC 7636: 43 to 128)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()  # the bytes, not hexdigest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")  # base64url, no padding
    return verifier, challenge


answer = make_pkce
