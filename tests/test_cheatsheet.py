"""The cheat sheet keeps its promises: every snippet runs and prints what it says it prints,
each one also fails the way it should, and CHEATSHEET.md and cheatsheet/cheatsheet.html are
exactly what ``python -m cheatsheet.build`` makes from the snippets today.

Each snippet is run as the standalone script a reader copies: a fresh ``python`` process with
only the ``TOKENKIT_*`` settings in its environment, in an empty working directory, against a
live mock on a free loopback port. The runs go in parallel (most take a fraction of a second;
the two 429 snippets wait about 2 s for ``Retry-After``), once for the module.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from cheatsheet import build
from cheatsheet.topics import SIDES, TOPICS
from tokenkit.mock import MockAPI

ROOT = Path(__file__).resolve().parent.parent
MAX_CODE_LINES = 15
MAX_COLUMNS = 79
JWT_RE = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")

Env = dict[str, str]


@dataclass(frozen=True)
class Run:
    """One run of one snippet: the demo client whose settings it gets, and what must happen.

    ``tweak`` changes the environment (or returns a ``.env`` file's text to write in the
    working directory); ``fails`` is text the script must print on stderr while exiting
    non-zero. Without ``fails`` the script must exit 0 and print its ``# prints:`` lines.
    """

    name: str
    snippet: str
    client: str = "analytics-reader"
    tweak: Callable[[Env], str | None] | None = field(default=None, compare=False)
    fails: str | None = None


def _credentials_in_dotenv(env: Env) -> str:
    """Move the client's id and secret from the environment into ./.env."""
    lines = [f"{name}={env.pop(name)}" for name in ("TOKENKIT_CLIENT_ID", "TOKENKIT_CLIENT_SECRET")]
    return "# test credentials\n" + "\n".join(lines) + "\n"


def _wrong_secret(env: Env) -> None:
    env["TOKENKIT_CLIENT_SECRET"] = "not-the-secret"


def _no_token(env: Env) -> None:
    del env["TOKENKIT_TOKEN"]


def _malformed_token(env: Env) -> None:
    env["TOKENKIT_TOKEN"] = "not-a-token"


def _forged_token(env: Env) -> None:
    """The same token with more scope in its claims and the old signature: must not verify."""
    header, payload, signature = env["TOKENKIT_TOKEN"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] += " notes:write"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    env["TOKENKIT_TOKEN"] = f"{header}.{forged}.{signature}"


def _runs() -> list[Run]:
    clients = {"refresh": "notes-app", "retry": "rate-limited"}
    runs = [
        Run(
            f"{topic.slug}.{side}",
            f"{topic.slug}.{side}.py",
            client=clients.get(topic.slug, "analytics-reader"),
            tweak=_credentials_in_dotenv if topic.slug == "dotenv" else None,
        )
        for topic in TOPICS
        for side, _ in SIDES
    ]
    # Each snippet that promises to stop on a bad setting is made to.
    runs += [
        Run("token_form.requests wrong secret", "token_form.requests.py", tweak=_wrong_secret, fails="invalid_client"),
        Run("token_form.tokenkit wrong secret", "token_form.tokenkit.py", tweak=_wrong_secret, fails="invalid_client"),
        Run("me.requests bad token", "me.requests.py", tweak=_malformed_token, fails='401 Bearer realm="tokenkit-mock", error="invalid_token"'),
        Run("me.tokenkit bad token", "me.tokenkit.py", tweak=_malformed_token, fails="HTTP 401 Unauthorized"),
        Run("getenv_trap.requests unset", "getenv_trap.requests.py", tweak=_no_token, fails="set TOKENKIT_TOKEN"),
        Run("getenv_trap.tokenkit unset", "getenv_trap.tokenkit.py", tweak=_no_token, fails="MissingSecretError: TOKENKIT_TOKEN is not set"),
        Run("verify.requests forged", "verify.requests.py", tweak=_forged_token, fails="InvalidSignatureError"),
        Run("verify.tokenkit forged", "verify.tokenkit.py", tweak=_forged_token, fails="BadSignatureError"),
    ]
    return runs


RUNS = _runs()


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    secrets: tuple[str, ...]
    """The token and client secret the run was given: none may appear in its output."""


