"""What the mock may repeat back of a request: short, id-like values, and nothing secret.

Refusals quote what came ("Unknown client_id 'notes-ap'") because that is how a learner
spots a typo. But learners also paste a client secret into ``client_id`` or a token into
``scope``, and the answer is shown on screens and kept in ``/mock/log``. So every value
taken from a request is quoted through ``shown``: a value is echoed only if its *shape*
says it is an identifier; anything long or token-like is masked with
``tokenkit.secrets.mask``, which keeps a few characters at each end and the length, enough
to recognise what was sent without revealing it.

The shape rule for a secret is the core's ``tokenkit.secrets.looks_secret``, and only it:
one rule, so the client's diagnoses and the mock's refusals mask the same things (random
case mixing such as ``nxjHOZNLYsSSMVEz``, digit-heavy hex such as ``755414775027598f``, UUIDs).
What is added here is echo policy, not a second secret rule: long values, values that are
not id-shaped, JWT-shaped words and refresh tokens are never echoed.
"""

from __future__ import annotations

import re

from tokenkit.secrets import looks_secret as core_looks_secret
from tokenkit.secrets import mask

#: Longer values are never echoed whole: identifiers, scopes and URLs are short.
MAX_ECHO = 48
_ID_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 :._/@+\-]*")
_JWT_LIKE = re.compile(r"[A-Za-z0-9_\-=]+\.[A-Za-z0-9_\-=]+\.[A-Za-z0-9_\-=]*")
#: A JWT is longer than this even with an empty header; host names are shorter.
_MIN_JWT = 32


def looks_secret(value: str) -> bool:
    """True when ``value`` may be a token, key or secret rather than an identifier to echo.

    Identifiers people type (``notes-app``, ``data:read``, ``https://billing.tokenkit.test``)
    are short and read as words. What is long, not id-shaped, JWT-shaped, a refresh token
    (``rt_``), or a word the core calls secret, is not echoed.
    """
    if len(value) > MAX_ECHO or not _ID_LIKE.fullmatch(value):
        return True
    if value.startswith(("rt_", "eyJ")):
        return True
    words = value.split()
    if any(len(word) >= _MIN_JWT and _JWT_LIKE.fullmatch(word) for word in words):
        return True
    return any(core_looks_secret(word) for word in words)


def shown(value: object) -> str:
    """``value`` as a refusal or log may quote it: itself if id-like, else masked."""
    text = str(value)
    return mask(text) if looks_secret(text) else text
