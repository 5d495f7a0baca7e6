"""The seed article's snippets, verbatim, against the mock (issue 9).

The article writes notes as {"title": ..., "content": ...}; the mock calls the text
``body``. Both names work, answers carry both, and the two disagreeing is a clear 422.
"""

from __future__ import annotations

import jwt
import requests

from tokenkit.mock import MockAPI


def test_the_articles_snippets_run_verbatim(fresh_mock: MockAPI) -> None:
    BASE_URL = fresh_mock.url
    CLIENT_ID = "notes-app"
    CLIENT_SECRET = fresh_mock.clients["notes-app"].client_secret

    # --- as the article writes it -------------------------------------------------------
    response = requests.post(
        f"{BASE_URL}/oauth/token",
        json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "client_credentials"},
    )
    token = response.json()["access_token"]

    headers = {"Authorization": f"Bearer {token}"}
    response = requests.get(f"{BASE_URL}/data", headers=headers)
    data = response.json()

    new_note = {"title": "My cool note", "content": "Some fascinating content"}
    response = requests.post(f"{BASE_URL}/notes", json=new_note, headers=headers)
    created = response.json()

    updated_note = {"title": "My even cooler note"}
    response = requests.put(f"{BASE_URL}/notes/{created['id']}", json=updated_note, headers=headers)
    updated = response.json()

    decoded = jwt.decode(token, options={"verify_signature": False})
    # --------------------------------------------------------------------------------------

    assert data["rows"]
    assert created["title"] == "My cool note"
    assert created["content"] == created["body"] == "Some fascinating content"
    assert updated["title"] == "My even cooler note"
    assert updated["content"] == updated["body"] == ""  # PUT replaces the whole note
    assert decoded["client_id"] == CLIENT_ID and decoded["scope"]


def test_content_is_another_name_for_body_everywhere(fresh_mock: MockAPI) -> None:
    client = fresh_mock.clients["notes-app"]
    token = requests.post(fresh_mock.token_url, data={"grant_type": "client_credentials"}, auth=(client.client_id, client.client_secret), timeout=5).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{fresh_mock.url}/notes"
    note = requests.post(url, json={"title": "t", "body": "same", "content": "same"}, headers=headers, timeout=5)
    assert note.status_code == 201 and note.json()["body"] == "same"
    note_url = f"{url}/{note.json()['id']}"
    patched = requests.patch(note_url, json={"content": "patched"}, headers=headers, timeout=5).json()
    assert patched["body"] == patched["content"] == "patched" and patched["title"] == "t"
    replaced = requests.put(note_url, json={"title": "u", "content": "put"}, headers=headers, timeout=5).json()
    assert replaced["body"] == "put"
    assert requests.get(note_url, headers=headers, timeout=5).json()["content"] == "put"

    for method in ("post", "put", "patch"):
        target = url if method == "post" else note_url
        clash = requests.request(method, target, json={"title": "t", "body": "one", "content": "two"}, headers=headers, timeout=5)
        assert clash.status_code == 422, clash.text
        assert "content is another name for body" in clash.json()["error_description"]
        null = requests.request(method, target, json={"title": "t", "content": None}, headers=headers, timeout=5)
        assert null.status_code == 422
