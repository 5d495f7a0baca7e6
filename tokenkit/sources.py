"""Where tokens come from.

A *source* is anything with ``fetch() -> Token``; a source that can renew a token
cheaply also has ``refresh(token) -> Token``. That is the whole contract
(:class:`TokenSource`, :class:`RefreshableSource`), so a test double, a vault lookup or a
device-code flow can stand in for the classes here.

- :class:`StaticToken`: a token you already have.
- :class:`EnvToken`: a token from an environment variable or ``.env``.
- :class:`ClientCredentials`: OAuth 2.0 client credentials grant (RFC 6749 §4.4), with the
  refresh-token grant (§6) when the server issues refresh tokens, client authentication by
  HTTP Basic (§2.3.1, with the form-urlencoding most hand-written clients forget), in the
  form body, or as JSON for APIs that want it.

Every request that carries a credential of the client's own (the secret, a refresh
token, a token to revoke or introspect) goes through :func:`exchange`: it never follows
a redirect (RFC 9700 §4.12 and §2.6: the safest token endpoint client follows none, not
even to the same origin, since a 307/308 resends the body, secret included, to wherever
``Location`` points), and it gets the whole answer within ``timeout`` seconds or gives up:
a deadline, not requests' per-read timeout, which a server dripping one byte at a time
can stretch without end.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import quote_plus, urljoin

import requests
import urllib3.exceptions

from .diagnose import diagnose
from .errors import ServerUnreachableError, TokenEndpointError, TokenKitError, json_body, safe_url
from .exchange import unreachable
from .secrets import first_from_env, from_env, get_logger, looks_secret, mask, redact
from .tokens import Clock, Token

__all__ = [
    "TokenSource",
    "RefreshableSource",
    "StaticToken",
    "EnvToken",
    "ClientCredentials",
    "AuthMethod",
    "send_or_explain",
    "exchange",
    "aexchange",
    "MAX_ANSWER_BYTES",
    # shared with the person-login sources in login.py
    "scope_string",
    "keep_refresh_token",
    "loop_client",
]

log: logging.Logger = get_logger("tokenkit.sources")

#: The largest answer :func:`exchange` reads. Token endpoint answers are a few KB.
MAX_ANSWER_BYTES = 1 << 20

AuthMethod = Literal["client_secret_basic", "client_secret_post", "json"]


@runtime_checkable
class TokenSource(Protocol):
    """Anything that can produce a token."""

    def fetch(self) -> Token: ...


@runtime_checkable
class RefreshableSource(TokenSource, Protocol):
    """A source that can renew a token, usually with its refresh token."""

    def refresh(self, token: Token) -> Token: ...


class StaticToken:
    """A token you already have. ``fetch()`` returns it; it cannot be renewed.

    A string that is a JWT gets its expiry and scopes read from its claims, so a
    :class:`~tokenkit.RefreshingAuth` around it can at least tell you it has expired.
    """

    def __init__(self, token: str | Token, *, clock: Clock = time.time) -> None:
        self.token = token if isinstance(token, Token) else Token.from_string(token, clock=clock)

    def fetch(self) -> Token:
        return self.token

    async def afetch(self) -> Token:
        return self.token

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StaticToken) and self.token == other.token

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StaticToken({mask(self.token.access_token)!r})"


class EnvToken:
    """A token read from environment variable ``name`` (or a ``.env`` file) at each fetch.

    Reading at fetch time, not construction time, means a notebook that updates ``.env``
    or ``os.environ`` gets the new token on the next refresh.
    """

    def __init__(self, name: str = "TOKENKIT_TOKEN", *, dotenv_path: str | None = None, clock: Clock = time.time) -> None:
        self.name = name
        self.dotenv_path = dotenv_path
        self.clock = clock

    def fetch(self) -> Token:
        return Token.from_string(from_env(self.name, dotenv_path=self.dotenv_path), clock=self.clock)

    async def afetch(self) -> Token:
        return self.fetch()  # an environment lookup (and at most one small file): no network

    def __repr__(self) -> str:
        return f"EnvToken({self.name!r})"


def send_or_explain(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """``session.request`` where a server that does not answer is a :class:`ServerUnreachableError`.

    Used wherever tokenkit itself sends a request, so "is the mock started?" (or, for a
    timeout, "no answer within N s") is the message instead of a page of urllib3 traceback.
    """
    try:
        return session.request(method, url, **kwargs)
    except requests.RequestException as exc:
        mapped = unreachable(exc, url, kwargs.get("timeout"))
        if mapped is None or mapped is exc:
            raise
        raise mapped from None


def exchange(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float | tuple[float, float] | None,
    max_bytes: int = MAX_ANSWER_BYTES,
    **kwargs: Any,
) -> requests.Response:
    """Send one request that carries our credentials, and read its whole answer, safely.

    - **No redirects.** The answer to the request is returned as it is, 3xx included; the
      caller refuses it (:meth:`ClientCredentials._post`). Nothing is resent anywhere.
    - **A deadline.** Connecting, sending, the headers and the whole body must be done
      within ``timeout`` seconds (a pair counts as its sum; ``None``: no limit). The
      request runs on a helper thread the caller waits for, so even a server that drips
      its *headers* cannot hold the caller past the deadline; while the body is read the
      socket's timeout is cut to the time left, so the helper thread stops at the deadline
      too (a server dripping headers can keep it, not the caller, a little longer).
    - **A size limit.** More than ``max_bytes`` of answer is refused.

    Raises :class:`ServerUnreachableError` (``timed_out=True`` past the deadline) or
    :class:`TokenEndpointError` for an oversized answer.
    """
    kwargs.update(stream=True, allow_redirects=False)
    if timeout is None:
        return _read_whole(send_or_explain(session, method, url, timeout=None, **kwargs), url, None, max_bytes, None)
    total = float(sum(timeout)) if isinstance(timeout, tuple) else float(timeout)
    deadline = time.monotonic() + total
    outcome: dict[str, Any] = {}
    done = threading.Event()
    abandoned = threading.Event()

    def run() -> None:
        try:
            response = send_or_explain(session, method, url, timeout=timeout, **kwargs)
            if abandoned.is_set():
                response.close()
                return
            outcome["response"] = _read_whole(response, url, deadline, max_bytes, total)
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=run, name="tokenkit-exchange", daemon=True)
    worker.start()
    finished = done.wait(total)
    if not finished:
        abandoned.set()
        if done.is_set() and "response" in outcome:  # finished just now: free its connection
            outcome["response"].close()
        raise ServerUnreachableError(url, None, timed_out=True, timeout=total)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


class _CappedBody:
    """An answer's body gathered chunk by chunk, refused as soon as it passes ``max_bytes``.

    One limit for both exchanges: a token endpoint answers in bytes, and a server that
    streams megabytes is not one to keep reading from.
    """

    def __init__(self, url: str, max_bytes: int) -> None:
        self._url = url
        self._max_bytes = max_bytes
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._max_bytes:
            raise TokenEndpointError(
                error="invalid_response",
                error_description=f"the answer from {safe_url(self._url)} is larger than {self._max_bytes} bytes",
            )
        self._chunks.append(chunk)

    def content(self) -> bytes:
        return b"".join(self._chunks)


def _read_whole(
    response: requests.Response, url: str, deadline: float | None, max_bytes: int, total: float | None
) -> requests.Response:
    """Read a streamed answer to its end, before ``deadline`` and within ``max_bytes``."""
    raw = response.raw
    if raw is None or getattr(response, "_content", False) is not False:
        return response  # already read (a transport that is not urllib3's, e.g. a test double)
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    body = _CappedBody(url, max_bytes)
    try:
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServerUnreachableError(url, None, timed_out=True, timeout=total)
                if sock is not None:
                    sock.settimeout(left)  # each read waits at most the time that is left
            data = raw.read1(64 * 1024)
            if not data:
                break
            body.add(data)
    except TokenKitError:  # ours, raised above (also OSErrors, as every requests exception)
        response.close()
        raise
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        response.close()
        mapped = unreachable(exc, url, total)
        raise (mapped or ServerUnreachableError(url, exc)) from None
    except BaseException:
        response.close()
        raise
    response._content = body.content()  # type: ignore[attr-defined]  # as requests does itself
    response._content_consumed = True  # type: ignore[attr-defined]
    response.close()  # content is kept; the connection goes back to the pool
    return response


async def aexchange(
    client: Any,
    method: str,
    url: str,
    *,
    timeout: float | tuple[float, float] | None,
    max_bytes: int = MAX_ANSWER_BYTES,
    **kwargs: Any,
) -> Any:
    """:func:`exchange` on an httpx2/httpx ``AsyncClient``: no redirects, a deadline, a size limit.

    The whole exchange (connecting, sending, headers, body) runs under one
    ``asyncio.wait_for`` of ``timeout`` seconds; the answer is read in chunks and refused
    past ``max_bytes``. Returns a response whose body is read.
    """
    total = None if timeout is None else (float(sum(timeout)) if isinstance(timeout, tuple) else float(timeout))

    async def run() -> Any:
        async with client.stream(method, url, follow_redirects=False, timeout=total, **kwargs) as response:
            body = _CappedBody(url, max_bytes)
            async for chunk in response.aiter_bytes():
                body.add(chunk)
        # A response with its body in memory, built through the public constructor.
        return type(response)(
            response.status_code,
            headers=response.headers,
            content=body.content(),
            request=response.request,
            extensions=response.extensions,
        )

    try:
        if total is None:
            return await run()
        return await asyncio.wait_for(run(), total)
    except TokenKitError:
        raise
    except asyncio.TimeoutError:
        raise ServerUnreachableError(url, None, timed_out=True, timeout=total) from None
    except Exception as exc:
        mapped = unreachable(exc, url, total)
        if mapped is None:
            raise
        raise mapped from None


_loop_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
_loop_clients_lock = threading.Lock()


def loop_client() -> Any:
    """One httpx2 (else httpx) ``AsyncClient`` per event loop, for sources given none.

    An AsyncClient's connections belong to the loop that opened them, so one per loop;
    reusing it keeps TLS setup and connections out of every token fetch (and off the
    loop's time). The library already imported wins; else httpx2, the maintained line.
    """
    loop = asyncio.get_running_loop()
    with _loop_clients_lock:
        client = _loop_clients.get(loop)
        if client is None:
            client = _loop_clients[loop] = _async_client_class()()
        return client


def _async_client_class() -> Any:
    import sys

    for name in ("httpx2", "httpx"):
        if name in sys.modules:
            return sys.modules[name].AsyncClient
    for name in ("httpx2", "httpx"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        return module.AsyncClient
    raise ImportError(
        "async token fetches need httpx2 (or httpx): pip install 'tokenkit-auth[httpx2]', or pass async_client="
    )


def keep_refresh_token(new: Token, refresh_token: str) -> Token:
    """A server that does not rotate refresh tokens may keep the old one valid: carry it over (RFC 6749 §6)."""
    if new.refresh_token is None:
        return Token(new.access_token, new.token_type, new.expires_at, new.scopes, refresh_token, clock=new.clock)
    return new


def _token_url_for(api_url: str) -> str:
    """The mock's (and this tutorial's) token endpoint under an API base URL."""
    return api_url.rstrip("/") + "/oauth/token"


def scope_string(scope: str | Iterable[str] | None) -> str | None:
    """Scopes as OAuth's one space-separated string (``None`` for none), from a string or a list."""
    if scope is None:
        return None
    if isinstance(scope, str):
        return scope.strip() or None
    return " ".join(scope) or None


