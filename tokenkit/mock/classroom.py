"""One server process for a room: a world (a ``Tenant``) per learner, a join page, a who-is-stuck page.

Each learner's base URL is ``<server>/t/<learner>``. A request under it is handed to the one
mock application with its path made relative (``/t/ada/notes/1`` → ``/notes/1``, the prefix
moved into ``root_path``) and tied to that learner's tenant, so every lesson call works
unchanged and the learner's log shows ``/notes/1`` as in a kernel. Each tenant has its own
demo-client secrets, notes (ids from 1), clock, rate counters, log, and issuer (the learner's
base URL): one learner's token is ``wrong_issuer`` on another's tenant.

``<base>/classroom/*`` are the learner's control endpoints (clients with secrets, clock, log,
reset, verdict reports, and the demo people's logins: approve or deny a device code or an
authorization request, as ``MockAPI`` does without a browser). They are answered here,
outside the mock, so they never appear in the learner's request log, and each wants the
learner's key in ``X-Classroom-Key``. A key is an HMAC of the learner's name under the
server's secret: the join page hands it out once per name, and a learner who kept it can take
their seat again after an idle eviction. A state-changing call sent again with the same
``Idempotency-Key`` (its answer was lost) gets its first answer back, not a second change.

Seats are bounded: at most ``max_learners``; a seat unused for ``idle_timeout`` seconds is
evicted by a sweep that runs at most every ``EVICT_EVERY`` seconds as requests arrive.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
import re
import secrets
import socket
import time
from urllib.parse import parse_qs
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import authorize, verification
from .app import create_app
from .collector import freeze_startup_objects
from .keys import SigningKey
from .remote import IDEMPOTENCY_HEADER, KEY_HEADER
from .server import MockAPI
from .settings import Settings
from .tenant import TENANT_KEY, MockServer, Tenant

#: A learner name: what goes in the URL. Lower-case letters, digits, ``-`` and ``_``.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
DEFAULT_MAX_LEARNERS = 300
DEFAULT_IDLE_TIMEOUT = 4 * 3600.0
#: Seconds between two sweeps for idle seats.
EVICT_EVERY = 30.0
#: Verdicts kept per learner (the newest per exercise).
MAX_RESULTS = 200
#: Seconds a state-changing control call's answer is kept for a resend with its ``Idempotency-Key``.
REPLAY_FOR = 120.0
#: Answers kept for resends, across all seats (the oldest go first).
MAX_REPLIES = 2048
#: What the ``not_found`` answer of a learner's control endpoints lists.
CONTROL_ENDPOINTS = (
    "connect, clients, clock, clock/advance, clock/reset, log, reset, report, users, public-clients, "
    "device/pending, device/approve, device/deny, authorization/approve, authorization/deny"
)


def normalize_name(name: str) -> str:
    """``"Ada Lovelace"`` → ``"ada-lovelace"``; ValueError if nothing usable is left."""
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", str(name).strip().lower()).strip("-_")[:32]
    if not NAME_PATTERN.match(cleaned):
        raise ValueError("a name needs at least one letter or digit (letters, digits, - and _ are kept)")
    return cleaned


@dataclass
class Seat:
    """One learner: their tenant, and what the instructor's page shows about them."""

    name: str
    tenant: Tenant
    joined: float
    last_seen: float
    lesson: str | None = None
    requests: int = 0
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_refusal: dict[str, Any] | None = None
    last_ok: float = 0.0

    def touch(self) -> None:
        self.last_seen = time.time()

    def record(self, status: int, method: str, path: str, state: dict[str, Any]) -> None:
        """Count one exchange; keep the last refusal (with its codes) for the who-is-stuck view."""
        self.requests += 1
        now = time.time()
        if status < 400:
            self.last_ok = now
            return
        self.last_refusal = {
            "at": now, "status": status, "method": method, "path": path, "lesson": self.lesson,
            "error": state.get("refused_error"), "reason": state.get("refused_reason"),
        }

    @property
    def stuck(self) -> bool:
        """Refused, and nothing succeeded since."""
        return self.last_refusal is not None and self.last_refusal["at"] >= self.last_ok


