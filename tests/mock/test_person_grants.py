"""Logging a person in at the mock: device code (RFC 8628), authorization code + PKCE (RFC 7636, 8252), their pages.

Every check of time is made on the mock's clock (moved, never slept), and each test uses a
freshly reset mock, so polling intervals and expiries are exact.
"""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tokenkit.mock import MockAPI
from tokenkit.mock.codes import CODE_LIFETIME, s256
from tokenkit.mock.codes import ENDED_REMEMBERED_FOR as CODES_ENDED_REMEMBERED_FOR
from tokenkit.mock.device import (
    DEVICE_CODE_LIFETIME, ENDED_REMEMBERED_FOR, MAX_WRONG_CODES, USER_CODE_ALPHABET, WRONG_CODE_WINDOW, DeviceCodes, Outcome,
)

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


# -- authorization code + PKCE ------------------------------------------------------------------

REDIRECT = "http://127.0.0.1:53682/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


def authorize_url(api: MockAPI, challenge: str, **overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "response_type": "code", "client_id": PUBLIC, "redirect_uri": REDIRECT, "scope": "data:read notes:read",
        "state": "st-123", "code_challenge": challenge, "code_challenge_method": "S256", **overrides,
    }
    return f"{api.url}/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


def callback(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT
    return dict(parse_qsl(parts.query))


def redeem(api: MockAPI, code: str, verifier: str | None, redirect_uri: str | None = REDIRECT) -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code, "client_id": PUBLIC, "redirect_uri": redirect_uri, "code_verifier": verifier}
    return requests.post(api.token_url, data={k: v for k, v in data.items() if v is not None}, timeout=5)


def login(api: MockAPI, challenge: str, user: str = "alice") -> dict[str, str]:
    """Through the login page as a browser: open the authorize URL, sign in, follow to the callback."""
    page = read(requests.get(authorize_url(api, challenge), timeout=5))
    assert page.status == 200, page.html
    answer = submit(page, "approve", username=user, password=api.users[user])
    assert answer.status_code == 303, answer.text
    return callback(answer.headers["Location"])


def test_authorization_code_with_pkce_through_the_login_page(fresh_mock: MockAPI) -> None:
    verifier, challenge = pkce()
    back = login(fresh_mock, challenge)
    assert back["state"] == "st-123" and back["iss"] == fresh_mock.url and back["code"]
    token = redeem(fresh_mock, back["code"], verifier)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["refresh_token"] and body["scope"] == "data:read notes:read" and token.headers["Cache-Control"] == "no-store"
    me = requests.get(f"{fresh_mock.url}/me", headers=bearer(body["access_token"]), timeout=5).json()
    assert me["sub"] == "alice" and me["client_id"] == PUBLIC


