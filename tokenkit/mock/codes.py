"""Authorization codes (RFC 6749 §4.1, RFC 7636): single-use, short-lived, bound to a PKCE challenge.

A code is issued when a person approves on the login page and redeemed once at the token
endpoint, by the client it was issued to, with the same ``redirect_uri`` and the
``code_verifier`` whose S256 hash is the ``code_challenge``. Any failed redemption burns the
code: whoever holds a code without the rest is not its client. A second redemption of a
redeemed code revokes the tokens issued for it (RFC 6749 §4.1.2, RFC 9700 §4.5), because
one of the two redeemers stole it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from enum import Enum

#: How long a code may wait before it is redeemed, in mock seconds (RFC 6749 §4.1.2: 10 minutes at most).
CODE_LIFETIME = 60
#: How long a code that can no longer be redeemed is still recognised ("expired", "used")
#: before it is forgotten. A redeemed code is kept as long as its refresh token can live, so
#: a replay still revokes what it got.
ENDED_REMEMBERED_FOR = 600.0
#: Most codes one tenant keeps; beyond it the oldest is dropped.
MAX_CODES = 10_000
#: RFC 7636 §4.1: 43 to 128 unreserved characters.
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
#: An S256 challenge is the unpadded base64url of a SHA-256 hash: always 43 characters.
S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def s256(verifier: str) -> str:
    """The S256 code challenge of ``verifier`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Redeemed(Enum):
    """What redeeming a code came to; anything but ``OK`` is ``invalid_grant``."""

    OK = "ok"
    UNKNOWN = "unknown"
    OTHER_CLIENT = "other_client"
    EXPIRED = "expired"
    REDIRECT_MISMATCH = "redirect_mismatch"
    NO_VERIFIER = "no_verifier"
    WRONG_VERIFIER = "wrong_verifier"
    BURNED = "burned"
    REUSED = "reused"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str
    expires_at: float
    redeemed: bool = False
    burned: bool = False
    replayed: bool = False
    refresh_token: str | None = None
    """The first refresh token issued for the code: revoking it revokes its whole family."""
    remember_until: float = 0.0


class AuthorizationCodes:
    """The authorization codes of one tenant."""

    def __init__(self, remember_redeemed_for: float) -> None:
        self._codes: dict[str, AuthorizationCode] = {}
        self._remember_redeemed_for = remember_redeemed_for
        self._lock = threading.Lock()

    def issue(self, client_id: str, redirect_uri: str, scope: str, user: str, code_challenge: str, now: float) -> str:
        code = secrets.token_urlsafe(32)
        expires_at = now + CODE_LIFETIME
        record = AuthorizationCode(code, client_id, redirect_uri, scope, user, code_challenge, expires_at, remember_until=expires_at + ENDED_REMEMBERED_FOR)
        with self._lock:
            if len(self._codes) >= MAX_CODES:
                del self._codes[next(iter(self._codes))]
            self._codes[code] = record
        return code

    def redeem(self, code: str, client_id: str, redirect_uri: str | None, verifier: str | None, now: float) -> tuple[Redeemed, AuthorizationCode | None]:
        """Redeem ``code`` once. A replay of a redeemed code marks it ``replayed`` (see ``issued``)."""
        with self._lock:
            record = self._codes.get(code)
            if record is None:
                return Redeemed.UNKNOWN, None
            if record.redeemed:
                record.replayed = True
                return Redeemed.REUSED, record
            if record.burned:
                return Redeemed.BURNED, record
            outcome = self._check(record, client_id, redirect_uri, verifier, now)
            if outcome is Redeemed.OK:
                record.redeemed = True
                record.remember_until = now + self._remember_redeemed_for
            else:
                record.burned = True
            return outcome, record

    @staticmethod
    def _check(record: AuthorizationCode, client_id: str, redirect_uri: str | None, verifier: str | None, now: float) -> Redeemed:
        if record.client_id != client_id:
            return Redeemed.OTHER_CLIENT
        if record.expires_at <= now:
            return Redeemed.EXPIRED
        if redirect_uri != record.redirect_uri:
            return Redeemed.REDIRECT_MISMATCH
        if not verifier:
            return Redeemed.NO_VERIFIER
        if not VERIFIER.fullmatch(verifier) or not hmac.compare_digest(s256(verifier), record.code_challenge):
            return Redeemed.WRONG_VERIFIER
        return Redeemed.OK

    def issued(self, record: AuthorizationCode, refresh_token: str | None) -> bool:
        """Remember what was issued for ``record``; True if it was replayed meanwhile (revoke it now)."""
        with self._lock:
            record.refresh_token = refresh_token
            return record.replayed

    def forget_expired(self, now: float) -> int:
        """Forget codes nobody can redeem and whose replay can no longer revoke anything. Returns how many."""
        with self._lock:
            gone = [code for code, record in self._codes.items() if record.remember_until <= now]
            for code in gone:
                del self._codes[code]
            return len(gone)

    def __len__(self) -> int:
        return len(self._codes)