class Replies:
    """Answers of state-changing control calls, by learner and ``Idempotency-Key``, for a while.

    ``ClassroomAPI`` resends a call whose answer never came (a keep-alive connection closed
    under it, a read timeout). The server may have applied that call already: a resent
    ``clock/advance`` would then move the clock twice. Each POST carries a random key; the
    first answer for it is kept ``REPLAY_FOR`` seconds (at most ``MAX_REPLIES`` in all), and a
    resend gets that answer back, marked ``Idempotent-Replayed: true``, without a second change.
    """

    def __init__(self, keep_for: float = REPLAY_FOR, most: int = MAX_REPLIES) -> None:
        self.keep_for = keep_for
        self.most = most
        self._kept: OrderedDict[tuple[str, str], tuple[float, str, int, bytes]] = OrderedDict()

    def get(self, learner: str, key: str, call: str) -> Response | None:
        """The kept answer for this learner's ``key``; a 422 when the key came with another call."""
        self._forget_old()
        kept = self._kept.get((learner, key[:64]))
        if kept is None:
            return None
        _, kept_call, status, body = kept
        if kept_call != call:
            return _refusal(
                422, "idempotency_key_reused", f"This Idempotency-Key was used for {kept_call}, not {call}.",
                "Send a new random key with each call; resend a call with its own key only.",
            )
        return Response(body, status_code=status, media_type="application/json", headers={"Idempotent-Replayed": "true"})

    def keep(self, learner: str, key: str, call: str, response: Response) -> None:
        self._kept[(learner, key[:64])] = (time.monotonic(), call, response.status_code, bytes(response.body))
        while len(self._kept) > self.most:
            self._kept.popitem(last=False)

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - self.keep_for
        while self._kept and next(iter(self._kept.values()))[0] < cutoff:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


class ClassroomFull(Exception):
    """No seat left (after evicting idle ones)."""


class NameTaken(Exception):
    """Someone holds a seat of this name; only their key takes it."""