class ClientCredentials:
    """OAuth 2.0 client credentials grant, and the refresh-token grant, against ``token_url``.

    ``auth_method`` is how the client proves who it is (RFC 6749 §2.3.1):
    ``"client_secret_basic"`` (HTTP Basic, the one every server must support),
    ``"client_secret_post"`` (id and secret in the form body) or ``"json"`` (everything in a
    JSON body, for APIs that do not speak forms).

    A refused request raises :class:`~tokenkit.TokenEndpointError` with the RFC error code,
    the server's description (credentials in it masked) and a diagnosis; a server that
    does not answer raises :class:`~tokenkit.ServerUnreachableError`.

    ``afetch()``/``arefresh()`` do the same through an httpx2 (or httpx) ``AsyncClient``
    (``async_client=``, or one per event loop made on first use), with the same errors,
    masking, redirect refusal and deadline; the event loop keeps running meanwhile.

    ``timeout`` is a **deadline** for each call: the whole answer must be in within that
    many seconds, or :class:`~tokenkit.ServerUnreachableError` with ``timed_out=True``.
    Redirects from the token, revocation and introspection endpoints are never followed,
    not even to the same server: each is refused with a :class:`~tokenkit.TokenEndpointError`
    that names where it pointed (set that URL as ``token_url`` if it is the right one).
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | Iterable[str] | None = None,
        audience: str | None = None,
        auth_method: AuthMethod = "client_secret_basic",
        session: requests.Session | None = None,
        timeout: float = 10.0,
        *,
        clock: Clock = time.time,
        extra: Mapping[str, str] | None = None,
        async_client: Any = None,
    ) -> None:
        if auth_method not in ("client_secret_basic", "client_secret_post", "json"):
            raise ValueError(
                f"auth_method must be 'client_secret_basic', 'client_secret_post' or 'json', not {auth_method!r}"
            )
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope_string(scope)
        self.audience = audience
        self.auth_method = auth_method
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.clock = clock
        self.extra = dict(extra or {})
        #: The httpx2/httpx ``AsyncClient`` for :meth:`afetch`; None: one per event loop, made on first use.
        self.async_client = async_client

    @classmethod
    def from_env(
        cls,
        *,
        token_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        dotenv_path: str | None = None,
        **kwargs: Any,
    ) -> ClientCredentials:
        """Build from ``TOKENKIT_API_URL`` (or ``TOKENKIT_TOKEN_URL``), ``TOKENKIT_CLIENT_ID``
        and ``TOKENKIT_CLIENT_SECRET``, in the environment or a ``.env`` file.

        Arguments given explicitly win, then the real environment, then the file. The token
        URL is ``TOKENKIT_TOKEN_URL``, else ``TOKENKIT_API_URL`` + ``/oauth/token``; either
        name in the environment beats both in the file, so exporting ``TOKENKIT_API_URL``
        to point a script at another server is never undone by a stale line in ``.env``.
        """
        if token_url is None:
            name, url = first_from_env(("TOKENKIT_TOKEN_URL", "TOKENKIT_API_URL"), dotenv_path=dotenv_path)
            token_url = url if name == "TOKENKIT_TOKEN_URL" else _token_url_for(url)
        return cls(
            token_url,
            client_id or from_env("TOKENKIT_CLIENT_ID", dotenv_path=dotenv_path),
            client_secret or from_env("TOKENKIT_CLIENT_SECRET", dotenv_path=dotenv_path),
            **kwargs,
        )

    # -- the grants ---------------------------------------------------------------------
    def fetch(self) -> Token:
        """Get a new token with the client credentials grant (RFC 6749 §4.4)."""
        return self._request_token(self._fetch_params())

    async def afetch(self) -> Token:
        """:meth:`fetch` for async code, through an httpx2/httpx ``AsyncClient``: same errors, same rules."""
        return await self._arequest_token(self._fetch_params())

    async def arefresh(self, token: Token | str) -> Token:
        """:meth:`refresh` for async code."""
        params, refresh_token = self._refresh_params(token)
        return keep_refresh_token(await self._arequest_token(params), refresh_token)

    def _fetch_params(self) -> dict[str, str]:
        params = {"grant_type": "client_credentials"}
        if self.scope:
            params["scope"] = self.scope
        if self.audience:
            params["audience"] = self.audience
        return params

    def _refresh_params(self, token: Token | str) -> tuple[dict[str, str], str]:
        refresh_token = token.refresh_token if isinstance(token, Token) else token
        if not refresh_token:
            raise ValueError("this token has no refresh_token; call fetch() for a new one")
        params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if self.scope:
            params["scope"] = self.scope
        return params, refresh_token

    def refresh(self, token: Token | str) -> Token:
        """Renew with the refresh-token grant (RFC 6749 §6).

        Takes a :class:`Token` (its ``refresh_token`` is used) or the refresh token string.
        Servers that rotate refresh tokens send a new one; one that does not may keep the
        old one valid, so it is carried over to the new :class:`Token` (§6: "the client MAY
        have to discard the old refresh token" only when a new one is issued).
        """
        params, refresh_token = self._refresh_params(token)
        return keep_refresh_token(self._request_token(params), refresh_token)

    def revoke(self, token: Token | str, *, token_type_hint: str | None = None, revocation_url: str | None = None) -> None:
        """Revoke a token (RFC 7009). ``revocation_url`` defaults to ``…/oauth/revoke`` next to the token URL."""
        raw = token.access_token if isinstance(token, Token) else token
        params = {"token": raw}
        if token_type_hint:
            params["token_type_hint"] = token_type_hint
        url = revocation_url or self._sibling_url("revoke")
        response = self._post(url, params, what="revocation endpoint")
        if response.status_code >= 400:
            raise TokenEndpointError(response=response, diagnosis=diagnose(response))

    def introspect(self, token: Token | str, *, introspection_url: str | None = None) -> dict[str, Any]:
        """Ask the server what it knows of a token (RFC 7662): ``{"active": bool, …}``."""
        raw = token.access_token if isinstance(token, Token) else token
        url = introspection_url or self._sibling_url("introspect")
        response = self._post(url, {"token": raw}, what="introspection endpoint")
        if response.status_code >= 400:
            raise TokenEndpointError(response=response, diagnosis=diagnose(response))
        data = json_body(response)
        if not isinstance(data.get("active"), bool):
            raise TokenEndpointError(
                error="invalid_response",
                error_description=f"{safe_url(url)} answered without a boolean 'active' (RFC 7662 §2.2)",
            )
        return data

    # -- plumbing --------------------------------------------------------------------------
    def _sibling_url(self, name: str) -> str:
        return urljoin(self.token_url, name)  # …/oauth/token -> …/oauth/revoke

    def _basic_header(self) -> str:
        """HTTP Basic with id and secret form-urlencoded first, as RFC 6749 §2.3.1 requires.

        Without the encoding a secret containing ``:``, ``%`` or ``+`` is read differently
        by a compliant server: the most common "my secret is right but I get invalid_client".
        """
        userpass = f"{quote_plus(self.client_id)}:{quote_plus(self._client_secret)}"
        return "Basic " + base64.b64encode(userpass.encode("utf-8")).decode("ascii")

    def _shown_id(self) -> str:
        """The client id, masked if it looks like a secret (id and secret swapped?)."""
        return mask(self.client_id) if looks_secret(self.client_id.strip()) else self.client_id

    def _shown_scope(self) -> str | None:
        """The scope, with anything that looks like a token masked (a token pasted into scope)."""
        return None if self.scope is None else redact(self.scope, self._secrets(), guess=True)

    def _secrets(self, params: Mapping[str, str] | None = None) -> list[str]:
        """What this client must never show whole: its secret, and the tokens it sends."""
        values = [self._client_secret, self._client_secret.strip()]
        if looks_secret(self.client_id.strip()):  # id and secret swapped?
            values.append(self.client_id)
        values += [v for k, v in (params or {}).items() if k in ("refresh_token", "token") and v]
        return values

    def _request_parts(self, params: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
        headers = {"Accept": "application/json"}
        body = {**self.extra, **params}
        if self.auth_method == "client_secret_basic":
            headers["Authorization"] = self._basic_header()
        else:
            body["client_id"] = self.client_id
            body["client_secret"] = self._client_secret
        kwargs: dict[str, Any] = {"json": body} if self.auth_method == "json" else {"data": body}
        return headers, kwargs

    def _post(self, url: str, params: dict[str, str], *, what: str = "token endpoint") -> requests.Response:
        headers, kwargs = self._request_parts(params)
        response = exchange(self.session, "POST", url, headers=headers, timeout=self.timeout, **kwargs)
        if response.is_redirect or 300 <= response.status_code < 400:
            self._refuse_redirect(response, url, what)
        return response

    async def _apost(self, url: str, params: dict[str, str], *, what: str = "token endpoint") -> Any:
        headers, kwargs = self._request_parts(params)
        client = self.async_client if self.async_client is not None else loop_client()
        response = await aexchange(client, "POST", url, headers=headers, timeout=self.timeout, **kwargs)
        if 300 <= response.status_code < 400:
            self._refuse_redirect(response, url, what)
        return response

    def _refuse_redirect(self, response: Any, url: str, what: str) -> None:
        location = response.headers.get("Location") or ""
        target = urljoin(url, location.strip()) if location else ""
        same = target and urljoin(target, "/") == urljoin(url, "/")
        where = f"to {safe_url(target)}" if target else "with no Location"
        raise TokenEndpointError(
            f"the {what} {safe_url(url)} answered HTTP {response.status_code}, a redirect {where}"
            f"{' (same server)' if same else ' (another server)' if target else ''}. tokenkit does not follow "
            "redirects from the token endpoint: the request carries the client secret and tokens, and a "
            "307/308 would send them along. If that is the right endpoint, use its URL as token_url.",
            response=response,
            diagnosis=diagnose(response),
            error="redirect",
            error_description=f"redirect {where}",
        )

    def _request_token(self, params: dict[str, str]) -> Token:
        response = self._post(self.token_url, params)
        return self._token_from(response, params, self.clock())  # now: as close as possible to the answer

    async def _arequest_token(self, params: dict[str, str]) -> Token:
        response = await self._apost(self.token_url, params)
        return self._token_from(response, params, self.clock())

    def _token_from(self, response: Any, params: dict[str, str], now: float) -> Token:
        """The token in a token endpoint's answer (requests or httpx), or the error it amounts to."""
        if response.status_code >= 400:
            raise TokenEndpointError(response=response, diagnosis=diagnose(response))
        try:
            data = response.json()
        except (ValueError, RecursionError):
            content_type = redact(response.headers.get("Content-Type", "no content type")[:80], self._secrets(params), guess=True)
            raise TokenEndpointError(
                error="invalid_response",
                error_description=(
                    f"{safe_url(self.token_url)} answered HTTP {response.status_code} with "
                    f"{content_type}, not JSON: is this the token endpoint?"
                ),
            ) from None
        token = Token.from_response(data, now=now, clock=self.clock, requested_scopes=self.scope)
        log.info("got a token for %s from %s: %s", self._shown_id(), safe_url(self.token_url), token)
        return token

    def __repr__(self) -> str:
        return (
            f"ClientCredentials(token_url={safe_url(self.token_url)!r}, client_id={self._shown_id()!r}, "
            f"client_secret={mask(self._client_secret)!r}, scope={self._shown_scope()!r}, auth_method={self.auth_method!r})"
        )

    @property
    def client_secret(self) -> str:
        """The secret itself (not in repr). Read-only, to keep it out of accidental assignments."""
        return self._client_secret
