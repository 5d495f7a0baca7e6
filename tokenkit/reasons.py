"""Machine-readable refusal reasons: the contract between a server and :func:`~tokenkit.diagnose`.

RFC 6750 gives a refusal only a coarse ``error`` code (``invalid_token`` covers expired,
revoked, forged and malformed tokens alike) and a free-text ``error_description``. Reading
that text to tell the causes apart breaks the day someone rewords a sentence. So the
bundled mock also sends the precise cause as a reason code, in the JSON body as
``"error_reason": "expired"`` and in the challenge as the extra auth-param
``error_reason="expired"`` (RFC 7235 §2.1: clients ignore auth-params they do not know).
``diagnose`` classifies by this code first and falls back to the words only for servers
that do not send one.

This module is at the bottom of the core (it imports nothing of tokenkit), so both the
mock and the client side can use it without an upward import.
"""

from __future__ import annotations

import enum

__all__ = ["Reason", "REASON_FIELD", "parse_reason"]

#: The JSON body field and the ``WWW-Authenticate`` auth-param that carry a :class:`Reason`.
REASON_FIELD = "error_reason"


class Reason(str, enum.Enum):
    """Why a request was refused, one value per cause a client handles differently."""

    # 401: no usable credentials, or a token that is not accepted
    MISSING_CREDENTIALS = "missing_credentials"
    WRONG_SCHEME = "wrong_scheme"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
    WRONG_TOKEN_TYPE = "wrong_token_type"
    WRONG_AUDIENCE = "wrong_audience"
    WRONG_ISSUER = "wrong_issuer"
    MISSING_CLAIM = "missing_claim"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    UNKNOWN_CLIENT = "unknown_client"
    # 400: the credentials could not be read at all (RFC 6750 §3.1 invalid_request)
    TOKEN_IN_URL = "token_in_url"
    DUPLICATE_CREDENTIALS = "duplicate_credentials"
    CREDENTIAL_TOO_LONG = "credential_too_long"
    # 403 and 429
    INSUFFICIENT_SCOPE = "insufficient_scope"
    RATE_LIMITED = "rate_limited"

    def __str__(self) -> str:
        return self.value


def parse_reason(value: object) -> Reason | None:
    """``value`` as a :class:`Reason`, or ``None`` for anything else (unknown codes included).

    A server may send codes this version does not know yet; they are ignored, not errors.
    """
    if not isinstance(value, str):
        return None
    try:
        return Reason(value.strip().lower())
    except ValueError:
        return None
