"""Logging a *person* in: the device code grant and the authorization code grant with PKCE.

Client credentials (:class:`~tokenkit.ClientCredentials`) is for a program acting as
itself. When a program acts for a person, the person has to say yes, in a browser, to
the server, never typing their password into the program. Two grants do that:

- :class:`DeviceLogin` (RFC 8628): the program shows a short code and a URL; the person
  opens it on any device, logs in and approves; meanwhile the program polls the token
  endpoint. For CLIs, notebooks, SSH sessions and TVs: no browser on this machine needed.
- :class:`AuthorizationCodeLogin` (RFC 6749 §4.1 with PKCE, RFC 7636, for native apps as
  RFC 8252 says): the program opens the system browser at the authorization endpoint and
  receives the code on a one-shot loopback listener (:mod:`tokenkit.loopback`); PKCE
  binds the code to this program, so a code intercepted on the way is useless.

Both are *public clients*: there is no client secret on a person's machine worth the
name, so they send ``client_id`` and no secret (``token_endpoint_auth_method: none``).
Both discover the endpoints from the issuer (RFC 8414, else OpenID Connect discovery),
keep tokens in an owner-only :class:`~tokenkit.cache.TokenCache` when given ``cache=``,
renew them with the refresh token, and follow the token-source protocol, so
``RefreshingAuth(DeviceLogin(...))`` works. Every request to the token endpoint goes
through :func:`~tokenkit.sources.exchange`: no redirects, a deadline, a size limit.

Errors: a person who says no raises :class:`LoginDeniedError`, a code that ran out of
time :class:`LoginExpiredError`; both are :class:`LoginError`, which is a
:class:`~tokenkit.TokenEndpointError` (``error`` holds the RFC code).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import math
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from .cache import TokenCache, cache_key
from .diagnose import diagnose
from .errors import TokenEndpointError, safe_url
from .secrets import get_logger
from .sources import keep_refresh_token, loop_client, scope_string, aexchange, exchange
from .tokens import REFRESH_THRESHOLD, Clock, Token

__all__ = [
    "DeviceLogin",
    "AuthorizationCodeLogin",
    "DevicePrompt",
    "show_prompt",
    "LoginError",
    "LoginDeniedError",
    "LoginExpiredError",
    "StateMismatchError",
    "discover",
    "pkce_pair",
    "code_challenge",
    "DEVICE_CODE_GRANT",
]

log = get_logger("tokenkit.login")

#: The device code grant's ``grant_type`` (RFC 8628 §3.4).
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: RFC 8628 §3.2: the interval to use when the server names none.
DEFAULT_INTERVAL = 5.0
#: Never poll more often than this, whatever the server says: no busy loop.
MIN_INTERVAL = 1.0
#: RFC 8628 §3.5: ``slow_down`` adds this many seconds to the interval, for good.
SLOW_DOWN_STEP = 5.0

Sleep = Callable[[float], object]
PromptHandler = Callable[["DevicePrompt"], object]
Browser = Callable[[str], object]


# -- errors --------------------------------------------------------------------------------


class LoginError(TokenEndpointError):
    """A person's login did not produce a token. ``error`` is the RFC code when there is one."""


class LoginDeniedError(LoginError):
    """The person (or the server for them) said no: ``access_denied`` (RFC 8628 §3.5, RFC 6749 §4.1.2.1)."""


class LoginExpiredError(LoginError):
    """The device code or the login ran out of time before the person approved (``expired_token``)."""


class StateMismatchError(LoginError):
    """The redirect's ``state`` (or ``iss``) is not the one this login sent: not our login, code not used.

    Either a stale tab from an earlier attempt, or someone trying to make this program
    use *their* code (login CSRF, RFC 6749 §10.12; mix-up, RFC 9207). The code is not
    exchanged.
    """


def _login_error(cls: type[LoginError], error: str, description: str, response: Any = None) -> LoginError:
    return cls(
        f"{error}: {description}",
        response=response,
        diagnosis=None if response is None else diagnose(response),
        error=error,
        error_description=description,
    )


# -- discovery -----------------------------------------------------------------------------

_discovered: dict[str, tuple[dict[str, Any], float]] = {}
_discovered_lock = threading.Lock()
#: Seconds a discovery document is reused within a process.
DISCOVERY_LIFESPAN = 300.0


