"""AuthorizationCodeLogin (RFC 6749 §4.1 + PKCE RFC 7636, loopback redirect RFC 8252) against a scripted issuer.

The "browser" here is a function: it reads the authorization URL as a real server would,
and sends the redirect a real server would send to the loopback listener.
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tokenkit import TokenEndpointError
from tokenkit.login import (
    AuthorizationCodeLogin,
    LoginDeniedError,
    LoginError,
    LoginExpiredError,
    StateMismatchError,
    code_challenge,
    pkce_pair,
)
from tokenkit.loopback import LoopbackRedirect, RedirectTimeoutError

from .conftest import FakeClock, scripted_session
from .test_login_device import ISSUER, METADATA, TOKEN_ANSWER, _fresh_discovery  # noqa: F401 - fixture

CODE = "code-0123456789abcdefghijkl"


class Issuer:
    """Scripted discovery and token endpoint; ``forms`` records what the token endpoint got."""

    def __init__(self, answer: Any = (200, {}, TOKEN_ANSWER)) -> None:
        self.forms: list[dict[str, str]] = []
        self.token_answer = answer
        self.session, self.adapter = scripted_session(self.answer)

    def answer(self, request: requests.PreparedRequest, index: int) -> tuple[int, dict[str, str], Any]:
        if "/.well-known/" in (request.url or ""):
            return 200, {}, METADATA
        body = request.body if isinstance(request.body, str) else (request.body or b"").decode()
        self.forms.append(dict(parse_qsl(body)))
        return self.token_answer


class Browser:
    """Plays the person's browser: records the authorization URL, then lands on the redirect URI."""

    def __init__(self, **redirect: str) -> None:
        self.redirect = redirect  # what the server puts in the redirect; "state" filled from the request unless given
        self.url: str | None = None
        self.params: dict[str, str] = {}
        self.page: requests.Response | None = None

    def __call__(self, url: str) -> None:
        self.url = url
        self.params = dict(parse_qsl(urlsplit(url).query))
        query = {"state": self.params["state"], **self.redirect}
        self.page = requests.get(self.params["redirect_uri"] + "?" + urlencode(query), timeout=5)


def login(issuer: Issuer, browser: Any, **kwargs: Any) -> AuthorizationCodeLogin:
    return AuthorizationCodeLogin(
        ISSUER, "web-cli", scope="notes:read", open_browser=browser, session=issuer.session, clock=FakeClock(), **kwargs
    )


def test_pkce_code_is_exchanged_with_the_verifier() -> None:
    issuer, browser = Issuer(), Browser(code=CODE)
    token = login(issuer, browser).fetch()
    assert token.access_token == TOKEN_ANSWER["access_token"]
    p = browser.params
    assert browser.url is not None and browser.url.startswith(METADATA["authorization_endpoint"] + "?")
    assert (p["response_type"], p["client_id"], p["scope"], p["code_challenge_method"]) == ("code", "web-cli", "notes:read", "S256")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", p["redirect_uri"])
    assert len(p["state"]) >= 22
    [form] = issuer.forms
    assert form["grant_type"] == "authorization_code" and form["code"] == CODE
    assert form["redirect_uri"] == p["redirect_uri"] and form["client_id"] == "web-cli"
    assert code_challenge(form["code_verifier"]) == p["code_challenge"]  # the verifier matches the challenge sent
    assert "client_secret" not in form
    assert browser.page is not None and browser.page.status_code == 200 and "close this tab" in browser.page.text


def test_each_login_has_its_own_verifier_and_state() -> None:
    seen = []
    for _ in range(2):
        issuer, browser = Issuer(), Browser(code=CODE)
        login(issuer, browser).fetch()
        seen.append((browser.params["state"], browser.params["code_challenge"], issuer.forms[0]["code_verifier"]))
    assert len({x for triple in seen for x in triple}) == 6


def test_a_wrong_state_is_refused_and_the_code_never_exchanged() -> None:
    issuer, browser = Issuer(), Browser(code=CODE, state="someone-elses-state")
    with pytest.raises(StateMismatchError) as caught:
        login(issuer, browser).fetch()
    assert caught.value.error == "state_mismatch"
    assert issuer.forms == []  # the token endpoint was never called
    assert browser.page is not None and "does not belong" in browser.page.text


