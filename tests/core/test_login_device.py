"""DeviceLogin (RFC 8628) against scripted exchanges: discovery, polling, slow_down, errors, refresh."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests

from tokenkit import RefreshingAuth, TokenEndpointError
from tokenkit.login import (
    DEVICE_CODE_GRANT,
    DeviceLogin,
    DevicePrompt,
    LoginDeniedError,
    LoginError,
    LoginExpiredError,
    discover,
)

from .conftest import FakeClock, scripted_session

ISSUER = "https://login.example.test"
DEVICE_CODE = "dev-code-0123456789abcdefghijklmnop"
METADATA = {
    "issuer": ISSUER,
    "token_endpoint": f"{ISSUER}/oauth/token",
    "device_authorization_endpoint": f"{ISSUER}/oauth/device",
    "authorization_endpoint": f"{ISSUER}/oauth/authorize",
}
DEVICE_ANSWER = {
    "device_code": DEVICE_CODE,
    "user_code": "WDJB-MJHT",
    "verification_uri": f"{ISSUER}/device",
    "verification_uri_complete": f"{ISSUER}/device?user_code=WDJB-MJHT",
    "expires_in": 600,
    "interval": 1,
}
TOKEN_ANSWER = {"access_token": "at-ABCDEFGHIJKLMNOP1234", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-ZYXWVUT987654321"}


def error(code: str, status: int = 400) -> tuple[int, dict[str, str], dict[str, str]]:
    return status, {}, {"error": code, "error_description": f"{code} (scripted)"}


class Issuer:
    """A scripted authorization server: discovery, device authorization, then ``polls`` in order."""

    def __init__(self, polls: list[tuple[int, dict[str, str], Any]], *, device: Any = DEVICE_ANSWER, metadata: Any = METADATA) -> None:
        self.polls = list(polls)
        self.device = device
        self.metadata = metadata
        self.forms: list[dict[str, str]] = []
        self.session, self.adapter = scripted_session(self.answer)

    def answer(self, request: requests.PreparedRequest, index: int) -> tuple[int, dict[str, str], Any]:
        url = request.url or ""
        if "/.well-known/oauth-authorization-server" in url:
            return (200, {}, self.metadata) if self.metadata is not None else (404, {}, {"detail": "no"})
        if "/.well-known/openid-configuration" in url:
            return (404, {}, {"detail": "no"})
        form = dict(parse_qsl(request.body if isinstance(request.body, str) else (request.body or b"").decode()))
        self.forms.append(form)
        if url.endswith("/oauth/device"):
            return 200, {}, self.device
        if url.endswith("/oauth/token"):
            return self.polls.pop(0)
        return 404, {}, {"detail": url}


@pytest.fixture(autouse=True)
def _fresh_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    import tokenkit.login

    monkeypatch.setattr(tokenkit.login, "_discovered", {})


def login(issuer: Issuer, clock: FakeClock, prompts: list[DevicePrompt] | None = None, **kwargs: Any) -> DeviceLogin:
    shown = prompts if prompts is not None else []
    return DeviceLogin(
        ISSUER, "cli-app", scope="notes:read", on_prompt=shown.append, sleep=clock.sleep, clock=clock,
        session=issuer.session, **kwargs,
    )


def test_polls_until_approved_honouring_interval_and_slow_down(clock: FakeClock) -> None:
    issuer = Issuer([error("authorization_pending"), error("slow_down"), error("authorization_pending"), (200, {}, TOKEN_ANSWER)])
    prompts: list[DevicePrompt] = []
    token = login(issuer, clock, prompts).fetch()
    assert token.access_token == TOKEN_ANSWER["access_token"]
    assert token.refresh_token == TOKEN_ANSWER["refresh_token"]
    assert clock.slept == [1, 1, 6, 6]  # slow_down: +5 s for this and every later poll (RFC 8628 §3.5)
    device_form, *polls = issuer.forms
    assert device_form == {"client_id": "cli-app", "scope": "notes:read"}
    assert all(p == {"grant_type": DEVICE_CODE_GRANT, "device_code": DEVICE_CODE, "client_id": "cli-app"} for p in polls)
    assert len(polls) == 4
    [prompt] = prompts
    assert (prompt.user_code, prompt.verification_uri, prompt.expires_in) == ("WDJB-MJHT", f"{ISSUER}/device", 600)
    assert prompt.verification_uri_complete == f"{ISSUER}/device?user_code=WDJB-MJHT"
    assert prompt.link == prompt.verification_uri_complete
    assert DEVICE_CODE not in repr(prompt) + str(prompt)


def test_no_client_secret_is_ever_sent(clock: FakeClock) -> None:
    issuer = Issuer([(200, {}, TOKEN_ANSWER)])
    login(issuer, clock).fetch()
    for request in issuer.adapter.sent:
        assert "Authorization" not in request.headers
    assert all("client_secret" not in form for form in issuer.forms)


def test_denied_is_login_denied_error(clock: FakeClock) -> None:
    issuer = Issuer([error("authorization_pending"), error("access_denied")])
    with pytest.raises(LoginDeniedError) as caught:
        login(issuer, clock).fetch()
    assert isinstance(caught.value, LoginError) and isinstance(caught.value, TokenEndpointError)
    assert caught.value.error == "access_denied"
    assert caught.value.diagnosis is not None


def test_expired_token_from_the_server(clock: FakeClock) -> None:
    issuer = Issuer([error("expired_token")])
    with pytest.raises(LoginExpiredError) as caught:
        login(issuer, clock).fetch()
    assert caught.value.error == "expired_token"


def test_stops_polling_once_the_code_has_expired_on_the_clock(clock: FakeClock) -> None:
    issuer = Issuer([error("authorization_pending")] * 50, device={**DEVICE_ANSWER, "expires_in": 3, "interval": 1})
    with pytest.raises(LoginExpiredError, match="WDJB-MJHT"):
        login(issuer, clock).fetch()
    assert len(issuer.forms) - 1 == 3  # polls at 1, 2, 3 s; then the code is over without another request
    assert sum(clock.slept) == 3


@pytest.mark.parametrize(("interval", "expected"), [(None, 5.0), (0, 1.0), (-3, 1.0), ("2", 5.0), (2, 2.0)])
def test_interval_default_and_floor(clock: FakeClock, interval: Any, expected: float) -> None:
    device = {k: v for k, v in DEVICE_ANSWER.items() if k != "interval"}
    if interval is not None:
        device["interval"] = interval
    issuer = Issuer([(200, {}, TOKEN_ANSWER)], device=device)
    login(issuer, clock).fetch()
    assert clock.slept == [expected]  # never a busy loop, whatever the server says


@pytest.mark.parametrize("missing", ["device_code", "user_code", "verification_uri", "expires_in"])
def test_unusable_device_answer(clock: FakeClock, missing: str) -> None:
    device = {k: v for k, v in DEVICE_ANSWER.items() if k != missing}
    with pytest.raises(LoginError, match=missing) as caught:
        login(Issuer([], device=device), clock).fetch()
    assert caught.value.error == "invalid_response"


def test_other_errors_stop_the_login(clock: FakeClock) -> None:
    issuer = Issuer([error("invalid_client", 401)])
    with pytest.raises(TokenEndpointError) as caught:
        login(issuer, clock).fetch()
    assert caught.value.error == "invalid_client" and not isinstance(caught.value, LoginError)


def test_a_redirect_from_the_token_endpoint_is_not_followed(clock: FakeClock) -> None:
    issuer = Issuer([(307, {"Location": "https://elsewhere.test/token"}, {})])
    with pytest.raises(TokenEndpointError, match="redirect") as caught:
        login(issuer, clock).fetch()
    assert caught.value.error == "redirect"
    assert not any("elsewhere" in (r.url or "") for r in issuer.adapter.sent)


def test_default_prompt_prints_to_stderr_without_the_device_code(clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    issuer = Issuer([(200, {}, TOKEN_ANSWER)])
    DeviceLogin(ISSUER, "cli-app", sleep=clock.sleep, clock=clock, session=issuer.session).fetch()
    out, err = capsys.readouterr()
    assert "WDJB-MJHT" in err and f"{ISSUER}/device" in err and "10 minutes" in err
    assert DEVICE_CODE not in out + err and out == ""


def test_refresh_uses_the_refresh_token_as_a_public_client(clock: FakeClock) -> None:
    issuer = Issuer([(200, {}, TOKEN_ANSWER), (200, {}, {"access_token": "at-second-0123456789", "expires_in": 60})])
    source = login(issuer, clock)
    first = source.fetch()
    second = source.refresh(first)
    assert issuer.forms[-1] == {"grant_type": "refresh_token", "refresh_token": TOKEN_ANSWER["refresh_token"], "client_id": "cli-app"}
    assert second.access_token == "at-second-0123456789"
    assert second.refresh_token == TOKEN_ANSWER["refresh_token"]  # not rotated: carried over (RFC 6749 §6)


def test_works_under_refreshing_auth(clock: FakeClock) -> None:
    issuer = Issuer([(200, {}, {**TOKEN_ANSWER, "expires_in": 100}), (200, {}, {"access_token": "at-renewed-0123456789", "expires_in": 100})])
    auth = RefreshingAuth(login(issuer, clock), clock=clock)
    assert auth.get_token().access_token == TOKEN_ANSWER["access_token"]
    clock.advance(90)  # stale: inside the 30 s threshold
    assert auth.get_token().access_token == "at-renewed-0123456789"
    assert issuer.forms[-1]["grant_type"] == "refresh_token"


def test_repr_names_the_login_not_the_tokens(clock: FakeClock) -> None:
    source = login(Issuer([]), clock)
    assert repr(source) == "DeviceLogin('https://login.example.test', 'cli-app', scope='notes:read')"
    assert source == login(Issuer([]), clock)


# -- discovery ------------------------------------------------------------------------------


def test_discovery_prefers_rfc8414_and_falls_back_to_openid() -> None:
    session, adapter = scripted_session(
        lambda request, i: (404, {}, {}) if "oauth-authorization-server" in (request.url or "") else (200, {}, METADATA)
    )
    assert discover(ISSUER, session=session)["device_authorization_endpoint"] == METADATA["device_authorization_endpoint"]
    assert [r.url for r in adapter.sent] == [
        f"{ISSUER}/.well-known/oauth-authorization-server",
        f"{ISSUER}/.well-known/openid-configuration",
    ]
    discover(ISSUER, session=session)
    assert len(adapter.sent) == 2  # cached


def test_discovery_puts_well_known_before_the_issuer_path() -> None:
    issuer = "https://login.example.test/tenant1"
    session, adapter = scripted_session(lambda request, i: (200, {}, {**METADATA, "issuer": issuer}))
    discover(issuer, session=session)
    assert adapter.sent[0].url == "https://login.example.test/.well-known/oauth-authorization-server/tenant1"


def test_discovery_refuses_a_document_for_another_issuer() -> None:
    session, _ = scripted_session(lambda request, i: (200, {}, {**METADATA, "issuer": "https://evil.test"}))
    with pytest.raises(LoginError, match="evil.test") as caught:
        discover(ISSUER, session=session)
    assert caught.value.error == "invalid_issuer"


def test_discovery_failure_says_what_was_tried() -> None:
    session, _ = scripted_session(lambda request, i: (404, {}, {}))
    with pytest.raises(LoginError, match="openid-configuration") as caught:
        discover(ISSUER, session=session)
    assert caught.value.error == "discovery_failed"


def test_an_issuer_without_the_device_grant(clock: FakeClock) -> None:
    metadata = {k: v for k, v in METADATA.items() if k != "device_authorization_endpoint"}
    with pytest.raises(LoginError, match="device_authorization_endpoint"):
        login(Issuer([], metadata=metadata), clock).fetch()


# -- with a cache ---------------------------------------------------------------------------


def test_a_cached_token_is_reused_by_a_new_login_object(clock: FakeClock, tmp_path: Any) -> None:
    path = tmp_path / "tokens.json"
    first = Issuer([(200, {}, TOKEN_ANSWER)])
    assert login(first, clock, cache=path).fetch().access_token == TOKEN_ANSWER["access_token"]
    again = Issuer([])
    prompts: list[DevicePrompt] = []
    token = login(again, clock, prompts, cache=path).fetch()
    assert token.access_token == TOKEN_ANSWER["access_token"] and token.refresh_token == TOKEN_ANSWER["refresh_token"]
    assert again.adapter.sent == [] and prompts == []  # no request, no prompt: nobody is asked to log in again


def test_a_stale_cached_token_is_refreshed_and_saved(clock: FakeClock, tmp_path: Any) -> None:
    path = tmp_path / "tokens.json"
    login(Issuer([(200, {}, TOKEN_ANSWER)]), clock, cache=path).fetch()
    clock.advance(3590)  # 10 s left: stale
    renewed = {"access_token": "at-renewed-0123456789", "expires_in": 3600, "refresh_token": "rt-rotated-0123456789"}
    issuer = Issuer([(200, {}, renewed)])
    prompts: list[DevicePrompt] = []
    token = login(issuer, clock, prompts, cache=path).fetch()
    assert token.access_token == "at-renewed-0123456789" and prompts == []
    assert issuer.forms[-1]["grant_type"] == "refresh_token"
    reread = login(Issuer([]), clock, cache=path).fetch()
    assert reread.refresh_token == "rt-rotated-0123456789"


def test_a_refused_refresh_token_means_a_new_login(clock: FakeClock, tmp_path: Any) -> None:
    path = tmp_path / "tokens.json"
    login(Issuer([(200, {}, TOKEN_ANSWER)]), clock, cache=path).fetch()
    clock.advance(4000)
    issuer = Issuer([error("invalid_grant"), (200, {}, {**TOKEN_ANSWER, "access_token": "at-new-login-0123456789"})])
    prompts: list[DevicePrompt] = []
    assert login(issuer, clock, prompts, cache=path).fetch().access_token == "at-new-login-0123456789"
    assert len(prompts) == 1


def test_scope_is_part_of_the_cache_key(clock: FakeClock, tmp_path: Any) -> None:
    path = tmp_path / "tokens.json"
    login(Issuer([(200, {}, TOKEN_ANSWER)]), clock, cache=path).fetch()
    issuer = Issuer([(200, {}, {**TOKEN_ANSWER, "access_token": "at-wider-0123456789"})])
    wider = DeviceLogin(ISSUER, "cli-app", scope="notes:read notes:write", on_prompt=lambda p: None, sleep=clock.sleep,
                        clock=clock, session=issuer.session, cache=path)
    assert wider.fetch().access_token == "at-wider-0123456789"


def test_a_corrupted_cache_means_a_warning_and_a_new_login(clock: FakeClock, tmp_path: Any) -> None:
    from tokenkit.cache import CacheWarning

    path = tmp_path / "tokens.json"
    path.write_text('{"format": 1, "tokens": {"half a')
    path.chmod(0o600)
    prompts: list[DevicePrompt] = []
    with pytest.warns(CacheWarning, match="not valid JSON"):
        token = login(Issuer([(200, {}, TOKEN_ANSWER)]), clock, prompts, cache=path).fetch()
    assert token.access_token == TOKEN_ANSWER["access_token"] and len(prompts) == 1
    assert login(Issuer([]), clock, cache=path).fetch() == token  # the file was replaced by a good one
