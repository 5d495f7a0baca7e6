"""from_env: environment first, then a .env found from the current directory up."""

from __future__ import annotations

import os

import pytest

from tokenkit import MissingSecretError, TokenKitError, from_env, mask

NAME = "TOKENKIT_TEST_SECRET_XYZ"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.chdir(tmp_path)


def test_reads_the_environment(monkeypatch):
    monkeypatch.setenv(NAME, "from-env")
    assert from_env(NAME) == "from-env"


def test_reads_a_dotenv_found_upward_from_the_cwd(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"{NAME}=from-file\n")
    sub = tmp_path / "notebooks" / "deeper"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert from_env(NAME) == "from-file"


def test_real_environment_wins_over_the_file(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"{NAME}=from-file\n")
    monkeypatch.setenv(NAME, "from-env")
    assert from_env(NAME) == "from-env"


def test_an_empty_variable_does_not_hide_the_file(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"{NAME}=from-file\n")
    monkeypatch.setenv(NAME, "")
    assert from_env(NAME) == "from-file"


def test_explicit_dotenv_path(tmp_path):
    path = tmp_path / "custom.env"
    path.write_text(f'{NAME}="quoted value"\n')
    assert from_env(NAME, dotenv_path=path) == "quoted value"


def test_missing_names_the_variable_and_where_it_looked(tmp_path):
    (tmp_path / ".env").write_text("OTHER=1\n")
    with pytest.raises(MissingSecretError) as info:
        from_env(NAME)
    message = str(info.value)
    assert NAME in message
    assert str(tmp_path / ".env") in message
    assert "the environment" in message
    assert isinstance(info.value, TokenKitError) and isinstance(info.value, LookupError)
    assert info.value.name == NAME


def test_missing_without_any_dotenv_says_none_was_found(tmp_path):
    with pytest.raises(MissingSecretError) as info:
        from_env(NAME)
    assert "no .env file" in str(info.value)


def test_missing_explicit_file_is_named(tmp_path):
    with pytest.raises(MissingSecretError) as info:
        from_env(NAME, dotenv_path=tmp_path / "nope.env")
    assert "nope.env (no such file)" in str(info.value)


def test_empty_value_is_reported_as_empty(tmp_path):
    (tmp_path / ".env").write_text(f"{NAME}=\n")
    with pytest.raises(MissingSecretError) as info:
        from_env(NAME)
    assert "set but empty" in str(info.value)


def test_mask_is_unchanged():
    assert mask(None) == "<none>"
    assert mask("") == "<empty>"
    assert mask("short") == "…(5 chars)"
    assert mask("abcdefghijklmnopqrstuvwxyz") == "abcd…wxyz (26 chars)"


def test_empty_in_the_environment_without_a_file_is_reported_as_empty(monkeypatch):
    monkeypatch.setenv(NAME, "")
    with pytest.raises(MissingSecretError) as info:
        from_env(NAME)
    assert "set but empty" in str(info.value)


def test_empty_in_the_environment_and_absent_from_the_file_is_reported_as_empty(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("SOMETHING_ELSE=1\n")
    monkeypatch.setenv(NAME, "")
    with pytest.raises(MissingSecretError) as info:
        from_env(NAME)
    assert "set but empty" in str(info.value)


def test_never_set_is_reported_as_not_set(tmp_path):
    (tmp_path / ".env").write_text("SOMETHING_ELSE=1\n")
    with pytest.raises(MissingSecretError) as info:
        from_env(NAME)
    assert "is not set" in str(info.value)


def test_reading_a_dotenv_does_not_export_it(tmp_path):
    (tmp_path / ".env").write_text(f"{NAME}=from-file\nTOKENKIT_TEST_OTHER_XYZ=1\n")
    assert from_env(NAME) == "from-file"
    assert NAME not in os.environ and "TOKENKIT_TEST_OTHER_XYZ" not in os.environ


def test_an_edited_dotenv_is_read_again(tmp_path):
    (tmp_path / ".env").write_text(f"{NAME}=old\n")
    assert from_env(NAME) == "old"
    (tmp_path / ".env").write_text(f"{NAME}=new\n")
    assert from_env(NAME) == "new"
