"""Auth objects for ``requests``, httpx2 and httpx: put a token on a request, one class per way of sending it.

**One object, three libraries.** Every class here is a ``requests`` auth (``__call__``)
and an httpx2/httpx ``Auth`` (``sync_auth_flow``/``async_auth_flow``). httpx clients
accept an auth only if it *is* an ``httpx.Auth`` (``isinstance`` in ``Client._build_auth``;
anything else callable is wrapped as a plain function that never sees the answer). So
the root class :class:`TokenAuth` takes ``httpx2.Auth`` and ``httpx.Auth`` as extra bases,
but only once those libraries are imported by someone else, so ``import tokenkit`` stays
light: a library already imported is adopted when tokenkit is imported, and one imported
later is adopted right after its own import finishes, by a post-import hook
(:class:`_AdoptOnImport`, a ``sys.meta_path`` entry that finds nothing itself, watches
only those two names and removes itself once both are adopted). Objects created before
are covered too: a class's bases are looked up at ``isinstance`` time.

Like ``requests.auth.HTTPBasicAuth``: ``__call__(r)`` sets one header (or query parameter)
and returns the request, nothing else; ``__eq__`` so sessions and tests can compare them;
a repr that masks the token.

:class:`FlowAuth` is the base for auths that must react to the answer (refresh on 401,
rotate on 429). requests only offers response hooks, so it turns the hook back into what
httpx calls an *auth flow*: one generator that yields a request, receives the response,
decides, and may yield one more. The resend itself is done exactly the way
``HTTPDigestAuth.handle_401`` does it.

**Redirects.** requests removes ``Authorization`` when a redirect leads to another origin
(``Session.rebuild_auth``), but it knows nothing of ``X-API-Key``, ``X-Token`` or an
``?api_key=`` that the server copied into ``Location``: those would follow the redirect
to whatever host it names. So an auth that puts its credential anywhere else than
``Authorization`` also registers a response hook (:func:`_strip_on_cross_origin_redirect`)
that, when the answer redirects to another origin, takes the credential off the request
requests is about to copy for the next hop, by the same rule requests applies to
``Authorization`` (``should_strip_auth``).
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase
from requests.cookies import extract_cookies_to_jar
from requests.sessions import SessionRedirectMixin

from .exchange import is_httpx
from .flow import Credentials, Decision, aadvance, advance
from .secrets import mask, register_credential_param
from .tokens import Token

__all__ = [
    "TokenAuth",
    "HeaderAuth",
    "BearerAuth",
    "ApiKeyAuth",
    "FlowAuth",
    "raw_token",
    "leaves_origin",
    "redirect_target",
    "adopt_httpx_bases",
    "CREDENTIALS_EXTENSION",
    "CredentialMark",
]


# -- the root: a requests auth that becomes an httpx2/httpx Auth ------------------------------
class _Plain:
    """A plain base, so :class:`TokenAuth`'s bases can be extended (CPython refuses that
    for a class whose only base is ``object``)."""


class TokenAuth(_Plain):
    """Root of tokenkit's auths: httpx2's and httpx's ``Auth`` join its bases once imported.

    Subclasses set credentials in :meth:`_apply_httpx` (simple auths) or write a
    decision (:class:`FlowAuth`); the httpx drivers here run either.
    """

    # httpx2/httpx's Auth protocol (their base class's versions are never used)
    requires_request_body = False
    requires_response_body = False

    def _apply_httpx(self, request: Any) -> None:  # pragma: no cover - every subclass has one
        raise NotImplementedError

    def sync_auth_flow(self, request: Any) -> Generator[Any, Any, None]:
        """httpx2/httpx sync driver for an auth that only sets credentials."""
        self._apply_httpx(request)
        yield request

    async def async_auth_flow(self, request: Any) -> AsyncGenerator[Any, Any]:
        """httpx2/httpx async driver for an auth that only sets credentials."""
        self._apply_httpx(request)
        yield request


_HTTPX_MODULES = ("httpx2", "httpx")


def adopt_httpx_bases() -> None:
    """Give :class:`TokenAuth` the ``Auth`` base of each of httpx2/httpx that is imported.

    Cheap (two dictionary lookups) and idempotent; never imports anything.
    """
    modules = sys.modules
    for name in _HTTPX_MODULES:
        module = modules.get(name)
        base = getattr(module, "Auth", None) if module is not None else None
        if isinstance(base, type) and base not in TokenAuth.__bases__:
            with _bases_lock:
                if base not in TokenAuth.__bases__:
                    TokenAuth.__bases__ = (*TokenAuth.__bases__, base)
    if len(TokenAuth.__bases__) > len(_HTTPX_MODULES):  # both adopted: the hook has nothing left to do
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _AdoptOnImport)]


_bases_lock = threading.Lock()


class _AdoptOnImport:
    """Post-import hook: after httpx2/httpx finish importing, adopt their ``Auth`` as a base.

    A ``sys.meta_path`` finder that never provides a module. Asked for ``httpx2`` or
    ``httpx``, it asks the other finders for the real spec and returns it with a loader
    that runs the real one and then :func:`adopt_httpx_bases`; every other name goes by.
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in _HTTPX_MODULES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _AdoptingLoader(spec.loader)  # type: ignore[assignment]  # a Loader by duck typing
                return spec
        return None