def _base_env() -> Env:
    """This process's environment without any TOKENKIT_* setting a developer may have exported."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TOKENKIT_")}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", PYTHONIOENCODING="utf-8")
    return env


def _token(api: MockAPI, client: str) -> str:
    demo = api.clients[client]
    response = requests.post(
        api.token_url, data={"grant_type": "client_credentials"}, auth=(demo.client_id, demo.client_secret), timeout=10
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _execute(run: Run, api: MockAPI, workdir: Path) -> Outcome:
    demo = api.clients[run.client]
    env = _base_env()
    env.update(
        TOKENKIT_API_URL=api.url,
        TOKENKIT_TOKEN_URL=api.token_url,
        TOKENKIT_CLIENT_ID=demo.client_id,
        TOKENKIT_CLIENT_SECRET=demo.client_secret,
        TOKENKIT_TOKEN=_token(api, run.client),  # a token of its own: rate limits are per token
    )
    secrets = (env["TOKENKIT_TOKEN"], demo.client_secret)
    workdir.mkdir(parents=True)
    dotenv = run.tweak(env) if run.tweak else None
    if dotenv is not None:
        (workdir / ".env").write_text(dotenv, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(build.SNIPPETS / run.snippet)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    return Outcome(done.returncode, done.stdout, done.stderr, secrets)


@pytest.fixture(scope="module")
def cheatsheet_mock() -> Iterator[MockAPI]:
    """A mock of this module's own, so its request log shows only the snippets' traffic."""
    with MockAPI() as api:
        yield api


@pytest.fixture(scope="module")
def outcomes(cheatsheet_mock: MockAPI, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every run, in parallel, each in an empty working directory of its own."""
    base = tmp_path_factory.mktemp("cheatsheet-runs")
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {
            run.name: pool.submit(_execute, run, cheatsheet_mock, base / f"run{index}")
            for index, run in enumerate(RUNS)
        }
        return {name: future.result() for name, future in futures.items()}


# -- what a snippet says it prints --------------------------------------------------------


