"""The route class of every mock endpoint: checks that come before FastAPI's own work.

Two checks apply to many endpoints and need nothing FastAPI injects: unknown query
parameters are refused (``query``), and a protected endpoint's ``Guard`` authenticates the
request (``guard``). Run here, in the handler FastAPI builds once per route, they cost a
function call each instead of a dependency solved per request; the authenticated path is
then as fast as the public one. Their order is the one a learner should see: a malformed
query first, then the credentials, then the body.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from .guard import PRINCIPAL_KEY, guard_of
from .query import reject_unknown_query


class MockRoute(APIRoute):
    """An ``APIRoute`` that refuses unknown query parameters and runs the endpoint's guard first."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        guard = guard_of(self.endpoint)
        route = self

        if guard is None:

            async def unprotected(request: Request) -> Response:
                reject_unknown_query(route, request)
                return await handler(request)

            return unprotected

        async def protected(request: Request) -> Response:
            reject_unknown_query(route, request)
            principal, rate_headers = guard.check(request)
            request.scope[PRINCIPAL_KEY] = principal
            response = await handler(request)
            if rate_headers:
                response.headers.update(rate_headers)
            return response

        return protected
