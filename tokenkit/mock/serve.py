"""``tokenkit mock``: the mock API on a terminal, for a learner or a whole room.

It runs the same ``MockAPI`` a notebook uses (one code path), prints where it listens
and the demo credentials, and stops cleanly on Ctrl-C. One process serves a room: the
mock keeps its keys, notes and counters in memory, so several workers would each have
their own and a token from one would be "unknown key" on another.

``tokenkit mock --classroom`` serves a room with a world per learner (``classroom.py``): it
listens on every interface, prints the URL learners use (this machine's LAN address, never
0.0.0.0, or ``--public-url``), a join line for a slide, and the instructor's URL with its key.
"""

from __future__ import annotations

import argparse
import gc
import socket
import sys
import threading
from typing import TextIO

from .classroom import DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_LEARNERS, ClassroomMock, lan_address
from .collector import freeze_startup_objects
from .server import MockAPI, server_stack

WILDCARDS = {"0.0.0.0", "::", ""}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help="address to listen on; 0.0.0.0 serves a room (default: 127.0.0.1; 0.0.0.0 with --classroom)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on; 0 picks a free one (default: 8000)")
    parser.add_argument("--seed", default=None, help="derive the demo secrets from this, so they are the same on every start")
    parser.add_argument("--public-url", default=None, help="the URL learners use, e.g. http://10.0.0.5:8000 (sets the token issuer)")
    parser.add_argument("--no-rate-limits", action="store_true", help="turn per-token rate limits off")
    room = parser.add_argument_group("classroom")
    room.add_argument("--classroom", action="store_true", help="one server for a room: each learner gets their own world under /t/<name>")
    room.add_argument("--max-learners", type=int, default=DEFAULT_MAX_LEARNERS, help=f"seats in the room (default: {DEFAULT_MAX_LEARNERS})")
    room.add_argument("--idle-minutes", type=float, default=DEFAULT_IDLE_TIMEOUT / 60, help="free a seat unused this long (default: 240)")
    room.add_argument("--instructor-key", default=None, help="the instructor page's key (default: a random one, printed)")


def describe(api: MockAPI, out: TextIO) -> None:
    """Print where the mock listens and the demo credentials (this is the one place secrets are shown).

    The public client and the demo people are listed too: lesson 11 logs alice in through
    ``cli-app``, and on a terminal the banner is where a learner reads her password.
    """
    print(f"tokenkit mock API listening on {api.url}", file=out)
    if api.host in {"0.0.0.0", "::"}:
        print(f"  learners use this machine's address instead of 0.0.0.0 (e.g. http://<your-ip>:{api.port})", file=out)
    print(f"  docs:           {api.url}/docs", file=out)
    print(f"  token endpoint: {api.url}/oauth/token", file=out)
    stack = server_stack()
    print(f"  served by:      uvicorn on {stack['loop']} + {stack['http']}", file=out)
    print("  demo clients (client_id / client_secret / scopes):", file=out)
    for client in api.clients.values():
        print(f"    {client.client_id:<17} {client.client_secret:<34} {' '.join(client.scopes)}", file=out)
    for client in api.public_clients.values():  # they log a person in: device code or PKCE
        print(f"    {client.client_id:<17} {'(public, no secret)':<34} {' '.join(client.scopes)}", file=out)
    print("  demo people (name / password), for the login and device pages:", file=out)
    for name, password in api.users.items():
        print(f"    {name:<17} {password}", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)


def public_url_for(host: str, port: int, given: str | None) -> tuple[str, str | None]:
    """The URL learners use, and a warning if it only works on this machine. Never 0.0.0.0."""
    if given:
        return given.rstrip("/"), None
    if host not in WILDCARDS:
        shown = f"[{host}]" if ":" in host else host
        note = "it listens on loopback only: learners on other machines need --host 0.0.0.0" if host.startswith("127.") or host == "::1" else None
        return f"http://{shown}:{port}", note
    address = lan_address()
    if address is None:
        return f"http://127.0.0.1:{port}", "no network address found: learners on other machines need --public-url http://<this-machine>:<port>"
    return f"http://{address}:{port}", None


def describe_classroom(room: ClassroomMock, out: TextIO, note: str | None = None) -> None:
    """Print the learners' URL, a join line for a slide, and the instructor's URL (with its key)."""
    assert room.classroom is not None
    url = room.public_url
    print(f"tokenkit classroom server listening on {url} (bound to {room.host}:{room.port})", file=out)
    if note:
        print(f"  note: {note}", file=out)
    print(f"  learners join at:  {url}/classroom", file=out)
    print(f"  slide:             Open {url}/classroom, type your name, paste the lines it gives you", file=out)
    print(f"  each learner's API {url}/t/<name>  (own secrets, notes, clock and log)", file=out)
    print(f"  instructor view:   {url}/classroom/instructor#key={room.classroom.instructor_key}", file=out)
    print(f"  check from another device: {url}/health", file=out)
    minutes = room.classroom.idle_timeout / 60
    print(f"  seats:             up to {room.classroom.max_learners}; a seat idle {minutes:.0f} min is freed", file=out)
    stack = server_stack()
    print(f"  served by:         uvicorn on {stack['loop']} + {stack['http']}", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)


def run(args: argparse.Namespace, out: TextIO = sys.stdout, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until ``stop`` is set, for tests). Returns the exit code."""
    stop = stop or threading.Event()
    classroom = getattr(args, "classroom", False)
    host = args.host if args.host is not None else ("0.0.0.0" if classroom else "127.0.0.1")
    api: MockAPI
    note: str | None = None
    try:
        if classroom:
            port = args.port if args.port else _free_port(host)
            public, note = public_url_for(host, port, args.public_url)
            api = ClassroomMock(
                host, port, seed=args.seed, public_url=public, rate_limits=not args.no_rate_limits,
                max_learners=args.max_learners, idle_timeout=args.idle_minutes * 60, instructor_key=args.instructor_key,
            )
        else:
            api = MockAPI(host, args.port, seed=args.seed, public_url=args.public_url, rate_limits=not args.no_rate_limits)
        api.start()
    except OSError as exc:
        print(f"tokenkit mock: {exc}", file=sys.stderr)
        return 2
    froze = freeze_startup_objects()
    try:
        if isinstance(api, ClassroomMock):
            describe_classroom(api, out, note)
        else:
            describe(api, out)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("\nstopping the mock API", file=out)
    finally:
        api.stop()
        if froze:
            gc.unfreeze()  # a test that ran the command in-process gets its process back as it was
    return 0


def _free_port(host: str) -> int:
    """A free port, picked before starting so the printed URLs can name it."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tokenkit mock", description="Run the tokenkit mock API.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
