"""The mock API as an ASGI application, built by one factory for every way it is started.

``MockAPI`` (in a kernel), ``tokenkit mock`` (a terminal) and a classroom server
(``uvicorn --factory tokenkit.mock.app:create_app``) all call ``create_app``, so what a
learner sees in a notebook is what a room sees on the shared server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import oauth, resources
from .authority import Authority
from .clients import DemoClient, make_clients
from .clock import Clock
from .errors import ApiError
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

    @classmethod
    def create(cls, settings: Settings) -> "MockState":
        clients = make_clients(settings.seed)
        clock = Clock()
        return cls(settings, clients, clock, Authority(settings, clients, clock), log=RequestLog(settings.log_size))


def _error_response(request: Request, error: ApiError) -> JSONResponse:
    request.state.refused_because = error.description
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        error = ApiError(404, "not_found", f"There is no endpoint {request.method} {request.url.path}.", "GET / lists every endpoint; /docs tries them out.")
    elif exc.status_code == 405:
        error = ApiError(405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path}.", "GET / lists each endpoint with its methods.")
    else:
        error = ApiError(exc.status_code, "http_error", str(exc.detail), "See /docs for how to call this endpoint.")
    error.headers.update(exc.headers or {})
    return _error_response(request, error)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for item in exc.errors():
        where = ".".join(str(part) for part in item.get("loc", ())[1:]) if item.get("loc", ("",))[0] == "body" else ".".join(map(str, item.get("loc", ())))
        where = where or "request body"
        problems.append(f"{where}: {item.get('msg', 'invalid')}")
    error = ApiError(
        422,
        "invalid_body",
        "The request was understood but its data is not valid: " + "; ".join(problems) + ".",
        'Notes are JSON like {"title": "...", "body": "...", "tags": ["..."]}; send them with requests\' json=.',
        extra={"detail": [{"loc": list(item.get("loc", ())), "msg": item.get("msg")} for item in exc.errors()]},
    )
    return _error_response(request, error)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Reaching this is a bug in the mock; still answer in the same shape as every refusal.
    error = ApiError(500, "server_error", f"The mock failed unexpectedly ({type(exc).__name__}).", "This is a bug in tokenkit's mock; please report it.")
    return _error_response(request, error)


def _endpoint_index(app: FastAPI) -> list[dict[str, Any]]:
    index = []
    for route in app.routes:
        methods = sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"})
        if not methods or not getattr(route, "include_in_schema", False):
            continue
        index.append({"path": route.path, "methods": methods, "summary": getattr(route, "summary", None)})  # type: ignore[attr-defined]
    return index


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build one mock server. With no settings, read them from ``TOKENKIT_MOCK_*`` variables."""
    settings = settings if settings is not None else Settings.from_env()
    mock = MockState.create(settings)
    app = FastAPI(title="tokenkit mock API", description=DESCRIPTION, version="1", docs_url=None, redoc_url=None)
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

    @app.get("/mock/log", tags=["about"], summary="The last exchanges this server saw (credentials masked)")
    async def request_log(limit: int = 20) -> dict[str, Any]:
        return {"entries": mock.log.as_json(max(1, min(limit, settings.log_size)))}

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

    app.add_middleware(RequestLogMiddleware, log=mock.log, now=mock.clock.now)
    return app
