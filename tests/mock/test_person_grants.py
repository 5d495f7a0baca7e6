"""Logging a person in at the mock: the device code grant (RFC 8628), its pages, its public client.

Every check of time is made on the mock's clock (moved, never slept), and each test uses a
freshly reset mock, so polling intervals and expiries are exact.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tokenkit.mock import MockAPI
from tokenkit.mock.device import DEVICE_CODE_LIFETIME, ENDED_REMEMBERED_FOR, USER_CODE_ALPHABET, DeviceCodes, Outcome

from .conftest import bearer
from .pages import read, submit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
PUBLIC = "cli-app"


def start_device(api: MockAPI, **params: str) -> dict[str, Any]:
    response = requests.post(f"{api.url}/oauth/device_authorization", data={"client_id": PUBLIC, **params}, timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return response.json()


def poll(api: MockAPI, device_code: str, client_id: str = PUBLIC) -> requests.Response:
    return requests.post(api.token_url, data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": client_id}, timeout=5)


def error_of(response: requests.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_description"] and body["hint"]
    return str(body["error"])


# -- the device authorization answer ---------------------------------------------------------


def test_device_authorization_answers_every_rfc_8628_field(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock, scope="data:read")
    assert set(answer) == {"device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in", "interval"}
    assert re.fullmatch(f"[{USER_CODE_ALPHABET}]{{4}}-[{USER_CODE_ALPHABET}]{{4}}", answer["user_code"])
    assert answer["verification_uri"] == f"{fresh_mock.url}/oauth/device"
    assert answer["verification_uri_complete"] == f"{fresh_mock.url}/oauth/device?user_code={answer['user_code']}"
    assert answer["expires_in"] == DEVICE_CODE_LIFETIME and answer["interval"] == 1
    assert answer["device_code"] != answer["user_code"] and len(answer["device_code"]) >= 32
    assert fresh_mock.pending_user_codes() == [answer["user_code"]]


def test_device_authorization_refusals(fresh_mock: MockAPI) -> None:
    url = f"{fresh_mock.url}/oauth/device_authorization"
    assert error_of(requests.post(url, data={"client_id": PUBLIC, "scope": "admin"}, timeout=5)) == "invalid_scope"
    assert error_of(requests.post(url, data={"client_id": "nobody"}, timeout=5)) == "invalid_client"
    assert error_of(requests.post(url, data={}, timeout=5)) == "invalid_client"
    # A machine client may not log people in; a public client may not bring a secret.
    notes = fresh_mock.clients["notes-app"]
    assert error_of(requests.post(url, auth=(notes.client_id, notes.client_secret), timeout=5)) == "unauthorized_client"
    assert error_of(requests.post(url, data={"client_id": PUBLIC, "client_secret": "guess"}, timeout=5)) == "invalid_client"


# -- polling -----------------------------------------------------------------------------------


def test_a_device_login_end_to_end_through_the_page_in_under_two_seconds_of_mock_time(fresh_mock: MockAPI) -> None:
    api = fresh_mock
    answer = start_device(api)
    polls, moved = 1, 0.0
    assert error_of(poll(api, answer["device_code"])) == "authorization_pending"

    # The person opens verification_uri_complete in a browser, signs in and approves.
    page = read(requests.get(answer["verification_uri_complete"], timeout=5))
    assert page.status == 200 and answer["user_code"] in page.html
    assert page.form.inputs["user_code"] == answer["user_code"]
    done = submit(page, "approve", username="alice", password=api.users["alice"])
    assert done.status_code == 200 and "alice" in done.text

    # The device polls as a client should: wait the interval (on the mock's clock), poll again.
    while True:
        api.clock.advance(answer["interval"])
        moved += answer["interval"]
        polls += 1
        token = poll(api, answer["device_code"])
        if token.status_code == 200 or polls > 10:
            break
        assert error_of(token) == "authorization_pending"
    assert token.status_code == 200, token.text
    assert polls == 2 and moved < 2, "a device login completes in under 2 s of the mock's time"
    assert token.headers["Cache-Control"] == "no-store"
    body = token.json()
    assert body["token_type"] == "Bearer" and body["refresh_token"] and body["scope"] == "data:read notes:read notes:write"
    me = requests.get(f"{api.url}/me", headers=bearer(body["access_token"]), timeout=5).json()
    assert me["sub"] == "alice" and me["client_id"] == PUBLIC

    # The token comes once: the device code is used up.
    api.clock.advance(answer["interval"])
    assert error_of(poll(api, answer["device_code"])) == "invalid_grant"


def test_polling_faster_than_the_interval_slows_down_by_five_seconds_each_time(fresh_mock: MockAPI) -> None:
    api = fresh_mock
    device_code = start_device(api)["device_code"]
    assert error_of(poll(api, device_code)) == "authorization_pending"  # the first poll is never too soon
    slow = poll(api, device_code)
    assert error_of(slow) == "slow_down" and slow.json()["interval"] == 6
    api.clock.advance(1)  # the old interval is no longer enough (RFC 8628 §3.5: for all later polls)
    assert error_of(poll(api, device_code)) == "slow_down"
    assert poll(api, device_code).json()["interval"] == 16
    api.clock.advance(16)
    assert error_of(poll(api, device_code)) == "authorization_pending"


def test_denied_on_the_page_without_signing_in(fresh_mock: MockAPI) -> None:
    api = fresh_mock
    answer = start_device(api)
    page = read(requests.get(answer["verification_uri_complete"], timeout=5))
    denied = submit(page, "deny")
    assert denied.status_code == 200 and "denied" in denied.text.lower()
    assert error_of(poll(api, answer["device_code"])) == "access_denied"
    assert api.pending_user_codes() == []


def test_denied_from_the_notebook(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    fresh_mock.deny_device(answer["user_code"])
    assert error_of(poll(fresh_mock, answer["device_code"])) == "access_denied"
    with pytest.raises(ValueError, match="No sign-in is waiting"):
        fresh_mock.approve_device(answer["user_code"])  # decided already


def test_expired_token_on_the_mock_clock(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    fresh_mock.clock.advance(answer["expires_in"])
    assert error_of(poll(fresh_mock, answer["device_code"])) == "expired_token"
    with pytest.raises(ValueError):
        fresh_mock.approve_device(answer["user_code"])
    page = read(requests.get(answer["verification_uri_complete"], timeout=5))
    assert page.alerts and "No sign-in is waiting" in page.alerts[0]


def test_approve_device_from_the_notebook_takes_the_code_as_typed(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock, scope="data:read")
    typed = answer["user_code"].replace("-", " ").lower()
    fresh_mock.approve_device(typed, user="bob")
    body = poll(fresh_mock, answer["device_code"]).json()
    me = requests.get(f"{fresh_mock.url}/me", headers=bearer(body["access_token"]), timeout=5).json()
    assert me["sub"] == "bob" and me["scope"] == "data:read"
    with pytest.raises(ValueError, match="demo person"):
        fresh_mock.approve_device(start_device(fresh_mock)["user_code"], user="mallory")


def test_unknown_device_code_and_machine_clients_polling(fresh_mock: MockAPI) -> None:
    assert error_of(poll(fresh_mock, "dc_not-a-code")) == "invalid_grant"
    device_code = start_device(fresh_mock)["device_code"]
    notes = fresh_mock.clients["notes-app"]
    response = requests.post(
        fresh_mock.token_url, data={"grant_type": DEVICE_GRANT, "device_code": device_code}, auth=(notes.client_id, notes.client_secret), timeout=5
    )
    assert error_of(response) == "unauthorized_client"
    assert error_of(requests.post(fresh_mock.token_url, data={"grant_type": DEVICE_GRANT, "client_id": PUBLIC}, timeout=5)) == "invalid_request"


def test_a_device_code_belongs_to_the_client_that_asked() -> None:
    codes = DeviceCodes()
    grant = codes.start("cli-app", "data:read", now=1000.0)
    assert codes.poll(grant.device_code, "other-public-app", 1000.0)[0] is Outcome.OTHER_CLIENT
    assert codes.poll(grant.device_code, "cli-app", 1000.0)[0] is Outcome.PENDING


# -- the public client -------------------------------------------------------------------------


def test_the_public_client_gets_no_machine_token_and_brings_no_secret(fresh_mock: MockAPI) -> None:
    url = fresh_mock.token_url
    assert error_of(requests.post(url, data={"grant_type": "client_credentials", "client_id": PUBLIC}, timeout=5)) == "unauthorized_client"
    wrong = requests.post(url, data={"grant_type": "client_credentials"}, auth=(PUBLIC, "a-secret"), timeout=5)
    assert error_of(wrong, 401) == "invalid_client" and wrong.headers["WWW-Authenticate"].startswith("Basic")
    introspect = requests.post(f"{fresh_mock.url}/oauth/introspect", data={"client_id": PUBLIC, "token": "x"}, timeout=5)
    assert error_of(introspect) == "unauthorized_client"
    assert PUBLIC not in fresh_mock.clients and fresh_mock.public_clients[PUBLIC].public
    assert "public" in repr(fresh_mock.public_clients[PUBLIC])


def test_a_refreshed_person_token_is_still_that_person(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    fresh_mock.approve_device(answer["user_code"], user="alice")
    first = poll(fresh_mock, answer["device_code"]).json()
    # Basic with an empty secret is how several libraries say "public client": it passes too.
    refreshed = requests.post(
        fresh_mock.token_url, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, auth=(PUBLIC, ""), timeout=5
    )
    assert refreshed.status_code == 200, refreshed.text
    me = requests.get(f"{fresh_mock.url}/me", headers=bearer(refreshed.json()["access_token"]), timeout=5).json()
    assert me["sub"] == "alice" and me["client_id"] == PUBLIC


def test_discovery_advertises_the_device_grant_and_the_public_client(mock_api: MockAPI) -> None:
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        metadata = requests.get(mock_api.url + path, timeout=5).json()
        assert metadata["device_authorization_endpoint"] == f"{mock_api.url}/oauth/device_authorization"
        assert DEVICE_GRANT in metadata["grant_types_supported"]
        assert "none" in metadata["token_endpoint_auth_methods_supported"]


# -- the verification page --------------------------------------------------------------------


def test_the_device_page_is_an_accessible_self_contained_form(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    response = requests.get(answer["verification_uri_complete"], timeout=5)
    assert response.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    page = read(response)
    assert '<html lang="en">' in page.html and "<title>" in page.html and "<h1>" in page.html
    form = page.form
    assert form.method == "post" and form.action == "device"
    for name in ("user_code", "username", "password"):
        assert page.labels.get(name), f"{name} has no label"
        assert form.attributes[name]["id"] == name
    assert [name for name, attributes in form.attributes.items() if "autofocus" in attributes] == ["username"]
    assert form.inputs["nonce"]
    assert sorted(button["value"] or "" for button in form.buttons) == ["approve", "deny"]
    assert not [attrs for tag, attrs in page.tags if attrs.get("src") or (tag == "link" and attrs.get("href"))], "no external assets"
    # Without a code in the URL, focus starts on the code field.
    blank = read(requests.get(answer["verification_uri"], timeout=5))
    assert [name for name, attributes in blank.form.attributes.items() if "autofocus" in attributes] == ["user_code"]


def test_a_wrong_password_shows_the_form_again_and_approves_nothing(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    page = read(requests.get(answer["verification_uri_complete"], timeout=5))
    wrong = read(submit(page, "approve", username="alice", password="hunter2-not-it"))
    assert wrong.status == 400 and wrong.alerts == ["The user name or password is wrong."]
    assert wrong.form.attributes["username"]["aria-invalid"] == "true" and "hunter2-not-it" not in wrong.html
    assert wrong.form.inputs["username"] == "alice" and wrong.form.inputs["password"] == ""
    assert error_of(poll(fresh_mock, answer["device_code"])) == "authorization_pending"
    # The form it shows again works.
    assert submit(wrong, "approve", username="alice", password=fresh_mock.users["alice"]).status_code == 200


def test_a_form_without_this_servers_nonce_is_refused(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    data = {"user_code": answer["user_code"], "username": "alice", "password": fresh_mock.users["alice"], "action": "approve"}
    for nonce in (None, "forged.1.abc", "x"):
        posted = requests.post(f"{fresh_mock.url}/oauth/device", data=data if nonce is None else {**data, "nonce": nonce}, timeout=5)
        assert posted.status_code == 400 and "expired or did not come from this page" in posted.text
    # A page's nonce stops working once the form is too old.
    page = read(requests.get(answer["verification_uri_complete"], timeout=5))
    fresh_mock.clock.advance(600)
    late = submit(page, "approve", username="alice", password=fresh_mock.users["alice"])
    assert late.status_code == 400 and "expired or did not come from this page" in late.text


def test_passwords_are_per_server_unless_seeded() -> None:
    with MockAPI(seed="workshop") as one, MockAPI(seed="workshop") as two, MockAPI() as three:
        assert one.users == two.users and set(one.users) == {"alice", "bob"}
        assert three.users != one.users and all(len(password) >= 12 for password in three.users.values())


# -- bounded state -----------------------------------------------------------------------------


def test_device_codes_are_forgotten_once_they_can_no_longer_matter(fresh_mock: MockAPI) -> None:
    for _ in range(3):
        start_device(fresh_mock)
    assert fresh_mock.tenant.sizes()["device_codes"] == 3
    fresh_mock.clock.advance(DEVICE_CODE_LIFETIME + ENDED_REMEMBERED_FOR)
    fresh_mock.tenant.sweep()
    assert fresh_mock.tenant.sizes()["device_codes"] == 0
