"""``tokenkit mock`` freezes its start-up objects (``gc.freeze()``) and gives the process back as it was.

Why it freezes is measured in benchmarks/classroom_load.py (full-collection pauses); here only
what it does to the process, which matters when a test runs the command in-process.
"""

from __future__ import annotations

import argparse
import gc
import io
import threading
import time
from collections.abc import Iterator

import pytest

from tokenkit.mock.collector import freeze_startup_objects
from tokenkit.mock.serve import add_arguments, run


@pytest.fixture
def unfrozen() -> Iterator[None]:
    assert gc.get_freeze_count() == 0, "another test left objects frozen"
    yield
    gc.unfreeze()


def test_it_freezes_once_and_leaves_a_process_that_manages_the_collector_alone(unfrozen: None) -> None:
    assert freeze_startup_objects() is True
    frozen = gc.get_freeze_count()
    assert frozen > 0
    made_since = [[] for _ in range(1000)]  # tracked objects a second freeze would take
    assert freeze_startup_objects() is False, "something froze objects already: not ours to manage"
    assert gc.get_freeze_count() <= frozen, "nothing more was frozen (frozen objects can still be freed)"
    del made_since


def test_the_command_freezes_while_it_serves_and_unfreezes_when_it_stops(unfrozen: None) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out, stop = io.StringIO(), threading.Event()
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(run(parser.parse_args(["--port", "0"]), out, stop)))
    thread.start()
    deadline = time.monotonic() + 10
    while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    frozen_while_serving = gc.get_freeze_count()
    stop.set()
    thread.join(10)
    assert codes == [0]
    assert frozen_while_serving > 0
    assert gc.get_freeze_count() == 0