def test_a_redirect_from_another_issuer_is_refused() -> None:
    issuer, browser = Issuer(), Browser(code=CODE, iss="https://evil.test")
    with pytest.raises(StateMismatchError, match="RFC 9207"):
        login(issuer, browser).fetch()
    assert issuer.forms == []


def test_the_right_iss_is_accepted() -> None:
    issuer, browser = Issuer(), Browser(code=CODE, iss=ISSUER)
    assert login(issuer, browser).fetch().access_token == TOKEN_ANSWER["access_token"]


def test_access_denied_in_the_redirect() -> None:
    issuer, browser = Issuer(), Browser(error="access_denied", error_description="the user said no")
    with pytest.raises(LoginDeniedError, match="the user said no") as caught:
        login(issuer, browser).fetch()
    assert caught.value.error == "access_denied" and issuer.forms == []
    assert browser.page is not None and "access_denied" in browser.page.text


def test_other_errors_in_the_redirect() -> None:
    issuer, browser = Issuer(), Browser(error="invalid_request", error_description="<script>x</script>")
    with pytest.raises(LoginError) as caught:
        login(issuer, browser).fetch()
    assert caught.value.error == "invalid_request" and not isinstance(caught.value, LoginDeniedError)


def test_the_token_endpoint_refusing_the_code() -> None:
    issuer = Issuer((400, {}, {"error": "invalid_grant", "error_description": "code_verifier does not match"}))
    with pytest.raises(TokenEndpointError) as caught:
        login(issuer, Browser(code=CODE)).fetch()
    assert caught.value.error == "invalid_grant"


def test_no_browser_coming_back_times_out() -> None:
    with pytest.raises(LoginExpiredError, match="0.2 s") as caught:
        login(Issuer(), lambda url: None, login_timeout=0.2).fetch()
    assert caught.value.error == "login_timeout"


def test_open_browser_false_prints_the_link(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(LoginExpiredError):
        login(Issuer(), False, login_timeout=0.1).fetch()
    err = capsys.readouterr().err
    assert METADATA["authorization_endpoint"] + "?" in err and "code_challenge=" in err


def test_open_browser_true_uses_webbrowser(monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    opened: list[str] = []
    browser = Browser(code=CODE)

    def fake_open(url: str) -> bool:
        opened.append(url)
        threading.Thread(target=browser, args=(url,)).start()
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    assert login(Issuer(), True).fetch().access_token == TOKEN_ANSWER["access_token"]
    assert opened and opened[0].startswith(METADATA["authorization_endpoint"])


# -- PKCE helpers ---------------------------------------------------------------------------


def test_code_challenge_matches_rfc7636_appendix_b() -> None:
    assert code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_pkce_pair_is_random_and_within_the_rfc_limits() -> None:
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128 and re.fullmatch(r"[A-Za-z0-9._~-]+", verifier)
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == digest and pkce_pair()[0] != verifier


# -- the loopback listener ------------------------------------------------------------------


def test_listener_is_on_the_loopback_address_only() -> None:
    with LoopbackRedirect() as listener:
        assert listener._server.server_address[0] == "127.0.0.1"
        assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/callback"


def test_listener_answers_once_and_ignores_other_paths() -> None:
    with LoopbackRedirect(path="/cb") as listener:
        assert requests.get(f"http://127.0.0.1:{listener.port}/favicon.ico", timeout=5).status_code == 404
        page = requests.get(listener.redirect_uri + "?code=a&state=b", timeout=5)
        assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
        assert listener.wait(5) == {"code": "a", "state": "b"}
    with pytest.raises(requests.ConnectionError):  # gone once done: a second redirect finds nobody
        requests.get(listener.redirect_uri + "?code=forged&state=b", timeout=5)


def test_listener_times_out_and_releases_its_port() -> None:
    listener = LoopbackRedirect()
    port = listener.port
    with pytest.raises(RedirectTimeoutError):
        listener.wait(0.05)
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # free again


def test_listener_logs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with LoopbackRedirect() as listener:
        requests.get(listener.redirect_uri + "?code=secret-code-123&state=s", timeout=5)
        listener.wait(5)
    captured = capsys.readouterr()
    assert "secret-code-123" not in captured.out + captured.err
