"""Classroom mode: one server, a world per learner, a join page, a who-is-stuck view, bounded seats."""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import io
import itertools
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tokenkit.mock import MockAPI
from tokenkit.mock.classroom import ClassroomMock, normalize_name, refusal_label
from tokenkit.mock.keys import shared_test_key
from tokenkit.mock.remote import KEY_HEADER, ClassroomAPI, ClassroomError
from tokenkit.mock.serve import add_arguments, public_url_for, run


@pytest.fixture(scope="module")
def room() -> Iterator[ClassroomMock]:
    with ClassroomMock(signing_key=shared_test_key(), max_learners=120) as server:
        yield server


_pairs = itertools.count()


@pytest.fixture
def pair(room: ClassroomMock) -> tuple[ClassroomAPI, ClassroomAPI]:
    """Two new learners, each joined by name as the join page would."""
    number = next(_pairs)
    return MockAPI.connect(room.url, f"pair{number}-a"), MockAPI.connect(room.url, f"pair{number}-b")


def token_for(seat: ClassroomAPI, client_id: str = "notes-app") -> str:
    client = seat.clients[client_id]
    answer = requests.post(seat.token_url, data={"grant_type": "client_credentials"}, auth=(client.client_id, client.client_secret), timeout=5)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- isolation --------------------------------------------------------------------------


