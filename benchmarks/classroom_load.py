"""A room on one mock process: saturation (200 learners, no pauses) and a think-time classroom.

``saturation``: one ``tokenkit mock`` process serves 200 simulated learners, each walking
through the lessons' calls with a token of their own as fast as it can: a public call, a 401
without a token, a token request, /me and /data, notes created, listed, replaced, patched and
deleted, a refresh. Learners run as threads in two client processes, a fixed number of steps each.

``think-time``: one ``tokenkit mock --classroom`` process, 1,000 learners (each joined by name,
each with their own tenant: own secrets, notes, clock, log), each making one lesson call every
1-3 s (uniformly random), cycling through the same calls plus the control calls a lesson makes
(its clock, its log), for ``--duration`` seconds. Learners are asyncio tasks (a keep-alive connection each) in two
client processes. It reports p50/p95/p99 latency, 5xx, whether every learner's notes are all
there at the end (nothing lost), the server's RSS over the run and its garbage-collection pauses
(timed inside the server with ``gc.callbacks``), then says whether issue 13's target was met:
p99 < 100 ms, no 5xx, nothing lost, and RSS flat (at most 5% growth over the second half, when
every tenant's bounded state has long filled). Run it for long (``--duration 900``) to judge RSS.
Loopback only. ``python benchmarks/classroom_load.py [saturation|think-time|both] [--learners N]
[--duration S]``; with no arguments both run (think-time for 120 s).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Awaitable, Callable
from multiprocessing import Pool
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

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


def saturation() -> int:
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


# -- the think-time classroom -----------------------------------------------------------------

THINK_LEARNERS = 1000
THINK_SECONDS = 120.0
THINK_MIN, THINK_MAX = 1.0, 3.0
INSTRUCTOR_KEY = "bench-instructor"


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Connection:
    """One learner's keep-alive HTTP/1.1 connection: a few lines of asyncio, so that 500 learners
    in one client process cost the client little and the server is what is measured (httpx's
    pool made the client the bottleneck at this many connections)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None, *,
                      json_body: object = None, form: dict[str, str] | None = None) -> tuple[int, bytes]:
        body = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if json_body is not None:
            body = json.dumps(json_body).encode()
            lines.append("Content-Type: application/json")
        elif form is not None:
            body = urlencode(form).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
        lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status = int((await self.reader.readline()).split()[1])
        length, close = 0, False
        while True:
            line = (await self.reader.readline()).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = self.reader = None
        return status, payload


