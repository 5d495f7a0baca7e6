"""Secrets: where they come from and how they are shown.

A token or client secret is shown to a person only masked. ``mask`` keeps just enough of
the ends to tell two secrets apart on screen ("is this the new token or the old one?")
while keeping the secret unusable from a screenshot, a log or a notebook output.

Secrets come from the environment, never from code: ``from_env`` reads a variable, or
else its line in a ``.env`` file (python-dotenv), so a learner can keep credentials in
one git-ignored file next to the notebooks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["mask", "from_env", "first_from_env"]

_ELLIPSIS = "…"


def mask(secret: str | None, *, keep: int = 4) -> str:
    """Return ``secret`` with all but ``keep`` characters at each end hidden.

    Short secrets (fewer than ``4 * keep`` characters) are hidden entirely, because
    showing 8 characters of a 12-character secret would give most of it away. The
    length is shown so that a truncated or padded secret is still noticeable.
    """
    if secret is None:
        return "<none>"
    secret = str(secret)
    if not secret:
        return "<empty>"
    if keep <= 0 or len(secret) < 4 * keep:
        return f"{_ELLIPSIS}({len(secret)} chars)"
    return f"{secret[:keep]}{_ELLIPSIS}{secret[-keep:]} ({len(secret)} chars)"


def from_env(name: str, *, dotenv_path: str | os.PathLike[str] | None = None) -> str:
    """Return the secret in environment variable ``name``, else its value in a ``.env`` file.

    The ``.env`` file is ``dotenv_path`` if given, else the first ``.env`` found from the
    current directory upward (python-dotenv's ``find_dotenv(usecwd=True)``: the notebook's
    directory, not tokenkit's). Values already in the real environment win over the file,
    so a CI secret or an exported variable is never shadowed.

    The file is read with ``dotenv_values`` and *not* copied into ``os.environ``: reading
    one secret should not export every line of ``.env`` to each subprocess the program
    starts, and a kernel that has read ``.env`` once would otherwise keep the old values
    after the learner edits the file.

    A missing or empty variable raises :class:`~tokenkit.MissingSecretError` naming the
    variable and every place looked in, because "KeyError: 'TOKEN'" does not tell a learner
    where the value was supposed to come from.
    """
    return first_from_env((name,), dotenv_path=dotenv_path)[1]


def first_from_env(
    names: Sequence[str], *, dotenv_path: str | os.PathLike[str] | None = None
) -> tuple[str, str]:
    """The first of ``names`` that has a value, and that value, as :func:`from_env` finds it.

    For a setting with a preferred name and a fallback (``TOKENKIT_TOKEN_URL``, else
    ``TOKENKIT_API_URL``): *any* of the names in the real environment beats all of them in
    the file, so exporting the fallback is never undone by a stale preferred line in
    ``.env``. When none is set, :class:`~tokenkit.MissingSecretError` names the last one,
    the one ``.env.example`` shows.
    """
    for name in names:
        if os.environ.get(name):
            return name, os.environ[name]

    from dotenv import dotenv_values, find_dotenv  # lazy: keeps `import tokenkit` fast

    looked_in = ["the environment"]
    path: Path | None = None
    if dotenv_path is not None:
        if Path(dotenv_path).is_file():
            path = Path(dotenv_path)
        else:
            looked_in.append(f"{dotenv_path} (no such file)")
    else:
        found = find_dotenv(usecwd=True)
        if found:
            path = Path(found)
        else:
            looked_in.append(f"no .env file in {Path.cwd()} or its parents")
    from_file: dict[str, str | None] = {}
    if path is not None:
        looked_in.append(str(path))
        # An empty variable in the real environment does not hide a value in the file.
        from_file = dotenv_values(path)
        for name in names:
            value = from_file.get(name)
            if value:
                return name, value
    from .errors import MissingSecretError

    reported = names[-1]
    # set but empty is a different mistake from never set
    empty = os.environ.get(reported) == "" or from_file.get(reported) == ""
    raise MissingSecretError(reported, looked_in, empty=empty)
