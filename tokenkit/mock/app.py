"""The mock API as an ASGI application, built by one factory for every way it is started.

``MockAPI`` (in a kernel), ``tokenkit mock`` (a terminal) and a classroom server
(``uvicorn --factory tokenkit.mock.app:create_app``) all call ``create_app``, so what a
learner sees in a notebook is what a room sees on the shared server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import Match

import swagger_ui_bundle
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import oauth, resources
from .authority import Authority
from .bodylimit import BodyLimitMiddleware, BodyTooLarge
from .clients import DemoClient, make_clients
from .clock import Clock
from .echo import shown
from .errors import ApiError
from .openapi import BAD_REQUEST, QUERY_ONLY, SECURITY_SCHEMES
from .query import reject_unknown_query
from .ratelimit import RateLimiter
from .requestlog import RequestLog, RequestLogMiddleware
from .settings import Settings
from .store import NoteStore

DESCRIPTION = """A teaching API and OAuth2 server. Get a token with **POST /oauth/token**
(client credentials), then call the protected endpoints with `Authorization: Bearer <token>`.
Public endpoints under `/public` need no token. Every refusal says what to check next."""


@dataclass
class MockState:
    """Everything one server instance knows, reachable from handlers as ``app.state.mock``."""

    settings: Settings
    clients: dict[str, DemoClient]
    clock: Clock
    authority: Authority
    notes: NoteStore = field(default_factory=NoteStore)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    log: RequestLog = field(default_factory=lambda: RequestLog(200))

    next_sweep: float = 0.0
    """When (on the mock's clock) ``maybe_sweep`` next drops state that can no longer matter."""

    @classmethod
    def create(cls, settings: Settings) -> "MockState":
        clients = make_clients(settings.seed)
        clock = Clock()
        return cls(settings, clients, clock, Authority(settings, clients, clock), log=RequestLog(settings.log_size))

    def sweep(self) -> int:
        """Drop ended rate-limit windows, expired revocations and expired refresh state.

        Measured on the mock's clock, so moving the clock forward ages them as it ages
        tokens. Returns how many entries were dropped.
        """
        now = self.clock.now()
        self.next_sweep = now + SWEEP_EVERY
        return self.limiter.forget_ended(now) + self.authority.forget_expired(now)

    def maybe_sweep(self) -> None:
        """Sweep if ``SWEEP_EVERY`` seconds of mock time passed since the last sweep.

        Called by the endpoints that add state (/oauth/*), not by the protected ones, so
        the hot path of an authenticated request never pays for it.
        """
        if self.clock.now() >= self.next_sweep:
            self.sweep()

    def sizes(self) -> dict[str, int]:
        """How much this server remembers, for an instructor (and a test) to watch."""
        return {
            "rate_limit_windows": len(self.limiter),
            "revoked_access_tokens": len(self.authority.revoked),
            **self.authority.refresh_tokens.sizes(),
            "notes": self.notes.count(),
            "log_entries": len(self.log),
        }


#: Seconds of mock-clock time between two sweeps of expired state.
SWEEP_EVERY = 60.0


def _error_response(request: Request, error: ApiError) -> JSONResponse:
    request.state.refused_because = error.description
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _error_response(request, exc)


def _shown_path(path: str) -> str:
    return "/".join(shown(part) if part else part for part in path.split("/"))


def _all_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, with included routers opened (FastAPI keeps those as one wrapper each)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _all_routes(inner.routes)
        else:
            yield route


def _slash_twin(request: Request) -> str | None:
    """The path with its trailing slash added or removed, if that path is an endpoint."""
    path = request.url.path
    twin = path.rstrip("/") if path.endswith("/") else path + "/"
    if not twin or twin == path:
        return None
    scope = {**request.scope, "path": twin}
    for route in _all_routes(request.app.router.routes):
        if route.matches(scope)[0] is Match.FULL:
            return twin
    return None


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this request's path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in _all_routes(request.app.router.routes):
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route_methods
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyTooLarge):
        return _error_response(request, exc.error)
    method, path = shown(request.method), _shown_path(request.url.path)
    if exc.status_code == 404:
        twin = _slash_twin(request)
        if twin is not None:
            # Starlette's own slash redirect builds an absolute URL from the Host header, which
            # a client controls; a relative Location is resolved against the URL the client used.
            query = request.url.query
            location = request.scope.get("root_path", "") + twin + (f"?{query}" if query else "")
            return Response(status_code=307, headers={"Location": location})
        error = ApiError(404, "not_found", f"There is no endpoint {method} {path}.", "GET / lists every endpoint; /docs tries them out.")
    elif exc.status_code == 405:
        allowed = _allowed_methods(request)
        error = ApiError(405, "method_not_allowed", f"{method} is not allowed on {path}; it takes {', '.join(allowed)}.", "GET / lists each endpoint with its methods.")
        error.headers["Allow"] = ", ".join(allowed)  # every route on this path, not only the first one
        return _error_response(request, error)
    elif exc.status_code == 400:
        error = ApiError(400, "invalid_request", f"The request could not be read: {exc.detail}.", "Send JSON with requests' json=, or a form with data=.")
    else:
        error = ApiError(exc.status_code, "http_error", str(exc.detail), "See /docs for how to call this endpoint.")
    error.headers.update(exc.headers or {})
    return _error_response(request, error)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    details = []
    for item in exc.errors():
        # A field name is the client's own text (an unknown key may be a pasted token): quote by shape.
        loc = [part if isinstance(part, int) else shown(part) for part in item.get("loc", ())]
        where = ".".join(map(str, loc[1:] if loc[:1] == ["body"] else loc)) or "request body"
        problems.append(f"{where}: {item.get('msg', 'invalid')}")
        details.append({"loc": loc, "msg": item.get("msg")})
    error = ApiError(
        422,
        "invalid_body",
        "The request was understood but its data is not valid: " + "; ".join(problems) + ".",
        'Notes are JSON like {"title": "...", "body": "...", "tags": ["..."]} ("content" works as a name for body); '
        "send them with requests' json=.",
        extra={"detail": details},
    )
    return _error_response(request, error)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Reaching this is a bug in the mock; still answer in the same shape as every refusal.
    error = ApiError(500, "server_error", f"The mock failed unexpectedly ({type(exc).__name__}).", "This is a bug in tokenkit's mock; please report it.")
    return _error_response(request, error)


