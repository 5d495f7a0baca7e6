"""Helpers for the mock's tests: get tokens the plain way, with requests."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tokenkit.mock import MockAPI


def get_token(api: MockAPI, client_id: str = "notes-app", **params: str) -> dict[str, Any]:
    """A token answer for a demo client, by client_credentials with HTTP Basic."""
    client = api.clients[client_id]
    response = requests.post(
        api.token_url,
        data={"grant_type": "client_credentials", **params},
        auth=(client.client_id, client.client_secret),
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def notes_token(mock_api: MockAPI) -> str:
    return get_token(mock_api, "notes-app")["access_token"]
