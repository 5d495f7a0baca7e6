"""What the cheat sheet says, apart from the code: titles, notes, settings and the checklist.

The code itself lives in ``snippets/<slug>.requests.py`` and ``snippets/<slug>.tokenkit.py``,
whole scripts that ``tests/test_cheatsheet.py`` runs against the bundled mock. Keeping the
words here and the code there means a note can be reworded without touching a tested file,
and a snippet can be fixed without touching the layout. Inline markup in the text is
Markdown's `code` only, so the same string reads well in CHEATSHEET.md and in the HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Topic", "TITLE", "LEDE", "SETTINGS", "SETTINGS_NOTE", "CHECKLIST", "TOPICS", "SIDES"]


@dataclass(frozen=True)
class Topic:
    """One job, done twice: ``snippets/{slug}.requests.py`` and ``snippets/{slug}.tokenkit.py``."""

    slug: str
    title: str
    note: str
    checklist: bool = False
    """Show the 401/403/429 checklist table above this topic's code."""


#: The two sides of every topic, in the order they are shown (left, right).
SIDES: tuple[tuple[str, str], ...] = (
    ("requests", "plain requests"),
    ("tokenkit", "tokenkit"),
)

TITLE = "API tokens in Python: plain requests and tokenkit, side by side"

LEDE = (
    "Each topic does one job twice: on the left with `requests` and the libraries it already "
    "uses, on the right with tokenkit. Every snippet is a whole script that "
    "`tests/test_cheatsheet.py` runs against the bundled mock API, and checks what it prints "
    "(the `# prints:` lines; `…` stands for what changes from run to run). This page is "
    "generated from those scripts by `python -m cheatsheet.build`."
)

#: (variable, what it is, where to get it for the bundled mock)
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("TOKENKIT_TOKEN_URL", "the token endpoint", "`http://127.0.0.1:8000/oauth/token`"),
    ("TOKENKIT_API_URL", "the API's base URL", "`http://127.0.0.1:8000`"),
    ("TOKENKIT_CLIENT_ID", "your client's id", "`analytics-reader`"),
    ("TOKENKIT_CLIENT_SECRET", "your client's secret", "printed by `tokenkit mock`"),
    ("TOKENKIT_TOKEN", "a token you already have", "`export TOKENKIT_TOKEN=$(tokenkit token --raw)`"),
)

SETTINGS_NOTE = (
    "The snippets read their settings from these environment variables (or a git-ignored "
    "`.env`), never from code. To try them, install from a checkout with `pip install -e '.[mock]'` "
    "(the distribution is `tokenkit-auth`), start the mock with `tokenkit mock` and export the "
    "values it prints. The refresh snippets need a client that gets refresh tokens (`notes-app`), "
    "the 429 snippets one with a low limit (`rate-limited`); the rest use `analytics-reader`."
)

#: (answer, what to check, in this order, what tokenkit gives you)
CHECKLIST: tuple[tuple[str, str, str], ...] = (
    (
        "401 Unauthorized",
        "1. Missing: no `error` in `WWW-Authenticate` means no token arrived (not sent, or "
        "`Bearer None`). 2. Expired: past its `expires_in`. 3. Malformed: not copied whole, or "
        "with quotes, spaces, a line break, `Bearer ` twice. 4. Only then the form: the scheme "
        "`WWW-Authenticate` names (Bearer, raw, `X-API-Key`); a token for another API (`aud`).",
        "`AuthenticationError`; `RefreshingAuth` renews once and resends",
    ),
    (
        "403 Forbidden",
        "The token is fine, the permission is not: compare the `scope` in `WWW-Authenticate` "
        "with the token's. A new token for the same client will not help: ask for the scope, "
        "with a client that may have it.",
        "`ForbiddenError`; do not retry",
    ),
    (
        "429 Too Many Requests",
        "Wait what `Retry-After` says (seconds or an HTTP date), else back off with jitter; pace "
        "with `RateLimit-Remaining` and `-Reset`. Do not get round a limit with more tokens: "
        "APIs count per client or account.",
        "`RateLimitedError.retry_after`; `session()`",
    ),
    (
        "token endpoint 400/401",
        "The JSON body's `error`: `invalid_client` (wrong id or secret, a stray space), "
        "`invalid_scope`, `invalid_grant` (refresh token used, expired or revoked).",
        "`TokenEndpointError.error`",
    ),
    (
        "other 4xx, 5xx",
        "Not a token problem: the URL, the method, the body.",
        "`diagnose(r).about_tokens` is False",
    ),
)

