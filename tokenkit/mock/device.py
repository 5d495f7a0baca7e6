"""The device authorization grant's state (RFC 8628): pending logins, by device and user code.

A device (a CLI, a TV, a notebook) asks for a ``device_code`` and a short ``user_code``,
shows the person where to enter it, and polls the token endpoint while the person approves
on another screen. Each pending login is a ``DeviceGrant``; ``DeviceCodes`` keeps them for
one tenant, safe under concurrent requests.

Every instant is the mock's clock, so a lesson moves the clock instead of sleeping: the
polling interval (``slow_down`` when a poll comes sooner than it, RFC 8628 §3.5) and the
code's expiry (``expired_token``) are both measured on it. The first poll is never too soon:
the interval is the time *between* polls.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from enum import Enum

#: RFC 8628 §6.1: consonants only (no vowels, so no words), none that look alike.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
#: How long a device code and its user code are valid (``expires_in``), in mock seconds.
DEVICE_CODE_LIFETIME = 600
#: The polling interval a device is given: short, so lessons stay quick.
POLL_INTERVAL = 1
#: RFC 8628 §3.5: each ``slow_down`` adds this to the interval, for that poll and all later ones.
SLOW_DOWN_STEP = 5
#: A poll this much sooner than the interval still counts as on time (network jitter).
POLL_TOLERANCE = 0.1
#: How long an ended device code (expired, denied or used) is still recognised before it is
#: forgotten, so that polling it says ``expired_token`` or ``invalid_grant`` rather than "unknown".
ENDED_REMEMBERED_FOR = 600.0
#: Most pending device codes one tenant keeps; beyond it the oldest is dropped.
MAX_DEVICE_CODES = 10_000

#: RFC 8628 §5.1: wrong user codes entered on the verification page, at most this many per window.
MAX_WRONG_CODES = 20
WRONG_CODE_WINDOW = 60.0

_NOT_IN_ALPHABET = re.compile(f"[^{USER_CODE_ALPHABET}]")


class Status(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    USED = "used"


@dataclass
class DeviceGrant:
    """One device login: who asked, for what, until when, and what the person decided."""

    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: int = POLL_INTERVAL
    status: Status = Status.PENDING
    user: str | None = None
    last_poll: float | None = None

    @property
    def shown_user_code(self) -> str:
        """The user code as a person reads it: ``WDJB-MJHT``."""
        half = len(self.user_code) // 2
        return f"{self.user_code[:half]}-{self.user_code[half:]}"


def normalize_user_code(text: str) -> str:
    """What a person typed, as the code it means: upper case, dashes and spaces dropped (RFC 8628 §6.1)."""
    return _NOT_IN_ALPHABET.sub("", text.upper())


class Outcome(Enum):
    """What a poll of the token endpoint answers (RFC 8628 §3.5), or ``ISSUE`` for a token."""

    ISSUE = "issue"
    PENDING = "authorization_pending"
    SLOW_DOWN = "slow_down"
    DENIED = "access_denied"
    EXPIRED = "expired_token"
    UNKNOWN = "unknown"
    OTHER_CLIENT = "other_client"
    USED = "used"


class DeviceCodes:
    """The device logins of one tenant."""

    def __init__(self) -> None:
        self._by_device: dict[str, DeviceGrant] = {}
        self._by_user: dict[str, DeviceGrant] = {}
        self._wrong_codes: list[float] = []
        """When wrong user codes were entered, within the last ``WRONG_CODE_WINDOW`` (at most ``MAX_WRONG_CODES``)."""
        self._lock = threading.Lock()

    def start(self, client_id: str, scope: str, now: float) -> DeviceGrant:
        """A new pending login with a fresh device code and a user code unique among the live ones."""
        with self._lock:
            while True:
                user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
                if user_code not in self._by_user:
                    break
            grant = DeviceGrant("dc_" + secrets.token_urlsafe(32), user_code, client_id, scope, now + DEVICE_CODE_LIFETIME)
            if len(self._by_device) >= MAX_DEVICE_CODES:
                self._drop(next(iter(self._by_device.values())))
            self._by_device[grant.device_code] = grant
            self._by_user[user_code] = grant
            return grant

    def pending(self, user_code: str, now: float) -> DeviceGrant | None:
        """The login a person may still decide on with this user code (as typed), or None."""
        with self._lock:
            grant = self._by_user.get(normalize_user_code(user_code))
            if grant is None or grant.status is not Status.PENDING or grant.expires_at <= now:
                return None
            return grant

    def decide(self, user_code: str, now: float, user: str | None) -> DeviceGrant | None:
        """Approve for ``user`` (or deny, with ``None``) a pending login; None if there is none to decide."""
        with self._lock:
            grant = self._by_user.get(normalize_user_code(user_code))
            if grant is None or grant.status is not Status.PENDING or grant.expires_at <= now:
                return None
            grant.status = Status.APPROVED if user is not None else Status.DENIED
            grant.user = user
            return grant

    def poll(self, device_code: str, client_id: str, now: float) -> tuple[Outcome, DeviceGrant | None]:
        """What polling ``device_code`` answers now; an approved grant is handed out exactly once."""
        with self._lock:
            grant = self._by_device.get(device_code)
            if grant is None:
                return Outcome.UNKNOWN, None
            if grant.client_id != client_id:
                return Outcome.OTHER_CLIENT, grant
            if grant.status is Status.USED:
                return Outcome.USED, grant
            if grant.expires_at <= now:
                return Outcome.EXPIRED, grant
            if grant.status is Status.DENIED:
                return Outcome.DENIED, grant
            if grant.status is Status.APPROVED:
                grant.status = Status.USED
                return Outcome.ISSUE, grant
            too_soon = grant.last_poll is not None and now - grant.last_poll < grant.interval - POLL_TOLERANCE
            grant.last_poll = now
            if too_soon:
                grant.interval += SLOW_DOWN_STEP
                return Outcome.SLOW_DOWN, grant
            return Outcome.PENDING, grant

    def guessing(self, now: float) -> bool:
        """Whether too many wrong user codes came lately (RFC 8628 §5.1: a user code is short, so guesses are limited)."""
        with self._lock:
            self._wrong_codes = [at for at in self._wrong_codes if at > now - WRONG_CODE_WINDOW]
            return len(self._wrong_codes) >= MAX_WRONG_CODES

    def wrong_code(self, now: float) -> None:
        """Count one wrong user code entered on the verification page."""
        with self._lock:
            self._wrong_codes = [at for at in self._wrong_codes if at > now - WRONG_CODE_WINDOW][-MAX_WRONG_CODES:]
            self._wrong_codes.append(now)

    def user_codes(self, now: float) -> list[str]:
        """The user codes still waiting for a person, oldest first (as shown: ``WDJB-MJHT``)."""
        with self._lock:
            return [g.shown_user_code for g in self._by_device.values() if g.status is Status.PENDING and g.expires_at > now]

    def forget_expired(self, now: float) -> int:
        """Forget device codes expired more than ``ENDED_REMEMBERED_FOR`` ago. Returns how many."""
        with self._lock:
            gone = [g for g in self._by_device.values() if g.expires_at + ENDED_REMEMBERED_FOR <= now]
            for grant in gone:
                self._drop(grant)
            return len(gone)

    def _drop(self, grant: DeviceGrant) -> None:
        del self._by_device[grant.device_code]
        if self._by_user.get(grant.user_code) is grant:
            del self._by_user[grant.user_code]

    def __len__(self) -> int:
        return len(self._by_device)