def _endpoint_index(app: FastAPI) -> list[dict[str, Any]]:
    index = []
    for route in _all_routes(app.routes):
        methods = sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"})
        if not methods or not getattr(route, "include_in_schema", False):
            continue
        index.append({"path": route.path, "methods": methods, "summary": getattr(route, "summary", None)})  # type: ignore[attr-defined]
    return index


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build one mock server. With no settings, read them from ``TOKENKIT_MOCK_*`` variables."""
    settings = settings if settings is not None else Settings.from_env()
    mock = MockState.create(settings)
    # redirect_slashes off: Starlette's redirect is absolute, built from the Host header;
    # _http_error answers the same requests with a relative Location instead.
    app = FastAPI(
        title="tokenkit mock API", description=DESCRIPTION, version="1", docs_url=None, redoc_url=None,
        redirect_slashes=False, dependencies=[Depends(reject_unknown_query)], responses=BAD_REQUEST,
    )
    app.state.mock = mock
    app.include_router(oauth.router)
    app.include_router(resources.router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.mount("/docs-static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-static")

    @app.get("/", tags=["about"], summary="What this server is and every endpoint it has")
    async def index() -> dict[str, Any]:
        return {
            "name": "tokenkit mock API",
            "docs": "/docs",
            "token_endpoint": "/oauth/token",
            "demo_clients": [
                {"client_id": c.client_id, "scopes": " ".join(c.scopes), "about": c.description} for c in mock.clients.values()
            ],
            "endpoints": _endpoint_index(app),
        }

    @app.get("/health", tags=["about"], summary="Liveness check")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/mock/log", tags=["about"], summary="The last exchanges this server saw (credentials masked)", responses=QUERY_ONLY)
    async def request_log(limit: int = 20) -> dict[str, Any]:
        return {"entries": mock.log.as_json(max(1, min(limit, settings.log_size)))}

    @app.get("/mock/state", tags=["about"], summary="How much this server remembers (it forgets what can no longer matter)")
    async def state_sizes() -> dict[str, Any]:
        return {"sizes": mock.sizes(), "sweep_every_s": SWEEP_EVERY, "clock_offset_s": mock.clock.offset}

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - docs",
            swagger_js_url=f"{root}/docs-static/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs-static/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs-static/favicon-32x32.png",
        )

    _declare_security_schemes(app)
    # Added last is outermost: the log sees what the body limit refused.
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestLogMiddleware, log=mock.log, now=mock.clock.now)
    return app


def _declare_security_schemes(app: FastAPI) -> None:
    """Add the credential forms to the OpenAPI components (operations name them in ``security``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
