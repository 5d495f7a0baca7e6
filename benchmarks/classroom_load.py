"""A room of 200 learners on one shared mock: throughput, tail latency, no 5xx, no lost notes.

One ``tokenkit mock`` process (the way an instructor runs it: one process, see README)
serves 200 simulated learners, each walking through the lessons' calls with a token of
their own: a public call, a 401 without a token, a token request, /me and /data, notes
created, listed, replaced, patched and deleted, a refresh. Learners run as threads in
two client processes, all traffic on loopback, a fixed number of steps each.
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parent))
from _server import mock_process  # noqa: E402

LEARNERS = 200
CLIENT_PROCESSES = 2
NOTES_PER_LEARNER = 3
SEED = "classroom-bench"


def _secret() -> str:
    from tokenkit.mock.clients import make_clients

    return make_clients(SEED)["notes-app"].client_secret


def learner(url: str, number: int, secret: str) -> tuple[list[float], list[int], int, int]:
    """One learner's walk through the lessons. Returns latencies, statuses, notes created, deleted."""
    latencies: list[float] = []
    statuses: list[int] = []
    created = deleted = 0
    with requests.Session() as http:

        def call(method: str, path: str, **kwargs: object) -> requests.Response:
            started = time.perf_counter()
            response = http.request(method, url + path, timeout=30, **kwargs)
            latencies.append(time.perf_counter() - started)
            statuses.append(response.status_code)
            return response

        call("GET", "/public/weather")
        call("GET", "/data")  # the first 401
        answer = call("POST", "/oauth/token", data={"grant_type": "client_credentials"}, auth=("notes-app", secret)).json()
        bearer = {"Authorization": f"Bearer {answer['access_token']}"}
        call("GET", "/me", headers=bearer)
        call("GET", "/data", headers=bearer)
        ids = []
        for index in range(NOTES_PER_LEARNER):
            response = call("POST", "/notes", json={"title": f"learner {number} note {index}", "tags": ["bench"]}, headers=bearer)
            if response.status_code == 201:
                created += 1
                ids.append(response.json()["id"])
        call("GET", "/notes", headers=bearer)
        call("PUT", f"/notes/{ids[0]}", json={"title": f"learner {number} replaced"}, headers=bearer)
        call("PATCH", f"/notes/{ids[1]}", json={"tags": ["bench", "patched"]}, headers=bearer)
        if call("DELETE", f"/notes/{ids[2]}", headers=bearer).status_code == 204:
            deleted += 1
        call("POST", "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]}, auth=("notes-app", secret))
    return latencies, statuses, created, deleted


def client_process(job: tuple[str, range, str]) -> tuple[list[float], list[int], int, int]:
    url, numbers, secret = job
    latencies: list[float] = []
    statuses: list[int] = []
    created = deleted = 0
    with ThreadPoolExecutor(max_workers=len(numbers)) as threads:
        for lat, sts, c, d in threads.map(lambda n: learner(url, n, secret), numbers):
            latencies += lat
            statuses += sts
            created += c
            deleted += d
    return latencies, statuses, created, deleted


def main() -> int:
    secret = _secret()
    with mock_process("--seed", SEED) as url:
        share = LEARNERS // CLIENT_PROCESSES
        jobs = [(str(url), range(i * share, (i + 1) * share), secret) for i in range(CLIENT_PROCESSES)]
        started = time.perf_counter()
        with Pool(CLIENT_PROCESSES) as pool:
            results = pool.map(client_process, jobs)
        elapsed = time.perf_counter() - started
        token = requests.post(f"{url}/oauth/token", data={"grant_type": "client_credentials"}, auth=("notes-app", secret), timeout=10).json()["access_token"]
        listed = requests.get(f"{url}/notes", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["count"]
    latencies = sorted(l for r in results for l in r[0])
    statuses = [s for r in results for s in r[1]]
    created, deleted = sum(r[2] for r in results), sum(r[3] for r in results)
    server_errors = sum(1 for s in statuses if s >= 500)
    quantile = statistics.quantiles(latencies, n=100)
    print(f"classroom load: {LEARNERS} learners, {len(statuses)} requests against one mock process in {elapsed:.1f} s")
    print(f"  throughput          {len(statuses) / elapsed:8.0f} req/s")
    print(f"  latency p50/p95/p99 {statistics.median(latencies) * 1000:8.1f} / {quantile[94] * 1000:.1f} / {quantile[98] * 1000:.1f} ms")
    print(f"  5xx answers         {server_errors:8d}")
    print(f"  notes               created {created}, deleted {deleted}, listed {listed} (expected {created - deleted})")
    by_status = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"  statuses            {by_status}")
    ok = server_errors == 0 and listed == created - deleted and created == LEARNERS * NOTES_PER_LEARNER
    print("  result              " + ("OK: no 5xx, no note lost" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
