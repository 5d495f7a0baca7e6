"""Lesson 10: the same auth objects with httpx2 and asyncio.

The exercise is ``async def fetch_all(client, source, urls)``: GET every URL at once
through the ``client`` it is given, with one ``RefreshingAuth`` made from ``source``
shared by every task, and return the JSON bodies in the order of ``urls``.

The check judges what happened, not what the function says:

- the token requests are counted in the mock's own log, for a demo client registered
  afresh for this run (so nothing from earlier runs or cells counts);
- the ``client`` it hands over watches its transport: how many requests were in flight
  at once, and which carried a token. It holds the first URL's request back 0.2 s and,
  just before sending it, moves the mock's clock past the token's expiry: the token
  expires mid-flight, and a right answer renews it once and resends that one request;
- the ``source`` notes a blocking ``fetch()`` made on the running event loop.

The function runs on an event loop of the check's own, in a worker thread: a notebook's
kernel is already running a loop, where ``asyncio.run`` is refused.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import tokenkit

from . import Exercise, Verdict, not_yet, raised, right
from .quiz import predict, quiz

CLIENT = "exercise-10"  # registered afresh for each run of the check
URLS = 12  # /data?limit=1 … 12: each answer has as many rows as its URL asks for
HOLD = 0.2  # seconds the first URL's request waits before it is sent (and the token expires)
RUN_TIMEOUT = 60.0


def _running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _WatchedSource:
    """The check's token source: a real ``ClientCredentials`` that notes blocking calls on the loop."""

    def __init__(self, inner: tokenkit.ClientCredentials) -> None:
        self.inner = inner
        self.blocking_calls = 0

    def fetch(self) -> tokenkit.Token:
        if _running_loop():
            self.blocking_calls += 1
        return self.inner.fetch()

    async def afetch(self) -> tokenkit.Token:
        return await self.inner.afetch()

    def refresh(self, token: tokenkit.Token | str) -> tokenkit.Token:
        if _running_loop():
            self.blocking_calls += 1
        return self.inner.refresh(token)

    async def arefresh(self, token: tokenkit.Token | str) -> tokenkit.Token:
        return await self.inner.arefresh(token)

    def __repr__(self) -> str:
        return f"<token source for the check's client {self.inner.client_id!r}>"


class _Watch:
    """What went through the check's client: requests in flight, tokens carried, answers."""

    def __init__(self, held_url: str, expire: Callable[[], object]) -> None:
        self.held_url = held_url
        self.expire = expire
        self.held = False
        self.sent = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.without_token = 0
        self.statuses: list[int] = []


def _watching_transport(httpx2: Any, watch: _Watch) -> Any:
    """An httpx2 transport that records into ``watch`` and expires the token before the held request."""

    class WatchingTransport(httpx2.AsyncBaseTransport):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self.inner = httpx2.AsyncHTTPTransport()

        async def handle_async_request(self, request: Any) -> Any:
            watch.sent += 1
            watch.in_flight += 1
            watch.most_in_flight = max(watch.most_in_flight, watch.in_flight)
            try:
                if not watch.held and str(request.url) == watch.held_url:
                    watch.held = True
                    await asyncio.sleep(HOLD)  # the others go on meanwhile, if they were started
                    watch.expire()  # an hour passes on the server: this request's token has expired
                if "authorization" not in request.headers:
                    watch.without_token += 1
                response = await self.inner.handle_async_request(request)
            finally:
                watch.in_flight -= 1
            watch.statuses.append(response.status_code)
            return response

        async def aclose(self) -> None:
            await self.inner.aclose()

    return WatchingTransport()


async def _run(answer: Any, source: _WatchedSource, urls: list[str], watch: _Watch) -> tuple[Any, bool]:
    """Call the learner's function with the check's client; (result, whether it was awaitable)."""
    import httpx2

    async with httpx2.AsyncClient(timeout=10) as token_http, httpx2.AsyncClient(
        transport=_watching_transport(httpx2, watch), timeout=10
    ) as client:
        source.inner.async_client = token_http
        result = answer(client, source, urls)
        if not inspect.isawaitable(result):
            return result, False
        return await asyncio.wait_for(result, RUN_TIMEOUT), True