TOPICS: tuple[Topic, ...] = (
    Topic(
        "token_form",
        "Get a token: client credentials, form body + HTTP Basic",
        "The standard request (RFC 6749 §4.4): a form body with `grant_type=client_credentials` "
        "and the client's id and secret in HTTP Basic, which every server must accept (§2.3.1). "
        "requests' `auth=(id, secret)` does not form-urlencode them first as §2.3.1 asks; that "
        "matters only for ids or secrets with characters like `:` `+` `%`, and `ClientCredentials` "
        "does it. A refusal's JSON body says why (`invalid_client`, `invalid_scope`, …).",
    ),
    Topic(
        "token_json",
        "Get a token: client credentials as a JSON body",
        "Some APIs want the token request as JSON with the secret in the body: use it only where "
        "their docs say so, since standard servers expect the form. `client_secret_post` is the "
        "RFC's way of putting the secret in the form body. Never `params=`: it puts the secret "
        "in the URL, and URLs end up in logs.",
    ),
    Topic(
        "headers",
        "Send it: Bearer, raw, or the API's own header",
        "RFC 6750 §2.1: `Authorization: Bearer <token>`, one space, the token exactly as "
        "received. Some APIs take it raw or in a header of their own (`X-API-Key`); the docs and "
        "a 401's `WWW-Authenticate` say which. An auth object sets the header on every request "
        "of a session and keeps the token out of reprs.",
    ),
    Topic(
        "me",
        "Smoke test first: GET /me",
        "Make this the first call of every new script, notebook or deployment: one GET of an "
        "endpoint that needs nothing but a valid token (`/me`, `/user`, `/userinfo`, `/whoami`). "
        "200 means the token and the way you send it are right, so a later failure is about "
        "scope, URL or body; anything else, stop and fix the token before debugging further.",
    ),
    Topic(
        "checklist",
        "When a call is refused: the 401 / 403 / 429 checklist",
        "Most 401s are a missing, expired or malformed token: check those before the scheme. "
        "The reason is in `WWW-Authenticate` (RFC 6750 §3); `tokenkit.diagnose` reads it, and "
        "the token you sent, and says what to do.",
        checklist=True,
    ),
    Topic(
        "retry",
        "429: honour Retry-After, back off with jitter (Retry + HTTPAdapter)",
        "429 means \"later\". urllib3's `Retry`, mounted with `HTTPAdapter`, waits what "
        "`Retry-After` says and otherwise backs off exponentially; jitter keeps many clients from "
        "retrying in step. No hand-written sleep loops. Only idempotent methods are retried (not "
        "POST). `raise_on_status=False` returns the last 429 instead of raising `RetryError`. "
        "`tokenkit.session` mounts the same, gives up at once on a `Retry-After` longer than "
        "`max_wait`, and takes `jitter=` (urllib3's `backoff_jitter`). Here the 6th call waits for `Retry-After`, "
        "about 2 s (`rate-limited` may make 5 requests per 2 s).",
    ),
    Topic(
        "refresh",
        "The refresh grant",
        "`grant_type=refresh_token` (RFC 6749 §6) gets a new access token without asking the user again. Keep the newest "
        "refresh token: a server that rotates them refuses a used one (`invalid_grant`). They "
        "come with user grants (authorization code, device code); with client credentials a "
        "server SHOULD NOT issue one (§4.4.3), so just fetch again, as `RefreshingAuth` does. "
        "The mock's `notes-app` issues them to practise on.",
    ),
    Topic(
        "dotenv",
        "Secrets from the environment or a .env file",
        "Credentials live in the environment or in a git-ignored `.env`, never in code, "
        "notebooks or command-line flags. `load_dotenv()` without a path starts looking in the "
        "script's own folder, not the working directory: pass the path, or "
        "`find_dotenv(usecwd=True)`. Print a length or a masked value, never the secret.",
    ),
    Topic(
        "getenv_trap",
        "The os.getenv trap: `Bearer None`",
        "`os.getenv` returns `None` for a missing (or misspelt) variable, and an f-string turns it "
        "into the header `Bearer None`: the API answers 401, far from the typo. "
        "Read required settings with `os.environ[...]`, or check them at start-up, so a missing "
        "one stops the script with its name.",
    ),
    Topic(
        "decode",
        "Look inside a JWT (for debugging only)",
        "Anyone can read a JWT, and until its signature is checked nothing in it can be trusted. "
        "Decode to debug, never in program logic: a client treats access tokens as opaque (RFC "
        "9068 §6: their format may change at any time) and plans renewal with `expires_in` from "
        "the token response, not `exp`. An opaque token cannot be decoded at all, and that is "
        "normal.",
    ),
    Topic(
        "verify",
        "Verify a JWT against the issuer's JWKS (the API's job)",
        "What an API (or a test) checks before trusting a token: the signature, with the key the "
        "header's `kid` names in the issuer's JWKS (its `jwks_uri` is in "
        "`/.well-known/openid-configuration`); a fixed list of algorithms; `exp`, `iss`, `aud`; "
        "and `typ` `at+jwt` (or `application/at+jwt`), so another kind of JWT from the same "
        "issuer is refused (RFC 9068 §4, RFC 8725 §3.11). PyJWT checks `exp` only when present: "
        "`require` it.",
    ),
)
