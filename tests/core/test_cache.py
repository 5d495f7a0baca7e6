"""The token cache: owner-only from the first byte, atomic, forgiving of damage, shared between processes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tokenkit import Token
from tokenkit.cache import CacheWarning, TokenCache, cache_key, default_cache_path

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")

TOKEN = Token("at-0123456789abcdefghij", expires_at=2_000_000_000.0, scopes=("notes:read",), refresh_token="rt-9876543210zyxwvu")
KEY = cache_key("https://issuer.test/", "cli-app", "notes:read")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens.json")
    assert cache.load(KEY) is None
    cache.save(KEY, TOKEN)
    assert TokenCache(tmp_path / "tokens.json").load(KEY) == TOKEN


def test_keys_separate_issuer_client_and_scope() -> None:
    assert cache_key("https://issuer.test", "cli-app", "b a") == cache_key("https://issuer.test/", "cli-app", ["a", "b"])
    keys = {
        cache_key("https://issuer.test", "cli-app", "a"),
        cache_key("https://other.test", "cli-app", "a"),
        cache_key("https://issuer.test", "web-app", "a"),
        cache_key("https://issuer.test", "cli-app", "a b"),
        cache_key("https://issuer.test", "cli-app", None),
    }
    assert len(keys) == 5


@posix_only
def test_file_is_owner_only_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        cache = TokenCache(tmp_path / "new" / "dir" / "tokens.json")
        cache.save(KEY, TOKEN)
        cache.save("another", TOKEN)  # a second save replaces the file: still owner-only
    finally:
        os.umask(old)
    assert mode(cache.path) == 0o600
    assert mode(cache.path.parent) == 0o700
    assert [p.name for p in cache.path.parent.iterdir()] == ["tokens.json"]  # no temporary file left behind


@posix_only
def test_the_file_is_created_owner_only_not_chmodded_afterwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file the cache creates is made with O_CREAT|O_EXCL and mode 0600 in the one os.open call."""
    created: list[tuple[int, int]] = []
    real_open = os.open

    def spy(path, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & os.O_CREAT:
            created.append((flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    monkeypatch.setattr(os, "chmod", lambda *a, **k: pytest.fail("chmod after creation leaves a window"))
    TokenCache(tmp_path / "tokens.json").save(KEY, TOKEN)
    assert created and all(flags & os.O_EXCL and mode == 0o600 for flags, mode in created)


@posix_only
def test_a_cache_readable_by_others_is_warned_about_and_tightened(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens.json")
    cache.save(KEY, TOKEN)
    os.chmod(cache.path, 0o644)
    with pytest.warns(CacheWarning, match="readable by others"):
        assert cache.load(KEY) == TOKEN
    assert mode(cache.path) == 0o600


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"format": 99, "tokens": {}}', b"\xff\xfe", b"[" * 100_000],
    ids=["broken", "list", "future-format", "binary", "deep"],
)
def test_a_damaged_cache_is_ignored_with_a_warning(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content)
    path.chmod(0o600)
    cache = TokenCache(path)
    with pytest.warns(CacheWarning, match="ignoring it"):
        assert cache.load(KEY) is None
    with pytest.warns(CacheWarning):
        cache.save(KEY, TOKEN)  # and the next save replaces it with a good one
    assert cache.load(KEY) == TOKEN


@pytest.mark.parametrize(
    "entry",
    [None, "a string", {"access_token": ""}, {"access_token": "x", "token_type": "Bearer", "expires_at": "soon"},
     {"access_token": "x", "token_type": "Bearer", "refresh_token": 5}],
)
def test_an_entry_that_is_not_a_token_is_ignored(tmp_path: Path, entry: object) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"format": 1, "tokens": {KEY: entry}}))
    path.chmod(0o600)
    with pytest.warns(CacheWarning, match="not a token"):
        assert TokenCache(path).load(KEY) is None


def test_remove(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens.json")
    cache.save(KEY, TOKEN)
    cache.save("other", TOKEN)
    cache.remove(KEY)
    assert cache.load(KEY) is None and cache.load("other") == TOKEN


def test_loaded_tokens_follow_the_given_clock(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens.json", clock=lambda: 2_000_000_000.0 - 10)
    cache.save(KEY, TOKEN)
    loaded = cache.load(KEY)
    assert loaded is not None and loaded.expires_in == pytest.approx(10)


def test_another_process_reads_what_this_one_saved_and_back(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    TokenCache(path).save(KEY, TOKEN)
    code = textwrap.dedent(
        f"""
        from tokenkit import Token
        from tokenkit.cache import TokenCache
        cache = TokenCache({str(path)!r})
        token = cache.load({KEY!r})
        print(token.refresh_token == {TOKEN.refresh_token!r}, token.scopes)
        cache.save("from-child", Token("at-child-0123456789abc", expires_at=2_000_000_000.0))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["True", "('notes:read',)"]
    child = TokenCache(path).load("from-child")
    assert child is not None and child.access_token == "at-child-0123456789abc"
    assert TokenCache(path).load(KEY) == TOKEN


def test_default_path_is_in_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    path = default_cache_path()
    assert path.name == "tokens.json" and path.parent.name == "tokenkit"
    if sys.platform != "darwin":
        assert path.parent.parent == tmp_path


def test_repr_shows_the_path_only(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens.json")
    cache.save(KEY, TOKEN)
    assert "at-0123" not in repr(cache) and str(tmp_path) in repr(cache)