class Classroom(MockServer):
    """A ``MockServer`` with a tenant per learner, chosen by the path prefix (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        key: SigningKey | None = None,
        *,
        public_url: str | None = None,
        max_learners: int = DEFAULT_MAX_LEARNERS,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        instructor_key: str | None = None,
    ) -> None:
        # Each world keeps as many log entries as a kernel's own mock (``settings.log_size``): lesson 10
        # counts its token requests in ``api.log(None)`` after 100 calls, and a shorter log showed 0.
        super().__init__(settings, key)
        if max_learners < 1 or idle_timeout <= 0:
            raise ValueError("max_learners and idle_timeout must be positive")
        self.public_url = public_url.rstrip("/") if public_url else None
        self.max_learners = max_learners
        self.idle_timeout = idle_timeout
        # With a seed (an instructor preparing slides) keys and secrets survive a restart.
        self._secret = (settings.seed or secrets.token_urlsafe(32)).encode()
        self.instructor_key = instructor_key or secrets.token_urlsafe(12)
        self.seats: dict[str, Seat] = {}
        self.replies = Replies()
        self._next_eviction = 0.0

    # -- keys and seats -----------------------------------------------------------------

    def learner_key(self, name: str) -> str:
        return hmac.new(self._secret, f"learner-key:{name}".encode(), hashlib.sha256).hexdigest()[:24]

    def key_matches(self, name: str, key: str | None) -> bool:
        return bool(key) and hmac.compare_digest(self.learner_key(name), str(key))

    def is_instructor(self, key: str | None) -> bool:
        return bool(key) and hmac.compare_digest(self.instructor_key, str(key))

    def _tenant(self, name: str) -> Tenant:
        seed = hmac.new(self._secret, f"clients:{name}".encode(), hashlib.sha256).hexdigest()
        issuer = f"{self.public_url}/t/{name}" if self.public_url else None  # None: the request's base URL, prefix included
        return Tenant.fresh(replace(self.settings, seed=seed, issuer=issuer), self._key)

    def join(self, name: str) -> Seat:
        """A new seat for ``name``; NameTaken if someone holds it, ClassroomFull if none is left."""
        if name in self.seats:
            raise NameTaken(name)
        return self.take(name)

    def take(self, name: str) -> Seat:
        """``name``'s seat, made if missing (the caller has checked the key)."""
        seat = self.seats.get(name)
        if seat is None:
            if len(self.seats) >= self.max_learners:
                self.evict_idle(force=True)
            if len(self.seats) >= self.max_learners:
                raise ClassroomFull(name)
            now = time.time()
            seat = self.seats[name] = Seat(name, self._tenant(name), joined=now, last_seen=now)
        seat.touch()
        return seat

    def reset_seat(self, seat: Seat) -> None:
        """A fresh world for one learner (same secrets: their other open notebooks keep working)."""
        seat.tenant = self._tenant(seat.name)
        seat.last_refusal = None

    def evict_idle(self, *, force: bool = False) -> int:
        """Drop seats unused for ``idle_timeout``; at most every ``EVICT_EVERY`` s unless forced."""
        now = time.time()
        if not force and now < self._next_eviction:
            return 0
        self._next_eviction = now + EVICT_EVERY
        idle = [name for name, seat in list(self.seats.items()) if now - seat.last_seen >= self.idle_timeout]
        for name in idle:
            del self.seats[name]
        return len(idle)

    def tenant_for(self, scope: Scope) -> Tenant:
        """The learner's tenant (set by ``ClassroomApp``); the lobby tenant for anything else."""
        tenant = scope.get(TENANT_KEY)
        return tenant if isinstance(tenant, Tenant) else self.tenant

    # -- the instructor's view ----------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Learners × checks, each learner's last refusal, and who is stuck on what."""
        now = time.time()
        learners = []
        items: set[str] = set()
        stuck: Counter[tuple[str | None, int, str]] = Counter()
        for seat in sorted(self.seats.values(), key=lambda s: s.name):
            items.update(seat.results)
            refusal = seat.last_refusal
            if refusal is not None and seat.stuck:
                stuck[(refusal["lesson"] or seat.lesson, refusal["status"], refusal_label(refusal))] += 1
            learners.append({
                "name": seat.name, "lesson": seat.lesson, "requests": seat.requests,
                "idle_s": round(now - seat.last_seen), "stuck": seat.stuck,
                "results": {key: result["passed"] for key, result in seat.results.items()},
                "last_refusal": None if refusal is None else {**refusal, "ago_s": round(now - refusal["at"])},
            })
        return {
            "learners": learners,
            "items": sorted(items),
            "stuck": [
                {"lesson": lesson, "status": status, "reason": reason, "count": count,
                 "text": f"{count} still get {status} {reason}" + (f" in {lesson}" if lesson else "")}
                for (lesson, status, reason), count in stuck.most_common()
            ],
            "seats": {"taken": len(self.seats), "max": self.max_learners, "idle_timeout_s": self.idle_timeout},
        }


def refusal_label(refusal: dict[str, Any]) -> str:
    """``missing_token``, ``invalid_token (expired)``: the error code, and the reason where it adds one."""
    error, reason = refusal.get("error"), refusal.get("reason")
    if error in {"invalid_token", "invalid_request"} and reason:
        return f"{error} ({reason})"
    return str(error or reason or "refused")


def _client_json(client: Any) -> dict[str, Any]:
    return {
        "client_id": client.client_id, "client_secret": client.client_secret, "scopes": list(client.scopes),
        "description": client.description, "token_lifetime": client.token_lifetime,
        "refresh_tokens": client.refresh_tokens, "rate_limit": client.rate_limit, "rate_window": client.rate_window,
        "grant_types": list(client.grant_types), "public": client.public,
    }