def _well_known(issuer: str, suffix: str) -> str:
    """RFC 8414 §3: ``/.well-known/<suffix>`` goes between the host and the issuer's path."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}/.well-known/{suffix}{path}"


def discover(
    issuer: str, *, session: requests.Session | None = None, timeout: float = 10.0, refresh: bool = False
) -> dict[str, Any]:
    """The issuer's metadata: RFC 8414's ``oauth-authorization-server``, else OpenID's ``openid-configuration``.

    The document's ``issuer`` must be exactly the one asked for (RFC 8414 §3.3): a
    document that names another issuer is refused, not followed. Cached for
    :data:`DISCOVERY_LIFESPAN` seconds per issuer (``refresh=True`` reads it again).
    """
    issuer = issuer.rstrip("/")
    now = time.monotonic()
    with _discovered_lock:
        cached = _discovered.get(issuer)
    if cached is not None and not refresh and now - cached[1] < DISCOVERY_LIFESPAN:
        return cached[0]
    session = session if session is not None else requests.Session()
    tried: list[str] = []
    for url in (_well_known(issuer, "oauth-authorization-server"), issuer + "/.well-known/openid-configuration"):
        response = exchange(session, "GET", url, headers={"Accept": "application/json"}, timeout=timeout)
        tried.append(f"{safe_url(url)} (HTTP {response.status_code})")
        if response.status_code != 200:
            continue
        try:
            data = response.json()
        except (ValueError, RecursionError):
            continue
        if not isinstance(data, dict):
            continue
        if str(data.get("issuer", "")).rstrip("/") != issuer:
            raise LoginError(
                error="invalid_issuer",
                error_description=(
                    f"{safe_url(url)} names the issuer {str(data.get('issuer'))[:100]!r}, not {issuer!r} "
                    "(RFC 8414 §3.3): use the issuer URL exactly as the server states it"
                ),
            )
        with _discovered_lock:
            _discovered[issuer] = (data, now)
        return data
    raise LoginError(
        error="discovery_failed",
        error_description=f"no usable metadata for {safe_url(issuer)}: tried {', '.join(tried)}. Is this the issuer URL?",
    )


def _endpoint(metadata: Mapping[str, Any], name: str, issuer: str, grant: str) -> str:
    url = metadata.get(name)
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise LoginError(
            error="unsupported_grant_type",
            error_description=f"{safe_url(issuer)} advertises no {name}: it does not offer the {grant} grant",
        )
    return url


# -- PKCE ----------------------------------------------------------------------------------


def code_challenge(verifier: str) -> str:
    """RFC 7636 §4.2 S256: ``BASE64URL(SHA256(ASCII(code_verifier)))``, without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """A fresh ``(code_verifier, code_challenge)``: 64 URL-safe characters (RFC 7636 §4.1: 43–128), and its S256."""
    verifier = secrets.token_urlsafe(48)  # 48 random bytes -> 64 characters of [A-Za-z0-9_-]
    return verifier, code_challenge(verifier)


# -- what both logins share ------------------------------------------------------------


