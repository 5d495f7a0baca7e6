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


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    """One issued refresh token, as it stood when read. ``family`` links a token to the ones rotated from it."""

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
#: Refresh-token families (one per token grant; each refresh rotates inside its family) kept per
#: client and account in one learner's world (a classroom seat). One more invalidates the oldest, as
#: real providers do (Google keeps 100 per account and client). Ten is more than a lesson holds at
#: once, and it keeps a classroom server of a thousand seats small: each fills it in minutes.
MAX_FAMILIES_PER_HOLDER = 10
#: The same limit in a world a whole room may share (``tokenkit mock``, a kernel's ``MockAPI``): there
#: every learner's ``notes-app`` tokens are one client's and one account's, so it must hold a room's.
SHARED_MAX_FAMILIES_PER_HOLDER = 1000
#: Spent (rotated-away) tokens remembered per family for reuse detection; older ones move to the
#: store's short list of forgotten tokens, where a reuse is still caught while they stay there.
MAX_SPENT_PER_FAMILY = 10
#: Tokens of evicted families and spent tokens dropped from a family's history, remembered per
#: store (one tenant) so that presenting one says why it fails rather than "unknown".
MAX_FORGOTTEN = 32

#: A stored grant: (client_id, scope, audience, expires_at, family, used, revoked).
_Row = tuple[str, str, str, float, str, bool, bool]
#: A stored family: (client_id, account, its tokens oldest first, the live one last).
_FamilyRow = tuple[str, str, tuple[str, ...]]