def _refusal(status: int, error: str, description: str, hint: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description, "hint": hint}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class ClassroomApp:
    """The classroom's ASGI application: learners' prefixes, their control endpoints, the pages."""

    def __init__(self, classroom: Classroom) -> None:
        self.classroom = classroom
        self.mock: ASGIApp = create_app(server=classroom)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.mock(scope, receive, send)
            return
        self.classroom.evict_idle()
        path: str = scope["path"]
        if path.startswith("/t/"):
            name, _, rest = path[3:].partition("/")
            seat = self.classroom.seats.get(name)
            if rest.startswith("classroom/") or rest == "classroom":
                response = await self._control(Request(scope, receive), name, rest[len("classroom/"):])
                await response(scope, receive, send)
                return
            if seat is None:
                response = _refusal(
                    404, "unknown_learner", f"No learner '{html.escape(name)[:40]}' sits in this classroom (or the seat was idle too long).",
                    "Run your lesson's setup cell again, or join at /classroom.",
                )
                await response(scope, receive, send)
                return
            await self._serve_learner(scope, receive, send, seat, name, "/" + rest)
            return
        response = await self._page(Request(scope, receive), path)
        await response(scope, receive, send)

    async def _serve_learner(self, scope: Scope, receive: Receive, send: Send, seat: Seat, name: str, path: str) -> None:
        seat.touch()
        child = dict(scope)
        child["root_path"] = scope.get("root_path", "") + "/t/" + name
        child["path"] = path
        child["raw_path"] = path.encode()
        child[TENANT_KEY] = seat.tenant
        child["state"] = {}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                seat.record(message["status"], scope["method"], path, child["state"])
            await send(message)

        await self.mock(child, receive, watch)

    # -- a learner's control endpoints --------------------------------------------------

    async def _control(self, request: Request, name: str, what: str) -> Response:
        """One control call: the key checked, the body read, then answered in one go (or replayed).

        Everything after the body is read runs without an ``await``, so a state change and the
        answer remembered for its ``Idempotency-Key`` happen together: a resend of the same call
        (its first answer lost on the way back) gets that answer again instead of a second change.
        """
        classroom = self.classroom
        if not classroom.key_matches(name, request.headers.get(KEY_HEADER)):
            return _refusal(
                401, "invalid_key", f"These control endpoints want learner '{html.escape(name)[:40]}''s key in {KEY_HEADER}.",
                "Use the lines the join page (/classroom) gave you; they set TOKENKIT_CLASSROOM_KEY.",
            )
        method = request.method
        body = await _json_body(request) if method == "POST" else {}
        once = request.headers.get(IDEMPOTENCY_HEADER) if method == "POST" else None
        if once:
            replayed = classroom.replies.get(name, once, f"{method} {what}")
            if replayed is not None:
                return replayed
        response = self._answer(request, name, what, method, body)
        if once and response.status_code < 500:
            classroom.replies.keep(name, once, f"{method} {what}", response)
        return response

    def _answer(self, request: Request, name: str, what: str, method: str, body: dict[str, Any]) -> Response:
        classroom = self.classroom
        if (what, method) == ("connect", "POST"):
            try:
                seat = classroom.take(name)
            except ClassroomFull:
                return _full(classroom)
            if body.get("fresh"):
                classroom.reset_seat(seat)
            if isinstance(body.get("lesson"), str):
                seat.lesson = body["lesson"][:8]
            return JSONResponse({"learner": name, "clients": [_client_json(c) for c in seat.tenant.clients.values()]})
        kept = classroom.seats.get(name)
        if kept is None:
            return _refusal(404, "unknown_learner", "Your seat was freed after a long idle time.", "Run your lesson's setup cell again.")
        seat = kept
        seat.touch()
        tenant = seat.tenant
        if (what, method) == ("clients", "GET"):
            return JSONResponse({"clients": [_client_json(c) for c in tenant.clients.values()]})
        if (what, method) == ("clients", "POST"):
            try:
                client = tenant.add_client(
                    str(body.get("client_id") or ""), tuple(str(s) for s in body.get("scopes") or ("data:read",)),
                    token_lifetime=int(body.get("token_lifetime", 3600)), refresh_tokens=bool(body.get("refresh_tokens")),
                    rate_limit=int(body.get("rate_limit", 600)), rate_window=int(body.get("rate_window", 60)),
                    client_secret=body.get("client_secret") or None,
                )
            except (TypeError, ValueError) as exc:
                return _refusal(400, "invalid_client_spec", str(exc), "client_id is a non-empty string; limits are positive integers.")
            return JSONResponse(_client_json(client))
        if (what, method) == ("clock", "GET"):
            return JSONResponse({"now": tenant.clock.now(), "offset": tenant.clock.offset})
        if (what, method) == ("clock/advance", "POST"):
            try:
                seconds = float(body.get("seconds", 0))
                if not 0 <= seconds <= 10 * 365 * 86400:
                    raise ValueError
            except (TypeError, ValueError):
                return _refusal(400, "invalid_seconds", "advance() takes a number of seconds, 0 or more.", "e.g. api.clock.advance(3600)")
            return JSONResponse({"now": tenant.clock.advance(seconds), "offset": tenant.clock.offset})
        if (what, method) == ("clock/reset", "POST"):
            tenant.clock.reset()
            return JSONResponse({"now": tenant.clock.now(), "offset": tenant.clock.offset})
        if (what, method) == ("log", "GET"):
            try:
                limit = int(request.query_params.get("limit", "0")) or None
            except ValueError:
                limit = 20
            return JSONResponse({"entries": tenant.log.as_json(limit)})
        if (what, method) == ("reset", "POST"):
            classroom.reset_seat(seat)
            return JSONResponse({"reset": name})
        if (what, method) == ("report", "POST"):
            lesson, item = str(body.get("lesson", ""))[:8], str(body.get("item", ""))[:64]
            if not item:
                return _refusal(400, "invalid_report", "A report names its item.", "kind, lesson, item, passed")
            if item not in seat.results and len(seat.results) >= MAX_RESULTS:
                seat.results.pop(next(iter(seat.results)))
            seat.results[item] = {"kind": str(body.get("kind", ""))[:16], "lesson": lesson, "passed": bool(body.get("passed")), "at": time.time()}
            if lesson:
                seat.lesson = lesson
            return JSONResponse({"recorded": item})
        people = self._person_logins(request, name, tenant, what, method, body)
        if people is not None:
            return people
        return _refusal(404, "not_found", f"There is no control endpoint {method} classroom/{html.escape(what)[:40]}.", CONTROL_ENDPOINTS)

    def _person_logins(self, request: Request, name: str, tenant: Tenant, what: str, method: str, body: dict[str, Any]) -> Response | None:
        """The demo people and what ``MockAPI`` does for them without a browser; None for another endpoint.

        Each calls the function ``MockAPI`` calls, on this learner's tenant; where ``MockAPI``
        raises ``ValueError`` the answer is a 400 ``refused`` with its words, which
        ``ClassroomAPI`` raises as a ``ValueError`` again.
        """
        if (what, method) == ("users", "GET"):
            return JSONResponse({"users": dict(tenant.users)})
        if (what, method) == ("public-clients", "GET"):
            return JSONResponse({"clients": [_client_json(c) for c in tenant.public_clients.values()]})
        if (what, method) == ("device/pending", "GET"):
            return JSONResponse({"user_codes": tenant.device_codes.user_codes(tenant.clock.now())})
        if what not in {"device/approve", "device/deny", "authorization/approve", "authorization/deny"} or method != "POST":
            return None
        field_name = "user_code" if what.startswith("device/") else "authorize_url"
        value, user = body.get(field_name), body.get("user", "alice")
        if not isinstance(value, str) or not isinstance(user, str):
            return _refusal(400, "refused", f"{field_name} and user are strings.", f"e.g. api.{what.replace('/', '_')}(...)")
        try:
            if what == "device/approve":
                verification.approve(tenant, value, user)
                return JSONResponse({"approved": value, "user": user})
            if what == "device/deny":
                verification.deny(tenant, value)
                return JSONResponse({"denied": value})
            issuer = f"{self._server_url(request)}/t/{name}"  # the seat's issuer, as _tenant and the mock's own pages say it
            location = authorize.answer_for(tenant, value, issuer, user if what == "authorization/approve" else None)
        except ValueError as exc:
            return _refusal(400, "refused", str(exc), "The same call on an in-kernel MockAPI raises this ValueError.")
        return JSONResponse({"location": location})

    # -- the pages ----------------------------------------------------------------------

    async def _page(self, request: Request, path: str) -> Response:
        classroom = self.classroom
        if path in {"/", "/classroom", "/classroom/"} and request.method in {"GET", "HEAD"}:
            return HTMLResponse(JOIN_PAGE.replace("{{message}}", ""))
        if path == "/health":
            return JSONResponse({"status": "ok", "classroom": True, "learners": len(classroom.seats)})
        if path == "/classroom/join" and request.method == "POST":
            wants_json = request.headers.get("content-type", "").startswith("application/json")
            if wants_json:
                raw = (await _json_body(request)).get("name", "")
            else:  # a plain HTML form (urlencoded); no multipart parser needed for one field
                raw = parse_qs((await request.body()).decode("utf-8", "replace")).get("name", [""])[0]
            try:
                name = normalize_name(str(raw))
                seat = classroom.join(name)
            except ValueError as exc:
                return self._join_refused(wants_json, 400, "invalid_name", str(exc))
            except NameTaken:
                return self._join_refused(
                    wants_json, 409, "name_taken",
                    f"Someone already sits as '{name}'. Pick another name (add an initial), or use the lines you were given.",
                )
            except ClassroomFull:
                return self._join_refused(wants_json, 503, "classroom_full", f"All {classroom.max_learners} seats are taken; ask the instructor.")
            server = self._server_url(request)
            key = classroom.learner_key(seat.name)
            if wants_json:
                return JSONResponse({"learner": seat.name, "key": key, "url": f"{server}/t/{seat.name}", "server": server})
            return HTMLResponse(_joined_page(server, seat.name, key))
        if path == "/classroom/instructor" and request.method == "GET":
            return HTMLResponse(INSTRUCTOR_PAGE)
        if path == "/classroom/instructor.json" and request.method == "GET":
            if not classroom.is_instructor(request.headers.get(KEY_HEADER)):
                return _refusal(401, "invalid_key", f"The instructor view wants the instructor key in {KEY_HEADER}.", "Open the instructor URL that `tokenkit mock --classroom` printed.")
            return JSONResponse(classroom.snapshot())
        return _refusal(
            404, "not_found", "This is a classroom server: each learner's API is under /t/<name>.",
            "Join at /classroom to get your base URL; the instructor's view is /classroom/instructor.",
        )

    def _server_url(self, request: Request) -> str:
        return self.classroom.public_url or str(request.base_url).rstrip("/")

    @staticmethod
    def _join_refused(wants_json: bool, status: int, error: str, text: str) -> Response:
        if wants_json:
            return _refusal(status, error, text, "Join at /classroom.")
        return HTMLResponse(JOIN_PAGE.replace("{{message}}", f'<p class="bad">{html.escape(text)}</p>'), status_code=status)