class _PersonLogin:
    """Discovery, the token endpoint for a public client, the cache, refresh: shared by both grants."""

    grant_name = "login"

    def __init__(
        self,
        issuer: str,
        client_id: str,
        *,
        scope: str | Iterable[str] | None,
        cache: str | os.PathLike[str] | TokenCache | None,
        session: requests.Session | None,
        timeout: float,
        clock: Clock,
        async_client: Any,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.scope = scope_string(scope)
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.clock = clock
        self.async_client = async_client
        if cache is None or isinstance(cache, TokenCache):
            self.cache = cache
        else:
            self.cache = TokenCache(cache, clock=clock)
        self.cache_key = cache_key(self.issuer, client_id, self.scope)

    # -- the token-source protocol ---------------------------------------------------------
    def fetch(self) -> Token:
        """A token for the person: from the cache if fresh, renewed if stale, else a new login."""
        cached = self._cached()
        if cached is not None:
            if not cached.is_expired(REFRESH_THRESHOLD):
                log.info("using the cached token from %s", self.cache.path if self.cache else "?")
                return cached
            if cached.refresh_token:
                try:
                    return self.refresh(cached)
                except TokenEndpointError as exc:
                    if exc.error != "invalid_grant":
                        raise
                    log.info("the cached refresh token was refused (invalid_grant); logging in again")
                    self._forget()
        token = self._login()
        self._remember(token)
        return token

    def refresh(self, token: Token | str) -> Token:
        """Renew with the refresh-token grant (RFC 6749 §6); the new token is cached."""
        params, refresh_token = self._refresh_params(token)
        new = keep_refresh_token(self._token_request(params), refresh_token)
        self._remember(new)
        return new

    async def arefresh(self, token: Token | str) -> Token:
        """:meth:`refresh` for async code (httpx2/httpx ``AsyncClient``)."""
        params, refresh_token = self._refresh_params(token)
        response = await self._apost(self._token_url(), params)
        new = keep_refresh_token(self._token_from(response, self.clock()), refresh_token)
        self._remember(new)
        return new

    def logout(self) -> None:
        """Forget the cached token (the server's session is not ended: revoke for that)."""
        self._forget()

    def _login(self) -> Token:  # pragma: no cover - each grant defines it
        raise NotImplementedError

    # -- cache -----------------------------------------------------------------------------
    def _cached(self) -> Token | None:
        return None if self.cache is None else self.cache.load(self.cache_key)

    def _remember(self, token: Token) -> None:
        if self.cache is not None:
            self.cache.save(self.cache_key, token)

    def _forget(self) -> None:
        if self.cache is not None:
            self.cache.remove(self.cache_key)

    # -- endpoints -------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        """The issuer's discovery document (cached per process)."""
        return discover(self.issuer, session=self.session, timeout=self.timeout)

    def _token_url(self) -> str:
        return _endpoint(self.metadata(), "token_endpoint", self.issuer, self.grant_name)

    def _refresh_params(self, token: Token | str) -> tuple[dict[str, str], str]:
        refresh_token = token.refresh_token if isinstance(token, Token) else token
        if not refresh_token:
            raise ValueError("this token has no refresh_token; call fetch() to log in again")
        return {"grant_type": "refresh_token", "refresh_token": refresh_token}, refresh_token

    def _form(self, params: Mapping[str, str]) -> dict[str, str]:
        # A public client identifies itself in the body and has no secret (RFC 6749 §2.3.1, §3.2.1).
        return {**params, "client_id": self.client_id}

    def _post(self, url: str, params: Mapping[str, str], what: str = "token endpoint") -> requests.Response:
        response = exchange(
            self.session, "POST", url, headers={"Accept": "application/json"}, data=self._form(params), timeout=self.timeout
        )
        if 300 <= response.status_code < 400:
            _refuse_redirect(response, url, what)
        return response

    async def _apost(self, url: str, params: Mapping[str, str], what: str = "token endpoint") -> Any:
        client = self.async_client if self.async_client is not None else loop_client()
        response = await aexchange(
            client, "POST", url, headers={"Accept": "application/json"}, data=self._form(params), timeout=self.timeout
        )
        if 300 <= response.status_code < 400:
            _refuse_redirect(response, url, what)
        return response

    def _token_request(self, params: Mapping[str, str]) -> Token:
        response = self._post(self._token_url(), params)
        return self._token_from(response, self.clock())

    def _token_from(self, response: Any, now: float) -> Token:
        if response.status_code >= 400:
            raise _refusal(response)
        try:
            data = response.json()
        except (ValueError, RecursionError):
            raise LoginError(
                error="invalid_response",
                error_description=f"{safe_url(self._token_url())} answered HTTP {response.status_code} without JSON",
            ) from None
        token = Token.from_response(data, now=now, clock=self.clock, requested_scopes=self.scope)
        log.info("got a token for a person through %s (client %s): %s", self.grant_name, self.client_id, token)
        return token

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, _PersonLogin)
            and (other.issuer, other.client_id, other.scope) == (self.issuer, self.client_id, self.scope)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        cache = f", cache={str(self.cache.path)!r}" if self.cache is not None else ""
        return f"{type(self).__name__}({self.issuer!r}, {self.client_id!r}, scope={self.scope!r}{cache})"


