"""How long does ``import tokenkit`` take, next to ``import requests`` (its one heavy dependency)?

Each measurement runs in a fresh interpreter (``python -c``), so nothing is cached in
``sys.modules``; the figure is the median over ``--runs`` runs of the time the import
statement itself takes. It also checks that ``import tokenkit`` loads none of the
mock's or the lessons' dependencies (fastapi, uvicorn, ipywidgets), nor PyJWT,
cryptography or python-dotenv, which tokenkit imports only when first needed.

Bytecode matters: ``pip install`` compiles ``.pyc`` files, but an editable install in an
environment with ``PYTHONDONTWRITEBYTECODE=1`` recompiles tokenkit's sources on every
start. So two figures are printed: *cached* (bytecode in a temporary
``PYTHONPYCACHEPREFIX``, warmed once: what an installed tokenkit costs) and *as this
environment runs it* (whatever it does with bytecode).

Run: ``python benchmarks/import_time.py [--runs 15]``
Budget: ``import tokenkit`` well under 150 ms (checked on the cached figure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

BUDGET_MS = 150.0
MUST_NOT_LOAD = ("fastapi", "uvicorn", "ipywidgets")
LAZY = ("jwt", "cryptography", "dotenv")

PROBE = """
import json, sys, time
t = time.perf_counter()
import {module}
elapsed = time.perf_counter() - t
print(json.dumps({{"ms": elapsed * 1e3, "loaded": [m for m in {names!r} if m in sys.modules]}}))
"""


def measure(module: str, runs: int, env: dict[str, str] | None = None) -> tuple[list[float], list[str]]:
    times: list[float] = []
    loaded: set[str] = set()
    code = PROBE.format(module=module, names=MUST_NOT_LOAD + LAZY)
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        data = json.loads(done.stdout)
        times.append(data["ms"])
        loaded.update(data["loaded"])
    return times, sorted(loaded)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        cached_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached_env["PYTHONPYCACHEPREFIX"] = cache
        measure("tokenkit", 1, cached_env)  # warm the bytecode cache
        measure("requests", 1, cached_env)
        figures = {}
        loaded: set[str] = set()
        for label, env in (("bytecode cached", cached_env), ("as this environment runs", None)):
            tk_times: list[float] = []
            rq_times: list[float] = []
            for _ in range(args.runs):  # interleaved, so machine noise affects both alike
                t, l = measure("tokenkit", 1, env)
                tk_times += t
                loaded.update(l)
                rq_times += measure("requests", 1, env)[0]
            figures[label] = (statistics.median(tk_times), statistics.median(rq_times))

    print(f"fresh interpreters, median of {args.runs} runs each")
    for label, (tk, rq) in figures.items():
        print(f"[{label}]")
        print(f"  import requests : {rq:7.1f} ms")
        print(f"  import tokenkit : {tk:7.1f} ms   (includes requests)")
        print(f"  ratio tokenkit/requests: {tk / rq:.2f}   tokenkit's own share: {tk - rq:+.1f} ms")
    tk = figures["bytecode cached"][0]
    heavy = [m for m in MUST_NOT_LOAD if m in loaded]
    lazy = [m for m in LAZY if m in loaded]
    print(f"fastapi/uvicorn/ipywidgets loaded by `import tokenkit`: {heavy or 'none'}")
    print(f"jwt/cryptography/dotenv loaded by `import tokenkit`: {lazy or 'none (imported on first use)'}")
    ok = not heavy and tk < BUDGET_MS
    print(f"budget {BUDGET_MS:.0f} ms: {'OK' if tk < BUDGET_MS else 'OVER'}")
    assert not heavy, f"import tokenkit must not load {heavy}"
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