def expected_output(source: str) -> list[str]:
    """The lines of a snippet's ``# prints:`` comment (inline, or one per ``#   `` line)."""
    lines = source.rstrip("\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(build.PRINTS_MARKER)]
    assert len(starts) == 1, "a snippet ends with exactly one '# prints:' comment"
    first = lines[starts[0]][len(build.PRINTS_MARKER) :].strip()
    rest = lines[starts[0] + 1 :]
    assert all(line.startswith("#   ") for line in rest), "after '# prints:', each line is '#   <output line>'"
    return ([first] if first else []) + [line[4:] for line in rest]


def output_pattern(expected: str) -> re.Pattern[str]:
    """``…`` stands for anything that changes between runs; the rest must match exactly."""
    return re.compile(".+?".join(re.escape(part) for part in expected.split("…")))


def test_expected_output_patterns_are_strict() -> None:
    assert output_pattern("200 analytics-reader data:read …").fullmatch("200 analytics-reader data:read 3599")
    assert not output_pattern("200 analytics-reader data:read …").fullmatch("401 analytics-reader data:read 3599")
    assert output_pattern("Bearer data:read eyJh… (… chars)").fullmatch("Bearer data:read eyJh…GDmw (753 chars)")
    assert not output_pattern("exp … UTC fresh").fullmatch("exp  UTC fresh")
    source = "print(1)\n# prints:\n#   a\n#   b\n"
    assert expected_output(source) == ["a", "b"]
    assert expected_output("print(1)\n# prints: 1\n") == ["1"]


@pytest.mark.parametrize("run", [r for r in RUNS if r.fails is None], ids=lambda r: r.name)
def test_snippet_prints_what_the_sheet_says(run: Run, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[run.name]
    assert outcome.returncode == 0, f"{run.snippet} failed:\n{outcome.stderr}"
    expected = expected_output((build.SNIPPETS / run.snippet).read_text(encoding="utf-8"))
    printed = outcome.stdout.rstrip("\n").split("\n")
    assert len(printed) == len(expected), f"{run.snippet} printed {printed!r}, its '# prints:' says {expected!r}"
    for got, want in zip(printed, expected):
        assert output_pattern(want).fullmatch(got), f"{run.snippet} printed {got!r}; '# prints:' says {want!r}"


@pytest.mark.parametrize("run", [r for r in RUNS if r.fails is not None], ids=lambda r: r.name)
def test_snippet_stops_with_a_reason_on_a_bad_setting(run: Run, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[run.name]
    assert outcome.returncode != 0, f"{run.snippet} should have stopped; it printed {outcome.stdout!r}"
    assert run.fails in outcome.stderr, f"{run.snippet}: expected {run.fails!r} in:\n{outcome.stderr}"


@pytest.mark.parametrize("run", RUNS, ids=lambda r: r.name)
def test_no_snippet_shows_a_token_or_a_secret(run: Run, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[run.name]
    shown = outcome.stdout + outcome.stderr
    for secret in outcome.secrets:
        assert secret not in shown, f"{run.snippet} printed a whole token or client secret"
    assert not JWT_RE.search(shown), f"{run.snippet} printed something that looks like a whole JWT"


def test_the_retry_snippets_really_met_a_429(outcomes: dict[str, Outcome], cheatsheet_mock: MockAPI) -> None:
    """Seven 200s from a client allowed five requests per 2 s are only possible by waiting."""
    assert outcomes["retry.requests"].returncode == 0 and outcomes["retry.tokenkit"].returncode == 0
    refused = [e for e in cheatsheet_mock.log(limit=None) if e.status == 429 and e.client_id == "rate-limited"]
    assert len(refused) >= 2, "each retry snippet should have met (and retried) at least one 429"


# -- the snippets stay small, self-contained and on the sheet --------------------------------


def _snippet_files() -> list[Path]:
    return sorted(build.SNIPPETS.glob("*.py"))


def test_every_snippet_is_on_the_sheet_and_every_topic_has_both_sides() -> None:
    on_sheet = {build.snippet_path(topic.slug, side) for topic in TOPICS for side, _ in SIDES}
    assert set(_snippet_files()) == on_sheet
    assert len({topic.slug for topic in TOPICS}) == len(TOPICS)


@pytest.mark.parametrize("path", _snippet_files(), ids=lambda p: p.name)
def test_snippet_is_short_and_reads_its_settings_from_the_environment(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    code = source.split(build.PRINTS_MARKER)[0]
    code_lines = [line for line in code.split("\n") if line.strip()]
    assert len(code_lines) <= MAX_CODE_LINES, f"{path.name}: {len(code_lines)} lines of code, at most {MAX_CODE_LINES}"
    too_wide = [line for line in source.split("\n") if len(line) > MAX_COLUMNS]
    assert not too_wide, f"{path.name}: lines wider than {MAX_COLUMNS} columns do not fit the printed page: {too_wide}"
    assert not re.search(r"127\.0\.0\.1|localhost|:\d{4,5}\b", source), f"{path.name}: a URL belongs in TOKENKIT_API_URL"
    assert "TOKENKIT_" in source or "from_env(" in source, f"{path.name}: settings come from TOKENKIT_* variables"


def test_the_generated_files_show_every_snippet_verbatim() -> None:
    markdown = build.render_markdown()
    page = html.unescape(re.sub(r"<[^>]+>", "", build.render_html()))
    for path in _snippet_files():
        source = path.read_text(encoding="utf-8").rstrip("\n")
        assert f"```python\n{source}\n```" in markdown, f"{path.name} is not shown whole in CHEATSHEET.md"
        assert source in page, f"{path.name} is not shown whole in cheatsheet.html"


def test_the_printable_page_needs_nothing_from_the_network() -> None:
    page = build.render_html()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|url\(""", page)
    assert "@page" in page and "break-inside: avoid" in page


def test_the_sheet_never_says_pip_install_tokenkit() -> None:
    for text in build.outputs().values():
        assert not re.search(r"pip install ['\"]?tokenkit(?!-auth)", text)


# -- drift -------------------------------------------------------------------------------------


def test_committed_sheet_matches_the_snippets() -> None:
    """Regenerated in memory and compared with the committed files, byte for byte."""
    out_of_date = [path.relative_to(ROOT).as_posix() for path in build.stale()]
    assert not out_of_date, (
        f"{', '.join(out_of_date)} differ from what the snippets and cheatsheet/topics.py give: "
        f"run `{build.COMMAND}` from the repository root, then commit the result"
    )