def _refusal(response: Any) -> TokenEndpointError:
    """The error a token endpoint's refusal amounts to: denied and expired get their own class."""
    error = TokenEndpointError(response=response, diagnosis=diagnose(response))
    if error.error not in _OUTCOMES:
        return error
    cls, what = _OUTCOMES[error.error]
    said = f" (the server said: {error.error_description})" if error.error_description else ""
    return cls(
        f"{what}{said} [{error.error}, HTTP {response.status_code}]",
        response=response,
        diagnosis=error.diagnosis,
    )


#: The refusals a person's login ends with, and what to tell them.
_OUTCOMES: dict[str, tuple[type[LoginError], str]] = {
    "access_denied": (LoginDeniedError, "the login was denied: the person (or the server) said no; run the login again to retry"),
    "expired_token": (
        LoginExpiredError,
        "the code expired before the login was approved: run the login again for a new code, and approve it sooner",
    ),
}


def _refuse_redirect(response: Any, url: str, what: str) -> None:
    location = (response.headers.get("Location") or "").strip()
    where = f"to {safe_url(urljoin(url, location))}" if location else "with no Location"
    raise TokenEndpointError(
        f"the {what} {safe_url(url)} answered HTTP {response.status_code}, a redirect {where}. tokenkit does not "
        "follow redirects from the token endpoint: the request carries codes and tokens.",
        response=response,
        diagnosis=diagnose(response),
        error="redirect",
        error_description=f"redirect {where}",
    )


# -- device code (RFC 8628) ------------------------------------------------------------


@dataclass(frozen=True)
class DevicePrompt:
    """What the person needs to approve a device login (RFC 8628 §3.2), and nothing secret.

    ``verification_uri`` is where to go and ``user_code`` what to type there;
    ``verification_uri_complete``, when the server sends one, has the code in it already
    (a link to click, or a QR code). ``expires_in`` seconds to do it; ``expires_at`` is
    that instant on the login's clock. The ``device_code`` is not here: it is the
    program's own proof, not something to show.
    """

    verification_uri: str
    user_code: str
    expires_in: float
    verification_uri_complete: str | None = None
    interval: float = DEFAULT_INTERVAL
    expires_at: float = 0.0
    clock: Clock = field(default=time.time, compare=False, repr=False)

    @property
    def link(self) -> str:
        """The best link to open: the complete one when there is one."""
        return self.verification_uri_complete or self.verification_uri

    def seconds_left(self) -> float:
        return max(0.0, self.expires_at - self.clock())

    def __str__(self) -> str:
        minutes = max(1, math.ceil(self.expires_in / 60))
        text = f"To log in, open {self.verification_uri} and enter the code {self.user_code}"
        if self.verification_uri_complete:
            text += f"\n(or open {self.verification_uri_complete} , which has the code in it)"
        return text + f"\nThe code expires in {minutes} minute{'s' if minutes != 1 else ''}."


@dataclass
class _DeviceGrant:
    device_code: str
    prompt: DevicePrompt
    interval: float

    def __repr__(self) -> str:  # the device code is the program's credential: never shown
        return f"_DeviceGrant(user_code={self.prompt.user_code!r})"


#: What a notebook shows for a device prompt. ``tokenkit.widgets`` plugs its countdown view in
#: here when it is imported: the core never imports the widgets (its imports point one way).
_notebook_view: Callable[[DevicePrompt], object] | None = None


def use_notebook_view(factory: Callable[[DevicePrompt], object] | None) -> None:
    """Show device prompts in a notebook with ``factory`` (``None``: text, as in a terminal).

    ``import tokenkit.widgets`` registers :class:`~tokenkit.widgets.DevicePromptView`, a link
    that opens in a new tab and a countdown.
    """
    global _notebook_view
    _notebook_view = factory


