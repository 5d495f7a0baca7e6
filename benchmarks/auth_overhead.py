"""What does an auth object cost per request, compared with a hand-built header?

Starts a MockAPI (rate limits off), gets one token, then times authenticated
``GET /me`` calls three ways, each on its own reused ``requests.Session``:

- ``headers``:  ``{"Authorization": f"Bearer {t}"}`` built by hand (the baseline)
- ``BearerAuth``: ``auth=BearerAuth(t)``
- ``RefreshingAuth``: ``auth=RefreshingAuth(source)`` with the token already cached

Rounds are interleaved (and their order rotated) so drift in the machine's speed hits
every variant alike; the figure per variant is the median over rounds of the mean
per-call time. A second table times only request *preparation* (no network), which
isolates the auth's own cost in microseconds.

Run: ``python benchmarks/auth_overhead.py [--calls 200] [--rounds 15]``
Target: ratio <= 1.03 for both auths.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import requests

from tokenkit import BearerAuth, ClientCredentials, RefreshingAuth
from tokenkit.mock import MockAPI

TARGET = 1.03


def timed(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per variant per round")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    with MockAPI(rate_limits=False) as api:
        client = api.clients["notes-app"]
        source = ClientCredentials(api.token_url, client.client_id, client.client_secret)
        token = source.fetch()
        url = f"{api.url}/me"
        raw = token.access_token

        sessions = {name: requests.Session() for name in ("headers", "BearerAuth", "RefreshingAuth")}
        bearer = BearerAuth(token)
        refreshing = RefreshingAuth(source)
        refreshing.get_token()  # cached: the benchmark measures the steady state

        def call_headers() -> None:
            sessions["headers"].get(url, headers={"Authorization": f"Bearer {raw}"}).raise_for_status()

        def call_bearer() -> None:
            sessions["BearerAuth"].get(url, auth=bearer).raise_for_status()

        def call_refreshing() -> None:
            sessions["RefreshingAuth"].get(url, auth=refreshing).raise_for_status()

        variants = {"headers": call_headers, "BearerAuth": call_bearer, "RefreshingAuth": call_refreshing}
        for fn in variants.values():  # warm up connections and code paths
            timed(fn, 20)

        results: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for r in range(args.rounds):
            order = names[r % len(names):] + names[: r % len(names)]
            for name in order:
                results[name].append(timed(variants[name], args.calls))
        assert refreshing.generation == 1, "RefreshingAuth should not have refreshed during the benchmark"

        # Preparation only: the auth's own cost, without the network.
        prep_session = requests.Session()
        prep = {
            "headers": lambda: prep_session.prepare_request(requests.Request("GET", url, headers={"Authorization": f"Bearer {raw}"})),
            "BearerAuth": lambda: prep_session.prepare_request(requests.Request("GET", url, auth=bearer)),
            "RefreshingAuth": lambda: prep_session.prepare_request(requests.Request("GET", url, auth=refreshing)),
        }
        prep_results: dict[str, list[float]] = {name: [] for name in prep}
        for r in range(args.rounds):
            order = names[r % len(names):] + names[: r % len(names)]
            for name in order:
                prep_results[name].append(timed(prep[name], 2000))

    base = statistics.median(results["headers"])
    base_prep = statistics.median(prep_results["headers"])
    print(f"GET /me on the mock, {args.rounds} interleaved rounds x {args.calls} calls, median of round means")
    print(f"{'variant':<16}{'per call':>12}{'ratio':>8}{'prepare only':>15}{'extra':>10}")
    worst = 0.0
    for name in names:
        per_call = statistics.median(results[name])
        ratio = per_call / base
        p = statistics.median(prep_results[name])
        if name != "headers":
            worst = max(worst, ratio)
        print(f"{name:<16}{per_call * 1e3:>9.3f} ms{ratio:>8.3f}{p * 1e6:>12.1f} µs{(p - base_prep) * 1e6:>+8.1f} µs")
    verdict = "OK" if worst <= TARGET else "ABOVE TARGET"
    print(f"worst ratio {worst:.3f} (target <= {TARGET}): {verdict}")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