async def think_learner(url: str, name: str, key: str, until: float, rng: random.Random) -> dict[str, Any]:
    """One learner: a lesson call, a pause of 1-3 s, the next call, until ``until``."""
    parsed = urlsplit(url)
    http = Connection(parsed.hostname or "127.0.0.1", parsed.port or 80)
    base = f"/t/{name}"
    control = {"X-Classroom-Key": key}
    latencies: list[float] = []
    statuses: list[int] = []
    created = deleted = 0
    _, answer = await http.request("POST", f"{base}/classroom/connect", control, json_body={"fresh": True, "lesson": "03"})
    secret = next(c["client_secret"] for c in json.loads(answer)["clients"] if c["client_id"] == "notes-app")
    basic = {"Authorization": "Basic " + base64.b64encode(f"notes-app:{secret}".encode()).decode()}
    token: dict[str, str] = {}
    note_ids: list[int] = []

    async def call(method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, bytes]:
        started = time.perf_counter()
        status, payload = await http.request(method, base + path, headers, **kwargs)
        latencies.append(time.perf_counter() - started)
        statuses.append(status)
        return status, payload

    def bearer() -> dict[str, str]:
        return {"Authorization": f"Bearer {token['access_token']}"}

    async def get_token() -> None:
        status, payload = await call("POST", "/oauth/token", basic, form={"grant_type": "client_credentials"})
        if status == 200:
            token.update(json.loads(payload))

    async def create() -> None:
        nonlocal created
        status, payload = await call("POST", "/notes", bearer(), json_body={"title": f"{name} note", "tags": ["bench"]})
        if status == 201:
            created += 1
            note_ids.append(json.loads(payload)["id"])

    async def delete() -> None:
        nonlocal deleted
        if note_ids and (await call("DELETE", f"/notes/{note_ids.pop(0)}", bearer()))[0] == 204:
            deleted += 1

    async def replace() -> None:
        if note_ids:
            await call("PUT", f"/notes/{note_ids[-1]}", bearer(), json_body={"title": f"{name} replaced"})

    async def patch() -> None:
        if note_ids:
            await call("PATCH", f"/notes/{note_ids[-1]}", bearer(), json_body={"tags": ["bench", "patched"]})

    async def refresh() -> None:
        if token.get("refresh_token"):
            status, payload = await call("POST", "/oauth/token", basic, form={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
            if status == 200:
                token.update(json.loads(payload))

    steps: list[Callable[[], Awaitable[Any]]] = [
        lambda: call("GET", "/public/weather"),
        lambda: call("GET", "/data"),  # the lesson's first 401
        get_token,
        lambda: call("GET", "/me", bearer()),
        lambda: call("GET", "/data", bearer()),
        create,
        lambda: call("GET", "/notes", bearer()),
        replace, patch, delete,  # one note made and one deleted per round: a steady state, so RSS can be flat
        lambda: call("GET", "/classroom/clock", control),  # api.clock.now()
        refresh,
        lambda: call("GET", "/classroom/log?limit=7", control),  # api.log(limit=7)
    ]
    await asyncio.sleep(rng.uniform(0, THINK_MAX))  # learners do not start in step
    step = 0
    while time.monotonic() < until:
        await steps[step % len(steps)]()
        step += 1
        await asyncio.sleep(rng.uniform(THINK_MIN, THINK_MAX))
    listed = json.loads((await http.request("GET", f"{base}/notes", bearer()))[1])["count"] if token else 0
    if http.writer is not None:
        http.writer.close()
    return {"latencies": latencies, "statuses": statuses, "created": created, "deleted": deleted, "listed": listed}


async def think_process_main(url: str, seats: list[tuple[str, str]], seconds: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    until = time.monotonic() + seconds
    results = await asyncio.gather(*(think_learner(url, name, key, until, random.Random(rng.random())) for name, key in seats))
    return {
        "latencies": [lat for r in results for lat in r["latencies"]],
        "statuses": [s for r in results for s in r["statuses"]],
        "created": sum(r["created"] for r in results),
        "deleted": sum(r["deleted"] for r in results),
        "listed": sum(r["listed"] for r in results),
        "lost": [name for (name, _), r in zip(seats, results) if r["listed"] != r["created"] - r["deleted"]],
    }


def think_process(job: tuple[str, list[tuple[str, str]], float, int]) -> dict[str, Any]:
    url, seats, seconds, seed = job
    try:
        import uvloop

        return uvloop.run(think_process_main(url, seats, seconds, seed))
    except ImportError:
        return asyncio.run(think_process_main(url, seats, seconds, seed))


#: "RSS flat": the second half of the run grows the server's RSS by at most this fraction.
RSS_FLAT_WITHIN = 0.05
#: The latency target at the 99th percentile, in ms.
P99_TARGET_MS = 100.0


def rss_verdict(samples: list[tuple[float, float]], elapsed: float, rss_end: float) -> tuple[bool, str]:
    """Whether RSS stayed flat over the second half of the run, and the figures that say so.

    Every tenant's bounded state (its log, refresh tokens, rate windows) fills in the first
    minutes; after that a server that keeps nothing unbounded stays the same size. So the
    figure judged is the growth from the middle of the run to its end, in MB and in percent.
    """
    if not samples:
        return False, "no RSS samples"
    middle = next((rss for at, rss in samples if at >= elapsed / 2), samples[-1][1])
    end = max(rss_end, samples[-1][1]) if rss_end else samples[-1][1]
    growth = end - middle
    share = growth / middle if middle else 0.0
    flat = share <= RSS_FLAT_WITHIN
    words = "flat" if flat else "NOT flat"
    return flat, f"{words}: {middle:.0f} MB at half time, {end:.0f} MB at the end, {growth:+.1f} MB ({share:+.1%}; flat means at most {RSS_FLAT_WITHIN:.0%})"


def describe_gc(stats: dict[str, Any] | None, since: float) -> list[str]:
    """Lines about the server's garbage collections during the load (after wall-clock ``since``)."""
    if not stats:
        return ["  server GC           (no figures)"]
    young = stats["young"]
    lines = [
        f"  server GC gen 0     {young['count']:8d} collections, {young['total_ms']:.0f} ms in all, longest {young['max_ms']:.1f} ms (whole life)"
    ]
    for generation in (1, 2):
        pauses = [ms for at, gen, ms in stats["pauses"] if gen == generation and at >= since]
        lines.append(
            f"  server GC gen {generation}     {len(pauses):8d} collections during the load, {sum(pauses):.0f} ms in all, "
            f"longest {max(pauses, default=0.0):.1f} ms, {sum(1 for ms in pauses if ms > 50)} over 50 ms"
        )
    full = [f"{ms:.0f}" for at, gen, ms in stats["pauses"] if gen == 2 and at >= since]
    if full:
        lines.append(f"  full collections    {' / '.join(full[-20:])} ms (the last {min(len(full), 20)})")
    lines.append(f"  objects frozen      {stats['frozen']:8d} (gc.freeze() at start-up: never walked by a collection)")
    return lines


def think_time(learners: int = THINK_LEARNERS, seconds: float = THINK_SECONDS) -> int:
    with mock_process(
        "--classroom", "--host", "127.0.0.1", "--max-learners", str(learners + 10), "--instructor-key", INSTRUCTOR_KEY, gc_stats=True,
    ) as url:
        with requests.Session() as http:
            seats = []
            for n in range(learners):
                answer = http.post(f"{url}/classroom/join", json={"name": f"learner-{n:04d}"}, timeout=30).json()
                seats.append((answer["learner"], answer["key"]))
        rss_start = rss_mb(url.pid)
        share = (learners + CLIENT_PROCESSES - 1) // CLIENT_PROCESSES
        jobs = [(str(url), seats[i * share:(i + 1) * share], seconds, i) for i in range(CLIENT_PROCESSES)]
        samples: list[tuple[float, float]] = []
        started = time.perf_counter()
        load_began = time.time()
        cpu_before = url.cpu_seconds()
        with Pool(CLIENT_PROCESSES) as pool:
            pending = pool.map_async(think_process, jobs)
            while not pending.ready():
                samples.append((time.perf_counter() - started, rss_mb(url.pid)))
                pending.wait(5)
            results = pending.get()
        elapsed = time.perf_counter() - started
        server_cpu = url.cpu_seconds() - cpu_before
        rss_end = rss_mb(url.pid)
        gc_stats = url.gc_stats()
        snapshot = requests.get(f"{url}/classroom/instructor.json", headers={"X-Classroom-Key": INSTRUCTOR_KEY}, timeout=30).json()
        one_tenant = requests.get(f"{url}/t/{seats[0][0]}/mock/state", timeout=30).json()["sizes"]
    latencies = sorted(lat for r in results for lat in r["latencies"])
    statuses = [s for r in results for s in r["statuses"]]
    created = sum(r["created"] for r in results)
    deleted = sum(r["deleted"] for r in results)
    listed = sum(r["listed"] for r in results)
    lost = [name for r in results for name in r["lost"]]
    server_errors = sum(1 for s in statuses if s >= 500)
    quantile = statistics.quantiles(latencies, n=1000)
    p99 = quantile[989] * 1000
    print(f"classroom think-time: {learners} learners (a tenant each), a call every {THINK_MIN:.0f}-{THINK_MAX:.0f} s, {elapsed:.0f} s, one process")
    print(f"  requests            {len(statuses):8d} ({len(statuses) / elapsed:.0f} req/s); server CPU {server_cpu / elapsed:.0%} of one core")
    print(f"  latency p50/p95/p99 {statistics.median(latencies) * 1000:8.1f} / {quantile[949] * 1000:.1f} / {p99:.1f} ms "
          f"(p99.9 {quantile[998] * 1000:.1f} ms, max {latencies[-1] * 1000:.0f} ms)")
    print(f"  5xx answers         {server_errors:8d}")
    print(f"  notes               created {created}, deleted {deleted}, listed {listed} (expected {created - deleted}); learners missing notes: {len(lost)}")
    print(f"  seats on the server {snapshot['seats']['taken']:8d}")
    flat, rss_text = rss_verdict(samples, elapsed, rss_end)
    first_half = [rss for at, rss in samples if at < elapsed / 2]
    print(f"  server RSS          {rss_start:.0f} MB after joining, first half max {max(first_half, default=0):.0f} MB; {rss_text}")
    per_minute = [f"{rss:.0f}" for at, rss in samples if int(at) % 60 < 5] + [f"{rss_end:.0f}"]
    print(f"  RSS each minute     {' / '.join(per_minute)} MB")
    for line in describe_gc(gc_stats, load_began):
        print(line)
    print(f"  one tenant holds    {one_tenant}")
    by_status = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"  statuses            {by_status}")
    checks = {
        f"p99 < {P99_TARGET_MS:.0f} ms": p99 < P99_TARGET_MS,
        "no 5xx": server_errors == 0,
        "nothing lost": not lost and listed == created - deleted,
        "RSS flat": flat,
    }
    missed = [name for name, ok in checks.items() if not ok]
    if missed:
        print("  result              TARGET MISSED: " + ", ".join(missed) + " (met: " + (", ".join(n for n, ok in checks.items() if ok) or "none") + ")")
    else:
        print("  result              TARGET MET: " + ", ".join(checks))
    return 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", choices=["saturation", "think-time", "both"], default="both")
    parser.add_argument("--learners", type=int, default=THINK_LEARNERS, help="think-time learners")
    parser.add_argument("--duration", type=float, default=THINK_SECONDS, help="think-time seconds")
    args = parser.parse_args(argv)
    code = 0
    if args.scenario in {"saturation", "both"}:
        code |= saturation()
    if args.scenario in {"think-time", "both"}:
        code |= think_time(args.learners, args.duration)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