def show_prompt(prompt: DevicePrompt) -> object:
    """The default ``on_prompt``: the registered view in a notebook, text on stderr elsewhere.

    In a notebook that has imported ``tokenkit.widgets`` that view is a widget with a link
    and a countdown; it is returned (its ``finish(text)`` is called when the login ends).
    Otherwise the prompt is printed and ``None`` returned.
    """
    factory = _notebook_view
    if factory is not None and _in_notebook():
        from IPython.display import display  # present: _in_notebook() found IPython running

        view = factory(prompt)
        display(view)
        return view
    print(str(prompt), file=sys.stderr, flush=True)
    return None


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class DeviceLogin(_PersonLogin):
    """A person logs in on another device (RFC 8628): a token source for CLIs and notebooks.

    ``fetch()`` asks the device authorization endpoint (found by discovery) for a code,
    hands a :class:`DevicePrompt` to ``on_prompt`` (default: :func:`show_prompt`), then
    polls the token endpoint every ``interval`` seconds (5 s more after each
    ``slow_down``) until the person approves (a :class:`~tokenkit.Token`), denies
    (:class:`LoginDeniedError`) or the code expires (:class:`LoginExpiredError`, also
    raised without asking once the code's time is up on ``clock``).

    Waiting goes through ``sleep`` and time through ``clock``: pass the mock's
    (``clock=api.clock.now, sleep=api.clock.advance``) and a lesson's login takes no real
    time at all. ``cache=`` a path keeps the token (owner-only) for the next process.
    """

    grant_name = "device code"

    def __init__(
        self,
        issuer: str,
        client_id: str,
        *,
        scope: str | Iterable[str] | None = None,
        cache: str | os.PathLike[str] | TokenCache | None = None,
        on_prompt: PromptHandler | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
        session: requests.Session | None = None,
        timeout: float = 10.0,
        async_client: Any = None,
    ) -> None:
        super().__init__(
            issuer, client_id, scope=scope, cache=cache, session=session, timeout=timeout, clock=clock,
            async_client=async_client,
        )
        self.on_prompt: PromptHandler = on_prompt if on_prompt is not None else show_prompt
        self.sleep = sleep

    def _device_url(self) -> str:
        return _endpoint(self.metadata(), "device_authorization_endpoint", self.issuer, self.grant_name)

    def _start(self) -> _DeviceGrant:
        """Ask for a device code and a user code (RFC 8628 §3.1–3.2)."""
        params = {"scope": self.scope} if self.scope else {}
        url = self._device_url()
        response = self._post(url, params, what="device authorization endpoint")
        now = self.clock()
        if response.status_code >= 400:
            raise _refusal(response)
        return _device_grant(response, now, self.clock, url)

    def _login(self) -> Token:
        grant = self._start()
        view = self.on_prompt(grant.prompt)
        try:
            token = self._poll(grant)
        except BaseException as exc:
            _finish(view, f"Login failed: {getattr(exc, 'error', None) or type(exc).__name__}")
            raise
        _finish(view, "Logged in.")
        return token

    def _poll(self, grant: _DeviceGrant) -> Token:
        token_url = self._token_url()
        params = {"grant_type": DEVICE_CODE_GRANT, "device_code": grant.device_code}
        while True:
            self._wait(grant)
            response = self._post(token_url, params)
            now = self.clock()
            token = self._polled(grant, response, now)
            if token is not None:
                return token

    def _wait(self, grant: _DeviceGrant) -> None:
        """Sleep one interval, unless the code expires first (then: expired, without asking)."""
        left = grant.prompt.expires_at - self.clock()
        if left <= 0:
            raise _expired(grant)
        self.sleep(min(grant.interval, left))

    def _polled(self, grant: _DeviceGrant, response: Any, now: float) -> Token | None:
        """One poll's answer (RFC 8628 §3.5): a token, ``None`` to keep waiting, or an error."""
        if response.status_code < 400:
            return self._token_from(response, now)
        error = TokenEndpointError(response=response).error
        if error == "authorization_pending":
            return None
        if error == "slow_down":
            grant.interval += SLOW_DOWN_STEP
            log.info("slow_down: polling every %g s from now on", grant.interval)
            return None
        raise _refusal(response)

    async def afetch(self) -> Token:
        """:meth:`fetch` for async code: polls through an httpx2/httpx ``AsyncClient``.

        Waits with ``asyncio.sleep`` unless a ``sleep`` was given (the mock's clock), so
        the event loop keeps running while the person approves.
        """
        cached = self._cached()
        if cached is not None:
            if not cached.is_expired(REFRESH_THRESHOLD):
                return cached
            if cached.refresh_token:
                try:
                    return await self.arefresh(cached)
                except TokenEndpointError as exc:
                    if exc.error != "invalid_grant":
                        raise
                    self._forget()
        grant = await asyncio.to_thread(self._start)  # discovery and one POST: off the loop
        view = self.on_prompt(grant.prompt)
        token_url = self._token_url()
        params = {"grant_type": DEVICE_CODE_GRANT, "device_code": grant.device_code}
        try:
            while True:
                left = grant.prompt.expires_at - self.clock()
                if left <= 0:
                    raise _expired(grant)
                pause = min(grant.interval, left)
                if self.sleep is time.sleep:
                    await asyncio.sleep(pause)
                else:
                    self.sleep(pause)
                response = await self._apost(token_url, params)
                token = self._polled(grant, response, self.clock())
                if token is not None:
                    break
        except BaseException as exc:
            _finish(view, f"Login failed: {getattr(exc, 'error', None) or type(exc).__name__}")
            raise
        _finish(view, "Logged in.")
        self._remember(token)
        return token