class RefreshTokenStore:
    """Issued refresh tokens, which rotate: each works once and is replaced by a new one.

    Presenting a used one again is what a stolen token looks like (OAuth 2.0 Security
    BCP, RFC 9700 §4.14), so it fails and revokes its whole family: every refresh token
    rotated from the same first grant, and every access token issued alongside them
    (those go into ``revocations``, so APIs refuse them too).

    Redeeming is two steps, ``check`` then ``redeem``, so a request refused for another
    reason (a scope the grant does not cover) leaves the refresh token usable.

    What it keeps is bounded by count as well as by time, so a classroom server of a thousand
    tenants stays the same size however long it runs: at most ``max_families`` families per
    client and account (one more evicts the oldest, whose tokens then answer ``evicted``), at
    most ``max_spent`` spent tokens per family, and the last ``max_forgotten`` tokens dropped by
    those limits, still recognised. Everything is kept as tuples and dicts of strings and
    numbers, which CPython's garbage collector stops tracking, so a thousand stores add next
    to nothing to the pause of a full collection.
    """

    def __init__(
        self,
        revocations: RevocationList | None = None,
        *,
        max_families: int = MAX_FAMILIES_PER_HOLDER,
        max_spent: int = MAX_SPENT_PER_FAMILY,
        max_forgotten: int = MAX_FORGOTTEN,
    ) -> None:
        if min(max_families, max_spent, max_forgotten) < 1:
            raise ValueError("max_families, max_spent and max_forgotten must be at least 1")
        self.max_families = max_families
        self.max_spent = max_spent
        self.max_forgotten = max_forgotten
        self._grants: dict[str, _Row] = {}
        self._families: dict[str, _FamilyRow] = {}
        self._holders: dict[tuple[str, str], dict[str, None]] = {}
        """(client_id, account) -> its family ids, oldest first."""
        self._access: dict[str, dict[str, float]] = {}
        """Family id -> the access tokens (``jti`` -> ``exp``) issued in that family, revoked with it."""
        self._forgotten: dict[str, tuple[str, str, str, float]] = {}
        """token -> (client_id, family, why, expires_at), oldest first: what a dropped token answers."""
        self._revocations = revocations if revocations is not None else RevocationList()
        self._lock = threading.Lock()

    def issue(
        self, client_id: str, scope: str, audience: str, expires_at: float, family: str | None = None, *, account: str | None = None
    ) -> tuple[str, str]:
        """A new refresh token and its family id (a new family unless ``family`` is given).

        ``account``: whom a new family speaks for (a person's name; the client itself if None).
        """
        token = "rt_" + secrets.token_urlsafe(32)
        family_id = family or "family_" + secrets.token_urlsafe(9)
        with self._lock:
            known = self._families.get(family_id)
            if known is None:  # a new family (or one evicted while this refresh was being answered)
                known = self._new_family(family_id, client_id, account or client_id)
            self._grants[token] = (client_id, scope, audience, expires_at, family_id, False, False)
            tokens = known[2] + (token,)
            if len(tokens) > self.max_spent + 1:  # the live token, and max_spent spent ones before it
                self._forget(tokens[0], self._grants.pop(tokens[0]), "reused")
                tokens = tokens[1:]
            self._families[family_id] = (known[0], known[1], tokens)
        return token, family_id

    def _new_family(self, family: str, client_id: str, account: str) -> _FamilyRow:
        created = self._families[family] = (client_id, account, ())
        families = self._holders.setdefault((client_id, account), {})
        families[family] = None
        if len(families) > self.max_families:
            self._evict(next(iter(families)))
        return created

    def _evict(self, family: str) -> None:
        """Invalidate a whole family for the per-account limit; its access tokens live on until they expire."""
        for token in self._drop_family(family)[2]:
            self._forget(token, self._grants.pop(token), "evicted")

    def _drop_family(self, family: str) -> _FamilyRow:
        dropped = self._families.pop(family)
        self._access.pop(family, None)
        holder = (dropped[0], dropped[1])
        families = self._holders[holder]
        del families[family]
        if not families:
            del self._holders[holder]
        return dropped

    def _forget(self, token: str, row: _Row, why: str) -> None:
        """Remember a dropped token's answer ("reused" or "evicted"), the oldest of them going first."""
        client_id, _, _, expires_at, family, _, revoked = row
        self._forgotten[token] = (client_id, family, "revoked" if revoked else why, expires_at)
        if len(self._forgotten) > self.max_forgotten:
            del self._forgotten[next(iter(self._forgotten))]

    def add_access_token(self, family: str, jti: str, expires_at: float) -> None:
        """Remember that access token ``jti`` belongs to ``family``, to revoke it with the family."""
        with self._lock:
            if family in self._families:  # an evicted family is not revoked as a whole any more
                self._access.setdefault(family, {})[jti] = expires_at

    def check(self, token: str, client_id: str, now: float) -> tuple[RefreshGrant | None, str]:
        """Whether ``token`` may be redeemed now, without using it up.

        Returns the grant and ``"ok"``, or ``None`` and why not (``unknown``, ``other_client``,
        ``revoked``, ``reused``, ``expired``, ``evicted``). A used token is refused as
        ``"reused"`` and revokes its family even here: the reuse has happened already.
        """
        with self._lock:
            return self._check(token, client_id, now)

    def redeem(self, token: str, client_id: str, now: float) -> tuple[RefreshGrant | None, str]:
        """Use a refresh token once (after ``check`` and every other validation passed)."""
        with self._lock:
            grant, why = self._check(token, client_id, now)
            if grant is not None:
                self._grants[token] = self._grants[token][:5] + (True, False)
            return grant, why

    def _check(self, token: str, client_id: str, now: float) -> tuple[RefreshGrant | None, str]:
        row = self._grants.get(token)
        if row is None:
            return None, self._check_forgotten(token, client_id)
        grant = RefreshGrant(*row)
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

    def _check_forgotten(self, token: str, client_id: str) -> str:
        forgotten = self._forgotten.get(token)
        if forgotten is None:
            return "unknown"
        owner, family, why, _ = forgotten
        if owner != client_id:
            return "other_client"
        if why == "reused":
            known = self._families.get(family)
            if known is not None and self._grants[known[2][-1]][6]:  # the family's live token is revoked: all are
                return "revoked"
            self._revoke_family(family)
        return why

    def lookup(self, token: str) -> RefreshGrant | None:
        with self._lock:
            row = self._grants.get(token)
        return RefreshGrant(*row) if row is not None else None

    def revoke(self, token: str) -> bool:
        """Revoke ``token``'s family, access tokens included (RFC 7009 §2.1)."""
        with self._lock:
            row = self._grants.get(token)
            if row is None:
                return False
            self._revoke_family(row[4])
            return True

    def _revoke_family(self, family: str) -> None:
        known = self._families.get(family)
        if known is None:  # evicted or expired: nothing of it can be used any more
            return
        for token in known[2]:
            self._grants[token] = self._grants[token][:6] + (True,)
        self._revocations.revoke_all(self._access.get(family, {}))

    def forget_expired(self, now: float, access_leeway: float = 0) -> int:
        """Forget what can no longer matter: refresh tokens (used, revoked or not) expired
        more than ``EXPIRED_REMEMBERED_FOR`` ago, access tokens past ``exp + access_leeway``,
        then families with nothing left. Returns how many entries were dropped.

        An expired refresh token cannot be redeemed, so its reuse is harmless; it is kept a
        while only so that presenting it says "expired" rather than "unknown".
        """
        with self._lock:
            dropped = 0
            for family, (client_id, account, tokens) in list(self._families.items()):
                gone = [token for token in tokens if self._grants[token][3] + EXPIRED_REMEMBERED_FOR <= now]
                for token in gone:
                    del self._grants[token]
                dropped += len(gone)
                if len(gone) == len(tokens):
                    dropped += len(self._access.get(family, {}))
                    self._drop_family(family)
                    continue
                if gone:
                    self._families[family] = (client_id, account, tuple(token for token in tokens if token not in gone))
                access = self._access.get(family)
                if access:
                    ended = [jti for jti, exp in access.items() if exp + access_leeway < now]
                    for jti in ended:
                        del access[jti]
                    dropped += len(ended)
            stale = [token for token, (_, _, _, expires_at) in self._forgotten.items() if expires_at + EXPIRED_REMEMBERED_FOR <= now]
            for token in stale:
                del self._forgotten[token]
            return dropped + len(stale)

    def knows_family(self, family: str) -> bool:
        """Whether ``family`` still has tokens here (not evicted, not expired and forgotten)."""
        return family in self._families

    def sizes(self) -> dict[str, int]:
        """How much is remembered: refresh tokens, families, access tokens tracked in families, dropped tokens still recognised."""
        with self._lock:
            return {
                "refresh_tokens": len(self._grants),
                "families": len(self._families),
                "family_access_tokens": sum(len(tokens) for tokens in self._access.values()),
                "forgotten_refresh_tokens": len(self._forgotten),
            }
