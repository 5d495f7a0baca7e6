"""The API itself: public endpoints, protected data, ``/me`` and notes CRUD.

Public and protected endpoints sit side by side so a learner can see the difference:
the same server, one answers anyone, the other wants a token with the right scope.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from .errors import ApiError
from .guard import Form, principal_of, protected
from .openapi import BAD_REQUEST, NOTES_FULL, NOT_FOUND, PROTECTED, QUERY_ONLY, WITH_NOTE, security
from .routing import MockRoute
from .store import NotesFull
from .tenant import tenant_of

#: Every endpoint may refuse a malformed request (an unknown query parameter, ...) with 400.
router = APIRouter(route_class=MockRoute, responses=BAD_REQUEST)

Tag = Annotated[str, Field(min_length=1, max_length=40)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=10_000)]
Tags = Annotated[list[Tag], Field(max_length=20)]

_REGIONS = ("EU", "NA", "APAC")
_ANALYTICS = [
    {"week": f"2026-W{week:02d}", "region": region, "active_users": 1000 + 37 * week + 211 * index, "sessions": 2400 + 53 * week + 97 * index}
    for week in range(40, 44)
    for index, region in enumerate(_REGIONS)
]


# -- public --------------------------------------------------------------------------


@router.get("/public/weather", tags=["public"], summary="Weather for a city (no token needed)", responses=QUERY_ONLY)
async def weather(city: str = "Lisbon") -> dict[str, Any]:
    return {"city": city, "temperature_c": 19, "conditions": "sunny", "source": "tokenkit mock (public, no token needed)"}


@router.get("/public/prices", tags=["public"], summary="Public price list (no token needed)")
async def prices() -> dict[str, Any]:
    return {
        "currency": "EUR",
        "plans": [{"plan": "starter", "monthly": 0}, {"plan": "team", "monthly": 49}, {"plan": "enterprise", "monthly": 499}],
    }


# -- protected -----------------------------------------------------------------------


def _data(region: str | None, limit: int) -> dict[str, Any]:
    rows = [row for row in _ANALYTICS if region is None or row["region"] == region.upper()]
    return {"dataset": "weekly-active-users", "rows": rows[:limit], "total": len(rows)}


@router.get("/data", tags=["protected"], summary="Analytics data (scope data:read)", responses=PROTECTED, openapi_extra=security("bearer"))
@protected("data:read")
async def data(
    region: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> dict[str, Any]:
    return _data(region, limit)


@router.get(
    "/raw-token/data", tags=["credential forms"], summary="Same data, token sent raw: Authorization: <token>",
    responses=PROTECTED, openapi_extra=security("rawToken"),
)
@protected("data:read", Form.RAW)
async def data_raw() -> dict[str, Any]:
    return _data(None, 100)


@router.get(
    "/api-key/data", tags=["credential forms"], summary="Same data, token sent as X-API-Key: <token>",
    responses=PROTECTED, openapi_extra=security("apiKey", "apiKeyQuery"),
)
@protected("data:read", Form.API_KEY)
async def data_api_key() -> dict[str, Any]:
    return _data(None, 100)


@router.get(
    "/local-check/data", tags=["revocation"],
    summary="Same data, from an API that checks the JWT locally only (accepts a revoked token until it expires)",
    description=(
        "This endpoint verifies the token the way an API without introspection does: signature, claims and time, "
        "all locally, and never asks the authorization server. So a token revoked with POST /oauth/revoke still works "
        "here until it expires, while /data (which consults the server's revocation list, as an API that introspects "
        "or shares a deny-list does) refuses it at once. Short token lifetimes are what limit the damage."
    ),
    responses=PROTECTED, openapi_extra=security("bearer"),
)
@protected("data:read", local_only=True)
async def data_local_check() -> dict[str, Any]:
    return _data(None, 100)


@router.get(
    "/me", tags=["protected"], summary="Who this token is, its scopes and seconds left (any valid token)",
    responses=PROTECTED, openapi_extra=security("bearer"),
)
@protected()
async def me(request: Request) -> dict[str, Any]:
    claims = principal_of(request).claims
    return {
        "sub": claims["sub"],
        "client_id": claims["client_id"],
        # A person's token (device code, PKCE) names the person; a machine's names no one.
        "user": claims["sub"] if claims["sub"] != claims["client_id"] else None,
        "scope": claims["scope"],
        "aud": claims["aud"],
        "iss": claims["iss"],
        "iat": claims["iat"],
        "exp": claims["exp"],
        "expires_in": int(claims["exp"] - tenant_of(request).clock.now()),
        "jti": claims["jti"],
    }


# -- notes ---------------------------------------------------------------------------


_TEXT_DESCRIPTION = "The note's text."
_CONTENT_DESCRIPTION = (
    "Another name for body, as many API tutorials call it: send either (or both with the same value). "
    "Answers carry the text under both names."
)


def _merge_content(note: BaseModel) -> None:
    """Fold ``content`` into ``body``, refusing a request where the two disagree."""
    content = getattr(note, "content")
    if content is None:
        if "content" in note.model_fields_set:
            raise ValueError("content may not be null; leave it out, or send the note's text")
        return
    if "body" in note.model_fields_set and getattr(note, "body") != content:
        raise ValueError("body and content are one field (content is another name for body) but came with different values; send one of them")
    setattr(note, "body", content)


class NoteIn(BaseModel):
    """A whole note: what POST creates and PUT replaces."""

    # The schema says "body or content, not both"; the same text under both names is let pass.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"not": {"required": ["body", "content"]}})
    title: Title
    body: Text = Field(default="", description=_TEXT_DESCRIPTION)
    content: Text | SkipJsonSchema[None] = Field(default=None, description=_CONTENT_DESCRIPTION)
    tags: Tags = Field(default_factory=list)

    @model_validator(mode="after")
    def _content_is_body(self) -> "NoteIn":
        _merge_content(self)
        return self

    def fields(self) -> dict[str, Any]:
        """The note's fields as the store keeps them (``content`` folded into ``body``)."""
        return self.model_dump(exclude={"content"})