class _AdoptingLoader:
    """The real loader, plus :func:`adopt_httpx_bases` once the module has run."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        adopt_httpx_bases()

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, …
        return getattr(self._loader, name)


def _install_import_hook() -> None:
    if all(name in sys.modules for name in _HTTPX_MODULES):
        return
    if not any(isinstance(finder, _AdoptOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AdoptOnImport())


def _not_an_httpx_auth(auth: object) -> TypeError:
    adopt_httpx_bases()  # from now on, objects of this class are httpx Auths
    return TypeError(
        f"{type(auth).__name__} reached an httpx client as a plain function, so it cannot see the answer "
        "to renew or rotate (was httpx imported in an unusual way, e.g. under another name?). Create the "
        "client again: tokenkit's auths are now httpx Auths."
    )


def raw_token(token: str | Token) -> str:
    """The token string of a ``str`` or a :class:`Token`."""
    if isinstance(token, Token):
        return token.access_token
    if not isinstance(token, str) or not token:
        raise TypeError(f"expected a token string or a Token, got {type(token).__name__}")
    return token


# -- redirects ---------------------------------------------------------------------------
#: The ``request.extensions`` key under which an auth records, on an httpx2/httpx request,
#: the credentials it set outside ``Authorization`` (which httpx strips by itself).
CREDENTIALS_EXTENSION = "tokenkit.credentials"


@dataclass(frozen=True)
class CredentialMark:
    """What an auth put on an httpx request besides ``Authorization``, and for which URL.

    httpx copies a request's ``extensions`` to every redirect hop, so the request event
    hook of :func:`tokenkit.httpx_client` can take exactly these off a hop that leaves
    ``url``'s origin. The query values are the secrets themselves: never shown.
    """

    url: Any
    headers: tuple[str, ...] = ()
    query_values: tuple[str, ...] = field(default=(), repr=False)


_REDIRECT_RULES = SessionRedirectMixin()  # requests' own rule for when Authorization goes


def leaves_origin(old_url: str | None, new_url: str | None) -> bool:
    """True when a redirect from ``old_url`` to ``new_url`` changes origin (host, port or
    scheme), by requests' rule for stripping ``Authorization`` (an http→https upgrade on
    the default ports keeps it)."""
    if not old_url or not new_url:
        return True
    return bool(_REDIRECT_RULES.should_strip_auth(old_url, new_url))


def redirect_target(r: requests.Response) -> str | None:
    """The absolute URL a redirect answer points to, or None if it is no redirect."""
    if not r.is_redirect:
        return None
    location = r.headers.get("Location") or ""
    return urljoin(r.url or "", location.strip())


def _strip_on_cross_origin_redirect(
    r: requests.Response, *, header: str | None = None, secret: str = "", **kwargs: Any
) -> requests.Response:
    """Response hook: keep a credential from following a redirect to another origin.

    requests copies the request it just sent (``r.request``) for the next hop. Here that
    request is handed a copy to keep as the record of what was sent, and the credential
    is taken off the original before requests copies it: the ``header`` is removed, and
    a ``Location`` that carries ``secret`` as a query value (a server that copied
    ``?api_key=…`` into its redirect) loses that parameter. Same-origin redirects are
    left alone.
    """
    target = redirect_target(r)
    sent = r.request
    if target is None or sent is None or not leaves_origin(sent.url, target):
        return r
    r.request = sent.copy()  # the record of what actually went to the first origin
    if header is not None:
        sent.headers.pop(header, None)
    if secret:
        parts = urlsplit(target)
        query = parse_qsl(parts.query, keep_blank_values=True)
        kept = [(k, v) for k, v in query if v != secret]
        if len(kept) != len(query):
            r.headers["Location"] = urlunsplit(parts._replace(query=urlencode(kept)))
    return r


class HeaderAuth(TokenAuth, AuthBase):
    """Send the token in a header: ``{header}: {scheme} {token}``, or the raw token if ``scheme`` is None.

    Covers ``Authorization: Bearer …`` (the default), ``Authorization: <token>`` with no
    scheme (``scheme=None``, some older APIs), ``Authorization: Token …`` and custom headers.

    **Redirects under httpx2/httpx.** A plain ``httpx2.Client``/``httpx.Client`` with
    ``follow_redirects=True`` forwards every custom header (and a key the server copied
    into ``Location``) to whatever origin a redirect names: httpx strips only
    ``Authorization``, and it follows redirects after the auth has run, so no auth can
    stop it. :func:`tokenkit.httpx_client` and :func:`tokenkit.async_httpx_client` close
    that gap (a request event hook removes what this auth set on a cross-origin hop); with
    a client of your own, leave ``follow_redirects`` off or use ``Authorization``.
    """

    def __init__(self, token: str | Token, header: str = "Authorization", scheme: str | None = "Bearer") -> None:
        self._token = raw_token(token)
        self.header = header
        self.scheme = scheme
        # Built once: this is the whole per-request cost of the auth.
        self._value = f"{scheme} {self._token}" if scheme else self._token
        # requests strips Authorization on a cross-origin redirect; any other header is ours to strip.
        self._hook = (
            None if header.lower() == "authorization"
            else functools.partial(_strip_on_cross_origin_redirect, header=header)
        )

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers[self.header] = self._value
        if self._hook is not None:
            r.register_hook("response", self._hook)
        return r

    def _apply_httpx(self, request: Any) -> None:
        request.headers[self.header] = self._value
        if self._hook is not None:  # not Authorization: httpx would carry it across origins
            request.extensions[CREDENTIALS_EXTENSION] = CredentialMark(request.url, (self.header,))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, HeaderAuth)
            and self._token == other._token
            and self.header.lower() == other.header.lower()
            and self.scheme == other.scheme
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, like requests' auths

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token={mask(self._token)!r}, header={self.header!r}, scheme={self.scheme!r})"


class BearerAuth(HeaderAuth):
    """``Authorization: Bearer <token>`` (RFC 6750 §2.1), the common case."""

    def __init__(self, token: str | Token) -> None:
        super().__init__(token, header="Authorization", scheme="Bearer")

    def __repr__(self) -> str:
        return f"BearerAuth({mask(self._token)!r})"


class ApiKeyAuth(TokenAuth, AuthBase):
    """An API key in a header (``X-API-Key`` by default) or, with ``query=``, in the URL.

    Prefer the header: a key in the URL ends up in server logs, proxies and browser
    history. The query form exists because some APIs accept nothing else.

    Under requests, either way the key does not follow a redirect to another origin: the header is
    removed, and a ``Location`` that carries the key is followed without it.

    **Redirects under httpx2/httpx.** As for :class:`HeaderAuth`: a plain client with
    ``follow_redirects=True`` carries the key (header or query) to any origin;
    :func:`tokenkit.httpx_client` and :func:`tokenkit.async_httpx_client` do not.

    **The query form cannot be kept out of every log.** The key is part of the URL, and
    urllib3 logs URLs: each request at DEBUG (``"GET /data?api_key=… HTTP/1.1" 200``) and
    each retry at WARNING; a requests ``ConnectionError`` names the URL too. tokenkit's own
    messages show URLs without their query string and its loggers mask credentials, but
    other libraries' records are theirs. To mask the key in everything *your* logging
    prints, add ``tokenkit.RedactingFilter()`` to your handlers (it knows this parameter's
    name once an ``ApiKeyAuth`` with it exists).
    """

    def __init__(self, key: str | Token, header: str | None = "X-API-Key", query: str | None = None) -> None:
        self._key = raw_token(key)
        self.query = query
        self.header = None if query else header
        if self.header is None and self.query is None:
            raise ValueError("ApiKeyAuth needs a header name or a query parameter name")
        if self.query:
            register_credential_param(self.query)
        self._hook = functools.partial(_strip_on_cross_origin_redirect, header=self.header, secret=self._key if self.query else "")

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.query:
            r.prepare_url(r.url or "", {self.query: self._key})
        else:
            r.headers[self.header or "X-API-Key"] = self._key
        r.register_hook("response", self._hook)
        return r

    def _apply_httpx(self, request: Any) -> None:
        if self.query:
            url = request.url
            request.url = url.copy_merge_params({self.query: self._key})
            request.extensions[CREDENTIALS_EXTENSION] = CredentialMark(url, query_values=(self._key,))
        else:
            header = self.header or "X-API-Key"
            request.headers[header] = self._key
            request.extensions[CREDENTIALS_EXTENSION] = CredentialMark(request.url, (header,))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ApiKeyAuth)
            and self._key == other._key
            and self.header == other.header
            and self.query == other.query
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        where = f"query={self.query!r}" if self.query else f"header={self.header!r}"
        return f"ApiKeyAuth({mask(self._key)!r}, {where})"


# -- auths that answer the response ------------------------------------------------------
Flow = Generator[requests.PreparedRequest, requests.Response, None]

_NO_POSITION = object()


class FlowAuth(TokenAuth, AuthBase):
    """Base for an auth that reacts to the answer; its decision is one generator, :meth:`decide`.

    ``decide()`` yields :class:`~tokenkit.flow.Credentials` to have the request sent with
    them and receives the response; it may yield credentials again to have the request
    resent (at most ``max_resends`` times), and :class:`~tokenkit.flow.Effect` for work
    such as renewing a token, which each driver runs its own way (see :mod:`tokenkit.flow`).
    The generator lives for one request only, so a resend decision can never leak into
    another request. Three drivers run the same decision:

    - **requests**: :meth:`auth_flow` turns it into a generator of prepared requests, and
      the plumbing is ``HTTPDigestAuth``'s: a response hook that consumes and closes the
      first response (so its connection can be reused), rewinds a file body, carries
      cookies over, sends a copy on ``r.connection.send(prep, **kwargs)`` and appends the
      first response to ``history``. A per-thread flag, like Digest's ``num_401_calls``,
      refuses to resend from inside a resend.
    - **httpx2/httpx sync** (:meth:`sync_auth_flow`) and **async** (:meth:`async_auth_flow`):
      the library's own auth-flow protocol; effects are awaited in the async one.

    A subclass written for requests alone may still override :meth:`auth_flow` with a
    generator of prepared requests, as before ``decide`` existed.
    """

    #: Upper bound on resends for one request, whatever the flow yields.
    max_resends: int = 1

    def decide(self) -> Decision:  # pragma: no cover - abstract
        raise NotImplementedError
        yield Credentials({})

    # -- requests ------------------------------------------------------------------------------
    @property
    def _thread_local(self) -> threading.local:
        # Created on first use, so a subclass need not remember to call super().__init__().
        local = self.__dict__.get("_flow_local")
        if local is None:
            local = self.__dict__.setdefault("_flow_local", threading.local())
        return local

    def auth_flow(self, request: requests.PreparedRequest) -> Flow:
        """:meth:`decide` as a generator of prepared requests, for the requests driver."""
        decision = self.decide()
        try:
            step = advance(decision, None)
            while step is not None:
                request.headers.update(step.headers)
                response = yield request
                step = advance(decision, response)
                if step is not None:
                    request = request.copy()
        finally:
            decision.close()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if not hasattr(r, "register_hook"):  # an httpx request, through httpx's FunctionAuth
            raise _not_an_httpx_auth(self)
        flow = self.auth_flow(r)
        try:
            first = next(flow)
        except StopIteration:
            return r
        try:
            position: Any = first.body.tell()  # type: ignore[union-attr]
        except AttributeError:
            position = _NO_POSITION
        first.register_hook("response", functools.partial(self._handle_response, flow, position))
        return first

    def _handle_response(self, flow: Flow, position: Any, r: requests.Response, **kwargs: Any) -> requests.Response:
        """Feed responses into ``flow`` and send what it yields back (at most ``max_resends``)."""
        if getattr(self._thread_local, "resending", False):
            return r  # a hook called from inside our own resend: never resend again
        resends = 0
        try:
            while True:
                try:
                    prep = flow.send(r)
                except StopIteration:
                    return r
                if resends >= self.max_resends or not _can_resend(r.request, position):
                    return r
                resends += 1
                r = self._resend(r, prep, position, **kwargs)
        except BaseException:
            # The flow gave up (e.g. RateLimitedError): free the connection before raising.
            r.content  # noqa: B018 - read the body so it stays available on the error
            r.close()
            raise
        finally:
            flow.close()

    def _resend(
        self, r: requests.Response, prep: requests.PreparedRequest, position: Any, **kwargs: Any
    ) -> requests.Response:
        if position is not _NO_POSITION:
            # Rewind the file position indicator of the body to where it was.
            r.request.body.seek(position)  # type: ignore[union-attr]
        # Consume content and release the original connection so the resend can reuse it.
        r.content  # noqa: B018
        r.close()
        jar = prep._cookies  # type: ignore[attr-defined]
        extract_cookies_to_jar(jar, r.request, r.raw)  # type: ignore[arg-type]  # requests' stubs say Optional
        prep.prepare_cookies(jar)
        self._thread_local.resending = True
        try:
            _r = r.connection.send(prep, **kwargs)  # type: ignore[attr-defined]
        finally:
            self._thread_local.resending = False
        _r.history = [*r.history, r]
        _r.request = prep
        return _r

    # -- httpx2 / httpx --------------------------------------------------------------------------
    def sync_auth_flow(self, request: Any) -> Generator[Any, Any, None]:
        """The httpx2/httpx sync driver: effects run in this thread."""
        decision = self.decide()
        try:
            step = advance(decision, None)
            resends = 0
            while step is not None:
                request.headers.update(step.headers)
                _mark_others(request, step.headers)
                response = yield request
                if response.status_code >= 400:
                    response.read()  # small; the decision or an error may read it
                step = advance(decision, response)
                if step is None or resends >= self.max_resends:
                    return
                resends += 1
                request = _copy_httpx(request)
        finally:
            decision.close()

    async def async_auth_flow(self, request: Any) -> AsyncGenerator[Any, Any]:
        """The httpx2/httpx async driver: effects are awaited, so the loop never blocks on them."""
        decision = self.decide()
        try:
            step = await aadvance(decision, None)
            resends = 0
            while step is not None:
                request.headers.update(step.headers)
                _mark_others(request, step.headers)
                response = yield request
                if response.status_code >= 400:
                    await response.aread()
                step = await aadvance(decision, response)
                if step is None or resends >= self.max_resends:
                    return
                resends += 1
                request = _copy_httpx(request)
        finally:
            decision.close()


def _mark_others(request: Any, headers: Any) -> None:
    """Record credential headers other than ``Authorization`` (see :class:`CredentialMark`)."""
    if len(headers) == 1 and "Authorization" in headers:
        return  # the common case, and httpx strips Authorization across origins itself
    others = tuple(name for name in headers if name.lower() != "authorization")
    if others:
        request.extensions[CREDENTIALS_EXTENSION] = CredentialMark(request.url, others)


def _copy_httpx(request: Any) -> Any:
    """A new httpx2/httpx request like ``request`` (same body stream), so history keeps what was sent."""
    return type(request)(
        request.method,
        request.url,
        headers=request.headers.copy(),
        stream=request.stream,
        extensions=dict(request.extensions),
    )


def _can_resend(request: requests.PreparedRequest, position: Any) -> bool:
    """A streamed body (generator) is gone once sent; a file body can be rewound."""
    body = request.body
    if body is None or isinstance(body, (bytes, str)):
        return True
    return position is not _NO_POSITION and hasattr(body, "seek")


adopt_httpx_bases()  # httpx2/httpx imported before tokenkit: their Auth is a base from the start
_install_import_hook()  # imported after: adopted as soon as their import finishes
