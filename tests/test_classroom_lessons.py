"""The lessons, unchanged, for several learners at once on one classroom server.

Each learner's lessons run in a process of their own (``python tests/test_classroom_lessons.py
--run``), executed cell by cell with nbclient in a fresh kernel per lesson, with
``TOKENKIT_CLASSROOM_URL``/``TOKENKIT_LEARNER``/``TOKENKIT_CLASSROOM_KEY`` in the kernels'
environment; all learners at the same time against one ``ClassroomMock``. Every cell must run
without error; every exercise's solution must pass its check against each learner's seat; the
instructor's view must have heard every learner's checks; and every cell must print what the
committed lesson prints, after nbval's sanitizers and the seat's URL and name are taken out
(``tests/classroom_outputs.py``): a demonstration that runs but shows nothing on a seat fails.

What is modelled: a room where each learner has a laptop of their own. All learners are
connected at once and their lessons interleave cell by cell on the one server, but at most
``cpu_slots`` cells (default: this machine's cores) execute at the same moment, across all
learners: a cell (and a kernel's start) takes one of ``cpu_slots`` slots, lock files taken with
``fcntl.flock``, and gives it back when it ends. Why: in a real room a learner's kernel has a
core to itself. Here thirty kernels would otherwise share two cores with the server, each getting
about a fifteenth of one, and a cell that sends six quick requests to show a rate limit (five
per two seconds, real time) took more than two seconds: measured, the server answered each of
those requests in 0.4 ms (median) while the kernels took 124 ms (median, 491 ms at most) between
one answer and the next request, against 1 ms with a kernel alone; so the sixth request found a
new window and no 429. That measures the test machine, not the classroom. What this does not
model: a room's peak of thirty learners sending at the same instant; the server's capacity
under that is measured by ``benchmarks/classroom_load.py``.

The suite runs 2 learners × every lesson. The room-sized run is the same file as a script:
``python tests/test_classroom_lessons.py --learners 30 [--cpu-slots N]`` (see ``benchmark()``),
which prints the time, the server's request count and the slowest lesson.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import fcntl
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
LEARNERS = 2
CELL_TIMEOUT = 120
#: How often the learner at the door looks for a free slot.
SLOT_POLL = 0.003


class CpuSlots:
    """``count`` slots shared by every learner's process: a laptop's worth of CPU each (see the module docstring).

    ``held()`` takes one for the duration of a block. Waiters queue on a door lock (a blocking
    ``flock``, so they sleep in the kernel); the one at the door looks for a free slot every
    few milliseconds, takes it and lets the next one in. Each lock is released by the kernel if
    its process dies, so a crashed learner never keeps a slot.
    """

    def __init__(self, directory: str, count: int) -> None:
        if count < 1:
            raise ValueError("cpu slots must be 1 or more")
        self.directory = directory
        self.count = count
        self.waited = 0.0
        """Seconds this process spent waiting for a slot."""

    def __str__(self) -> str:
        return f"{self.directory}:{self.count}"

    @classmethod
    def parse(cls, text: str) -> "CpuSlots":
        directory, _, count = text.rpartition(":")
        return cls(directory, int(count))

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        started = time.perf_counter()
        with open(os.path.join(self.directory, "door"), "a") as door:
            fcntl.flock(door, fcntl.LOCK_EX)
            try:
                slot = self._take()
            finally:
                fcntl.flock(door, fcntl.LOCK_UN)
        self.waited += time.perf_counter() - started
        try:
            yield
        finally:
            fcntl.flock(slot, fcntl.LOCK_UN)
            slot.close()

    def _take(self) -> Any:
        numbers = list(range(self.count))
        while True:
            random.shuffle(numbers)
            for number in numbers:
                slot = open(os.path.join(self.directory, f"slot-{number}"), "a")  # noqa: SIM115 - closed when released
                try:
                    fcntl.flock(slot, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    slot.close()
                    continue
                return slot
            time.sleep(SLOT_POLL)


def run_lessons(names: list[str], slots: CpuSlots) -> list[dict[str, Any]]:
    """Execute these notebooks in order, each in a fresh kernel that inherits this environment.

    Cell by cell, each cell (and the kernel's start) holding one of the room's CPU slots.
    """
    with slots.held():  # this process's own start-up is CPU work too
        import nbformat
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        from tests.classroom_outputs import differing_cells  # the runner's PYTHONPATH starts at the checkout

    results = []
    for name in names:
        os.environ["JPY_SESSION_NAME"] = str(NOTEBOOKS / name)  # as Jupyter tells a kernel its notebook
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        committed = copy.deepcopy(notebook)  # execute_cell replaces the outputs in place
        started, waited_before = time.perf_counter(), slots.waited
        # IPC sockets, not TCP ports: thirty kernels starting at once race for random ports
        # ("ZMQError: Address already in use"), which has nothing to do with the classroom.
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(tempfile.mkdtemp(prefix="tk-kernel-"), "ipc"))
        client = NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(NOTEBOOKS)}})
        error = None
        with contextlib.ExitStack() as kernel:
            with slots.held():
                kernel.enter_context(client.setup_kernel(cleanup_kc=True))  # shut down when the lesson ends
            try:
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    with slots.held():
                        client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            except CellExecutionError as exc:
                error = str(exc)[-1500:]
        seconds = time.perf_counter() - started
        waited = slots.waited - waited_before
        # after an error the later cells never ran (they still hold the committed outputs): the error says it all
        differences = [] if error else [d.render() for d in differing_cells(committed, notebook, learner=os.environ["TOKENKIT_LEARNER"])]
        results.append({"lesson": name, "error": error, "differences": differences,
                        "seconds": round(seconds, 1), "running": round(seconds - waited, 1)})
    return results


def run_learner(server_url: str, learner: str, key: str, lessons: list[str], slots: CpuSlots, timeout: float) -> list[dict[str, Any]]:
    """One learner's lessons in a process of their own, with the classroom variables set."""
    env = {
        **os.environ,
        "TOKENKIT_CLASSROOM_URL": server_url,
        "TOKENKIT_LEARNER": learner,
        "TOKENKIT_CLASSROOM_KEY": key,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(NOTEBOOKS.parent), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, __file__, "--slots", str(slots), "--run", *lessons], env=env, capture_output=True, text=True, timeout=timeout,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert done.returncode == 0 and lines, f"{learner}: the runner failed\n{done.stderr[-3000:]}"
    return list(json.loads(lines[-1]))


def exercise_namespaces(seat: Any) -> dict[str, Any]:
    return {
        "api": seat, "BASE_URL": seat.url, "TOKEN_URL": seat.token_url,
        "CLIENT_ID": "notes-app", "CLIENT_SECRET": seat.clients["notes-app"].client_secret,
    }


def solve_every_exercise(seat: Any, lessons: list[str] = LESSONS) -> list[str]:
    """Each exercise of these lessons, its solution checked against this learner's seat; returns the ones that failed."""
    import importlib
    import io

    sys.path.insert(0, str(NOTEBOOKS))
    failed = []
    for module_file in sorted((NOTEBOOKS / "checks").glob("lesson*.py")):
        if not any(lesson.startswith(module_file.stem[6:] + "_") for lesson in lessons):
            continue  # a lesson this run does not cover
        module = importlib.import_module(f"checks.{module_file.stem}")
        for name, exercise in getattr(module, "EXERCISES", {}).items():
            seat.reset()  # each exercise in a fresh world, as a lesson's setup cell gives it
            namespace = exercise_namespaces(seat)
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile((NOTEBOOKS / exercise.solution).read_text(), exercise.solution, "exec"), namespace)  # noqa: S102
                verdict = exercise.check(namespace["answer"], **{key: namespace[key] for key in exercise.context})
            if not verdict:
                failed.append(f"{seat.learner} {module_file.stem}.{name}: {printed.getvalue()[-400:]}")
    return failed


