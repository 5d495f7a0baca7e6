"""Secrets: where they come from and how they are shown.

A token or client secret is shown to a person only masked. ``mask`` keeps just enough of
the ends to tell two secrets apart on screen ("is this the new token or the old one?")
while keeping the secret unusable from a screenshot, a log or a notebook output.

Secrets come from the environment, never from code: ``from_env`` reads a variable, or
else its line in a ``.env`` file (python-dotenv), so a learner can keep credentials in
one git-ignored file next to the notebooks.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import MissingSecretError

__all__ = [
    "mask",
    "redact",
    "looks_secret",
    "RedactingFilter",
    "register_credential_param",
    "from_env",
    "first_from_env",
]

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


# -- redaction: secrets inside longer text ------------------------------------------------

#: A JWT: three base64url segments, the header starting with ``eyJ`` (``{"`` encoded).
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
#: An ``Authorization``-style value: a scheme and a credential.
_SCHEME_RE = re.compile(r"(?i)\b(Bearer|Basic|Token|ApiKey)(\s+)([A-Za-z0-9._~+/=-]{8,})")
#: Query or form parameters whose value is a credential (lower case).
_CREDENTIAL_PARAMS = {
    "access_token", "api_key", "apikey", "api-key", "assertion", "client_assertion", "client_secret",
    "code", "code_verifier", "id_token", "key", "password", "refresh_token", "secret", "token",
}
_params_lock = threading.Lock()
_param_re: re.Pattern[str] | None = None
#: A word a secret could be: URL-safe characters only, no spaces.
_WORD_RE = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")


def register_credential_param(name: str) -> None:
    """Treat query/form parameter ``name`` as a credential in :func:`redact` and :class:`RedactingFilter`.

    :class:`~tokenkit.ApiKeyAuth` registers its ``query=`` name, so a log line with
    ``?<name>=<key>`` in it is masked by the filter. Names are not secrets; values are.
    """
    global _param_re
    with _params_lock:
        if name.lower() not in _CREDENTIAL_PARAMS:
            _CREDENTIAL_PARAMS.add(name.lower())
            _param_re = None


def _params() -> re.Pattern[str]:
    global _param_re
    with _params_lock:
        if _param_re is None:
            names = "|".join(sorted(map(re.escape, _CREDENTIAL_PARAMS), key=len, reverse=True))
            # name=value (URL, form) or "name": "value" (JSON)
            _param_re = re.compile(
                rf"(?i)(?<![A-Za-z0-9_-])((?:{names})=|[\"'](?:{names})[\"']\s*:\s*[\"'])([^&\s\"',;)}}\]#]+)"
            )
        return _param_re


def _kind(c: str) -> int:
    return 1 if c.islower() else 2 if c.isupper() else 3 if c.isdigit() else 0


#: Characters that separate the words of a name (``notes-app``, ``client_credentials``).
_SEPARATORS = frozenset("-_.~+/=")


def _small(text: str) -> bool:
    """Only small letters, at least one (``str.islower`` also says yes to ``"-g"``)."""
    return text.isalpha() and text.islower()


def _odd_places(word: str) -> tuple[int, int]:
    """``(capitals in odd places, capitals inside words)`` of ``word``.

    Names mix case by convention: a capital starts a word (``RateLimit``), an acronym is
    a run of capitals followed by a word or nothing (``HTTPHandler``, ``DOMImplementationLS``),
    and the word after a capital is small letters. Random text breaks that all the time:
    a capital followed by a digit or a lone small letter (``uGVHufnor8``), a small letter
    between capitals (``SiRRAT``), a small letter right after a digit in a mixed word.
    """
    n = len(word)
    odd = inside = 0
    for i in range(1, n):
        char, prev = word[i], word[i - 1]
        if char.isupper() and prev not in _SEPARATORS:
            inside += 1
            if prev.islower() or prev.isdigit():  # a new word starts here: is it one?
                end = i
                while end < n and word[end].isupper():
                    end += 1
                if end == n and end - i >= 2:
                    continue  # an acronym at the end
                if not _small(word[end : end + 2]):
                    odd += 1
        elif char.islower() and prev.isupper():
            following = word[i + 1 : i + 2]
            if following and not following.islower() and following not in _SEPARATORS and i >= 2 and word[i - 2] not in _SEPARATORS:
                odd += 1  # one small letter between capitals/digits, not a short word after a separator
        elif char.islower() and prev.isdigit() and inside:
            odd += 1
    return odd, inside


def _random_mix(word: str) -> bool:
    """The second test of :func:`looks_secret`: digit density and case mixing no name has."""
    n = len(word)
    digits = sum(c.isdigit() for c in word)
    lower = sum(c.islower() for c in word)
    if digits * 4 >= n:
        swaps = sum(1 for a, b in zip(word, word[1:]) if a.isdigit() != b.isdigit() and (a.isalpha() or b.isalpha()))
        hex_like = lower > 0 and lower + digits + word.count("-") == n  # token_hex, a UUID
        if hex_like or swaps >= 4:
            return True
    if lower < 3:
        return False  # CONSTANT_NAMES_LIKE_THIS
    odd, inside = _odd_places(word)
    return odd >= 2 or (odd >= 1 and inside >= 3)


def looks_secret(word: str) -> bool:
    """A guess: could ``word`` be a key, token or client secret rather than a name?

    At least 16 URL-safe characters, no spaces, and shaped like random text, by either of
    two tests. (1) The character classes (lower, upper, digit) change often: ``aB3x…``
    (a capital starting a word does not count). (2) Random mixing that naming
    conventions never make: dense digits interleaved with letters (hex digests, UUIDs),
    or capitals in odd places (after a small letter without starting a small-letter
    word, before a digit, a lone small letter between capitals). Names such as
    ``notes-app``, ``client_credentials``, ``WWW-Authenticate``, ``X-RateLimit-Remaining``,
    ``Content-Security-Policy-Report-Only`` or ``HTTPBasicAuthHandler`` pass both; random
    16-character secrets are caught but for about 1 in 150 that come out word-like by
    chance (all small letters, say). Used only where a server echoes text we did not write
    (an ``error_description``), for a ``client_id`` that may really be a secret typed into
    the wrong field, and by the mock to decide what it may echo.
    """
    if not isinstance(word, str) or not _WORD_RE.fullmatch(word):
        return False
    changes = 0
    for a, b in zip(word, word[1:]):
        ka, kb = _kind(a), _kind(b)
        if ka and kb and ka != kb and not (ka == 2 and kb == 1):
            changes += 1
    return changes >= max(3, len(word) // 8) or _random_mix(word)


def redact(text: str, secrets: Iterable[str | None] = (), *, guess: bool = False) -> str:
    """``text`` with every credential in it masked (see :func:`mask`).

    Masks each of ``secrets`` wherever it appears, anything shaped like a JWT, the
    credential after ``Bearer``/``Basic``, and the values of credential parameters
    (``api_key=…``, ``client_secret=…``, ``"refresh_token": "…"``). With ``guess`` it also
    masks words that :func:`looks_secret`, for text a server wrote: a server may echo a
    secret we cannot know about (a token pasted into ``scope``).
    """
    if not isinstance(text, str) or not text:
        return text
    known = sorted({s for s in secrets if isinstance(s, str) and len(s) >= 4}, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, mask(secret))
    text = _JWT_RE.sub(lambda m: mask(m.group(0)), text)
    # "Bearer <credential>": masked only if it looks like one ("token endpoint" is prose)
    text = _SCHEME_RE.sub(lambda m: m.group(1) + m.group(2) + (mask(m.group(3)) if looks_secret(m.group(3)) else m.group(3)), text)
    text = _params().sub(lambda m: m.group(0) if _ELLIPSIS in m.group(2) else m.group(1) + mask(m.group(2)), text)
    if guess:
        text = _WORD_RE.sub(lambda m: mask(m.group(0)) if looks_secret(m.group(0)) else m.group(0), text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks credentials in each record (message, args and traceback).

    tokenkit puts it on its own loggers. Add it to *your* handler to cover other libraries
    too: urllib3 logs every URL it requests (``?api_key=…`` included) at DEBUG, and the
    URL of each retry at WARNING::

        handler.addFilter(tokenkit.RedactingFilter())

    It masks JWT-shaped strings, ``Bearer``/``Basic`` credentials and credential
    parameters (see :func:`redact`), plus any ``secrets`` given here.
    """

    def __init__(self, secrets: Iterable[str] = (), name: str = "") -> None:
        super().__init__(name)
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self.secrets)
        return True


def get_logger(name: str) -> logging.Logger:
    """A tokenkit logger with :class:`RedactingFilter` on it (a logger's filters do not
    apply to its children's records, so each module's logger gets its own)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger


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
    reported = names[-1]
    # set but empty is a different mistake from never set
    empty = os.environ.get(reported) == "" or from_file.get(reported) == ""
    raise MissingSecretError(reported, looked_in, empty=empty)