def test_a_redeemed_code_used_again_is_refused_and_revokes_what_it_gave(fresh_mock: MockAPI) -> None:
    verifier, challenge = pkce()
    code = login(fresh_mock, challenge)["code"]
    body = redeem(fresh_mock, code, verifier).json()
    assert error_of(redeem(fresh_mock, code, verifier)) == "invalid_grant"
    me = requests.get(f"{fresh_mock.url}/me", headers=bearer(body["access_token"]), timeout=5)
    assert me.status_code == 401 and me.json()["error_reason"] == "revoked"
    refresh = requests.post(fresh_mock.token_url, data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": PUBLIC}, timeout=5)
    assert error_of(refresh) == "invalid_grant"


@pytest.mark.parametrize("wrong", ["missing", "another", "short", "same-but-plain"])
def test_a_wrong_code_verifier_is_invalid_grant_and_burns_the_code(fresh_mock: MockAPI, wrong: str) -> None:
    verifier, challenge = pkce()
    code = login(fresh_mock, challenge)["code"]
    bad = {"missing": None, "another": pkce()[0], "short": "abc", "same-but-plain": challenge}[wrong]
    first = redeem(fresh_mock, code, bad)
    assert error_of(first) == "invalid_grant"
    assert error_of(redeem(fresh_mock, code, verifier)) == "invalid_grant", "the code is burned"


def test_the_code_is_bound_to_its_redirect_uri_and_lives_sixty_seconds(fresh_mock: MockAPI) -> None:
    verifier, challenge = pkce()
    code = login(fresh_mock, challenge)["code"]
    assert error_of(redeem(fresh_mock, code, verifier, redirect_uri=None)) == "invalid_request"  # not burned: nothing was tried
    assert error_of(redeem(fresh_mock, code, verifier, redirect_uri="http://127.0.0.1:1/callback")) == "invalid_grant"
    assert error_of(redeem(fresh_mock, code, verifier)) == "invalid_grant"
    code = login(fresh_mock, challenge)["code"]
    fresh_mock.clock.advance(CODE_LIFETIME)
    response = redeem(fresh_mock, code, verifier)
    assert error_of(response) == "invalid_grant" and "expired" in response.json()["error_description"]
    assert error_of(redeem(fresh_mock, "no-such-code", verifier)) == "invalid_grant"
    assert error_of(redeem(fresh_mock, "", verifier)) == "invalid_request"


@pytest.mark.parametrize(
    "overrides, why",
    [
        ({"client_id": None}, "client_id is missing"),
        ({"client_id": "nobody"}, "There is no client"),
        ({"client_id": "notes-app"}, "machine client"),
        ({"redirect_uri": None}, "redirect_uri is missing"),
        ({"redirect_uri": "http://localhost:53682/callback"}, "127.0.0.1"),
        ({"redirect_uri": "https://127.0.0.1:53682/callback"}, "http://"),
        ({"redirect_uri": "http://evil.example/callback"}, "loopback"),
        ({"redirect_uri": "http://127.0.0.2/callback"}, "loopback"),
        ({"redirect_uri": "http://user@127.0.0.1:5/cb"}, "loopback"),
        ({"redirect_uri": "http://127.0.0.1:5/cb#frag"}, "fragment"),
        ({"redirect_uri": "http://127.0.0.1:notaport/cb"}, "not a valid URL"),
    ],
)
def test_a_doubtful_client_or_redirect_uri_is_shown_on_the_page_never_redirected(fresh_mock: MockAPI, overrides: dict[str, str | None], why: str) -> None:
    response = requests.get(authorize_url(fresh_mock, pkce()[1], **overrides), allow_redirects=False, timeout=5)
    assert response.status_code == 400 and "Location" not in response.headers
    page = read(response)
    assert page.alerts and why in page.alerts[0], page.alerts
    assert not page.forms


@pytest.mark.parametrize(
    "overrides, error, why",
    [
        ({"code_challenge": None}, "invalid_request", "PKCE is required"),
        ({"code_challenge_method": None}, "invalid_request", "only S256"),
        ({"code_challenge_method": "plain"}, "invalid_request", "only S256"),
        ({"code_challenge": "too-short"}, "invalid_request", "43 base64url"),
        ({"response_type": None}, "invalid_request", "response_type"),
        ({"response_type": "token"}, "unsupported_response_type", "implicit"),
        ({"scope": "data:read admin"}, "invalid_scope", "admin"),
    ],
)
def test_other_problems_go_back_to_the_client_with_state_and_iss(fresh_mock: MockAPI, overrides: dict[str, str | None], error: str, why: str) -> None:
    response = requests.get(authorize_url(fresh_mock, pkce()[1], **overrides), allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    back = callback(response.headers["Location"])
    assert back["error"] == error and why in back["error_description"]
    assert back["state"] == "st-123" and back["iss"] == fresh_mock.url and "code" not in back


def test_a_parameter_twice_is_invalid_request_and_unknown_ones_are_ignored(fresh_mock: MockAPI) -> None:
    url = authorize_url(fresh_mock, pkce()[1])
    twice = requests.get(url + "&state=again", allow_redirects=False, timeout=5)
    assert twice.status_code == 302 and callback(twice.headers["Location"])["error"] == "invalid_request"
    ignored = requests.get(url + "&nonce=n-1&prompt=login&response_mode=query", allow_redirects=False, timeout=5)
    assert ignored.status_code == 200 and read(ignored).form.inputs["client_id"] == PUBLIC


@pytest.mark.parametrize("redirect_uri", ["http://127.0.0.1:1/", "http://127.0.0.1:65535/a/b?x=1", "http://[::1]:40000/callback", "http://127.0.0.1/cb"])
def test_any_loopback_port_and_the_ipv6_literal_are_accepted(fresh_mock: MockAPI, redirect_uri: str) -> None:
    verifier, challenge = pkce()
    location = fresh_mock.approve_authorization(authorize_url(fresh_mock, challenge, redirect_uri=redirect_uri), user="bob")
    assert location.startswith(redirect_uri.split("?")[0])
    back = dict(parse_qsl(urlsplit(location).query))
    assert back.get("x") in (None, "1") and back["state"] == "st-123"
    assert redeem(fresh_mock, back["code"], verifier, redirect_uri=redirect_uri).status_code == 200


def test_denied_on_the_login_page(fresh_mock: MockAPI) -> None:
    page = read(requests.get(authorize_url(fresh_mock, pkce()[1]), timeout=5))
    denied = submit(page, "deny")
    assert denied.status_code == 303
    back = callback(denied.headers["Location"])
    assert back["error"] == "access_denied" and back["state"] == "st-123" and back["iss"] == fresh_mock.url


def test_the_login_page_is_accessible_and_a_wrong_password_approves_nothing(fresh_mock: MockAPI) -> None:
    response = requests.get(authorize_url(fresh_mock, pkce()[1]), timeout=5)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    page = read(response)
    assert page.form.action == "authorize" and page.form.method == "post"
    for name in ("username", "password"):
        assert page.labels.get(name) and page.form.attributes[name]["id"] == name
    assert [name for name, attributes in page.form.attributes.items() if "autofocus" in attributes] == ["username"]
    wrong = read(submit(page, "approve", username="alice", password="not-her-password"))
    assert wrong.status == 400 and wrong.alerts == ["The user name or password is wrong."]
    assert "not-her-password" not in wrong.html and wrong.form.attributes["username"]["aria-invalid"] == "true"
    assert fresh_mock.tenant.sizes()["authorization_codes"] == 0


def test_the_forms_nonce_is_bound_to_its_request(fresh_mock: MockAPI) -> None:
    page = read(requests.get(authorize_url(fresh_mock, pkce()[1]), timeout=5))
    # The same nonce with another redirect port, or another scope, is refused.
    for field, value in (("redirect_uri", "http://127.0.0.1:1/steal"), ("scope", "notes:write")):
        page.form.inputs[field], before = value, page.form.inputs[field]
        tampered = submit(page, "approve", username="alice", password=fresh_mock.users["alice"])
        assert tampered.status_code == 400 and "Location" not in tampered.headers
        page.form.inputs[field] = before
    assert submit(page, "approve", username="alice", password=fresh_mock.users["alice"]).status_code == 303


def test_approve_and_deny_authorization_from_the_notebook(fresh_mock: MockAPI) -> None:
    verifier, challenge = pkce()
    back = dict(parse_qsl(urlsplit(fresh_mock.approve_authorization(authorize_url(fresh_mock, challenge))).query))
    assert redeem(fresh_mock, back["code"], verifier).status_code == 200
    denied = dict(parse_qsl(urlsplit(fresh_mock.deny_authorization(authorize_url(fresh_mock, challenge))).query))
    assert denied["error"] == "access_denied"
    refused = dict(parse_qsl(urlsplit(fresh_mock.approve_authorization(authorize_url(fresh_mock, challenge, code_challenge_method="plain"))).query))
    assert refused["error"] == "invalid_request"
    with pytest.raises(ValueError, match="localhost"):
        fresh_mock.approve_authorization(authorize_url(fresh_mock, challenge, redirect_uri="http://localhost:1/cb"))
    with pytest.raises(ValueError, match="demo person"):
        fresh_mock.approve_authorization(authorize_url(fresh_mock, challenge), user="mallory")


def test_discovery_advertises_the_authorization_code_grant_with_pkce(mock_api: MockAPI) -> None:
    metadata = requests.get(mock_api.url + "/.well-known/openid-configuration", timeout=5).json()
    assert metadata["authorization_endpoint"] == f"{mock_api.url}/oauth/authorize"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert {"authorization_code", "refresh_token", "client_credentials", DEVICE_GRANT} == set(metadata["grant_types_supported"])


def test_codes_are_forgotten_once_they_can_no_longer_matter(fresh_mock: MockAPI) -> None:
    verifier, challenge = pkce()
    unused = login(fresh_mock, challenge)["code"]
    used = login(fresh_mock, challenge)["code"]
    assert redeem(fresh_mock, used, verifier).status_code == 200
    assert fresh_mock.tenant.sizes()["authorization_codes"] == 2
    fresh_mock.clock.advance(CODE_LIFETIME + CODES_ENDED_REMEMBERED_FOR)
    fresh_mock.tenant.sweep()
    assert fresh_mock.tenant.sizes()["authorization_codes"] == 1, "a redeemed code is watched for replay while its tokens live"
    fresh_mock.clock.advance(24 * 3600)
    fresh_mock.tenant.sweep()
    assert fresh_mock.tenant.sizes()["authorization_codes"] == 0
    assert error_of(redeem(fresh_mock, unused, verifier)) == "invalid_grant"


def test_guessing_user_codes_on_the_page_is_limited(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    page = read(requests.get(f"{fresh_mock.url}/oauth/device", timeout=5))
    statuses = [submit(page, "approve", user_code=f"BBBB-BB{a}{b}", username="alice", password="x").status_code for a in "CD" for b in "FGHJKLMNPQRS"]
    assert statuses[:MAX_WRONG_CODES] == [400] * MAX_WRONG_CODES and set(statuses[MAX_WRONG_CODES:]) == {429}
    limited = submit(page, "approve", user_code=answer["user_code"], username="alice", password=fresh_mock.users["alice"])
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    fresh_mock.clock.advance(WRONG_CODE_WINDOW)
    fresh_page = read(requests.get(answer["verification_uri_complete"], timeout=5))
    assert submit(fresh_page, "approve", username="alice", password=fresh_mock.users["alice"]).status_code == 200


def test_a_person_family_is_forgotten_with_its_refresh_tokens(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    fresh_mock.approve_device(answer["user_code"])
    assert poll(fresh_mock, answer["device_code"]).status_code == 200
    assert fresh_mock.tenant.sizes()["person_families"] == 1
    fresh_mock.clock.advance(2 * 24 * 3600)
    fresh_mock.tenant.sweep()
    sizes = fresh_mock.tenant.sizes()
    assert sizes["person_families"] == 0 and sizes["refresh_tokens"] == 0 and sizes["device_codes"] == 0


def test_the_public_client_revokes_its_own_refresh_token(fresh_mock: MockAPI) -> None:
    answer = start_device(fresh_mock)
    fresh_mock.approve_device(answer["user_code"])
    body = poll(fresh_mock, answer["device_code"]).json()
    revoked = requests.post(f"{fresh_mock.url}/oauth/revoke", data={"client_id": PUBLIC, "token": body["refresh_token"]}, timeout=5)
    assert revoked.status_code == 200
    again = requests.post(fresh_mock.token_url, data={"grant_type": "refresh_token", "client_id": PUBLIC, "refresh_token": body["refresh_token"]}, timeout=5)
    assert error_of(again) == "invalid_grant"
    me = requests.get(f"{fresh_mock.url}/me", headers=bearer(body["access_token"]), timeout=5)
    assert me.status_code == 401 and me.json()["error_reason"] == "revoked"
