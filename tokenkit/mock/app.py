"""The mock API as an ASGI application, built by one factory for every way it is started.

``MockAPI`` (in a kernel), ``tokenkit mock`` (a terminal) and a classroom server
(``uvicorn --factory tokenkit.mock.app:create_app``) all call ``create_app``, so what a
learner sees in a notebook is what a room sees on the shared server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from starlette.routing import Match

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from . import authorize, oauth, resources, verification
from .bodylimit import BodyLimitMiddleware, BodyTooLarge
from .echo import shown
from .errors import ApiError
from .faults import FaultMiddleware, FaultPlan
from .keys import SigningKey
from .openapi import BAD_REQUEST, QUERY_ONLY, SECURITY_SCHEMES
from .requestlog import RequestLog, RequestLogMiddleware
from .routing import MockRoute
from .settings import Settings
from .tenant import SWEEP_EVERY, TENANT_KEY, MockServer, Tenant, TenantMiddleware, tenant_of

__all__ = ["SWEEP_EVERY", "MockServer", "Tenant", "create_app"]

DESCRIPTION = """A teaching API and OAuth2 server. Get a token with **POST /oauth/token**
(client credentials), then call the protected endpoints with `Authorization: Bearer <token>`.
Public endpoints under `/public` need no token. Every refusal says what to check next.
A person logs in through the public client `cli-app`: the device code grant
(**POST /oauth/device_authorization**, then the page **/oauth/device**) or the authorization
code grant with PKCE (**GET /oauth/authorize**), as the demo people alice and bob."""


def _log_target(scope: Scope) -> tuple[RequestLog, Callable[[], float]]:
    tenant: Tenant = scope[TENANT_KEY]
    return tenant.log, tenant.clock.now


def _fault_plan(scope: Scope) -> FaultPlan:
    tenant: Tenant = scope[TENANT_KEY]
    return tenant.faults


def _error_response(request: Request, error: ApiError) -> JSONResponse:
    request.state.refused_because = error.description
    # The codes, for a classroom's who-is-stuck view ("401 missing_token in 03").
    request.state.refused_error = error.error
    request.state.refused_reason = error.reason.value if error.reason is not None else None
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


def create_app(
    settings: Settings | None = None, signing_key: SigningKey | None = None, *, server: MockServer | None = None
) -> FastAPI:
    """Build one mock server. With no settings, read them from ``TOKENKIT_MOCK_*`` variables.

    ``signing_key``: sign with this key instead of making one (test suites pass
    ``keys.shared_test_key()`` so that they make one RSA key, not one per server).
    ``server``: the ``MockServer`` that picks each request's tenant (a classroom passes one
    that keeps a tenant per learner); by default one with a single, resettable tenant.
    """
    if server is not None:
        settings = server.settings
    settings = settings if settings is not None else Settings.from_env()
    mock = server if server is not None else MockServer(settings, signing_key)
    # redirect_slashes off: Starlette's redirect is absolute, built from the Host header;
    # _http_error answers the same requests with a relative Location instead.
    app = FastAPI(
        title="tokenkit mock API", description=DESCRIPTION, version="1", docs_url=None, redoc_url=None,
        redirect_slashes=False, responses=BAD_REQUEST,
    )
    app.router.route_class = MockRoute  # unknown query parameters refused on these routes too
    app.state.mock = mock
    # The routers' routes join the app's own list: FastAPI keeps an included router as a
    # wrapper that every request walks into and out of, which cost the later routes (the
    # protected ones) several microseconds each.
    for router in (oauth.router, authorize.router, verification.router, resources.router):
        app.router.routes.extend(router.routes)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.mount("/docs-static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-static")

    @app.get("/", tags=["about"], summary="What this server is and every endpoint it has")
    async def index(request: Request) -> dict[str, Any]:
        return {
            "name": "tokenkit mock API",
            "docs": "/docs",
            "token_endpoint": "/oauth/token",
            "demo_clients": [
                {"client_id": c.client_id, "scopes": " ".join(c.scopes), "about": c.description}
                for c in tenant_of(request).clients.values()
            ]
            + [
                {"client_id": c.client_id, "scopes": " ".join(c.scopes), "about": c.description, "public": True}
                for c in tenant_of(request).public_clients.values()
            ],
            "demo_people": sorted(tenant_of(request).users),
            "endpoints": _endpoint_index(app),
        }

    @app.get("/health", tags=["about"], summary="Liveness check")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/mock/log", tags=["about"], summary="The last exchanges this server saw (credentials masked)", responses=QUERY_ONLY)
    async def request_log(request: Request, limit: int = 20) -> dict[str, Any]:
        return {"entries": tenant_of(request).log.as_json(max(1, min(limit, settings.log_size)))}

    @app.get("/mock/state", tags=["about"], summary="How much this server remembers (it forgets what can no longer matter)")
    async def state_sizes(request: Request) -> dict[str, Any]:
        tenant = tenant_of(request)
        return {"sizes": tenant.sizes(), "sweep_every_s": SWEEP_EVERY, "clock_offset_s": tenant.clock.offset}

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
    # Added last is outermost: the tenant is fixed first, then the log sees what the
    # injected faults and the body limit answered.
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(FaultMiddleware, plan_of=_fault_plan)
    app.add_middleware(RequestLogMiddleware, target=_log_target)
    app.add_middleware(TenantMiddleware, server=mock)
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
