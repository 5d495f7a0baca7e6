"""The mock's state: notes, refresh tokens and revocations, safe under concurrent requests.

Handlers run on the event loop and the kernel may touch state from its own thread, so
every store guards its data with a lock and never holds it across an ``await``.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class Note:
    id: int
    owner: str
    title: str
    body: str
    tags: list[str]
    created_at: float
    updated_at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "content": self.body,  # the same text under the name many API tutorials use
            "tags": list(self.tags),
            "owner": self.owner,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


#: Notes kept for one owner at most: a script stuck in a loop fills its own quota, not the server.
MAX_NOTES_PER_OWNER = 1000


class NotesFull(Exception):
    """The owner already has ``limit`` notes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} notes per owner")
        self.limit = limit


class NoteStore:
    """Notes kept per owner (the token's ``sub``): one client never sees another's notes.

    Ids count from 1 in each store (each tenant has its own), shared by all its owners, so
    an id is no secret; what a note holds is.
    """

    def __init__(self, max_per_owner: int = MAX_NOTES_PER_OWNER) -> None:
        self._by_owner: dict[str, dict[int, Note]] = {}
        self._next_id = 1
        self.max_per_owner = max_per_owner
        self._lock = threading.Lock()

    def create(self, owner: str, title: str, body: str, tags: list[str], now: float) -> Note:
        """Store a new note, or raise ``NotesFull`` if ``owner`` has ``max_per_owner`` already."""
        with self._lock:
            notes = self._by_owner.setdefault(owner, {})
            if len(notes) >= self.max_per_owner:
                raise NotesFull(self.max_per_owner)
            note = Note(self._next_id, owner, title, body, list(tags), now, now)
            notes[note.id] = note
            self._next_id += 1
            return note

    def list(self, owner: str) -> list[Note]:
        with self._lock:
            return list(self._by_owner.get(owner, {}).values())

    def get(self, owner: str, note_id: int) -> Note | None:
        with self._lock:
            return self._by_owner.get(owner, {}).get(note_id)

    def update(self, owner: str, note_id: int, changes: dict[str, Any], now: float) -> Note | None:
        with self._lock:
            note = self._by_owner.get(owner, {}).get(note_id)
            if note is None:
                return None
            for name, value in changes.items():
                setattr(note, name, list(value) if name == "tags" else value)
            note.updated_at = now
            return note

    def count(self, owner: str | None = None) -> int:
        """How many notes are kept (for ``owner`` alone, if given)."""
        with self._lock:
            if owner is not None:
                return len(self._by_owner.get(owner, {}))
            return sum(len(notes) for notes in self._by_owner.values())

    def delete(self, owner: str, note_id: int) -> bool:
        with self._lock:
            notes = self._by_owner.get(owner, {})
            if notes.pop(note_id, None) is None:
                return False
            if not notes:
                del self._by_owner[owner]
            return True


@dataclass
class RefreshGrant:
    """One issued refresh token. ``family`` links a token to the ones rotated from it."""

    client_id: str
    scope: str
    audience: str
    expires_at: float
    family: str
    used: bool = False
    revoked: bool = False


class RevocationList:
    """Revoked access tokens by ``jti``, each remembered until it would have expired anyway."""

    def __init__(self) -> None:
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, jti: str, expires_at: float) -> None:
        with self._lock:
            self._revoked[jti] = expires_at

    def revoke_all(self, tokens: dict[str, float]) -> None:
        """Revoke several access tokens (``jti`` -> ``exp``) at once."""
        with self._lock:
            self._revoked.update(tokens)

    def is_revoked(self, jti: str) -> bool:
        return jti in self._revoked  # one dict lookup, no lock: the hot path of every request

    def forget_expired(self, now: float) -> int:
        """Forget tokens whose ``exp`` is before ``now`` (they are refused as expired anyway)."""
        with self._lock:
            gone = [jti for jti, exp in self._revoked.items() if exp < now]
            for jti in gone:
                del self._revoked[jti]
        return len(gone)

    def __len__(self) -> int:
        return len(self._revoked)


#: How long an expired refresh token is still recognised (as expired) before it is forgotten.
EXPIRED_REMEMBERED_FOR = 24 * 3600.0