def _full(classroom: Classroom) -> JSONResponse:
    return _refusal(503, "classroom_full", f"All {classroom.max_learners} seats are taken.", "Ask the instructor to raise --max-learners.")


def setup_cell(server: str, name: str, key: str) -> str:
    """The cell a learner pastes above a lesson's setup cell (it sets the three variables)."""
    return (
        "import os  # classroom: this kernel's lessons use the shared server\n"
        f'os.environ["TOKENKIT_CLASSROOM_URL"] = "{server}"\n'
        f'os.environ["TOKENKIT_LEARNER"] = "{name}"\n'
        f'os.environ["TOKENKIT_CLASSROOM_KEY"] = "{key}"\n'
    )


def _joined_page(server: str, name: str, key: str) -> str:
    cell = html.escape(setup_cell(server, name, key))
    shell = html.escape(
        f"export TOKENKIT_CLASSROOM_URL={server}\nexport TOKENKIT_LEARNER={name}\nexport TOKENKIT_CLASSROOM_KEY={key}\njupyter lab"
    )
    powershell = html.escape(
        f'$env:TOKENKIT_CLASSROOM_URL="{server}"; $env:TOKENKIT_LEARNER="{name}"; $env:TOKENKIT_CLASSROOM_KEY="{key}"; jupyter lab'
    )
    fields = {"name": html.escape(name), "url": html.escape(f"{server}/t/{name}"), "cell": cell, "shell": shell, "powershell": powershell}
    page = JOINED_PAGE
    for field_name, value in fields.items():
        page = page.replace("{" + field_name + "}", value)
    return page


