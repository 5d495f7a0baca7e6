"""The ``tokenkit`` command: ``decode``, ``token``, ``login``, ``mock`` and ``doctor``.

Each error is one line on stderr and a non-zero exit, no traceback: a learner at a
terminal needs to read *what to do*, not where in tokenkit it happened, and in the
terminal's words (``--audience``, not the Python keyword ``audience=``). Tokens are
printed masked unless ``--raw`` asks for the bare value (for ``$(tokenkit token --raw)``).
What a token says about itself is attacker-chosen text: control characters in it are
printed escaped, never sent to the terminal as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from . import __version__
from .decode import ACCESS_TOKEN_TYPE, decode, printable
from .verify import verify
from .errors import TokenKitError
from .secrets import mask
from .sources import ClientCredentials
from .tokens import Token

__all__ = ["main", "build_parser"]

EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser(with_mock_arguments: bool = False) -> argparse.ArgumentParser:
    """The argument parser. The mock's own flags are added only when ``mock`` is the command,
    so ``tokenkit decode`` never imports FastAPI."""
    parser = argparse.ArgumentParser(
        prog="tokenkit",
        description="Get, read and debug API tokens; run the bundled mock API.",
    )
    parser.add_argument("--version", action="version", version=f"tokenkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser("decode", help="show a JWT's header and claims (unverified unless --verify)")
    p.add_argument("token", help="the token, or - to read it from stdin ('Bearer ' prefix allowed)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--verify", action="store_true", help="check the signature and claims too (needs --issuer or --jwks-url)")
    p.add_argument("--issuer", help="expected issuer; its discovery document gives the JWKS")
    p.add_argument("--jwks-url", help="JWKS URL to take the key from")
    p.add_argument("--audience", help="expected audience")
    p.add_argument("--leeway", type=float, default=0, help="seconds of clock skew to allow")
    p.add_argument(
        "--token-type",
        default=ACCESS_TOKEN_TYPE,
        help=f"the typ header an access token must have (default {ACCESS_TOKEN_TYPE}, RFC 9068); 'any' skips the check",
    )

    p = commands.add_parser(
        "token",
        help="get an access token with the client credentials grant",
        description=(
            "Get a token with the client credentials grant. Settings come from the flags, "
            "else TOKENKIT_API_URL (or TOKENKIT_TOKEN_URL), TOKENKIT_CLIENT_ID and "
            "TOKENKIT_CLIENT_SECRET in the environment or a .env file."
        ),
    )
    p.add_argument("--api-url", help="API base URL; the token URL is <api-url>/oauth/token")
    p.add_argument("--token-url", help="token endpoint URL (overrides --api-url)")
    p.add_argument("--client-id", help="the client's id (default: TOKENKIT_CLIENT_ID)")
    p.add_argument(
        "--client-secret",
        help="the client's secret (default: TOKENKIT_CLIENT_SECRET; prefer it: flags show up in the process list and shell history)",
    )
    p.add_argument("--scope", help="space-separated scopes to ask for (default: the client's own)")
    p.add_argument("--audience", help="the API the token is for, if the server needs an audience parameter")
    p.add_argument(
        "--auth-method",
        choices=["client_secret_basic", "client_secret_post", "json"],
        default="client_secret_basic",
        help="how the client proves who it is: HTTP Basic (default), id and secret in the form body, or a JSON body",
    )
    p.add_argument("--env-file", help="the .env file to read (default: the nearest one from the current directory up)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds the whole token request may take (default 10)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--raw", action="store_true", help="print only the access token, unmasked")
    out.add_argument("--json", action="store_true", help="print the token's details as JSON (masked)")

    _add_login_parser(commands)

    p = commands.add_parser("mock", help="run the bundled mock API (needs tokenkit[mock])")
    if with_mock_arguments:
        from .mock.serve import add_arguments

        add_arguments(p)

    p = commands.add_parser("doctor", help="check this machine is ready for the lessons, and say what fixes it")
    p.add_argument("--no-mock", action="store_true", help="skip starting the mock API")
    return parser


def _add_login_parser(commands: Any) -> None:
    from .cache import default_cache_path

    p = commands.add_parser(
        "login",
        help="log a person in (device code, or browser + PKCE) and cache the token",
        description=(
            "Log a person in as a public client (no secret) and keep the token, owner-only, for the next "
            "program: --device shows a code to approve in any browser (RFC 8628); --pkce opens this "
            "machine's browser and takes the code back on 127.0.0.1 (RFC 7636, RFC 8252). A cached token is "
            "reused, and renewed with its refresh token, before anyone is asked to log in again."
        ),
    )
    grant = p.add_mutually_exclusive_group(required=True)
    grant.add_argument("--device", metavar="ISSUER", help="log in with the device code grant at this issuer URL")
    grant.add_argument("--pkce", metavar="ISSUER", help="log in in a browser (authorization code + PKCE) at this issuer URL")
    p.add_argument("--client-id", required=True, help="the public client's id, as registered at the issuer")
    p.add_argument("--scope", help="space-separated scopes to ask for (default: the client's own)")
    p.add_argument("--cache", metavar="PATH", help=f"the token cache file (default: {default_cache_path()})")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write a token cache: always log in")
    p.add_argument("--no-browser", action="store_true", help="with --pkce: print the link to open instead of opening a browser")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds each request to the issuer may take (default 10)")
    p.add_argument(
        "--login-timeout", type=float, default=300.0, help="with --pkce: seconds to wait for the browser to come back (default 300)"
    )
    p.add_argument("--json", action="store_true", help="print the token's details as JSON (masked)")


def _read_token(value: str, stdin: TextIO) -> str:
    raw = stdin.read() if value == "-" else value
    raw = raw.strip()
    if not raw:
        raise TokenKitError("no token given (stdin was empty)")
    return raw


def _cmd_decode(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    raw = _read_token(args.token, stdin)
    if args.verify:
        if not (args.issuer or args.jwks_url):
            raise TokenKitError("--verify needs --issuer or --jwks-url to find the signing key")
        token_type = None if args.token_type.strip().lower() in ("any", "none", "") else args.token_type
        decoded = verify(raw, jwks_url=args.jwks_url, issuer=args.issuer, audience=args.audience, leeway=args.leeway,
                         token_type=token_type)
    else:
        decoded = decode(raw)
    if args.json:
        text = json.dumps(decoded.to_dict(), indent=2, ensure_ascii=False)
        # Inside JSON strings json.dumps leaves C1 controls and bidi overrides as they are;
        # escaping them keeps the output valid JSON and the terminal safe.
        print("\n".join(printable(line) for line in text.split("\n")), file=out)
    else:
        print(decoded, file=out)  # DecodedToken.__str__ escapes control characters itself
    return 0


def _cmd_login(args: argparse.Namespace, out: TextIO) -> int:
    from .cache import default_cache_path
    from .login import AuthorizationCodeLogin, DeviceLogin

    cache = None if args.no_cache else (args.cache or default_cache_path())
    source: DeviceLogin | AuthorizationCodeLogin
    if args.device:
        source = DeviceLogin(args.device, args.client_id, scope=args.scope, cache=cache, timeout=args.timeout)
    else:
        source = AuthorizationCodeLogin(
            args.pkce, args.client_id, scope=args.scope, cache=cache, timeout=args.timeout,
            open_browser=not args.no_browser, login_timeout=args.login_timeout,
        )
    token = source.fetch()
    where = None if source.cache is None else str(source.cache.path)
    if args.json:
        print(json.dumps({**_masked(token), "cache": where}, indent=2), file=out)
        return 0
    print("logged in", file=out)
    _print_masked(token, out)
    print(f"cached in:    {where} (readable by you only)" if where else "cached in:    nowhere (--no-cache)", file=out)
    return 0


def _masked(token: Token) -> dict[str, Any]:
    return {
        "access_token": mask(token.access_token),
        "token_type": token.token_type,
        "expires_in": None if token.expires_in is None else round(token.expires_in),
        "scope": token.scope,
        "refresh_token": mask(token.refresh_token) if token.refresh_token else None,
    }


def _print_masked(token: Token, out: TextIO) -> None:
    print(f"access_token: {mask(token.access_token)}", file=out)
    print(f"token_type:   {token.token_type}", file=out)
    if token.expires_in is not None:
        print(f"expires_in:   {token.expires_in:.0f} s", file=out)
    print(f"scope:        {token.scope or '(none)'}", file=out)
    if token.refresh_token:
        print(f"refresh:      {mask(token.refresh_token)}", file=out)


def _cmd_token(args: argparse.Namespace, out: TextIO) -> int:
    token_url = args.token_url or (args.api_url.rstrip("/") + "/oauth/token" if args.api_url else None)
    source = ClientCredentials.from_env(
        token_url=token_url,
        client_id=args.client_id,
        client_secret=args.client_secret,
        dotenv_path=args.env_file,
        scope=args.scope,
        audience=args.audience,
        auth_method=args.auth_method,
        timeout=args.timeout,
    )
    token = source.fetch()
    if args.raw:
        print(token.access_token, file=out)
    elif args.json:
        print(json.dumps(_masked(token), indent=2), file=out)
    else:
        _print_masked(token, out)
        print("(masked; use --raw to print the token itself)", file=out)
    return 0


#: Python keywords in tokenkit's messages, and the flags that say the same at a terminal.
_FLAG_WORDS = [
    (re.compile(r"\baudience=(…|\.\.\.)?"), "--audience"),
    (re.compile(r"\bissuer=(…|\.\.\.)?"), "--issuer"),
    (re.compile(r"\bjwks_url=(…|\.\.\.)?"), "--jwks-url"),
    (re.compile(r"\bleeway=(…|\.\.\.)?"), "--leeway"),
    (re.compile(r"\bscope=(…|\.\.\.)?"), "--scope"),
    (re.compile(r"\btoken_type=None\b"), "--token-type any"),
    (re.compile(r"\bauth_method='([a-z_]+)'"), r"--auth-method \1"),
    (re.compile(r"\bas token_url\b"), "as --token-url"),
    (re.compile(r"\ba larger timeout\b"), "a larger --timeout"),
]


def _for_terminal(message: str) -> str:
    """One line, control characters escaped, Python keywords replaced by the matching flags."""
    for pattern, flag in _FLAG_WORDS:
        message = pattern.sub(flag, message)
    return printable(" ".join(message.splitlines()))


def _cmd_mock(args: argparse.Namespace) -> int:
    from .mock.serve import run

    return int(run(args))


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import main as doctor_main  # written by the lessons' side; lazy like the mock

    return int(doctor_main(start_mock=not args.no_mock))


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Run the command line; return the exit code (the console script exits with it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = stdout or sys.stdout
    err = sys.stderr
    want_mock = bool(argv) and argv[0] == "mock"
    try:
        parser = build_parser(with_mock_arguments=want_mock)
    except ImportError as exc:
        from .doctor import install_extra  # the install line for how this copy was installed

        print(f"tokenkit: error: the mock API needs extra packages ({exc.name or exc}): {install_extra('mock')}", file=err)
        return EXIT_USAGE
    args = parser.parse_args(argv)  # exits 2 with a usage line on bad arguments
    try:
        if args.command == "decode":
            return _cmd_decode(args, out, stdin or sys.stdin)
        if args.command == "token":
            return _cmd_token(args, out)
        if args.command == "login":
            return _cmd_login(args, out)
        if args.command == "doctor":
            return _cmd_doctor(args)
        return _cmd_mock(args)
    except TokenKitError as exc:
        print(f"tokenkit: error: {_for_terminal(str(exc))}", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("tokenkit: interrupted", file=err)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # a bug of ours: still one line, unless asked for the traceback
        if os.environ.get("TOKENKIT_TRACEBACK"):
            raise
        print(
            f"tokenkit: error: unexpected {type(exc).__name__}: {_for_terminal(str(exc))[:300]} "
            "(a bug in tokenkit; TOKENKIT_TRACEBACK=1 shows where)",
            file=err,
        )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
