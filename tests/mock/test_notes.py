"""Notes CRUD: validated JSON, 201 + Location, clear 404/422, per-client ownership, concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tokenkit.mock import MockAPI

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


def test_50_threads_x_100_posts_lose_nothing() -> None:
    with MockAPI(rate_limits=False) as api:
        token = get_token(api)["access_token"]

        def post_many(worker: int) -> list[int]:
            statuses = []
            with requests.Session() as session:
                session.headers.update(bearer(token))
                for index in range(100):
                    response = session.post(f"{api.url}/notes", json={"title": f"{worker}-{index}"}, timeout=30)
                    statuses.append(response.status_code)
            return statuses

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = [status for result in pool.map(post_many, range(50)) for status in result]
        assert statuses.count(201) == 5000, {s: statuses.count(s) for s in set(statuses)}
        listed = requests.get(f"{api.url}/notes", headers=bearer(token), timeout=30).json()
        assert listed["count"] == 5000
        titles = {note["title"] for note in listed["notes"]}
        assert titles == {f"{w}-{i}" for w in range(50) for i in range(100)}
        assert len({note["id"] for note in listed["notes"]}) == 5000