_STYLE = """<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f4f4f4;padding:.8rem;overflow-x:auto}input,button{font-size:1.1rem;padding:.3rem .6rem}
.bad{color:#b00}.ok{color:#070}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem;font-size:.9rem}
th{background:#f4f4f4}.stuck{background:#fee}</style>"""

JOIN_PAGE = f"""<!doctype html><html><head><meta charset="utf-8"><title>Join the tokenkit classroom</title>{_STYLE}</head>
<body><h1>Join the classroom</h1>{{{{message}}}}
<form method="post" action="/classroom/join"><label>Your name: <input name="name" required maxlength="40" autofocus></label>
<button type="submit">Join</button></form>
<p>You get your own API (own secrets, notes, clock and log) on this server, and the lines that point your lessons at it.</p>
</body></html>"""

JOINED_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Joined as {name}</title>""" + _STYLE + """</head>
<body><h1 class="ok">You sit as {name}</h1><p>Your API: <code>{url}</code>. Keep this page open; the key below is yours alone.</p>
<h2>Either: start JupyterLab with these (every lesson uses the classroom)</h2>
<p>macOS / Linux terminal:</p><pre>{shell}</pre><p>Windows PowerShell:</p><pre>{powershell}</pre>
<h2>Or: paste this cell at the top of a lesson and run it before its setup cell</h2><pre>{cell}</pre>
<p>Then run the lesson as usual: its <code>MockAPI(name="lesson").start()</code> connects to your seat here.</p>
</body></html>"""

INSTRUCTOR_PAGE = (
    """<!doctype html><html><head><meta charset="utf-8"><title>Classroom: who is stuck</title>""" + _STYLE + """</head>
