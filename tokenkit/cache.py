"""A token cache on disk that only its owner can read.

A person's login (device code, authorization code + PKCE) is worth keeping: the next
process reuses the token, or renews it with the refresh token, instead of asking the
person to log in again. What is kept is a credential, so the file is written the way
ssh writes its keys:

- **Owner-only from the first byte.** Each save writes a new file created with
  ``os.open(…, O_CREAT | O_EXCL, 0o600)`` next to the cache and moves it over the old one
  with ``os.replace`` (atomic on POSIX and Windows). ``O_EXCL`` means the file is ours
  and new, and the mode is set at creation, so there is no moment at which the file
  exists with the umask's wider permissions (the mistake of ``open(path, "w")`` followed
  by ``chmod``). The directory, when tokenkit makes it, is ``0o700``.
- **A reader never sees half a file.** The replace is atomic, so a second process reads
  the old cache or the new one.
- **A damaged cache is not fatal.** Unreadable JSON, a wrong shape or an entry that is
  not a token is ignored with a warning, and the login simply happens again.
- **A cache others can read is not trusted silently.** On POSIX, a file group- or
  world-readable (copied in by hand, say) gets a warning and is tightened to ``0o600``.

On Windows the mode bits only switch "read-only": the file is protected by the access
control list it inherits from its folder. The default folder
(``%LOCALAPPDATA%\\tokenkit``) is inside the user's profile, which only that user (and
administrators) can read; choose a path under the profile for the same protection.

Entries are keyed by issuer, client id and scope (:func:`cache_key`), so one file holds
the logins of several clients and servers without mixing them up.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .secrets import get_logger
from .tokens import Clock, Token, numeric_date

__all__ = ["TokenCache", "CacheWarning", "cache_key", "default_cache_path"]

log = get_logger("tokenkit.cache")

_FORMAT = 1


class CacheWarning(UserWarning):
    """The token cache could not be used as it is (damaged, or readable by others)."""


def default_cache_path() -> Path:
    """Where ``tokenkit login`` keeps tokens: the user's cache folder, ``tokenkit/tokens.json``.

    ``%LOCALAPPDATA%`` on Windows, ``~/Library/Caches`` on macOS, else ``$XDG_CACHE_HOME``
    (default ``~/.cache``).
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tokenkit" / "tokens.json"


def cache_key(issuer: str, client_id: str, scope: str | Iterable[str] | None) -> str:
    """The entry for one login: issuer, client id and the scopes asked for (in any order)."""
    scopes = scope.split() if isinstance(scope, str) else list(scope or ())
    return " ".join([issuer.rstrip("/"), client_id, ",".join(sorted(set(scopes)))])


class TokenCache:
    """Tokens by :func:`cache_key`, in one JSON file readable by its owner only.

    ``clock`` becomes the clock of every token loaded (``api.clock.now`` to follow the
    mock's time). Thread-safe within a process; between processes the last save wins,
    and each save is whole.
    """

    def __init__(self, path: str | os.PathLike[str], *, clock: Clock | None = None) -> None:
        self.path = Path(path).expanduser()
        self.clock = clock
        self._lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------
    def load(self, key: str) -> Token | None:
        """The cached token for ``key``, or ``None`` (no file, no entry, or a damaged one)."""
        with self._lock:
            entries = self._entries()
        if key not in entries:
            return None
        entry = entries[key]
        token = _token_from(entry, self.clock)
        if token is None:
            self._warn(f"the entry for {key!r} is not a token; ignoring it")
        return token

    def _entries(self) -> dict[str, Any]:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self._warn(f"cannot read it ({exc.strerror or exc}); ignoring it")
            return {}
        with os.fdopen(fd, "rb") as f:
            self._check_mode(f.fileno())
            raw = f.read(1 << 20)
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            self._warn("it is not valid JSON (damaged?); ignoring it, the login happens again")
            return {}
        if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("tokens"), dict):
            self._warn("it is not a tokenkit token cache (unknown format); ignoring it")
            return {}
        return data["tokens"]

    def _check_mode(self, fd: int) -> None:
        if os.name != "posix":
            return
        mode = os.fstat(fd).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            self._warn(f"it is readable by others (mode {stat.S_IMODE(mode):o}); making it owner-only (600)")
            try:
                os.fchmod(fd, 0o600)
            except OSError:
                pass

    # -- writing -----------------------------------------------------------------------
    def save(self, key: str, token: Token) -> None:
        """Keep ``token`` under ``key`` (replacing what was there), owner-only, atomically."""
        with self._lock:
            entries = self._entries()
            entries[key] = _entry_of(token)
            self._write({"format": _FORMAT, "tokens": entries})

    def remove(self, key: str) -> None:
        """Forget the token under ``key`` (a logout, or a refresh token the server refused)."""
        with self._lock:
            entries = self._entries()
            if entries.pop(key, None) is not None:
                self._write({"format": _FORMAT, "tokens": entries})

    def _write(self, data: dict[str, Any]) -> None:
        folder = self.path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = folder / f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            temp.unlink()  # a leftover of a crashed save of this very process id and thread
        except FileNotFoundError:
            pass
        fd = os.open(temp, flags, 0o600)  # created owner-only: never readable by others, not even briefly
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, self.path)
        except BaseException:
            try:
                temp.unlink()
            except OSError:
                pass
            raise
        log.info("token cache saved: %s", self.path)

    def _warn(self, why: str) -> None:
        warnings.warn(f"token cache {self.path}: {why}", CacheWarning, stacklevel=4)

    def __repr__(self) -> str:
        return f"TokenCache({str(self.path)!r})"


def _entry_of(token: Token) -> dict[str, Any]:
    return {
        "access_token": token.access_token,
        "token_type": token.token_type,
        "expires_at": token.expires_at,
        "scope": " ".join(token.scopes),
        "refresh_token": token.refresh_token,
    }


def _token_from(entry: Any, clock: Clock | None) -> Token | None:
    """A :class:`Token` from a cache entry, or ``None`` for anything that is not one."""
    if not isinstance(entry, dict):
        return None
    access, kind, refresh = entry.get("access_token"), entry.get("token_type"), entry.get("refresh_token")
    expires_at, scope = entry.get("expires_at"), entry.get("scope", "")
    if not isinstance(access, str) or not access or not isinstance(kind, str) or not isinstance(scope, str):
        return None
    if refresh is not None and not isinstance(refresh, str):
        return None
    if expires_at is not None and numeric_date(expires_at) is None:
        return None
    extra: dict[str, Any] = {} if clock is None else {"clock": clock}
    return Token(access, kind, expires_at, tuple(scope.split()), refresh or None, **extra)