class NotePatch(BaseModel):
    """Some fields of a note: what PATCH changes (at least one)."""

    # Null is not a value here (leave a field out to keep it), so the schema does not offer it.
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"minProperties": 1, "not": {"required": ["body", "content"]}}
    )
    title: Title | SkipJsonSchema[None] = None
    body: Text | SkipJsonSchema[None] = Field(default=None, description=_TEXT_DESCRIPTION)
    content: Text | SkipJsonSchema[None] = Field(default=None, description=_CONTENT_DESCRIPTION)
    tags: Tags | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _something_to_change(self) -> "NotePatch":
        if not self.model_fields_set:
            raise ValueError("a PATCH body needs at least one of title, body (or content), tags")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null; leave it out to keep it")
        _merge_content(self)
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields that came (``content`` as ``body``)."""
        sent = set(self.model_fields_set)
        if "content" in sent:
            sent = (sent - {"content"}) | {"body"}
        return {name: getattr(self, name) for name in sent}


def _not_found(note_id: int) -> ApiError:
    return ApiError(404, "not_found", f"No note with id {note_id} for this client.", "GET /notes lists the ids you can use; notes are kept per client.")


@router.get("/notes", tags=["notes"], summary="List your notes (scope notes:read)", responses=PROTECTED, openapi_extra=security("bearer"))
@protected("notes:read")
async def list_notes(request: Request) -> dict[str, Any]:
    notes = [note.as_json() for note in tenant_of(request).notes.list(principal_of(request).sub)]
    return {"notes": notes, "count": len(notes)}


@router.post(
    "/notes", status_code=201, tags=["notes"], summary="Create a note (scope notes:write; at most 1,000 per client)",
    responses={**WITH_NOTE, **NOTES_FULL}, openapi_extra=security("bearer"),
)
@protected("notes:write")
async def create_note(request: Request, response: Response, note: NoteIn) -> dict[str, Any]:
    tenant = tenant_of(request)
    try:
        created = tenant.notes.create(principal_of(request).sub, note.title, note.body, note.tags, tenant.clock.now())
    except NotesFull as full:
        raise ApiError(
            409,
            "too_many_notes",
            f"This client already has {full.limit} notes, the most this server keeps for one client.",
            "Delete notes you no longer need (DELETE /notes/{id}), then create the new one.",
            extra={"limit": full.limit},
        ) from None
    response.headers["Location"] = f"/notes/{created.id}"
    return created.as_json()


@router.get("/notes/{note_id}", tags=["notes"], summary="Read one note (scope notes:read)", responses={**PROTECTED, **NOT_FOUND}, openapi_extra=security("bearer"))
@protected("notes:read")
async def get_note(request: Request, note_id: int) -> dict[str, Any]:
    note = tenant_of(request).notes.get(principal_of(request).sub, note_id)
    if note is None:
        raise _not_found(note_id)
    return note.as_json()


@router.put("/notes/{note_id}", tags=["notes"], summary="Replace a note (scope notes:write)", responses={**WITH_NOTE, **NOT_FOUND}, openapi_extra=security("bearer"))
@protected("notes:write")
async def replace_note(request: Request, note_id: int, note: NoteIn) -> dict[str, Any]:
    tenant = tenant_of(request)
    updated = tenant.notes.update(principal_of(request).sub, note_id, note.fields(), tenant.clock.now())
    if updated is None:
        raise _not_found(note_id)
    return updated.as_json()


@router.patch(
    "/notes/{note_id}", tags=["notes"], summary="Change some fields of a note (scope notes:write)",
    responses={**WITH_NOTE, **NOT_FOUND}, openapi_extra=security("bearer"),
)
@protected("notes:write")
async def patch_note(request: Request, note_id: int, patch: NotePatch) -> dict[str, Any]:
    tenant = tenant_of(request)
    updated = tenant.notes.update(principal_of(request).sub, note_id, patch.changes(), tenant.clock.now())
    if updated is None:
        raise _not_found(note_id)
    return updated.as_json()


@router.delete(
    "/notes/{note_id}", status_code=204, tags=["notes"], summary="Delete a note (scope notes:write)",
    responses={**PROTECTED, **NOT_FOUND}, openapi_extra=security("bearer"),
)
@protected("notes:write")
async def delete_note(request: Request, note_id: int) -> None:
    if not tenant_of(request).notes.delete(principal_of(request).sub, note_id):
        raise _not_found(note_id)