def test_each_learner_has_own_secrets(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    assert a.url != b.url and a.url.endswith("/t/" + a.learner)
    assert set(a.clients) == set(b.clients) == {"analytics-reader", "notes-app", "short-lived", "rate-limited"}
    for client_id in a.clients:
        assert a.clients[client_id].client_secret != b.clients[client_id].client_secret
    # a's secret is no good at b's token endpoint
    secret = a.clients["notes-app"].client_secret
    refused = requests.post(b.token_url, data={"grant_type": "client_credentials"}, auth=("notes-app", secret), timeout=5)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


def test_notes_are_per_learner_with_ids_from_one(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    ta, tb = token_for(a), token_for(b)
    first_a = requests.post(a.url + "/notes", json={"title": "a's"}, headers=bearer(ta), timeout=5).json()
    first_b = requests.post(b.url + "/notes", json={"title": "b's"}, headers=bearer(tb), timeout=5).json()
    assert first_a["id"] == first_b["id"] == 1
    listed = requests.get(b.url + "/notes", headers=bearer(tb), timeout=5).json()
    assert [note["title"] for note in listed["notes"]] == ["b's"]


def test_a_token_from_one_learner_is_refused_on_another(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    token = token_for(a)
    assert requests.get(a.url + "/data", headers=bearer(token), timeout=5).status_code == 200
    refused = requests.get(b.url + "/data", headers=bearer(token), timeout=5)
    assert refused.status_code == 401 and refused.json()["error_reason"] == "wrong_issuer"
    issuer = requests.get(a.url + "/.well-known/openid-configuration", timeout=5).json()["issuer"]
    assert issuer == a.url


def test_clock_is_per_learner(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    a.clock.advance(3600)
    assert a.clock.offset == 3600 and b.clock.offset == 0
    assert round(a.clock.now() - time.time()) == 3600
    token = token_for(b)
    assert requests.get(b.url + "/data", headers=bearer(token), timeout=5).status_code == 200
    a.clock.reset()
    assert a.clock.offset == 0
    with pytest.raises(ValueError):
        a.clock.advance(-1)


def test_log_is_per_learner_and_relative(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    requests.get(a.url + "/data", timeout=5)
    requests.get(b.url + "/me", timeout=5)
    a.clients  # control calls are not exchanges with the API: never logged
    [entry] = a.log(limit=None)
    assert (entry.method, entry.path, entry.status) == ("GET", "/data", 401)
    assert [e.path for e in b.log()] == ["/me"]


def test_a_seat_log_is_as_long_as_a_kernel_mock_log(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    """Lesson 10 counts its one token request in ``api.log(None)`` after 100 concurrent calls."""
    a, _ = pair
    with MockAPI() as local, requests.Session() as http:
        for base in (a.url, local.url):
            for _ in range(260):
                http.get(base + "/public/weather", timeout=5)
        assert len(a.log(limit=None)) == len(local.log(limit=None)) >= 200


def test_rate_counters_are_per_learner(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    ta, tb = token_for(a, "rate-limited"), token_for(b, "rate-limited")
    statuses = [requests.get(a.url + "/data", headers=bearer(ta), timeout=5).status_code for _ in range(6)]
    assert statuses[-1] == 429
    assert requests.get(b.url + "/data", headers=bearer(tb), timeout=5).status_code == 200


def test_reset_gives_one_learner_a_fresh_world(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    for seat in (a, b):
        requests.post(seat.url + "/notes", json={"title": "x"}, headers=bearer(token_for(seat)), timeout=5)
    secret = a.clients["notes-app"].client_secret
    a.reset()
    assert a.log() == [] and len(b.log()) == 2
    assert a.clients["notes-app"].client_secret == secret  # the learner's other notebooks keep working
    listed = requests.get(a.url + "/notes", headers=bearer(token_for(a)), timeout=5).json()
    assert listed["count"] == 0


def test_a_named_start_in_the_environment_connects_and_resets(room: ClassroomMock, monkeypatch: pytest.MonkeyPatch) -> None:
    name, key = room.join("Env Learner")
    monkeypatch.setenv("TOKENKIT_CLASSROOM_URL", room.url)
    monkeypatch.setenv("TOKENKIT_LEARNER", name)
    monkeypatch.setenv("TOKENKIT_CLASSROOM_KEY", key)
    first = MockAPI(name="lesson").start()
    assert isinstance(first, ClassroomAPI) and first.url == f"{room.url}/t/env-learner"
    requests.get(first.url + "/data", timeout=5)
    plain = MockAPI().start()  # unnamed: the same seat, nothing reset
    assert len(plain.log()) == 1
    plain.stop()  # harmless
    again = MockAPI(name="lesson").start()  # a lesson's setup cell again: a fresh world
    assert again.log() == [] and room.classroom is not None and name in room.classroom.seats


def test_added_client_lives_in_one_world(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    added = a.add_client("worker-1", ("data:read",), rate_limit=3)
    assert added.rate_limit == 3 and "worker-1" in a.clients and "worker-1" not in b.clients


# -- protection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "what"),
    [("GET", "clients"), ("POST", "clients"), ("GET", "clock"), ("POST", "clock/advance"), ("POST", "clock/reset"),
     ("GET", "log"), ("POST", "reset"), ("POST", "report"), ("POST", "connect"), ("GET", "users"), ("GET", "public-clients"),
     ("GET", "device/pending"), ("POST", "device/approve"), ("POST", "device/deny"), ("POST", "authorization/approve"),
     ("POST", "authorization/deny")],
)
def test_control_endpoints_want_the_learners_own_key(pair: tuple[ClassroomAPI, ClassroomAPI], method: str, what: str) -> None:
    a, b = pair
    url = f"{a.url}/classroom/{what}"
    assert requests.request(method, url, timeout=5).status_code == 401
    wrong = requests.request(method, url, headers={KEY_HEADER: b._key}, json={}, timeout=5)
    assert wrong.status_code == 401 and "client_secret" not in wrong.text


def test_an_unknown_control_endpoint_lists_the_real_ones(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, _ = pair
    answer = requests.get(f"{a.url}/classroom/approve", headers={KEY_HEADER: a._key}, timeout=5)
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert "device/approve" in answer.json()["hint"] and "authorization/approve" in answer.json()["hint"]


def test_a_taken_name_is_not_handed_out_again(room: ClassroomMock) -> None:
    room.join("taken-once")
    again = requests.post(room.url + "/classroom/join", json={"name": "Taken Once"}, timeout=5)
    assert again.status_code == 409 and again.json()["error"] == "name_taken" and "key" not in again.json()
    with pytest.raises(ClassroomError, match="409"):
        MockAPI.connect(room.url, "taken-once")


def test_instructor_view_wants_the_instructor_key(room: ClassroomMock) -> None:
    assert requests.get(room.url + "/classroom/instructor.json", timeout=5).status_code == 401
    _, learner_key = room.join("not-the-teacher")
    assert requests.get(room.url + "/classroom/instructor.json", headers={KEY_HEADER: learner_key}, timeout=5).status_code == 401


# -- logging a person in through the seat ----------------------------------------------------

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REDIRECT = "http://127.0.0.1:8765/callback"


def start_device(seat: ClassroomAPI) -> dict[str, str]:
    answer = requests.post(f"{seat.url}/oauth/device_authorization", data={"client_id": "cli-app", "scope": "notes:read"}, timeout=5)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def poll(seat: ClassroomAPI, device_code: str) -> requests.Response:
    return requests.post(seat.token_url, data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": "cli-app"}, timeout=5)


def authorize_url(seat: ClassroomAPI, **overrides: str) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code", "client_id": "cli-app", "redirect_uri": REDIRECT, "scope": "notes:read",
        "state": "st-1", "code_challenge": challenge, "code_challenge_method": "S256", **overrides,
    }
    return f"{seat.url}/oauth/authorize?{urlencode(params)}", verifier


def test_the_seat_has_the_demo_people_and_the_public_client(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    assert set(a.users) == {"alice", "bob"} and a.users != b.users  # passwords are the learner's own
    [cli] = a.public_clients.values()
    assert cli.client_id == "cli-app" and cli.public and DEVICE_GRANT in cli.grant_types
    assert "cli-app" not in a.clients


def test_a_device_login_is_approved_only_by_its_own_learner(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    device = start_device(a)
    assert a.pending_user_codes() == [device["user_code"]] and b.pending_user_codes() == []
    with pytest.raises(ValueError, match="No sign-in is waiting"):
        b.approve_device(device["user_code"])  # another learner's seat has no such login
    with pytest.raises(ValueError, match="demo person"):
        a.approve_device(device["user_code"], "mallory")
    assert error_of(poll(a, device["device_code"])) == "authorization_pending"
    a.approve_device(device["user_code"].replace("-", "").lower(), "bob")  # as typed, as MockAPI takes it
    token = poll(a, device["device_code"]).json()["access_token"]
    assert requests.get(a.url + "/me", headers=bearer(token), timeout=5).json()["sub"] == "bob"
    assert a.pending_user_codes() == []


def test_a_denied_device_login_and_an_unknown_code(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    device = start_device(a)
    with pytest.raises(ValueError, match="No sign-in is waiting"):
        b.deny_device(device["user_code"])
    a.deny_device(device["user_code"])
    assert error_of(poll(a, device["device_code"])) == "access_denied"
    with pytest.raises(ValueError, match="No sign-in is waiting") as raised:
        a.approve_device("ABCD-EFGH")
    assert isinstance(raised.value, ClassroomError)  # still a classroom error for code that catches those


def test_an_authorization_is_approved_with_the_learners_issuer(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    url, verifier = authorize_url(a)
    back = dict(parse_qsl(urlsplit(a.approve_authorization(url, "alice")).query))
    assert back["state"] == "st-1" and back["iss"] == a.url  # RFC 9207: the issuer the learner's discovery names
    data = {"grant_type": "authorization_code", "code": back["code"], "client_id": "cli-app", "redirect_uri": REDIRECT, "code_verifier": verifier}
    token = requests.post(a.token_url, data=data, timeout=5)
    assert token.status_code == 200, token.text
    assert requests.get(a.url + "/me", headers=bearer(token.json()["access_token"]), timeout=5).json()["sub"] == "alice"
    # b approving a's URL makes a code in b's world, which a's token endpoint does not know
    other = dict(parse_qsl(urlsplit(b.approve_authorization(authorize_url(a)[0])).query))
    assert other["iss"] == b.url
    denied = dict(parse_qsl(urlsplit(a.deny_authorization(url)).query))
    assert denied["error"] == "access_denied" and "code" not in denied
    refused = dict(parse_qsl(urlsplit(a.approve_authorization(authorize_url(a, code_challenge_method="plain")[0])).query))
    assert refused["error"] == "invalid_request"
    with pytest.raises(ValueError, match="localhost"):
        a.approve_authorization(authorize_url(a, redirect_uri="http://localhost:1/cb")[0])
    with pytest.raises(ValueError, match="demo person"):
        a.approve_authorization(url, "mallory")


def error_of(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["error"])


# -- a resent control call is applied once ---------------------------------------------------


class LosesAnswers(ThreadingHTTPServer):
    """A proxy in front of the room that forwards each call but drops the next ``lose`` answers.

    The server has applied such a call; the client sees its connection closed with no answer,
    as when a keep-alive connection is closed under a call, and resends it.
    """

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.lose = 0
        self.forwarded: list[str] = []
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: LosesAnswers

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "content-length", "connection"}}
        answer = requests.request(self.command, self.server.upstream + self.path, data=body, headers=headers, timeout=5)
        self.server.forwarded.append(f"{self.command} {self.path}")
        if self.server.lose > 0:
            self.server.lose -= 1
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)  # applied, but the answer never comes back
            return
        self.send_response(answer.status_code)
        for name in ("Content-Type", "Idempotent-Replayed"):
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = _forward

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def lossy(room: ClassroomMock) -> Iterator[LosesAnswers]:
    proxy = LosesAnswers(room.url)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()
    proxy.server_close()


def test_a_resent_state_change_is_applied_once(room: ClassroomMock, lossy: LosesAnswers) -> None:
    name, key = room.join(f"resend-{next(_pairs)}")
    seat = ClassroomAPI.connect(lossy.url, name, key)
    lossy.lose = 1
    assert round(seat.clock.advance(60) - time.time()) == 60
    assert lossy.forwarded[-2:] == [f"POST /t/{name}/classroom/clock/advance"] * 2  # the call really went twice
    assert seat.clock.offset == 60  # ... and moved the clock once
    lossy.lose = 1
    added = seat.add_client("worker-1", ("data:read",))
    assert seat.clients["worker-1"].client_secret == added.client_secret  # not refused as a duplicate the second time


def test_an_idempotency_key_replays_its_first_answer_only_for_the_same_call(pair: tuple[ClassroomAPI, ClassroomAPI]) -> None:
    a, b = pair
    url = f"{a.url}/classroom/clock/advance"
    once = {KEY_HEADER: a._key, "Idempotency-Key": "k-1"}
    first = requests.post(url, json={"seconds": 30}, headers=once, timeout=5)
    again = requests.post(url, json={"seconds": 30}, headers=once, timeout=5)
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert a.clock.offset == 30
    other_call = requests.post(f"{a.url}/classroom/clock/reset", headers=once, timeout=5)
    assert other_call.status_code == 422 and a.clock.offset == 30
    # keys are per learner: b's call with the same key is b's own
    assert requests.post(f"{b.url}/classroom/clock/advance", json={"seconds": 5}, headers={KEY_HEADER: b._key, "Idempotency-Key": "k-1"}, timeout=5).status_code == 200
    assert b.clock.offset == 5
    requests.post(url, json={"seconds": 30}, headers={KEY_HEADER: a._key}, timeout=5)  # no key: applied each time
    assert a.clock.offset == 60


def test_kept_answers_are_bounded_in_number_and_time() -> None:
    from starlette.responses import JSONResponse

    from tokenkit.mock.classroom import Replies

    replies = Replies(keep_for=60, most=3)
    for n in range(5):
        replies.keep("ada", f"k{n}", "POST reset", JSONResponse({"n": n}))
    assert len(replies) == 3 and replies.get("ada", "k0", "POST reset") is None
    kept = replies.get("ada", "k4", "POST reset")
    assert kept is not None and kept.body == b'{"n":4}'
    replies.keep_for = 0
    assert replies.get("ada", "k4", "POST reset") is None and len(replies) == 0


# -- the join page ------------------------------------------------------------------------


def test_join_page_form_gives_a_ready_cell(room: ClassroomMock) -> None:
    page = requests.get(room.url + "/classroom", timeout=5)
    assert page.status_code == 200 and '<form method="post" action="/classroom/join">' in page.text
    assert "<script src" not in page.text and "http" not in page.text.split("<body>")[1].split("</form>")[0]
    joined = requests.post(room.url + "/classroom/join", data={"name": "Grace Hopper"}, timeout=5)
    assert joined.status_code == 200
    assert room.classroom is not None
    key = room.classroom.learner_key("grace-hopper")
    for line in (f'"TOKENKIT_CLASSROOM_URL"] = "{room.url}"', '"TOKENKIT_LEARNER"] = "grace-hopper"', f'"TOKENKIT_CLASSROOM_KEY"] = "{key}"'):
        assert line.replace('"', "&quot;") in joined.text
    assert f"export TOKENKIT_CLASSROOM_KEY={key}" in joined.text
    # what the cell sets is enough to take the seat
    seat = MockAPI.connect(room.url, "grace-hopper", key)
    assert seat.clients["notes-app"].client_secret


def test_join_refuses_a_name_with_nothing_usable(room: ClassroomMock) -> None:
    refused = requests.post(room.url + "/classroom/join", data={"name": "!!!"}, timeout=5)
    assert refused.status_code == 400 and "letter or digit" in refused.text
    assert normalize_name("  Ada  Lovelace ") == "ada-lovelace"


def test_outside_a_learner_prefix_the_server_says_where_to_go(room: ClassroomMock) -> None:
    answer = requests.get(room.url + "/data", timeout=5)
    assert answer.status_code == 404 and "/t/<name>" in answer.json()["error_description"]
    unknown = requests.get(room.url + "/t/nobody-here/data", timeout=5)
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_learner"
    assert requests.get(room.url + "/health", timeout=5).json()["status"] == "ok"


# -- the instructor's view ----------------------------------------------------------------


def test_instructor_view_shows_checks_and_who_is_stuck(room: ClassroomMock) -> None:
    assert room.classroom is not None
    seats = [ClassroomAPI.connect(room.url, f"stuck-{n}", lesson="03") for n in range(3)]
    for seat in seats[:2]:
        requests.get(seat.url + "/data", timeout=5)  # 401 missing_token, and nothing after it
    requests.get(seats[2].url + "/data", timeout=5)
    requests.get(seats[2].url + "/data", headers=bearer(token_for(seats[2])), timeout=5)  # unstuck
    for seat, passed in zip(seats, (True, False, True)):
        response = requests.post(
            seat.url + "/classroom/report", json={"kind": "exercise", "lesson": "03", "item": "03_retitle", "passed": passed},
            headers={KEY_HEADER: seat._key}, timeout=5,
        )
        assert response.status_code == 200
    data = requests.get(room.url + "/classroom/instructor.json", headers={KEY_HEADER: room.classroom.instructor_key}, timeout=5).json()
    rows = {row["name"]: row for row in data["learners"] if row["name"].startswith("stuck-")}
    assert [rows[f"stuck-{n}"]["results"] for n in range(3)] == [{"03_retitle": True}, {"03_retitle": False}, {"03_retitle": True}]
    assert rows["stuck-0"]["stuck"] and not rows["stuck-2"]["stuck"]
    assert rows["stuck-0"]["last_refusal"]["error"] == "missing_token" and rows["stuck-0"]["lesson"] == "03"
    assert "03_retitle" in data["items"]
    lines = [line["text"] for line in data["stuck"]]
    assert "2 still get 401 missing_token in 03" in lines, lines
    page = requests.get(room.url + "/classroom/instructor", timeout=5).text
    assert "setInterval(poll" in page and "instructor.json" in page and "<script src" not in page


def test_refusal_label_adds_the_reason_where_it_tells_more() -> None:
    assert refusal_label({"error": "missing_token", "reason": "missing_credentials"}) == "missing_token"
    assert refusal_label({"error": "invalid_token", "reason": "expired"}) == "invalid_token (expired)"


def test_a_check_reports_to_the_learners_seat(room: ClassroomMock) -> None:
    from tokenkit.mock import remote

    seat = MockAPI.connect(room.url, "reporter")
    remote.report("quiz", "01", "01_401_or_403", True)
    assert room.classroom is not None
    deadline = time.monotonic() + 5
    while "01_401_or_403" not in room.classroom.seats["reporter"].results and time.monotonic() < deadline:
        time.sleep(0.01)
    assert room.classroom.seats["reporter"].results["01_401_or_403"]["passed"] is True
    assert seat.learner == "reporter"


# -- bounded seats ------------------------------------------------------------------------


def test_seats_are_capped_and_idle_ones_evicted() -> None:
    with ClassroomMock(signing_key=shared_test_key(), max_learners=2, idle_timeout=60) as small:
        assert small.classroom is not None
        first = MockAPI.connect(small.url, "one")
        MockAPI.connect(small.url, "two")
        full = requests.post(small.url + "/classroom/join", json={"name": "three"}, timeout=5)
        assert full.status_code == 503 and full.json()["error"] == "classroom_full"
        small.classroom.seats["one"].last_seen -= 61  # an hour of idleness, without waiting for it
        small.classroom._next_eviction = 0
        requests.get(small.url + "/health", timeout=5)  # any request runs the sweep
        assert set(small.classroom.seats) == {"two"}
        assert requests.get(first.url + "/data", timeout=5).json()["error"] == "unknown_learner"
        MockAPI.connect(small.url, "one", first._key)  # the kept key takes the seat again
        assert set(small.classroom.seats) == {"one", "two"}


# -- tokenkit mock --classroom ------------------------------------------------------------


def test_public_url_is_never_the_wildcard() -> None:
    url, _ = public_url_for("0.0.0.0", 8000, None)
    assert "0.0.0.0" not in url and url.endswith(":8000")
    assert public_url_for("0.0.0.0", 8000, "http://10.0.0.5:8000/")[0] == "http://10.0.0.5:8000"


def test_classroom_command_prints_the_join_line_and_instructor_url() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out, stop, code = io.StringIO(), threading.Event(), []
    args = parser.parse_args(["--classroom", "--host", "127.0.0.1", "--port", "0", "--instructor-key", "teach-me", "--max-learners", "40"])
    thread = threading.Thread(target=lambda: code.append(run(args, out, stop)))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        printed = out.getvalue()
    finally:
        stop.set()
        thread.join(10)
    assert code == [0]
    assert "//0.0.0.0" not in printed
    url = printed.split("listening on ")[1].split()[0]
    assert f"learners join at:  {url}/classroom" in printed
    assert f"slide:             Open {url}/classroom, type your name" in printed
    assert f"{url}/classroom/instructor#key=teach-me" in printed
    assert "up to 40" in printed


def test_the_uvicorn_factory_reads_the_instructor_key_and_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenkit.mock.classroom import create_classroom_app

    monkeypatch.setenv("TOKENKIT_MOCK_ISSUER", "http://10.0.0.5:8000")
    monkeypatch.setenv("TOKENKIT_CLASSROOM_INSTRUCTOR_KEY", "teach")
    monkeypatch.setenv("TOKENKIT_CLASSROOM_MAX_LEARNERS", "12")
    assert gc.get_freeze_count() == 0
    try:
        app = create_classroom_app()
        assert gc.get_freeze_count() > 0  # uvicorn's process serves only this app: start-up objects frozen
    finally:
        gc.unfreeze()  # give pytest's process back as it was
    assert (app.classroom.instructor_key, app.classroom.public_url, app.classroom.max_learners) == ("teach", "http://10.0.0.5:8000", 12)
    assert app.classroom._tenant("ada").settings.issuer == "http://10.0.0.5:8000/t/ada"
