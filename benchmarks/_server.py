"""Start ``tokenkit mock`` in its own process for a benchmark, and find its URL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


class ServerProcess(str):
    """The mock's base URL, which also knows the server's process id."""

    pid: int
    banner: list[str]
    """The lines the mock printed before it was ready (where it listens, what serves it)."""

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (Linux /proc; 0.0 elsewhere)."""
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def mock_process(*extra: str) -> Iterator[ServerProcess]:
    """Run the mock in a child process (so the load generator does not share its GIL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tokenkit.mock.serve", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        if "listening on" not in first_line:
            raise RuntimeError(f"the mock did not start: {first_line!r}")
        server = ServerProcess(first_line.split("listening on ")[1].split()[0])
        server.pid = process.pid
        server.banner = [first_line]
        for line in process.stdout:  # up to "Press Ctrl-C": the rest of the banner
            server.banner.append(line)
            if "Ctrl-C" in line:
                break
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
