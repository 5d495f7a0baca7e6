"""``tokenkit mock``: the mock API on a terminal, for a learner or a whole room.

It runs the same ``MockAPI`` a notebook uses (one code path), prints where it listens
and the demo credentials, and stops cleanly on Ctrl-C. One process serves a room: the
mock keeps its keys, notes and counters in memory, so several workers would each have
their own and a token from one would be "unknown key" on another.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TextIO

from .server import MockAPI, server_stack


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on; 0.0.0.0 serves a room (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on; 0 picks a free one (default: 8000)")
    parser.add_argument("--seed", default=None, help="derive the demo secrets from this, so they are the same on every start")
    parser.add_argument("--public-url", default=None, help="the URL learners use, e.g. http://10.0.0.5:8000 (sets the token issuer)")
    parser.add_argument("--no-rate-limits", action="store_true", help="turn per-token rate limits off")


def describe(api: MockAPI, out: TextIO) -> None:
    """Print where the mock listens and the demo credentials (this is the one place secrets are shown)."""
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
    print("Press Ctrl-C to stop.", file=out, flush=True)


def run(args: argparse.Namespace, out: TextIO = sys.stdout, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until ``stop`` is set, for tests). Returns the exit code."""
    stop = stop or threading.Event()
    try:
        api = MockAPI(args.host, args.port, seed=args.seed, public_url=args.public_url, rate_limits=not args.no_rate_limits)
        api.start()
    except OSError as exc:
        print(f"tokenkit mock: {exc}", file=sys.stderr)
        return 2
    try:
        describe(api, out)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("\nstopping the mock API", file=out)
    finally:
        api.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tokenkit mock", description="Run the tokenkit mock API.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
