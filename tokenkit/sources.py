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
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import quote_plus, urljoin

import requests

from .errors import ServerUnreachableError, TokenEndpointError
from .secrets import first_from_env, from_env, mask
from .tokens import Clock, Token

__all__ = [
    "TokenSource",
    "RefreshableSource",
    "StaticToken",
    "EnvToken",
    "ClientCredentials",
    "AuthMethod",
    "send_or_explain",
]

log = logging.getLogger("tokenkit.sources")

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

    def __repr__(self) -> str:
        return f"EnvToken({self.name!r})"


def send_or_explain(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """``session.request`` where a server that does not answer is a :class:`ServerUnreachableError`.

    Used wherever tokenkit itself sends a request, so "is the mock started?" is the message
    instead of a page of urllib3 traceback.
    """
    try:
        return session.request(method, url, **kwargs)
    except requests.Timeout as exc:
        raise ServerUnreachableError(url, exc, timed_out=True) from None
    except requests.ConnectionError as exc:
        if isinstance(exc, ServerUnreachableError):
            raise
        raise ServerUnreachableError(url, exc) from None


def _token_url_for(api_url: str) -> str:
    """The mock's (and this tutorial's) token endpoint under an API base URL."""
    return api_url.rstrip("/") + "/oauth/token"


def _scope_string(scope: str | Iterable[str] | None) -> str | None:
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
    the server's description and a diagnosis; a server that does not answer raises
    :class:`~tokenkit.ServerUnreachableError`.
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
    ) -> None:
        if auth_method not in ("client_secret_basic", "client_secret_post", "json"):
            raise ValueError(
                f"auth_method must be 'client_secret_basic', 'client_secret_post' or 'json', not {auth_method!r}"
            )
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = _scope_string(scope)
        self.audience = audience
        self.auth_method = auth_method
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.clock = clock
        self.extra = dict(extra or {})

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
        params = {"grant_type": "client_credentials"}
        if self.scope:
            params["scope"] = self.scope
        if self.audience:
            params["audience"] = self.audience
        return self._request_token(params)

    def refresh(self, token: Token | str) -> Token:
        """Renew with the refresh-token grant (RFC 6749 §6).

        Takes a :class:`Token` (its ``refresh_token`` is used) or the refresh token string.
        Servers that rotate refresh tokens send a new one; one that does not may keep the
        old one valid, so it is carried over to the new :class:`Token` (§6: "the client MAY
        have to discard the old refresh token" only when a new one is issued).
        """
        refresh_token = token.refresh_token if isinstance(token, Token) else token
        if not refresh_token:
            raise ValueError("this token has no refresh_token; call fetch() for a new one")
        params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if self.scope:
            params["scope"] = self.scope
        new = self._request_token(params)
        if new.refresh_token is None:
            new = Token(
                new.access_token, new.token_type, new.expires_at, new.scopes, refresh_token, clock=new.clock
            )
        return new

    def revoke(self, token: Token | str, *, token_type_hint: str | None = None, revocation_url: str | None = None) -> None:
        """Revoke a token (RFC 7009). ``revocation_url`` defaults to ``…/oauth/revoke`` next to the token URL."""
        raw = token.access_token if isinstance(token, Token) else token
        params = {"token": raw}
        if token_type_hint:
            params["token_type_hint"] = token_type_hint
        url = revocation_url or self._sibling_url("revoke")
        response = self._post(url, params)
        if response.status_code >= 400:
            raise TokenEndpointError(response=response)

    def introspect(self, token: Token | str, *, introspection_url: str | None = None) -> dict[str, Any]:
        """Ask the server what it knows of a token (RFC 7662): ``{"active": bool, …}``."""
        raw = token.access_token if isinstance(token, Token) else token
        url = introspection_url or self._sibling_url("introspect")
        response = self._post(url, {"token": raw})
        if response.status_code >= 400:
            raise TokenEndpointError(response=response)
        return dict(response.json())

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

    def _post(self, url: str, params: dict[str, str]) -> requests.Response:
        headers = {"Accept": "application/json"}
        body = {**self.extra, **params}
        if self.auth_method == "client_secret_basic":
            headers["Authorization"] = self._basic_header()
        else:
            body["client_id"] = self.client_id
            body["client_secret"] = self._client_secret
        kwargs: dict[str, Any] = {"json": body} if self.auth_method == "json" else {"data": body}
        return send_or_explain(self.session, "POST", url, headers=headers, timeout=self.timeout, **kwargs)

    def _request_token(self, params: dict[str, str]) -> Token:
        response = self._post(self.token_url, params)
        now = self.clock()  # as close as possible to the answer, for expires_in
        if response.status_code >= 400:
            raise TokenEndpointError(response=response)
        try:
            data = response.json()
        except ValueError:
            raise TokenEndpointError(
                error="invalid_response",
                error_description=(
                    f"{self.token_url} answered HTTP {response.status_code} with "
                    f"{response.headers.get('Content-Type', 'no content type')}, not JSON: is this the token endpoint?"
                ),
            ) from None
        token = Token.from_response(data, now=now, clock=self.clock, requested_scopes=self.scope)
        log.info("got a token for %s from %s: %s", self.client_id, self.token_url, token)
        return token

    def __repr__(self) -> str:
        return (
            f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r}, "
            f"client_secret={mask(self._client_secret)!r}, scope={self.scope!r}, auth_method={self.auth_method!r})"
        )

    @property
    def client_secret(self) -> str:
        """The secret itself (not in repr). Read-only, to keep it out of accidental assignments."""
        return self._client_secret