class BurstTimes:
    """An ASGI wrapper noting when each ``GET /t/<learner>/data`` with a token came and was answered.

    ``spans()`` reads the rate-limit bursts out of it: for every token that sent six or more
    with no move of the learner's mock clock between them (a lesson that pauses on purpose
    moves it), how long the first six took, and how long the kernel took between an answer and
    its next request. This is the measurement behind the CPU slots (see the module docstring).
    """

    def __init__(self, app: Any, clock_offset: Any) -> None:
        self.app = app
        self.clock_offset = clock_offset
        self.seen: dict[tuple[str, bytes], list[tuple[float, float, float]]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        token = dict(scope.get("headers", ())).get(b"authorization") if scope["type"] == "http" else None
        if not token or not path.startswith("/t/") or path.rpartition("/")[2] != "data":
            await self.app(scope, receive, send)
            return
        learner = path.split("/")[2]
        came, offset = time.perf_counter(), self.clock_offset(learner)

        async def timed(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.seen.setdefault((learner, token), []).append((came, time.perf_counter(), offset))
            await send(message)

        await self.app(scope, receive, timed)

    def spans(self) -> dict[str, float]:
        firsts, gaps = [], []
        for hits in self.seen.values():
            hits = sorted(hits)[:6]
            if len(hits) == 6 and hits[0][2] == hits[5][2]:
                firsts.append(hits[5][0] - hits[0][0])
                gaps += [hits[n + 1][0] - hits[n][1] for n in range(5)]
        if not firsts:
            return {}
        firsts.sort()
        gaps.sort()
        return {
            "bursts": len(firsts), "span_median": firsts[len(firsts) // 2], "span_max": firsts[-1],
            "over_window": sum(1 for span in firsts if span >= 2), "gap_median": gaps[len(gaps) // 2],
            "gap_p95": gaps[int(len(gaps) * 0.95)], "gap_max": gaps[-1],
        }


def run_room(learners: int, lessons: list[str], cpu_slots: int | None = None) -> dict[str, Any]:
    """A classroom server, ``learners`` joined by name, each running ``lessons`` at the same time.

    ``cpu_slots``: how many cells run at once across the room (default: this machine's cores).
    """
    import requests

    from tokenkit.mock import remote
    from tokenkit.mock.classroom import ClassroomMock
    from tokenkit.mock.remote import KEY_HEADER, ClassroomAPI

    bursts: list[BurstTimes] = []

    class TimedClassroom(ClassroomMock):
        def _build_app(self, settings: Any) -> Any:
            app = super()._build_app(settings)

            def clock_offset(learner: str) -> float:
                seat = self.classroom.seats.get(learner) if self.classroom else None
                return seat.tenant.clock.offset if seat else 0.0

            bursts.append(BurstTimes(app, clock_offset))
            return bursts[-1]

    slot_count = cpu_slots or os.cpu_count() or 1
    # a learner may wait for every other learner's cells: each cell is bounded, so is the whole
    timeout = CELL_TIMEOUT * len(lessons) * max(1, learners // slot_count + 1)
    with TimedClassroom(max_learners=learners + 5) as room, tempfile.TemporaryDirectory(prefix="tk-cpu-slots-") as slot_dir:
        assert room.classroom is not None
        slots = CpuSlots(slot_dir, slot_count)
        seats = [room.join(f"learner-{n:02d}") for n in range(learners)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=learners) as pool:
            runs = list(pool.map(lambda seat: run_learner(room.url, seat[0], seat[1], lessons, slots, timeout), seats))
        # one learner after another: redirect_stdout is process-wide, not per thread; and the
        # checks report to the seat connected last (remote._active), so each connects just before
        failed_exercises = []
        for name, key in seats:
            failed_exercises += solve_every_exercise(ClassroomAPI.connect(room.url, name, key), lessons)
        elapsed = time.perf_counter() - started
        deadline = time.monotonic() + 5  # reports leave from background threads: let the last ones land
        snapshot: dict[str, Any] = {}
        while time.monotonic() < deadline:
            snapshot = requests.get(f"{room.url}/classroom/instructor.json", headers={KEY_HEADER: room.classroom.instructor_key}, timeout=5).json()
            if all(row["results"] for row in snapshot["learners"]):
                break
            time.sleep(0.1)
        requests_served = sum(seat.requests for seat in room.classroom.seats.values())
    remote._active = None  # this process's checks report to no one once the room is gone
    return {"runs": dict(zip((name for name, _ in seats), runs)), "failed_exercises": failed_exercises,
            "snapshot": snapshot, "seconds": elapsed, "requests": requests_served, "cpu_slots": slot_count,
            "bursts": bursts[0].spans()}


def test_lessons_run_unchanged_for_several_learners_at_once() -> None:
    room = run_room(LEARNERS, LESSONS)
    errors = [f"{learner} {run['lesson']}:\n{run['error']}" for learner, runs in room["runs"].items() for run in runs if run["error"]]
    assert not errors, "\n\n".join(errors)
    changed = [f"{learner} {run['lesson']} {difference}" for learner, runs in room["runs"].items() for run in runs
               for difference in run["differences"]]
    assert not changed, "cells that show something else on a classroom seat:\n\n" + "\n\n".join(changed)
    assert all(len(runs) == len(LESSONS) for runs in room["runs"].values())
    assert not room["failed_exercises"], "\n".join(room["failed_exercises"])
    rows = {row["name"]: row for row in room["snapshot"]["learners"]}
    assert set(rows) == set(room["runs"])
    for name, row in rows.items():
        lessons_heard = {item[:2] for item in row["results"]}
        assert {"02", "03", "09", "10", "11"} <= lessons_heard, (name, sorted(row["results"]))


def benchmark(learners: int, cpu_slots: int | None, lessons: list[str] = LESSONS) -> int:
    room = run_room(learners, lessons, cpu_slots)
    runs = [(learner, run) for learner, learner_runs in room["runs"].items() for run in learner_runs]
    errors = sum(1 for _, run in runs if run["error"])
    changed = sum(len(run["differences"]) for _, run in runs)
    print(f"{learners} learners x {len(lessons)} lessons ({', '.join(name[:2] for name in lessons)}) on one classroom server, "
          f"{room['cpu_slots']} cells at a time: {room['seconds']:.0f} s, {room['requests']} API requests "
          f"({room['requests'] / room['seconds']:.0f}/s), {errors} lesson runs with an error, "
          f"{len(room['failed_exercises'])} failed exercise checks, {changed} cells showing something else than the committed lesson")
    learner, slowest = max(runs, key=lambda item: item[1]["running"])
    print(f"  slowest lesson run, cells executing: {slowest['running']:.1f} s ({learner} {slowest['lesson']}); "
          f"longest from first cell to last, waits for a slot included: {max(run['seconds'] for _, run in runs):.1f} s")
    if room["bursts"]:
        b = room["bursts"]
        print(f"  rate-limit bursts (a token's first 6 GET /data, no clock move between): {b['bursts']}, spanning {b['span_median']:.2f} s median, "
              f"{b['span_max']:.2f} s at most, {b['over_window']} over the 2 s window; a kernel's next request came "
              f"{b['gap_median'] * 1000:.0f} ms after the answer (median), p95 {b['gap_p95'] * 1000:.0f} ms, max {b['gap_max'] * 1000:.0f} ms")
    for learner, run in runs:
        if run["error"]:
            last = [line for line in run["error"].splitlines() if line.strip()][-3:]
            print(f"  error: {learner} {run['lesson']}: " + " | ".join(last)[-400:])
        for difference in run["differences"]:
            print(f"  differs: {learner} {run['lesson']} " + difference.splitlines()[0])
    for line in room["failed_exercises"]:
        print(f"  failed check: {line[:400]}")
    return 0 if errors == 0 and changed == 0 and not room["failed_exercises"] else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="The lessons for a room of learners on one classroom server.")
    parser.add_argument("--learners", type=int, help="run the room-sized benchmark with this many learners")
    parser.add_argument("--cpu-slots", type=int, default=None, help="cells executing at once across the room (default: the cores)")
    parser.add_argument("--lessons", nargs="+", metavar="NN", help="only these lessons (e.g. 05 07); default: all")
    parser.add_argument("--run", nargs="+", metavar="NOTEBOOK", help="(one learner's process) run these lessons")
    parser.add_argument("--slots", help="(one learner's process) the room's CPU slots, DIR:COUNT")
    args = parser.parse_args(argv)
    if args.run:
        print(json.dumps(run_lessons(args.run, CpuSlots.parse(args.slots))))
        return 0
    if args.learners:
        lessons = [name for name in LESSONS if not args.lessons or name[:2] in args.lessons]
        return benchmark(args.learners, args.cpu_slots, lessons)
    parser.error("give --learners N (or --run NOTEBOOK... --slots DIR:COUNT)")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
