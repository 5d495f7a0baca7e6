"""What the mock may repeat back of a request: short, id-like values, and nothing secret.

Refusals quote what came ("Unknown client_id 'notes-ap'") because that is how a learner
spots a typo. But learners also paste a client secret into ``client_id`` or a token into
``scope``, and the answer is shown on screens and kept in ``/mock/log``. So every value
taken from a request is quoted through ``shown``: a value is echoed only if its *shape*
says it is an identifier; anything long or token-like is masked with
``tokenkit.secrets.mask``, which keeps a few characters at each end and the length, enough
to recognise what was sent without revealing it.
"""

from __future__ import annotations

import re

from tokenkit.secrets import mask

#: Longer values are never echoed whole: identifiers, scopes and URLs are short.
MAX_ECHO = 48
_ID_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 :._/@+\-]*")
_JWT_LIKE = re.compile(r"[A-Za-z0-9_\-=]+\.[A-Za-z0-9_\-=]+\.[A-Za-z0-9_\-=]*")
#: A JWT is longer than this even with an empty header; host names are shorter.
_MIN_JWT = 32


def looks_secret(value: str) -> bool:
    """True when ``value`` looks like a token, key or secret rather than an identifier.

    Identifiers people type (``notes-app``, ``data:read``, ``https://billing.tokenkit.test``)
    are short and read as words. Generated secrets are long, mix upper and lower case at
    random (base64) or are dense with digits (hex), and tokens have JWT's three parts.
    """
    if len(value) > MAX_ECHO or not _ID_LIKE.fullmatch(value):
        return True
    if value.startswith(("rt_", "eyJ")):
        return True
    if any(len(word) >= _MIN_JWT and _JWT_LIKE.fullmatch(word) for word in value.split()):
        return True
    if len(value) >= 16:
        letters = [char for char in value if char.isalpha()]
        digits = sum(char.isdigit() for char in value)
        # Random base64: capitals after the first letter, mixed in with small letters.
        upper = sum(char.isupper() for char in letters[1:])
        lower = sum(char.islower() for char in letters)
        if upper and lower and (digits or min(upper, lower) >= 4):
            return True
        # Hex and other digit-dense strings: a quarter or more of them digits.
        if digits * 4 >= len(value) and letters:
            return True
    return False


def shown(value: object) -> str:
    """``value`` as a refusal or log may quote it: itself if id-like, else masked."""
    text = str(value)
    return mask(text) if looks_secret(text) else text