<body><h1>Who is stuck</h1><p id="status">loading…</p><ul id="stuck"></ul><table id="grid"></table>
<script>
const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
const esc = s => String(s ?? "").replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]));
async function poll() {
  try {
    const r = await fetch("instructor.json", {headers: {"X-Classroom-Key": key}, cache: "no-store"});
    if (!r.ok) { document.getElementById("status").textContent = "refused: open the instructor URL the server printed (" + r.status + ")"; return; }
    const d = await r.json();
    document.getElementById("status").textContent = d.seats.taken + " of " + d.seats.max + " seats taken; updated " + new Date().toLocaleTimeString();
    document.getElementById("stuck").innerHTML = d.stuck.map(s => "<li>" + esc(s.text) + "</li>").join("");
    let head = "<tr><th>learner</th><th>lesson</th><th>last refusal</th>" + d.items.map(i => "<th>" + esc(i) + "</th>").join("") + "</tr>";
    let rows = d.learners.map(l => {
      const f = l.last_refusal;
      const refusal = f ? esc(f.status + " " + (f.error || f.reason || "") + (f.reason && f.reason !== f.error ? " (" + f.reason + ")" : "") + " " + f.method + " " + f.path + " (" + f.ago_s + " s ago)") : "";
      const cells = d.items.map(i => "<td>" + (i in l.results ? (l.results[i] ? "✅" : "❌") : "") + "</td>").join("");
      return "<tr" + (l.stuck ? ' class="stuck"' : "") + "><td>" + esc(l.name) + "</td><td>" + esc(l.lesson) + "</td><td>" + refusal + "</td>" + cells + "</tr>";
    }).join("");
    document.getElementById("grid").innerHTML = head + rows;
  } catch (e) { document.getElementById("status").textContent = "server not reachable: " + e; }
}
poll(); setInterval(poll, 3000);
</script></body></html>"""
)


def lan_address() -> str | None:
    """This machine's address on its local network, or None.

    A UDP socket "connected" to a private address makes the kernel pick the outgoing
    interface without sending a packet; its own address is the one learners can reach.
    """
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.connect((probe, 1))
            address = sock.getsockname()[0]
        except OSError:
            continue
        finally:
            sock.close()
        if address and not address.startswith(("0.", "127.")):
            return address
    return None


def create_classroom_app(settings: Settings | None = None, **options: Any) -> ClassroomApp:
    """The classroom as an ASGI app (``uvicorn --factory tokenkit.mock.classroom:create_classroom_app``).

    Under plain uvicorn it is configured by ``TOKENKIT_MOCK_*`` (``TOKENKIT_MOCK_ISSUER`` is the URL
    learners use), ``TOKENKIT_CLASSROOM_INSTRUCTOR_KEY`` and ``TOKENKIT_CLASSROOM_MAX_LEARNERS``.
    Called that way (no ``settings``) the process is uvicorn's, serving only this app, so the
    objects alive after start-up are frozen out of the collector's sight, as ``tokenkit mock``
    does (``collector.freeze_startup_objects``: full collections 31 ms → 0 ms for start-up objects).
    """
    from_environment = settings is None
    if settings is None:
        settings = Settings.from_env()
        options.setdefault("public_url", settings.issuer)
        options.setdefault("instructor_key", os.environ.get("TOKENKIT_CLASSROOM_INSTRUCTOR_KEY") or None)
        if os.environ.get("TOKENKIT_CLASSROOM_MAX_LEARNERS"):
            options.setdefault("max_learners", int(os.environ["TOKENKIT_CLASSROOM_MAX_LEARNERS"]))
    app = ClassroomApp(Classroom(replace(settings, issuer=None), **options))
    if from_environment:
        freeze_startup_objects()
    return app


__all__ = [
    "Classroom", "ClassroomApp", "ClassroomFull", "ClassroomMock", "NameTaken", "Seat", "create_classroom_app", "lan_address",
    "normalize_name", "setup_cell",
]


class ClassroomMock(MockAPI):
    """A classroom server run the way ``MockAPI`` runs a mock: its own thread, ready when ``start()`` returns."""

    follows_classroom = False  # it *is* the shared server

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        public_url: str | None = None,
        max_learners: int = DEFAULT_MAX_LEARNERS,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        instructor_key: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(host, port, public_url=public_url, **options)
        self._room: dict[str, Any] = {"max_learners": max_learners, "idle_timeout": idle_timeout, "instructor_key": instructor_key}
        self.classroom: Classroom | None = None

    def _build_app(self, settings: Settings) -> Any:
        self.classroom = Classroom(replace(settings, issuer=None), self._signing_key, public_url=settings.issuer, **self._room)
        self._mock = self.classroom
        return ClassroomApp(self.classroom)

    @property
    def public_url(self) -> str:
        """The URL learners use: the one given, else this server's own (never 0.0.0.0)."""
        return self._public_url or self.url

    def learner_url(self, name: str) -> str:
        return f"{self.public_url}/t/{name}"

    def join(self, name: str) -> tuple[str, str]:
        """Seat ``name`` from this process (tests, scripts): returns (learner name, key)."""
        assert self.classroom is not None
        seat = self.classroom.join(normalize_name(name))
        return seat.name, self.classroom.learner_key(seat.name)
