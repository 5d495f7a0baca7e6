"""Start ``tokenkit mock`` in its own process for a benchmark, and find its URL.

With ``gc_stats=True`` the server runs under this file's ``__main__``, which times every
garbage collection of the server process (``gc.callbacks``) and keeps a summary in a JSON
file that the benchmark reads: how many collections of each generation, their total and
longest pause. A full (generation 2) collection stops every request for as long as it
takes, so its longest pause is what a p99 or max latency can meet.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class ServerProcess(str):
    """The mock's base URL, which also knows the server's process id."""

    pid: int
    banner: list[str]
    """The lines the mock printed before it was ready (where it listens, what serves it)."""
    gc_stats_path: Path | None = None

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (Linux /proc; 0.0 elsewhere)."""
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def gc_stats(self) -> dict[str, Any] | None:
        """The server's garbage-collection summary so far (None without ``gc_stats=True``)."""
        if self.gc_stats_path is None:
            return None
        time.sleep(GC_STATS_EVERY + 0.5)  # the next write includes everything up to now
        try:
            return json.loads(self.gc_stats_path.read_text())
        except (OSError, ValueError):
            return None


@contextmanager
def mock_process(*extra: str, gc_stats: bool = False) -> Iterator[ServerProcess]:
    """Run the mock in a child process (so the load generator does not share its GIL)."""
    stats_path = Path(tempfile.mkstemp(prefix="tokenkit-gc-", suffix=".json")[1]) if gc_stats else None
    command = [sys.executable, "-m", "tokenkit.mock.serve"]
    if stats_path is not None:
        command = [sys.executable, __file__, str(stats_path)]
    process = subprocess.Popen([*command, "--port", "0", *extra], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        if "listening on" not in first_line:
            raise RuntimeError(f"the mock did not start: {first_line!r}")
        server = ServerProcess(first_line.split("listening on ")[1].split()[0])
        server.pid = process.pid
        server.banner = [first_line]
        server.gc_stats_path = stats_path
        for line in process.stdout:  # up to "Press Ctrl-C": the rest of the banner
            server.banner.append(line)
            if "Ctrl-C" in line:
                break
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        if stats_path is not None:
            stats_path.unlink(missing_ok=True)


#: Seconds between two writes of the GC summary.
GC_STATS_EVERY = 2.0


class GcWatch:
    """Times each collection of this process from ``gc.callbacks``.

    Young (generation 0) collections are many and short: only counted, summed and their
    longest kept. Older ones are kept one by one with the wall-clock time they started, so a
    benchmark can leave out those of start-up (``gc.freeze()`` collects once before it freezes).
    """

    def __init__(self) -> None:
        self._started = 0.0
        self._started_at = 0.0
        self.young = [0, 0.0, 0.0]  # count, total seconds, longest
        self.pauses: list[tuple[float, int, float]] = []  # (wall-clock start, generation, ms)
        self.lock = threading.Lock()

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started, self._started_at = time.perf_counter(), time.time()
            return
        took = time.perf_counter() - self._started
        with self.lock:
            if info["generation"] == 0:
                self.young[0] += 1
                self.young[1] += took
                self.young[2] = max(self.young[2], took)
            else:
                self.pauses.append((self._started_at, info["generation"], round(took * 1000, 2)))

    def summary(self) -> dict[str, Any]:
        with self.lock:
            count, total, longest = self.young
            pauses = list(self.pauses)
        return {
            "frozen": gc.get_freeze_count(),
            "young": {"count": count, "total_ms": round(total * 1000, 1), "max_ms": round(longest * 1000, 2)},
            "pauses": pauses,
        }


def _serve_with_gc_stats(path: Path, argv: list[str]) -> int:
    from tokenkit.mock.serve import main

    watch = GcWatch()
    gc.callbacks.append(watch)

    def write() -> None:
        while True:
            time.sleep(GC_STATS_EVERY)
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps(watch.summary()))
            partial.replace(path)

    threading.Thread(target=write, daemon=True).start()
    return main(argv)


if __name__ == "__main__":
    raise SystemExit(_serve_with_gc_stats(Path(sys.argv[1]), sys.argv[2:]))
