"""The API itself: public endpoints, protected data, ``/me`` and notes CRUD.

Public and protected endpoints sit side by side so a learner can see the difference:
the same server, one answers anyone, the other wants a token with the right scope.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .authority import Principal
from .errors import ApiError
from .guard import Form, require

router = APIRouter()

Tag = Annotated[str, Field(min_length=1, max_length=40)]

_REGIONS = ("EU", "NA", "APAC")
_ANALYTICS = [
    {"week": f"2026-W{week:02d}", "region": region, "active_users": 1000 + 37 * week + 211 * index, "sessions": 2400 + 53 * week + 97 * index}
    for week in range(40, 44)
    for index, region in enumerate(_REGIONS)
]


# -- public --------------------------------------------------------------------------


@router.get("/public/weather", tags=["public"], summary="Weather for a city (no token needed)")
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


@router.get("/data", tags=["protected"], summary="Analytics data (scope data:read)")
async def data(
    principal: Annotated[Principal, Depends(require("data:read"))],
    region: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> dict[str, Any]:
    return _data(region, limit)


@router.get("/raw-token/data", tags=["credential forms"], summary="Same data, token sent raw: Authorization: <token>")
async def data_raw(principal: Annotated[Principal, Depends(require("data:read", Form.RAW))]) -> dict[str, Any]:
    return _data(None, 100)


@router.get("/api-key/data", tags=["credential forms"], summary="Same data, token sent as X-API-Key: <token>")
async def data_api_key(principal: Annotated[Principal, Depends(require("data:read", Form.API_KEY))]) -> dict[str, Any]:
    return _data(None, 100)


@router.get("/me", tags=["protected"], summary="Who this token is, its scopes and seconds left (any valid token)")
async def me(request: Request, principal: Annotated[Principal, Depends(require())]) -> dict[str, Any]:
    claims = principal.claims
    return {
        "sub": claims["sub"],
        "client_id": claims["client_id"],
        "scope": claims["scope"],
        "aud": claims["aud"],
        "iss": claims["iss"],
        "iat": claims["iat"],
        "exp": claims["exp"],
        "expires_in": int(claims["exp"] - request.app.state.mock.clock.now()),
        "jti": claims["jti"],
    }


# -- notes ---------------------------------------------------------------------------


class NoteIn(BaseModel):
    """A whole note: what POST creates and PUT replaces."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=10_000)
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class NotePatch(BaseModel):
    """Some fields of a note: what PATCH changes (at least one)."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=10_000)
    tags: list[Tag] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _something_to_change(self) -> "NotePatch":
        if not self.model_fields_set:
            raise ValueError("a PATCH body needs at least one of title, body, tags")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null; leave it out to keep it")
        return self


def _not_found(note_id: int) -> ApiError:
    return ApiError(404, "not_found", f"No note with id {note_id} for this client.", "GET /notes lists the ids you can use; notes are kept per client.")


@router.get("/notes", tags=["notes"], summary="List your notes (scope notes:read)")
async def list_notes(request: Request, principal: Annotated[Principal, Depends(require("notes:read"))]) -> dict[str, Any]:
    notes = [note.as_json() for note in request.app.state.mock.notes.list(principal.sub)]
    return {"notes": notes, "count": len(notes)}


@router.post("/notes", status_code=201, tags=["notes"], summary="Create a note (scope notes:write)")
async def create_note(request: Request, response: Response, note: NoteIn, principal: Annotated[Principal, Depends(require("notes:write"))]) -> dict[str, Any]:
    mock = request.app.state.mock
    created = mock.notes.create(principal.sub, note.title, note.body, note.tags, mock.clock.now())
    response.headers["Location"] = f"/notes/{created.id}"
    return created.as_json()


@router.get("/notes/{note_id}", tags=["notes"], summary="Read one note (scope notes:read)")
async def get_note(request: Request, note_id: int, principal: Annotated[Principal, Depends(require("notes:read"))]) -> dict[str, Any]:
    note = request.app.state.mock.notes.get(principal.sub, note_id)
    if note is None:
        raise _not_found(note_id)
    return note.as_json()


@router.put("/notes/{note_id}", tags=["notes"], summary="Replace a note (scope notes:write)")
async def replace_note(request: Request, note_id: int, note: NoteIn, principal: Annotated[Principal, Depends(require("notes:write"))]) -> dict[str, Any]:
    mock = request.app.state.mock
    updated = mock.notes.update(principal.sub, note_id, note.model_dump(), mock.clock.now())
    if updated is None:
        raise _not_found(note_id)
    return updated.as_json()


@router.patch("/notes/{note_id}", tags=["notes"], summary="Change some fields of a note (scope notes:write)")
async def patch_note(request: Request, note_id: int, patch: NotePatch, principal: Annotated[Principal, Depends(require("notes:write"))]) -> dict[str, Any]:
    mock = request.app.state.mock
    updated = mock.notes.update(principal.sub, note_id, patch.model_dump(exclude_unset=True), mock.clock.now())
    if updated is None:
        raise _not_found(note_id)
    return updated.as_json()


@router.delete("/notes/{note_id}", status_code=204, tags=["notes"], summary="Delete a note (scope notes:write)")
async def delete_note(request: Request, note_id: int, principal: Annotated[Principal, Depends(require("notes:write"))]) -> None:
    if not request.app.state.mock.notes.delete(principal.sub, note_id):
        raise _not_found(note_id)