def _run_elsewhere(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine on a new event loop in a worker thread (the kernel's loop is busy)."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="check-fetch-all")
    try:
        return pool.submit(lambda: asyncio.run(make())).result(RUN_TIMEOUT + 10)  # type: ignore[arg-type]
    finally:
        pool.shutdown(wait=False)


def _token_requests(api: Any, since: float) -> int:
    return sum(1 for e in api.log(None) if e.path == "/oauth/token" and e.client_id == CLIENT and e.time >= since)


def check_fetch_all(answer: Any, *, api: Any) -> Verdict:
    """``answer(client, source, urls)``: all answers, in order, concurrently, through one shared ``RefreshingAuth``."""
    if answer is None:
        return not_yet(
            "`answer` is still None.",
            "Write async def fetch_all(client, source, urls): ..., then answer = fetch_all.",
        )
    if not callable(answer):
        return not_yet(
            f"`answer` should be a function, not a {type(answer).__name__}.",
            "Set answer = fetch_all (the function itself, without calling it or awaiting it).",
        )
    try:
        import httpx2  # noqa: F401 - the exercise is about httpx2
    except ImportError:
        return not_yet("httpx2 is not installed in this kernel.", "pip install -e '.[lessons,httpx2]' from the checkout, then restart the kernel.")

    client = api.add_client(CLIENT, ("data:read",))  # a fresh secret: only this run's token requests count
    source = _WatchedSource(tokenkit.ClientCredentials(api.token_url, client.client_id, client.client_secret))
    urls = [f"{api.url}/data?limit={n}" for n in range(1, URLS + 1)]
    lifetime = client.token_lifetime
    watch = _Watch(urls[0], lambda: api.clock.advance(lifetime + 60))
    since = api.clock.now()
    try:
        result, awaited = _run_elsewhere(lambda: _run(answer, source, urls, watch))
    except (asyncio.TimeoutError, FutureTimeout):
        return not_yet(
            f"your function was still running after {RUN_TIMEOUT:g} s.",
            "Start every request, then await them together: await asyncio.gather(*(fetch(url) for url in urls)).",
        )
    except Exception as exc:  # noqa: BLE001 - a check never raises; explain what the function raised
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 401:
            return not_yet(
                f"your function raised {raised(exc)}",
                "A request was refused with 401: either it carried no token (pass auth= to client.get), or the token "
                "expired mid-flight and nothing renewed it. One tokenkit.RefreshingAuth(source) does both.",
            )
        return not_yet(
            f"your function raised {raised(exc)}",
            "fetch_all(client, source, urls) awaits client.get(url, auth=auth) for each URL and returns response.json() of each.",
        )

    if not awaited:
        return not_yet(
            f"fetch_all returned {type(result).__name__} straight away, not something to await.",
            "Define it with async def, and await the requests inside it.",
        )
    if watch.sent == 0:
        return not_yet(
            "no request went through the `client` the check gave your function.",
            "Use the client you are given (await client.get(url, auth=auth)); do not open another one.",
        )
    if source.blocking_calls:
        return not_yet(
            "the source's blocking fetch() or refresh() was called on the running event loop: while it waited for the "
            "token endpoint, no other task could run.",
            "Let RefreshingAuth(source) get the token: under asyncio it awaits source.afetch(). Never call "
            "source.fetch() or auth.get_token() inside async code.",
        )
    if not isinstance(result, (list, tuple)):
        return not_yet(f"your function returned a {type(result).__name__}, not a list.", "Return the list that asyncio.gather gives you.")
    if result and all(hasattr(item, "status_code") for item in result):
        return not_yet(
            "your function returned the responses, not their JSON bodies.",
            "Return response.json() for each one (inside the coroutine you gather).",
        )
    if len(result) != len(urls):
        return not_yet(f"{len(urls)} URLs, but your function returned {len(result)} items.", "Return one body per URL, in the same order.")
    if not all(isinstance(item, dict) for item in result):
        kinds = sorted({type(item).__name__ for item in result})
        return not_yet(f"the items you returned are {', '.join(kinds)}, not JSON bodies (dicts).", "response.json() gives the body as a dict.")
    refused = [n for n, body in enumerate(result) if "error" in body]
    if refused:
        if watch.without_token:
            return not_yet(
                f"{watch.without_token} of your requests carried no token, and were refused with 401.",
                "Make one auth = tokenkit.RefreshingAuth(source) and send every request with it: client.get(url, auth=auth).",
            )
        return not_yet(
            f"{len(refused)} of the {len(urls)} bodies you returned are refusals ({result[refused[0]].get('error')}): the token "
            "expired mid-flight and nothing renewed it.",
            "A token fetched once and kept (BearerAuth) cannot renew. tokenkit.RefreshingAuth(source) renews it once on a "
            "401 and resends the request.",
        )
    sizes = [len(body.get("rows", [])) for body in result]
    wanted = list(range(1, len(urls) + 1))
    if sizes != wanted:
        if sorted(sizes) == wanted:
            return not_yet(
                "you returned every body, but not in the order of `urls` (the first URL's answer came last).",
                "asyncio.gather returns the results in the order you gave it the coroutines; asyncio.as_completed, or "
                "appending as answers arrive, gives the order they finished in.",
            )
        return not_yet(f"the bodies do not match the URLs (rows per body: {sizes}).", "Fetch each URL of `urls` once and return its response.json().")
    token_requests = _token_requests(api, since)
    if token_requests == 0:
        return not_yet(
            "every body is right, but the server saw no token request from the `source` you were given.",
            "Build the auth from the argument: tokenkit.RefreshingAuth(source), not from the lesson's own credentials.",
        )
    if token_requests > 2:
        return not_yet(
            f"the server saw {token_requests} token requests for {len(urls)} URLs: one per request, or close to it.",
            "Make the RefreshingAuth once, before you start the tasks, and give every request that same object.",
        )
    if watch.most_in_flight < 2:
        return not_yet(
            f"every answer is right, but your {len(urls)} requests went one at a time: never more than one in flight.",
            "Start them all, then wait for them together: await asyncio.gather(*(fetch(url) for url in urls)).",
        )
    if token_requests != 2:
        return not_yet(
            f"the server saw {token_requests} token request; the token expired mid-flight, so a shared RefreshingAuth makes two.",
            "Use one tokenkit.RefreshingAuth(source) for every request.",
        )
    return right(
        f"{len(urls)} bodies in the order of the URLs, up to {watch.most_in_flight} requests in flight at once, and two token "
        "requests in all: one when the first task needed a token, and one when the token expired mid-flight (the check moved "
        "the mock's clock); the refused request was resent and every other task used the renewed token."
    )


# -- answers that must fail (tests/test_exercises.py) ---------------------------------------


async def _auth_per_request(client: Any, source: Any, urls: list[str]) -> list[Any]:
    async def fetch(url: str) -> Any:
        response = await client.get(url, auth=tokenkit.RefreshingAuth(source))  # a new auth, so a new token, each time
        return response.json()

    return list(await asyncio.gather(*(fetch(url) for url in urls)))


async def _token_kept(client: Any, source: Any, urls: list[str]) -> list[Any]:
    auth = tokenkit.BearerAuth(await source.afetch())  # one token, never renewed

    async def fetch(url: str) -> Any:
        return (await client.get(url, auth=auth)).json()

    return list(await asyncio.gather(*(fetch(url) for url in urls)))


async def _one_at_a_time(client: Any, source: Any, urls: list[str]) -> list[Any]:
    auth = tokenkit.RefreshingAuth(source)
    return [(await client.get(url, auth=auth)).json() for url in urls]


async def _as_they_finish(client: Any, source: Any, urls: list[str]) -> list[Any]:
    auth = tokenkit.RefreshingAuth(source)
    bodies = []
    for finished in asyncio.as_completed([client.get(url, auth=auth) for url in urls]):
        bodies.append((await finished).json())
    return bodies


async def _responses(client: Any, source: Any, urls: list[str]) -> list[Any]:
    auth = tokenkit.RefreshingAuth(source)
    return list(await asyncio.gather(*(client.get(url, auth=auth) for url in urls)))


async def _blocking_first_token(client: Any, source: Any, urls: list[str]) -> list[Any]:
    auth = tokenkit.RefreshingAuth(source)
    auth.get_token()  # the sync call: blocks the loop while the token endpoint answers

    async def fetch(url: str) -> Any:
        return (await client.get(url, auth=auth)).json()

    return list(await asyncio.gather(*(fetch(url) for url in urls)))


async def _no_token(client: Any, source: Any, urls: list[str]) -> list[Any]:
    return [r.json() for r in await asyncio.gather(*(client.get(url) for url in urls))]


EXERCISES = {
    "fetch_all": Exercise(
        solution="solutions/10_fetch_all.py",
        check=check_fetch_all,
        context=("api",),
        wrong_answers=(
            lambda ns: _auth_per_request,
            lambda ns: _token_kept,
            lambda ns: _one_at_a_time,
            lambda ns: _as_they_finish,
            lambda ns: _responses,
            lambda ns: _blocking_first_token,
            lambda ns: _no_token,
        ),
        objective="share one `RefreshingAuth` between many tasks",
    ),
}


# -- quick checks ---------------------------------------------------------------------------

quiz(
    "10_same_objects",
    "Your service sends its requests with requests and auth=tokenkit.RefreshingAuth(source). You move it to "
    "httpx2.AsyncClient. What do you do with the auth?",
    options={
        "a": "Pass the same RefreshingAuth object as auth= to the httpx2 client.",
        "b": "Write an httpx2.Auth subclass whose auth_flow calls the tokenkit auth on each request.",
        "c": "Fetch one token when the service starts and put it in client.headers['Authorization'].",
        "d": "Switch to tokenkit's async class for httpx2, since a requests auth cannot run under asyncio.",
    },
    answer="a",
    explain={
        "a": "tokenkit's auths are httpx2 (and httpx) Auth objects too, sync and async: the same object renews before expiry "
        "and once after a 401, under requests, httpx2 or httpx.",
        "b": "A wrapper that only sets the header loses what makes the auth useful: seeing the answer, renewing on a 401 and "
        "resending. And there is nothing to write: the object is already an httpx2.Auth.",
        "c": "A token set once in the headers is never renewed: an hour later (or at the first revocation) every request is "
        "refused.",
        "d": "There is no second class to learn: the one RefreshingAuth has an async path, which fetches tokens with await, "
        "so the event loop keeps running.",
    },
    objective="send a token with `httpx2`",
)

quiz(
    "10_blocking",
    "A hundred tasks share one event loop. One of them calls requests.get(url), which takes 2 seconds to answer. "
    "What do the other 99 tasks do during those 2 seconds?",
    options={
        "a": "They keep running: asyncio runs each task in a thread of its own.",
        "b": "Nothing: a blocking call holds the event loop, and no other task runs until it returns.",
        "c": "They are cancelled, and gather raises an error.",
        "d": "Python switches between the tasks every few milliseconds, as it does between threads.",
    },
    answer="b",
    explain={
        "a": "All tasks of a loop run in one thread, taking turns only at an await. That is what makes asyncio cheap, and "
        "why one blocking call stops them all.",
        "b": "A task gives the loop back only at an await. requests.get (or time.sleep, or a sync token fetch) never awaits, "
        "so for 2 s nothing else runs: use await client.get(...) and await asyncio.sleep(...) instead.",
        "c": "Nothing is cancelled; the other tasks simply wait, and then go on as if nothing had happened (but late).",
        "d": "That is how threads are scheduled. An event loop never interrupts a task: each one runs until its next await.",
    },
    objective="run many requests at once with `httpx2.AsyncClient` and `asyncio.gather`",
)

predict(
    "10_one_token",
    "auth = tokenkit.RefreshingAuth(tokenkit.ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET))\n"
    "async with httpx2.AsyncClient(auth=auth, base_url=BASE_URL) as client:\n"
    '    await asyncio.gather(*(client.get("/data") for _ in range(100)))  # 100 tasks at once\n'
    "print(auth.refreshes)  # how many tokens did the auth obtain?",
    options={
        "a": "100",
        "b": "1",
        "c": "Somewhere between 1 and 100: it depends on timing.",
        "d": "0",
    },
    answer="b",
    explain={
        "a": "All 100 tasks find no token, but only the first asks for one: the others wait on the auth's lock and then use "
        "the token it brought.",
        "b": "Single-flight: the first task fetches (awaiting, so the loop runs on), the other 99 wait on an asyncio.Lock and "
        "find a new token when they get it. The server sees one token request.",
        "c": "Timing decides which task fetches, never how many: a waiting task checks whether the token was renewed while "
        "it waited, and uses that one.",
        "d": "The token is fetched on first use, by the first request, not when the auth or the client is made; so it is 1.",
    },
    objective="share one `RefreshingAuth` between many tasks",
)

quiz(
    "10_pool",
    "A job holds the credentials of three accounts it may use, in a TokenPool, and sends 100 requests at once. "
    "Account C's token gets a 429 partway through. What happens next?",
    options={
        "a": "The whole gather fails with RateLimitedError.",
        "b": "C's token is set aside for its Retry-After, that request is resent at once with another account's token, "
        "and the job goes on; the pool waits only if every token is cooling down.",
        "c": "The pool resends the request with C's token straight away until it goes through.",
        "d": "The pool fetches a new token for account C, which comes with a fresh allowance.",
    },
    answer="b",
    explain={
        "a": "A 429 on one token is absorbed: the pool raises RateLimitedError only when every token is cooling down for "
        "longer than max_wait.",
        "b": "That is the pool's job: each account stays within its own allowance, a refused request goes out again with "
        "the next one, and nobody waits while another account has room.",
        "c": "Resending at once with the token the server just refused only spends more of its budget on refusals; the pool "
        "honours Retry-After.",
        "d": "Real APIs count per client or account, not per token, so a new token has no fresh allowance; and fetching "
        "tokens to get round a limit is evasion, which their terms forbid (lesson 07).",
    },
    objective="spread a job over several accounts with a `TokenPool`",
)
