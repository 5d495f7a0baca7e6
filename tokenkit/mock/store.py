"""The mock's state: notes, refresh tokens and revocations, safe under concurrent requests.

Handlers run on the event loop and the kernel may touch state from its own thread, so
every store guards its data with a lock and never holds it across an ``await``.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
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
            "tags": list(self.tags),
            "owner": self.owner,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class NoteStore:
    """Notes kept per owner (the token's ``sub``): one client never sees another's notes."""

    def __init__(self) -> None:
        self._notes: dict[int, Note] = {}
        self._next_id = 1
        self._lock = threading.Lock()

    def create(self, owner: str, title: str, body: str, tags: list[str], now: float) -> Note:
        with self._lock:
            note = Note(self._next_id, owner, title, body, list(tags), now, now)
            self._notes[note.id] = note
            self._next_id += 1
            return note

    def list(self, owner: str) -> list[Note]:
        with self._lock:
            return [note for note in self._notes.values() if note.owner == owner]

    def get(self, owner: str, note_id: int) -> Note | None:
        with self._lock:
            note = self._notes.get(note_id)
            return note if note is not None and note.owner == owner else None

    def update(self, owner: str, note_id: int, changes: dict[str, Any], now: float) -> Note | None:
        with self._lock:
            note = self._notes.get(note_id)
            if note is None or note.owner != owner:
                return None
            for name, value in changes.items():
                setattr(note, name, list(value) if name == "tags" else value)
            note.updated_at = now
            return note

    def delete(self, owner: str, note_id: int) -> bool:
        with self._lock:
            note = self._notes.get(note_id)
            if note is None or note.owner != owner:
                return False
            del self._notes[note_id]
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


@dataclass
class RevocationList:
    """Revoked access tokens by ``jti``, each remembered until it would have expired anyway."""

    _revoked: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def revoke(self, jti: str, expires_at: float) -> None:
        with self._lock:
            self._revoked[jti] = expires_at

    def is_revoked(self, jti: str) -> bool:
        return jti in self._revoked

    def forget_expired(self, now: float) -> None:
        with self._lock:
            for jti in [j for j, exp in self._revoked.items() if exp < now]:
                del self._revoked[jti]


class RefreshTokenStore:
    """Issued refresh tokens, which rotate: each works once and is replaced by a new one.

    Presenting a used one again is what a stolen token looks like (OAuth 2.0 Security
    BCP, RFC 9700 §4.14), so it fails and also revokes every token of its family.
    """

    def __init__(self) -> None:
        self._grants: dict[str, RefreshGrant] = {}
        self._lock = threading.Lock()

    def issue(self, client_id: str, scope: str, audience: str, expires_at: float, family: str | None = None) -> str:
        token = "rt_" + secrets.token_urlsafe(32)
        with self._lock:
            self._grants[token] = RefreshGrant(client_id, scope, audience, expires_at, family or token)
        return token

    def redeem(self, token: str, client_id: str, now: float) -> tuple[RefreshGrant | None, str]:
        """Use a refresh token once. Returns the grant, or ``None`` and why it was refused."""
        with self._lock:
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
            grant.used = True
            return grant, "ok"

    def lookup(self, token: str) -> RefreshGrant | None:
        with self._lock:
            return self._grants.get(token)

    def revoke(self, token: str) -> bool:
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
