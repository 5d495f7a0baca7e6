"""tokenkit's auths on httpx2 and httpx, sync and async: per-request overhead and an async burst.

1. Overhead: GET /me on the mock through one client per variant, hand-built header vs
   ``BearerAuth`` vs ``RefreshingAuth`` (token cached), interleaved rounds; the ratio to
   the hand-built header is the auth's cost. Target <= 1.03.
2. Burst: 64 tasks on one ``AsyncClient`` meet an expired token (the mock's clock moved
   an hour): token requests (target 1), successes (target 64), and the longest event-loop
   stall a 1 ms ``asyncio.sleep`` ticker sees during the burst, next to the same burst with
   a fresh token (no fetch) as the baseline.
3. Retrying client: GET /me with ``BearerAuth`` through ``tokenkit.httpx_client`` /
   ``async_httpx_client`` (retry transport, default timeout, redirect hook) vs a plain
   ``Client``/``AsyncClient`` with the same auth, on answers that are all 200: the price
   of being ready to retry when nothing needs retrying.

Run: ``python benchmarks/httpx_auth.py [--calls 200 --rounds 9]``. The mock runs in this
process (a thread), as in auth_overhead.py, so absolute times include its share of the GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import statistics
import time
from typing import Any

from tokenkit import BearerAuth, ClientCredentials, RefreshingAuth, Token, async_httpx_client, httpx_client
from tokenkit.mock import MockAPI

TARGET = 1.03


class CountingSource:
    def __init__(self, inner: ClientCredentials) -> None:
        self.inner = inner
        self.calls = 0

    def fetch(self) -> Token:
        self.calls += 1
        return self.inner.fetch()

    async def afetch(self) -> Token:
        self.calls += 1
        return await self.inner.afetch()


def sync_overhead(lib: Any, url: str, raw: str, bearer: BearerAuth, refreshing: RefreshingAuth, calls: int, rounds: int) -> dict[str, float]:
    clients = {"headers": lib.Client(), "BearerAuth": lib.Client(auth=bearer), "RefreshingAuth": lib.Client(auth=refreshing)}
    header = {"Authorization": f"Bearer {raw}"}
    fns = {
        "headers": lambda: clients["headers"].get(url, headers=header).raise_for_status(),
        "BearerAuth": lambda: clients["BearerAuth"].get(url).raise_for_status(),
        "RefreshingAuth": lambda: clients["RefreshingAuth"].get(url).raise_for_status(),
    }
    for fn in fns.values():
        for _ in range(20):
            fn()
    results: dict[str, list[float]] = {n: [] for n in fns}
    names = list(fns)
    for r in range(rounds):
        for name in names[r % 3:] + names[: r % 3]:
            start = time.perf_counter()
            for _ in range(calls):
                fns[name]()
            results[name].append((time.perf_counter() - start) / calls)
    for c in clients.values():
        c.close()
    return {n: statistics.median(v) for n, v in results.items()}


async def async_overhead(lib: Any, url: str, raw: str, bearer: BearerAuth, refreshing: RefreshingAuth, calls: int, rounds: int) -> dict[str, float]:
    clients = {"headers": lib.AsyncClient(), "BearerAuth": lib.AsyncClient(auth=bearer), "RefreshingAuth": lib.AsyncClient(auth=refreshing)}
    header = {"Authorization": f"Bearer {raw}"}

    async def one(name: str) -> None:
        if name == "headers":
            (await clients[name].get(url, headers=header)).raise_for_status()
        else:
            (await clients[name].get(url)).raise_for_status()

    names = list(clients)
    for name in names:
        for _ in range(20):
            await one(name)
    results: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % 3:] + names[: r % 3]:
            start = time.perf_counter()
            for _ in range(calls):
                await one(name)
            results[name].append((time.perf_counter() - start) / calls)
    for c in clients.values():
        await c.aclose()
    return {n: statistics.median(v) for n, v in results.items()}


async def burst(lib: Any, api: MockAPI, *, expire: bool) -> tuple[int, int, float]:
    client = api.clients["notes-app"]
    source = CountingSource(ClientCredentials(api.token_url, client.client_id, client.client_secret, clock=api.clock.now))
    auth = RefreshingAuth(source, clock=api.clock.now)
    await auth.aget_token()
    async with lib.AsyncClient(auth=auth, timeout=30) as http:
        await http.get(f"{api.url}/me")  # connection warm
        source.calls = 0
        if expire:
            api.clock.advance(3600)
        stall = 0.0
        running = True

        async def ticker() -> None:
            nonlocal stall
            while running:
                start = time.perf_counter()
                await asyncio.sleep(0.001)
                stall = max(stall, time.perf_counter() - start - 0.001)

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.01)
        answers = await asyncio.gather(*(http.get(f"{api.url}/me") for _ in range(64)))
        running = False
        await tick
    return source.calls, sum(a.status_code == 200 for a in answers), stall


def retry_overhead(lib: Any, url: str, auth: BearerAuth, calls: int, rounds: int, mode: str, *, in_process: bool = False) -> dict[str, float]:
    """Median per-call time of a plain client and tokenkit's retrying client, interleaved rounds.

    ``in_process``: both clients answer from the library's ``MockTransport`` (a 200 built in
    this process), so the figure is the client-side cost alone, free of the server's noise.
    """
    def transport() -> dict[str, Any]:
        return {"transport": lib.MockTransport(lambda request: lib.Response(200, json={"ok": True}))} if in_process else {}

    if mode == "sync":
        clients = {"plain": lib.Client(auth=auth, timeout=10, **transport()), "retrying": httpx_client(auth, lib=lib.__name__, **transport())}

        def run(name: str) -> float:
            get = clients[name].get
            start = time.perf_counter()
            for _ in range(calls):
                get(url).raise_for_status()
            return (time.perf_counter() - start) / calls

        for name in clients:
            run(name)  # warm
        results: dict[str, list[float]] = {n: [] for n in clients}
        for r in range(rounds):
            for name in (list(clients) if r % 2 else list(clients)[::-1]):
                results[name].append(run(name))
        for c in clients.values():
            c.close()
        return {n: statistics.median(v) for n, v in results.items()}

    async def arun() -> dict[str, float]:
        aclients = {
            "plain": lib.AsyncClient(auth=auth, timeout=10, **transport()),
            "retrying": async_httpx_client(auth, lib=lib.__name__, **transport()),
        }

        async def one(name: str) -> float:
            get = aclients[name].get
            start = time.perf_counter()
            for _ in range(calls):
                (await get(url)).raise_for_status()
            return (time.perf_counter() - start) / calls

        for name in aclients:
            await one(name)
        results: dict[str, list[float]] = {n: [] for n in aclients}
        for r in range(rounds):
            for name in (list(aclients) if r % 2 else list(aclients)[::-1]):
                results[name].append(await one(name))
        for c in aclients.values():
            await c.aclose()
        return {n: statistics.median(v) for n, v in results.items()}

    return asyncio.run(arun())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    worst = 0.0
    with MockAPI(rate_limits=False) as api:
        client = api.clients["notes-app"]
        source = ClientCredentials(api.token_url, client.client_id, client.client_secret)
        token = source.fetch()
        url = f"{api.url}/me"
        bearer = BearerAuth(token)
        refreshing = RefreshingAuth(source)
        refreshing.get_token()
        print(f"GET /me, {args.rounds} interleaved rounds x {args.calls} calls, median of round means; ratio vs hand-built header")
        print(f"{'library':<8}{'mode':<7}{'headers':>11}{'BearerAuth':>12}{'RefreshingAuth':>16}")
        for name in ("httpx2", "httpx"):
            lib = importlib.import_module(name)
            for mode in ("sync", "async"):
                if mode == "sync":
                    r = sync_overhead(lib, url, token.access_token, bearer, refreshing, args.calls, args.rounds)
                else:
                    r = asyncio.run(async_overhead(lib, url, token.access_token, bearer, refreshing, args.calls, args.rounds))
                b, rf = r["BearerAuth"] / r["headers"], r["RefreshingAuth"] / r["headers"]
                worst = max(worst, b, rf)
                print(f"{name:<8}{mode:<7}{r['headers'] * 1e3:>8.3f} ms{b:>12.3f}{rf:>16.3f}")
        assert refreshing.generation == 1
        print()
        print("async burst: 64 tasks on one AsyncClient; longest loop stall seen by a 1 ms ticker")
        print(f"{'library':<8}{'token requests':>16}{'successes':>11}{'stall (expired)':>17}{'stall (fresh)':>15}")
        for name in ("httpx2", "httpx"):
            lib = importlib.import_module(name)
            calls, ok, stall = asyncio.run(burst(lib, api, expire=True))
            _, _, base = asyncio.run(burst(lib, api, expire=False))
            print(f"{name:<8}{calls:>16}{ok:>11}{stall * 1e3:>14.1f} ms{base * 1e3:>12.1f} ms")
        print()
        print("retrying client vs plain client, BearerAuth, all answers 200 (ratio: retrying / plain)")
        print(f"{'library':<8}{'mode':<7}{'where':<12}{'plain':>11}{'retrying':>12}{'ratio':>8}")
        bearer = BearerAuth(source.fetch())  # the burst moved the mock's clock past the first token's expiry
        for name in ("httpx2", "httpx"):
            lib = importlib.import_module(name)
            for mode in ("sync", "async"):
                for in_process in (False, True):
                    r = retry_overhead(lib, url, bearer, args.calls, args.rounds, mode, in_process=in_process)
                    where = "in-process" if in_process else "mock"
                    print(f"{name:<8}{mode:<7}{where:<12}{r['plain'] * 1e3:>8.3f} ms{r['retrying'] * 1e3:>9.3f} ms{r['retrying'] / r['plain']:>8.3f}")
    print(f"worst overhead ratio {worst:.3f} (target <= {TARGET}): {'OK' if worst <= TARGET else 'ABOVE TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
