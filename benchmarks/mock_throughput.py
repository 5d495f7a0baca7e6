"""How much does full JWT verification cost the mock? Authenticated vs public, one server.

One ``tokenkit mock`` process serves; client processes hammer it over keep-alive
connections with ``http.client`` (lighter than requests, so the server is what is
measured). On a small machine the clients compete with the server for cores, so besides
wall-clock requests/s it reports requests per CPU-second of the server process (from
/proc): the server's capacity, which is what the ratio is about. Rounds alternate public ``GET /public/weather`` and authenticated ``GET /me``
(RS256 signature, claims, revocation and rate-limit bookkeeping) so drift hits both.
The server runs on uvloop + httptools when installed (the mock extra); the banner line says.
Target: authenticated >= 0.9 x public (the guard runs before FastAPI's dependency injection,
and what never changes for a token is checked once).
"""

from __future__ import annotations

import http.client
import statistics
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).parent))
from _server import ServerProcess, mock_process  # noqa: E402

CLIENT_PROCESSES = 2
CONNECTIONS_PER_PROCESS = 4
REQUESTS_PER_CONNECTION = 150
ROUNDS = 7


def _load(job: tuple[str, str, dict[str, str]]) -> int:
    """One client process: several sequential keep-alive connections, all requests must be 200."""
    url, path, headers = job
    parts = urlsplit(url)
    done = 0
    for _ in range(CONNECTIONS_PER_PROCESS):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        for _ in range(REQUESTS_PER_CONNECTION):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            done += 1
        connection.close()
    return done


def measure(pool, server: ServerProcess, path: str, headers: dict[str, str]) -> tuple[float, float]:
    """(requests per wall second, requests per server CPU second) for one round."""
    started, cpu_before = time.perf_counter(), server.cpu_seconds()
    total = sum(pool.map(_load, [(server, path, headers)] * CLIENT_PROCESSES))
    wall, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu_before
    return total / wall, (total / cpu if cpu > 0 else float("nan"))


def main() -> None:
    with mock_process("--no-rate-limits", "--seed", "bench") as url:
        stack = next((line for line in url.banner if "served by" in line), "served by: ?").split(":", 1)[1].strip()
        answer = requests.post(f"{url}/oauth/token", data={"grant_type": "client_credentials"}, auth=("notes-app", _secret(url)), timeout=5)
        answer.raise_for_status()
        auth = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        with Pool(CLIENT_PROCESSES) as pool:
            measure(pool, url, "/public/weather", {})  # warm up both paths
            measure(pool, url, "/me", auth)
            public, authenticated = [], []
            for _ in range(ROUNDS):
                public.append(measure(pool, url, "/public/weather", {}))
                authenticated.append(measure(pool, url, "/me", auth))
    print(f"mock throughput, one server process ({stack}), {ROUNDS} alternating rounds of {CLIENT_PROCESSES * CONNECTIONS_PER_PROCESS * REQUESTS_PER_CONNECTION} requests (median)")
    print(f"  {'':<34} {'req/s':>8} {'req per server CPU-s':>22}")
    for name, rounds in (("public GET /public/weather", public), ("authenticated GET /me (RS256)", authenticated)):
        print(f"  {name:<34} {statistics.median(r[0] for r in rounds):8.0f} {statistics.median(r[1] for r in rounds):22.0f}")
    wall_ratio = statistics.median(a[0] for a in authenticated) / statistics.median(p[0] for p in public)
    cpu_ratio = statistics.median(a[1] for a in authenticated) / statistics.median(p[1] for p in public)
    print(f"  authenticated / public = {wall_ratio:.2f} (wall clock), {cpu_ratio:.2f} (per server CPU-second)   target >= 0.90")


def _secret(url: str) -> str:
    # The benchmark starts the mock with --seed bench, so it can derive the secret like the mock does.
    from tokenkit.mock.clients import make_clients

    return make_clients("bench")["notes-app"].client_secret


if __name__ == "__main__":
    main()
