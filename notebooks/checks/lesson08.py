"""Lesson 08: storing tokens safely.

The check writes a ``.env`` of its own, for a client the lesson never uses, in a temporary
directory, and calls the learner's function with its path while no ``TOKENKIT_*`` variable
is in the environment. The environment is put back as it was afterwards, because a
learner's function may call python-dotenv's ``load_dotenv``, which copies a file's values
into ``os.environ``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

from tokenkit import BearerAuth, ClientCredentials, MissingSecretError, Token, TokenEndpointError, mask

from . import Exercise, Verdict, error_name, not_yet, raised, right

CHECK_CLIENT = "short-lived"  # a client lesson 08 never uses, so only the file can name it
NAMES = ("TOKENKIT_API_URL", "TOKENKIT_CLIENT_ID", "TOKENKIT_CLIENT_SECRET")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")


@contextlib.contextmanager
def _clean_environment() -> Iterator[None]:
    """No TOKENKIT_* variables inside; exactly the previous ones restored afterwards."""
    saved = {name: value for name, value in os.environ.items() if name.startswith("TOKENKIT_")}
    for name in saved:
        del os.environ[name]
    try:
        yield
    finally:
        for name in [n for n in os.environ if n.startswith("TOKENKIT_")]:
            del os.environ[name]
        os.environ.update(saved)


def check_token_from_dotenv(answer: Any, *, api: Any) -> Verdict:
    """A function get_token(env_file) returning a Token for the client the .env file names."""
    if answer is None:
        return not_yet("`answer` is still None.", "Write def get_token(env_file): ... returning a Token, then set answer = get_token.")
    if isinstance(answer, (Token, str)):
        return not_yet(
            "`answer` is a token, not your function.",
            "Set answer = get_token (no parentheses): the check calls it with a .env file of its own.",
        )
    if not callable(answer):
        return not_yet(f"`answer` should be your function get_token, not a {type(answer).__name__}.", "answer = get_token")

    client = api.clients[CHECK_CLIENT]
    workdir = Path(tempfile.mkdtemp(prefix="tokenkit-check08-"))
    env_file = workdir / ".env"
    env_file.write_text(
        f"TOKENKIT_API_URL={api.url}\nTOKENKIT_CLIENT_ID={client.client_id}\nTOKENKIT_CLIENT_SECRET={client.client_secret}\n"
    )
    printed = io.StringIO()
    try:
        with _clean_environment(), contextlib.redirect_stdout(printed):
            result = answer(str(env_file))
    except MissingSecretError as exc:
        return not_yet(
            f"your function looked for {exc.name} and did not find it ({exc}).",
            "Pass the file on: tokenkit.ClientCredentials.from_env(dotenv_path=env_file) or tokenkit.from_env(name, dotenv_path=env_file).",
        )
    except KeyError as exc:
        return not_yet(
            f"your function raised KeyError: {exc}. os.environ does not read .env files.",
            "Read the file: tokenkit.from_env(name, dotenv_path=env_file), or ClientCredentials.from_env(dotenv_path=env_file).",
        )
    except TokenEndpointError as exc:
        return not_yet(
            f"the token endpoint refused: {exc.error}: {exc.error_description}",
            "Take the client id and the secret from the same file (the check's file names another client than the lesson's).",
        )
    except TypeError as exc:
        return not_yet(f"calling get_token(env_file) raised TypeError: {exc}", "The check calls it with one argument: the path of the .env file.")
    except Exception as exc:  # noqa: BLE001 - explain whatever the learner's function raised
        return not_yet(f"get_token raised {raised(exc)}", "Try it on the lesson's own file first: get_token(ENV_FILE).")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    output = printed.getvalue()
    if client.client_secret in output:
        return not_yet("your function printed the client secret whole.", "Print tokenkit.mask(secret) instead, or nothing at all.")
    if _JWT.search(output):
        return not_yet("your function printed a whole token.", "print(token) on a tokenkit.Token is masked; print(token.access_token) is not.")
    if output:
        print(output, end="" if output.endswith("\n") else "\n")

    if result is None:
        return not_yet("get_token returned None.", "End the function with `return source.fetch()`.")
    if isinstance(result, str):
        return not_yet(
            f"get_token returned a str ({mask(result)}), not a tokenkit.Token.",
            "Return the Token from source.fetch(): it knows its expiry and masks itself when printed.",
        )
    if not isinstance(result, Token):
        return not_yet(f"get_token returned a {type(result).__name__}, not a tokenkit.Token.", "return source.fetch()")

    try:
        me = requests.get(f"{api.url}/me", auth=BearerAuth(result), timeout=10)
    except requests.RequestException as exc:
        return not_yet(f"the check could not reach the API ({error_name(exc)}).", "Is the setup cell's mock still running? Run the setup cell again.")
    if me.status_code != 200:
        return not_yet(f"the API refused the token you returned (HTTP {me.status_code}).", "Return a fresh token: source.fetch().")
    got = me.json().get("client_id")
    if got != CHECK_CLIENT:
        return not_yet(
            f"this token belongs to {got!r}, but the check's .env file names {CHECK_CLIENT!r}.",
            "Read TOKENKIT_CLIENT_ID and TOKENKIT_CLIENT_SECRET from env_file, not from the lesson's CLIENT_ID/CLIENT_SECRET "
            "or the environment.",
        )
    return right(
        f"a Token for {CHECK_CLIENT!r}, the client named only in the check's own .env file, with nothing secret printed. "
        "Your function would work unchanged with your real credentials in a git-ignored .env."
    )


# -- answers that must fail (tests/test_exercises.py) ---------------------------------------


def _lesson_credentials(ns: dict[str, Any]) -> Callable[[str], Token]:
    def get_token(env_file: str) -> Token:
        return ClientCredentials(ns["TOKEN_URL"], ns["CLIENT_ID"], ns["CLIENT_SECRET"]).fetch()

    return get_token


def _returns_the_string(ns: dict[str, Any]) -> Callable[[str], str]:
    def get_token(env_file: str) -> str:
        return ClientCredentials.from_env(dotenv_path=env_file).fetch().access_token

    return get_token


def _reads_os_environ(ns: dict[str, Any]) -> Callable[[str], Token]:
    def get_token(env_file: str) -> Token:
        return ClientCredentials(ns["TOKEN_URL"], os.environ["TOKENKIT_CLIENT_ID"], os.environ["TOKENKIT_CLIENT_SECRET"]).fetch()

    return get_token


def _prints_the_token(ns: dict[str, Any]) -> Callable[[str], Token]:
    def get_token(env_file: str) -> Token:
        token = ClientCredentials.from_env(dotenv_path=env_file).fetch()
        print("got", token.access_token)
        return token

    return get_token


def _the_token_itself(ns: dict[str, Any]) -> Token:
    return ClientCredentials(ns["TOKEN_URL"], ns["CLIENT_ID"], ns["CLIENT_SECRET"]).fetch()


EXERCISES = {
    "token_from_dotenv": Exercise(
        solution="solutions/08_token_from_dotenv.py",
        check=check_token_from_dotenv,
        context=("api",),
        wrong_answers=(_lesson_credentials, _returns_the_string, _reads_os_environ, _prints_the_token, _the_token_itself),
        objective="keep local credentials in a `.env` file",
    ),
}


# -- quick checks (checks.quiz) --------------------------------------------------------------

from .quiz import predict, quiz  # noqa: E402 - the questions follow the exercise they sit beside

predict(
    "08_getenv",
    'import os\n'
    'token = os.getenv("API_TOKEN")   # nobody set API_TOKEN\n'
    'print(f"Authorization: Bearer {token}")',
    options={
        "a": "It raises KeyError: API_TOKEN.",
        "b": "Authorization: Bearer ",
        "c": "Authorization: Bearer None",
        "d": "It raises TypeError: an f-string cannot hold None.",
    },
    answer="c",
    explain={
        "a": "os.environ[name] raises KeyError; os.getenv(name) and os.environ.get(name) return None instead, silently.",
        "b": "A missing variable is None, not an empty string, and an f-string writes None as the four letters None.",
        "c": "getenv returns None and the f-string spells it out: the API receives the token 'None' and answers 401, far from the real mistake. Fail early: tokenkit.from_env, or an explicit check.",
        "d": "f-strings format any value, None included; that is exactly why the mistake travels so far before anything fails.",
    },
    objective="read credentials from environment variables",
)

predict(
    "08_env_wins",
    "# the environment has TOKENKIT_CLIENT_ID=notes-app (exported for this run)\n"
    "# the .env file says    TOKENKIT_CLIENT_ID=analytics-reader\n"
    "source = tokenkit.ClientCredentials.from_env(dotenv_path=ENV_FILE)\n"
    "print(source.client_id)",
    options={
        "a": "analytics-reader: the file is the configuration, so it wins.",
        "b": "notes-app: a value in the environment is never shadowed by the file.",
        "c": "It raises an error: the same name in two places is ambiguous.",
    },
    answer="b",
    explain={
        "a": "The file only fills in what the environment lacks (python-dotenv's override=False rule), so a stale .env cannot shadow a value CI or you exported.",
        "b": "The environment wins: a value exported for one run, or injected by CI, is never shadowed by a file on disk.",
        "c": "Nothing is ambiguous: the rule is environment first, then the file. That is why a value 'that will not change' when you edit .env is usually set in the environment too.",
    },
    objective="know which value wins when both exist",
)

quiz(
    "08_masked",
    "token is a tokenkit.Token and source a tokenkit.ClientCredentials. Which line prints a secret whole?",
    options={
        "a": "print(token)",
        "b": "print(source)",
        "c": 'print({"Authorization": token.authorization})',
        "d": "print(tokenkit.mask(token.access_token))",
    },
    answer="c",
    explain={
        "a": "A Token masks itself in its repr and str: the first and last four characters and the length.",
        "b": "ClientCredentials masks its client secret when printed.",
        "c": "token.authorization is your own string, 'Bearer <the whole token>': tokenkit cannot mask what you take out and print. Mask the header values you show.",
        "d": "mask() is the safe way to show a token: enough to compare two, useless to anyone reading your screen.",
    },
    objective="show secrets only masked",
)

quiz(
    "08_never_commit",
    "Which of these is safe to commit to your repository?",
    options={
        "a": ".env with the staging server's credentials: staging is not production.",
        "b": ".env.example, listing the variable names with no values.",
        "c": "A notebook whose saved output shows print(headers) from a debugging session.",
        "d": "A curl -v transcript attached to explain a bug.",
    },
    answer="b",
    explain={
        "a": "Staging credentials are still credentials, and git history keeps them after you delete the file. .env stays ignored.",
        "b": "Names without values tell a newcomer what to set and give nothing away. That is what .env.example is for.",
        "c": "A notebook's outputs are saved inside the .ipynb: that print(headers) put a whole token in the file. Clear outputs (or nbstripout) before committing.",
        "d": "curl -v prints every request header, Authorization included. Transcripts, logs and HAR files carry tokens.",
    },
    objective="know what must never be committed",
)

quiz(
    "08_leaked",
    "A client secret was pushed to a public repository an hour ago. What comes first?",
    options={
        "a": "Rewrite the git history (git filter-repo) so the secret disappears.",
        "b": "Make the repository private.",
        "c": "Revoke it at the provider and issue a new one (secret rotation), then update the CI secret store; clean the history afterwards.",
        "d": "Nothing: the tokens it produced expire within the hour anyway.",
    },
    answer="c",
    explain={
        "a": "By the time you notice, clones, forks and caches have a copy: rewriting history comes second, after the secret no longer works.",
        "b": "Anyone who already fetched it keeps it. Only the provider can make the secret worthless.",
        "c": "A leaked long-lived secret must stop working first: revoke it and rotate to a new one. That is also why short-lived tokens travel and the long-lived secret stays in one place.",
        "d": "The tokens expire, but the secret mints new ones for as long as it is valid, which may be months.",
    },
    objective="prefer short-lived tokens to long-lived keys",
)