def _expired(grant: _DeviceGrant) -> LoginExpiredError:
    return LoginExpiredError(
        error="expired_token",
        error_description=(
            f"the code {grant.prompt.user_code} expired before the login was approved; "
            "run the login again for a new code"
        ),
    )


def _finish(view: object, text: str) -> None:
    finish = getattr(view, "finish", None)
    if callable(finish):
        try:
            finish(text)
        except Exception:  # noqa: BLE001 - a display problem must not hide the login's outcome
            log.debug("the prompt's finish() failed", exc_info=True)


def _device_grant(response: Any, now: float, clock: Clock, url: str) -> _DeviceGrant:
    """Read a device authorization answer (RFC 8628 §3.2), refusing one that is missing a part."""
    try:
        data = response.json()
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise LoginError(error="invalid_response", error_description=f"{safe_url(url)} did not answer with a JSON object")
    missing = [k for k in ("device_code", "user_code", "verification_uri") if not isinstance(data.get(k), str) or not data[k]]
    expires_in: Any = data.get("expires_in")
    usable = isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) and 0 < expires_in < 10**7
    if not usable:
        missing.append("expires_in")
    if missing:
        raise LoginError(
            error="invalid_response",
            error_description=f"{safe_url(url)} answered without a usable {', '.join(missing)} (RFC 8628 §3.2)",
        )
    lifetime = float(expires_in)  # checked above
    interval = data.get("interval", DEFAULT_INTERVAL)
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not math.isfinite(interval):
        interval = DEFAULT_INTERVAL
    interval = min(max(float(interval), MIN_INTERVAL), 300.0)
    complete = data.get("verification_uri_complete")
    prompt = DevicePrompt(
        verification_uri=data["verification_uri"],
        user_code=data["user_code"],
        expires_in=lifetime,
        verification_uri_complete=complete if isinstance(complete, str) and complete else None,
        interval=interval,
        expires_at=now + lifetime,
        clock=clock,
    )
    return _DeviceGrant(device_code=data["device_code"], prompt=prompt, interval=interval)


# -- authorization code + PKCE (RFC 6749 §4.1, RFC 7636, RFC 8252) ----------------------


