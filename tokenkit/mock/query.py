"""Unknown query parameters are refused, not silently ignored.

``GET /data?regoin=EU`` answering all regions teaches nothing; a 400 that names the
parameters the endpoint takes does. It also keeps the OpenAPI document true: an endpoint
accepts exactly the query parameters it declares.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from .echo import shown
from .errors import ApiError

#: Read by the credential guard itself: api_key (the API-key form) and access_token
#: (refused there with its own lesson about tokens in URLs).
GUARD_PARAMS = frozenset({"api_key", "access_token"})
#: The /oauth/* endpoints explain RFC 6749 parameters sent in the URL themselves
#: ("move them into the body"), a more useful answer than "unknown parameter".
OAUTH_PARAMS = frozenset({"grant_type", "client_id", "client_secret", "scope", "audience", "refresh_token", "token"})


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared(route: APIRoute) -> frozenset[str]:
    """The query parameters ``route`` reads (its own and its dependencies'), worked out once per route."""
    declared: frozenset[str] | None = getattr(route, "_tokenkit_query_names", None)
    if declared is None:
        declared = frozenset(_query_names(route.dependant)) | GUARD_PARAMS
        if route.path.startswith("/oauth/"):
            declared |= OAUTH_PARAMS
        route._tokenkit_query_names = declared  # type: ignore[attr-defined]  # routes are not hashable
    return declared


def reject_unknown_query(route: APIRoute, request: Request) -> None:
    """400 for query parameters the endpoint does not take (run by ``routing.MockRoute``)."""
    if not request.scope["query_string"]:
        return  # the common case costs one lookup
    declared = _declared(route)
    unknown = sorted({name for name in request.query_params if name not in declared})
    if unknown:
        takes = ", ".join(sorted(declared - GUARD_PARAMS - OAUTH_PARAMS)) or "no query parameters"
        raise ApiError(
            400,
            "invalid_request",
            f"Unknown query parameter(s) {', '.join(repr(shown(name)) for name in unknown)}; {request.url.path} takes {takes}.",
            "Check the parameter names for typos; GET / and /docs list what each endpoint takes.",
        )