class RefreshTokenStore:
    """Issued refresh tokens, which rotate: each works once and is replaced by a new one.

    Presenting a used one again is what a stolen token looks like (OAuth 2.0 Security
    BCP, RFC 9700 §4.14), so it fails and revokes its whole family: every refresh token
    rotated from the same first grant, and every access token issued alongside them
    (those go into ``revocations``, so APIs refuse them too).

    Redeeming is two steps, ``check`` then ``redeem``, so a request refused for another
    reason (a scope the grant does not cover) leaves the refresh token usable.
    """

    def __init__(self, revocations: RevocationList | None = None) -> None:
        self._grants: dict[str, RefreshGrant] = {}
        self._families: dict[str, dict[str, float]] = {}
        """Family id -> the access tokens (``jti`` -> ``exp``) issued in that family."""
        self._revocations = revocations if revocations is not None else RevocationList()
        self._lock = threading.Lock()

    def issue(self, client_id: str, scope: str, audience: str, expires_at: float, family: str | None = None) -> tuple[str, str]:
        """A new refresh token and its family id (a new family unless ``family`` is given)."""
        token = "rt_" + secrets.token_urlsafe(32)
        family = family or "family_" + secrets.token_urlsafe(9)
        with self._lock:
            self._grants[token] = RefreshGrant(client_id, scope, audience, expires_at, family)
        return token, family

    def add_access_token(self, family: str, jti: str, expires_at: float) -> None:
        """Remember that access token ``jti`` belongs to ``family``, to revoke it with the family."""
        with self._lock:
            self._families.setdefault(family, {})[jti] = expires_at

    def check(self, token: str, client_id: str, now: float) -> tuple[RefreshGrant | None, str]:
        """Whether ``token`` may be redeemed now, without using it up.

        Returns the grant and ``"ok"``, or ``None`` and why not. A used token is refused as
        ``"reused"`` and revokes its family even here: the reuse has happened already.
        """
        with self._lock:
            return self._check(token, client_id, now)

    def redeem(self, token: str, client_id: str, now: float) -> tuple[RefreshGrant | None, str]:
        """Use a refresh token once (after ``check`` and every other validation passed)."""
        with self._lock:
            grant, why = self._check(token, client_id, now)
            if grant is not None:
                grant.used = True
            return grant, why

    def _check(self, token: str, client_id: str, now: float) -> tuple[RefreshGrant | None, str]:
        grant = self._grants.get(token)
        if grant is None:
            return None, "unknown"
        if grant.client_id != client_id:
            return None, "other_client"
        if grant.revoked:
            return None, "revoked"
        if grant.used:
            self._revoke_family(grant.family)
            return None, "reused"
        if grant.expires_at <= now:
            return None, "expired"
        return grant, "ok"

    def lookup(self, token: str) -> RefreshGrant | None:
        with self._lock:
            return self._grants.get(token)

    def revoke(self, token: str) -> bool:
        """Revoke ``token``'s family, access tokens included (RFC 7009 §2.1)."""
        with self._lock:
            grant = self._grants.get(token)
            if grant is None:
                return False
            self._revoke_family(grant.family)
            return True

    def _revoke_family(self, family: str) -> None:
        for grant in self._grants.values():
            if grant.family == family:
                grant.revoked = True
        self._revocations.revoke_all(self._families.get(family, {}))

    def forget_expired(self, now: float, access_leeway: float = 0) -> int:
        """Forget what can no longer matter: refresh tokens (used, revoked or not) expired
        more than ``EXPIRED_REMEMBERED_FOR`` ago, access tokens past ``exp + access_leeway``,
        then families with nothing left. Returns how many entries were dropped.

        An expired refresh token cannot be redeemed, so its reuse is harmless; it is kept a
        while only so that presenting it says "expired" rather than "unknown".
        """
        with self._lock:
            gone = [token for token, grant in self._grants.items() if grant.expires_at + EXPIRED_REMEMBERED_FOR <= now]
            for token in gone:
                del self._grants[token]
            dropped = len(gone)
            for family, tokens in list(self._families.items()):
                for jti in [jti for jti, exp in tokens.items() if exp + access_leeway < now]:
                    del tokens[jti]
                    dropped += 1
            alive = {grant.family for grant in self._grants.values()}
            for family in [family for family, tokens in self._families.items() if not tokens or family not in alive]:
                dropped += len(self._families.pop(family))
            return dropped

    def sizes(self) -> dict[str, int]:
        """How much is remembered: refresh tokens, families, access tokens tracked in families."""
        with self._lock:
            return {
                "refresh_tokens": len(self._grants),
                "families": len(self._families),
                "family_access_tokens": sum(len(tokens) for tokens in self._families.values()),
            }
