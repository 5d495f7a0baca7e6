"""The lessons, unchanged, for several learners at once on one classroom server.

Each learner's lessons run in a process of their own (``python tests/test_classroom_lessons.py``
executes notebooks with nbclient, with ``TOKENKIT_CLASSROOM_URL``/``TOKENKIT_LEARNER``/
``TOKENKIT_CLASSROOM_KEY`` in the kernels' environment), all learners at the same time against
one ``ClassroomMock``. Every cell must run without error; every exercise's solution must pass
its check against each learner's seat; the instructor's view must have heard every learner's
checks.

The suite runs 2 learners × lessons 00-09 (about 30 s on 2 cores). The room-sized run is the
same file as a script: ``python tests/test_classroom_lessons.py --learners 30`` (see
``benchmark()``), which prints the time and the server's request count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(path.name for path in NOTEBOOKS.glob("0[0-9]_*.ipynb"))
LEARNERS = 2
CELL_TIMEOUT = 120


def run_lessons(names: list[str]) -> list[dict[str, Any]]:
    """Execute these notebooks in order, each in a fresh kernel that inherits this environment."""
    import tempfile

    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    results = []
    for name in names:
        os.environ["JPY_SESSION_NAME"] = str(NOTEBOOKS / name)  # as Jupyter tells a kernel its notebook
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        started = time.perf_counter()
        # IPC sockets, not TCP ports: thirty kernels starting at once race for random ports
        # ("ZMQError: Address already in use"), which has nothing to do with the classroom.
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(tempfile.mkdtemp(prefix="tk-kernel-"), "ipc"))
        try:
            NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
            error = None
        except CellExecutionError as exc:
            error = str(exc)[-1500:]
        results.append({"lesson": name, "error": error, "seconds": round(time.perf_counter() - started, 1)})
    return results


def run_learner(server_url: str, learner: str, key: str, lessons: list[str]) -> list[dict[str, Any]]:
    """One learner's lessons in a process of their own, with the classroom variables set."""
    env = {
        **os.environ,
        "TOKENKIT_CLASSROOM_URL": server_url,
        "TOKENKIT_LEARNER": learner,
        "TOKENKIT_CLASSROOM_KEY": key,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(NOTEBOOKS.parent), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, __file__, "--run", *lessons], env=env, capture_output=True, text=True, timeout=CELL_TIMEOUT * len(lessons),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert done.returncode == 0 and lines, f"{learner}: the runner failed\n{done.stderr[-3000:]}"
    return list(json.loads(lines[-1]))


def exercise_namespaces(seat: Any) -> dict[str, Any]:
    return {
        "api": seat, "BASE_URL": seat.url, "TOKEN_URL": seat.token_url,
        "CLIENT_ID": "notes-app", "CLIENT_SECRET": seat.clients["notes-app"].client_secret,
    }


def solve_every_exercise(seat: Any) -> list[str]:
    """Each exercise's solution, checked against this learner's seat; returns the ones that failed."""
    import contextlib
    import importlib
    import io

    sys.path.insert(0, str(NOTEBOOKS))
    failed = []
    for module_file in sorted((NOTEBOOKS / "checks").glob("lesson*.py")):
        if not any(lesson.startswith(module_file.stem[6:] + "_") for lesson in LESSONS):
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


def run_room(learners: int, lessons: list[str]) -> dict[str, Any]:
    """A classroom server, ``learners`` joined by name, each running ``lessons`` at the same time."""
    import requests

    from tokenkit.mock import remote
    from tokenkit.mock.classroom import ClassroomMock
    from tokenkit.mock.remote import KEY_HEADER, ClassroomAPI

    with ClassroomMock(max_learners=learners + 5) as room:
        assert room.classroom is not None
        seats = [room.join(f"learner-{n:02d}") for n in range(learners)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=learners) as pool:
            runs = list(pool.map(lambda seat: run_learner(room.url, seat[0], seat[1], lessons), seats))
        # one learner after another: redirect_stdout is process-wide, not per thread
        connected = [ClassroomAPI.connect(room.url, name, key) for name, key in seats]
        failed_exercises = [line for seat in connected for line in solve_every_exercise(seat)]
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
            "snapshot": snapshot, "seconds": elapsed, "requests": requests_served}


def test_lessons_run_unchanged_for_several_learners_at_once() -> None:
    room = run_room(LEARNERS, LESSONS)
    errors = [f"{learner} {run['lesson']}:\n{run['error']}" for learner, runs in room["runs"].items() for run in runs if run["error"]]
    assert not errors, "\n\n".join(errors)
    assert all(len(runs) == len(LESSONS) for runs in room["runs"].values())
    assert not room["failed_exercises"], "\n".join(room["failed_exercises"])
    rows = {row["name"]: row for row in room["snapshot"]["learners"]}
    assert set(rows) == set(room["runs"])
    for name, row in rows.items():
        lessons_heard = {item[:2] for item in row["results"]}
        assert {"02", "03", "09"} <= lessons_heard, (name, sorted(row["results"]))


def benchmark(learners: int) -> int:
    room = run_room(learners, LESSONS)
    errors = sum(1 for runs in room["runs"].values() for run in runs if run["error"])
    print(f"{learners} learners x {len(LESSONS)} lessons on one classroom server: {room['seconds']:.0f} s, "
          f"{room['requests']} API requests, {errors} lesson runs with an error, {len(room['failed_exercises'])} failed exercise checks")
    slowest = max(run["seconds"] for runs in room["runs"].values() for run in runs)
    print(f"  slowest single lesson run: {slowest:.1f} s")
    for learner, runs in room["runs"].items():
        for run in runs:
            if run["error"]:
                last = [line for line in run["error"].splitlines() if line.strip()][-3:]
                print(f"  error: {learner} {run['lesson']}: " + " | ".join(last)[-400:])
    return 0 if errors == 0 and not room["failed_exercises"] else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        print(json.dumps(run_lessons(sys.argv[2:])))
    elif sys.argv[1:2] == ["--learners"]:
        raise SystemExit(benchmark(int(sys.argv[2])))
    else:
        raise SystemExit("usage: test_classroom_lessons.py --learners N  (or --run NOTEBOOK...)")