class AuthorizationCodeLogin(_PersonLogin):
    """A person logs in in a browser; the code comes back to a loopback listener (RFC 8252).

    ``fetch()`` makes a PKCE verifier and its S256 challenge, a random ``state``, starts a
    one-shot listener on ``127.0.0.1`` (a free port), sends the browser to the
    authorization endpoint, waits up to ``login_timeout`` seconds for the redirect, checks
    ``state`` (and ``iss`` when the server sends it, RFC 9207), and exchanges the code with
    the verifier. A mismatch raises :class:`StateMismatchError` and the code is not used.

    ``open_browser``: ``True`` opens the system browser (:func:`webbrowser.open`; if none
    can be opened the URL is printed); ``False`` prints the URL to open by hand; a
    callable is called with the URL instead, so a test or a notebook can *be* the browser
    (follow the URL, fill the login form).
    """

    grant_name = "authorization code"

    def __init__(
        self,
        issuer: str,
        client_id: str,
        *,
        scope: str | Iterable[str] | None = None,
        cache: str | os.PathLike[str] | TokenCache | None = None,
        open_browser: bool | Browser = True,
        login_timeout: float = 300.0,
        redirect_path: str = "/callback",
        port: int = 0,
        clock: Clock = time.time,
        session: requests.Session | None = None,
        timeout: float = 10.0,
        async_client: Any = None,
    ) -> None:
        super().__init__(
            issuer, client_id, scope=scope, cache=cache, session=session, timeout=timeout, clock=clock,
            async_client=async_client,
        )
        self.open_browser = open_browser
        self.login_timeout = login_timeout
        self.redirect_path = redirect_path
        self.port = port

    def authorization_url(self, *, redirect_uri: str, state: str, challenge: str) -> str:
        """The authorization endpoint URL for one login (RFC 6749 §4.1.1, RFC 7636 §4.3)."""
        endpoint = _endpoint(self.metadata(), "authorization_endpoint", self.issuer, self.grant_name)
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if self.scope:
            params["scope"] = self.scope
        joiner = "&" if urlsplit(endpoint).query else "?"
        return endpoint + joiner + urlencode(params)

    def _login(self) -> Token:
        from .loopback import LoopbackRedirect, RedirectTimeoutError  # http.server: only when a browser login runs

        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(24)
        with LoopbackRedirect(path=self.redirect_path, port=self.port, answer=_page_for(state)) as listener:
            url = self.authorization_url(redirect_uri=listener.redirect_uri, state=state, challenge=challenge)
            self._send_browser(url)
            try:
                params = listener.wait(self.login_timeout)
            except RedirectTimeoutError:
                raise LoginExpiredError(
                    error="login_timeout",
                    error_description=(
                        f"no answer from the browser within {self.login_timeout:g} s; run the login again "
                        "(or pass a larger login_timeout)"
                    ),
                ) from None
        code = self._code_from(params, state)
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": listener.redirect_uri,
                "code_verifier": verifier,
            }
        )

    def _send_browser(self, url: str) -> None:
        if callable(self.open_browser):
            self.open_browser(url)
            return
        import webbrowser

        if self.open_browser and webbrowser.open(url):
            print(f"Opened your browser to log in at {safe_url(url)}", file=sys.stderr, flush=True)
            return
        print(f"Open this link in your browser to log in:\n{url}", file=sys.stderr, flush=True)

    def _code_from(self, params: Mapping[str, str], state: str) -> str:
        """The code of a redirect that is ours: state first, then iss, then error or code."""
        if not _same(params.get("state", ""), state):
            raise StateMismatchError(
                error="state_mismatch",
                error_description=(
                    "the redirect's state is not the one this login sent (a stale tab, or a forged redirect); "
                    "its code was not used. Run the login again."
                ),
            )
        iss = params.get("iss")
        expected_iss = str(self.metadata().get("issuer", self.issuer)).rstrip("/")
        if iss is not None and iss.rstrip("/") != expected_iss:
            raise StateMismatchError(
                error="issuer_mismatch",
                error_description=f"the redirect came from issuer {iss[:100]!r}, not {expected_iss!r} (RFC 9207); code not used",
            )
        if "error" in params:
            error = params["error"][:100]
            description = params.get("error_description", "")[:300] or "the authorization server refused the login"
            cls = LoginDeniedError if error == "access_denied" else LoginError
            raise _login_error(cls, error, description)
        code = params.get("code")
        if not code:
            raise LoginError(error="invalid_response", error_description="the redirect carried neither a code nor an error")
        return code


def _same(got: str, expected: str) -> bool:
    """Constant-time comparison of a received value (any text) with ours."""
    return secrets.compare_digest(got.encode("utf-8"), expected.encode("utf-8"))


def _page_for(state: str) -> Callable[[dict[str, str]], tuple[str, str]]:
    """What the browser is told: logged in only when the redirect is ours and carries a code."""

    def answer(params: dict[str, str]) -> tuple[str, str]:
        if not _same(params.get("state", ""), state):
            return "Login not completed", "This redirect does not belong to the login in progress. You can close this tab."
        if "error" in params:
            return "Login not completed", f"The server answered: {params['error'][:100]}. You can close this tab."
        return "Logged in", "You are logged in. You can close this tab and go back to your program."

    return answer
