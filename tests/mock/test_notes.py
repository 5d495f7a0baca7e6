"""Notes CRUD: validated JSON, 201 + Location, clear 404/422, per-client ownership, a cap, concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tokenkit.mock import MockAPI
from tokenkit.mock.store import MAX_NOTES_PER_OWNER, NoteStore, NotesFull

from .conftest import bearer, get_token


def test_crud_round_trip(fresh_mock: MockAPI) -> None:
    session = requests.Session()
    session.headers.update(bearer(get_token(fresh_mock)["access_token"]))
    url = fresh_mock.url
    created = session.post(f"{url}/notes", json={"title": "Q3 report", "body": "draft", "tags": ["work"]})
    assert created.status_code == 201
    assert created.headers["Location"] == f"/notes/{created.json()['id']}"
    assert created.headers["RateLimit-Remaining"]
    note_url = url + created.headers["Location"]
    assert session.get(note_url).json()["title"] == "Q3 report"

    replaced = session.put(note_url, json={"title": "Q3 report (final)", "body": "done"})
    assert replaced.status_code == 200 and replaced.json()["tags"] == [] and replaced.json()["body"] == "done"
    patched = session.patch(note_url, json={"tags": ["work", "final"]})
    assert patched.json()["title"] == "Q3 report (final)" and patched.json()["tags"] == ["work", "final"]
    assert patched.json()["updated_at"] >= patched.json()["created_at"]
    assert [n["id"] for n in session.get(f"{url}/notes").json()["notes"]] == [created.json()["id"]]

    deleted = session.delete(note_url)
    assert deleted.status_code == 204 and deleted.content == b"" and deleted.headers["RateLimit-Remaining"]
    gone = session.get(note_url)
    assert gone.status_code == 404 and "GET /notes" in gone.json()["hint"]
    assert session.delete(note_url).status_code == 404


def test_validation_errors_are_422_and_say_what_is_wrong(mock_api: MockAPI, notes_token: str) -> None:
    url = mock_api.url + "/notes"
    cases = [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x", "color": "red"}, "color"),
        ({"title": "x", "tags": "one"}, "tags"),
    ]
    for body, word in cases:
        response = requests.post(url, json=body, headers=bearer(notes_token), timeout=5)
        assert response.status_code == 422, body
        assert response.json()["error"] == "invalid_body" and word in response.json()["error_description"]
    not_json = requests.post(url, data="title=x", headers={**bearer(notes_token), "Content-Type": "application/json"}, timeout=5)
    assert not_json.status_code == 422
    note = requests.post(url, json={"title": "x"}, headers=bearer(notes_token), timeout=5).json()
    empty_patch = requests.patch(f"{url}/{note['id']}", json={}, headers=bearer(notes_token), timeout=5)
    assert empty_patch.status_code == 422 and "at least one" in empty_patch.json()["error_description"]
    null_patch = requests.patch(f"{url}/{note['id']}", json={"title": None}, headers=bearer(notes_token), timeout=5)
    assert null_patch.status_code == 422
    bad_id = requests.get(f"{url}/abc", headers=bearer(notes_token), timeout=5)
    assert bad_id.status_code == 422


def test_auth_is_checked_before_the_body(mock_api: MockAPI) -> None:
    response = requests.post(mock_api.url + "/notes", json={}, timeout=5)
    assert response.status_code == 401


def test_notes_are_private_to_each_client(fresh_mock: MockAPI) -> None:
    mine = get_token(fresh_mock, "notes-app")["access_token"]
    theirs = get_token(fresh_mock, "short-lived")["access_token"]
    note = requests.post(fresh_mock.url + "/notes", json={"title": "secret"}, headers=bearer(mine), timeout=5).json()
    assert requests.get(f"{fresh_mock.url}/notes/{note['id']}", headers=bearer(theirs), timeout=5).status_code == 404
    assert requests.get(f"{fresh_mock.url}/notes", headers=bearer(theirs), timeout=5).json()["count"] == 0


def test_50_threads_x_100_creates_lose_nothing_in_the_store() -> None:
    """The store's lock, under real threads: every note kept once, with its own id.

    Done in-process: the HTTP round trips of 5,000 POSTs tested uvicorn more than the
    store (the load itself is in benchmarks/mock_throughput.py).
    """
    store = NoteStore(max_per_owner=10_000)

    def create_many(worker: int) -> list[int]:
        return [store.create("notes-app", f"{worker}-{index}", "", [], now=0.0).id for index in range(100)]

    with ThreadPoolExecutor(max_workers=50) as pool:
        ids = [note_id for result in pool.map(create_many, range(50)) for note_id in result]
    assert len(ids) == 5000 and set(ids) == set(range(1, 5001))
    notes = store.list("notes-app")
    assert store.count("notes-app") == len(notes) == 5000
    assert {note.title for note in notes} == {f"{w}-{i}" for w in range(50) for i in range(100)}


def test_concurrent_posts_over_http_all_land(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock)["access_token"]

    def post_some(worker: int) -> list[int]:
        with requests.Session() as session:
            session.headers.update(bearer(token))
            return [session.post(f"{fresh_mock.url}/notes", json={"title": f"{worker}-{i}"}, timeout=10).status_code for i in range(10)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for result in pool.map(post_some, range(8)) for status in result]
    assert statuses == [201] * 80
    listed = requests.get(f"{fresh_mock.url}/notes", headers=bearer(token), timeout=10).json()
    assert listed["count"] == 80 and len({note["id"] for note in listed["notes"]}) == 80


def test_a_full_notebook_is_a_409_with_a_reason_and_deleting_makes_room(fresh_mock: MockAPI) -> None:
    token = get_token(fresh_mock)["access_token"]
    notes = fresh_mock.tenant.notes
    assert notes.max_per_owner == MAX_NOTES_PER_OWNER == 1000
    for index in range(MAX_NOTES_PER_OWNER):  # filled in-process; the HTTP path is the last one
        notes.create("notes-app", f"n{index}", "", [], now=0.0)
    full = requests.post(f"{fresh_mock.url}/notes", json={"title": "one more"}, headers=bearer(token), timeout=5)
    assert full.status_code == 409, full.text
    body = full.json()
    assert body["error"] == "too_many_notes" and body["limit"] == 1000 and "1000 notes" in body["error_description"]
    other = get_token(fresh_mock, "short-lived")["access_token"]
    assert requests.post(f"{fresh_mock.url}/notes", json={"title": "t"}, headers=bearer(other), timeout=5).status_code == 201, "the cap is per client"
    assert requests.delete(f"{fresh_mock.url}/notes/1", headers=bearer(token), timeout=5).status_code == 204
    assert requests.post(f"{fresh_mock.url}/notes", json={"title": "fits"}, headers=bearer(token), timeout=5).status_code == 201


def test_the_store_refuses_past_its_cap_and_counts_per_owner() -> None:
    store = NoteStore(max_per_owner=2)
    store.create("a", "1", "", [], 0.0)
    store.create("a", "2", "", [], 0.0)
    with pytest.raises(NotesFull) as full:
        store.create("a", "3", "", [], 0.0)
    assert full.value.limit == 2
    assert store.create("b", "1", "", [], 0.0).id == 3
    assert (store.count("a"), store.count("b"), store.count()) == (2, 1, 3)
