"""DeviceLogin against the live mock: approve, deny, expire, slow_down, cache across processes, async.

The mock's clock drives the polling (``sleep=api.clock.advance``), so nothing here sleeps
for real; approval goes through ``api.approve_device``, as the verification page does.
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import requests

from tokenkit import DeviceLogin, DevicePrompt, LoginDeniedError, LoginExpiredError, RefreshingAuth, Token, decode

CLIENT = "cli-app"


def me(api: Any, token: Token) -> dict[str, Any]:
    answer = requests.get(f"{api.url}/me", headers={"Authorization": f"Bearer {token.access_token}"}, timeout=10)
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def device_login(api: Any, on_prompt: Any, **kwargs: Any) -> DeviceLogin:
    kwargs.setdefault("sleep", api.clock.advance)
    return DeviceLogin(api.url, CLIENT, scope="notes:read", on_prompt=on_prompt, clock=api.clock.now, **kwargs)


def approve_as(api: Any, user: str) -> Any:
    return lambda prompt: api.approve_device(prompt.user_code, user)


def refuse_prompt(prompt: DevicePrompt) -> None:
    raise AssertionError("nobody should be asked to log in")


def test_approved_login_gets_a_token_for_that_person(fresh_mock: Any) -> None:
    prompts: list[DevicePrompt] = []

    def approve(prompt: DevicePrompt) -> None:
        prompts.append(prompt)
        fresh_mock.approve_device(prompt.user_code, "bob")

    token = device_login(fresh_mock, approve).fetch()
    assert decode(token.access_token).claims["sub"] == "bob"
    assert me(fresh_mock, token)["sub"] == "bob"
    assert token.refresh_token and token.scopes == ("notes:read",)
    [prompt] = prompts
    assert prompt.verification_uri.startswith(fresh_mock.url)
    assert prompt.verification_uri_complete and prompt.user_code in prompt.verification_uri_complete


def test_denied(fresh_mock: Any) -> None:
    with pytest.raises(LoginDeniedError) as caught:
        device_login(fresh_mock, lambda p: fresh_mock.deny_device(p.user_code)).fetch()
    assert caught.value.error == "access_denied"


def test_expired_on_the_mocks_clock(fresh_mock: Any) -> None:
    # one "sleep" that lasts longer than the code: the server answers expired_token
    with pytest.raises(LoginExpiredError) as caught:
        device_login(fresh_mock, lambda p: None, sleep=lambda s: fresh_mock.clock.advance(700)).fetch()
    assert caught.value.error == "expired_token"


def test_slow_down_is_honoured(fresh_mock: Any) -> None:
    slept: list[float] = []
    pending: list[str] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            return  # this time no time passes: the poll comes too soon, the mock says slow_down
        fresh_mock.clock.advance(seconds)
        if len(slept) == 4:
            fresh_mock.approve_device(pending[0], "alice")

    token = device_login(fresh_mock, lambda p: pending.append(p.user_code), sleep=sleep).fetch()
    assert me(fresh_mock, token)["sub"] == "alice"
    assert slept == [1, 1, 6, 6]


def test_refresh_and_refreshing_auth(fresh_mock: Any) -> None:
    auth = RefreshingAuth(device_login(fresh_mock, approve_as(fresh_mock, "alice")), clock=fresh_mock.clock.now)
    first = auth.get_token()
    fresh_mock.clock.advance(3590)
    answer = requests.get(f"{fresh_mock.url}/me", auth=auth, timeout=10)
    assert answer.status_code == 200 and answer.json()["sub"] == "alice"
    assert auth.get_token().access_token != first.access_token and auth.refreshes == 2


def test_cache_file_is_owner_only_and_a_stale_token_is_refreshed(fresh_mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "cache" / "tokens.json"
    first = device_login(fresh_mock, approve_as(fresh_mock, "alice"), cache=path).fetch()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.access_token not in repr(device_login(fresh_mock, None, cache=path))
    fresh_mock.clock.advance(3590)
    renewed = device_login(fresh_mock, refuse_prompt, cache=path).fetch()
    assert renewed.access_token != first.access_token and me(fresh_mock, renewed)["sub"] == "alice"
    assert device_login(fresh_mock, refuse_prompt, cache=path).fetch() == renewed


def test_another_process_reuses_the_cached_login(fresh_mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    DeviceLogin(fresh_mock.url, CLIENT, cache=path, on_prompt=approve_as(fresh_mock, "bob"), sleep=fresh_mock.clock.advance).fetch()
    code = textwrap.dedent(
        f"""
        import requests
        from tokenkit import DeviceLogin, RefreshingAuth

        def nobody(prompt):
            raise SystemExit("asked to log in again")

        auth = RefreshingAuth(DeviceLogin({fresh_mock.url!r}, {CLIENT!r}, cache={str(path)!r}, on_prompt=nobody))
        print(requests.get({fresh_mock.url + "/me"!r}, auth=auth, timeout=10).json()["sub"])
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "bob"


def test_afetch_polls_without_blocking_the_loop(fresh_mock: Any) -> None:
    source = device_login(fresh_mock, approve_as(fresh_mock, "alice"))

    async def main() -> tuple[Token, Token]:
        token = await source.afetch()
        return token, await source.arefresh(token)

    token, renewed = asyncio.run(main())
    assert me(fresh_mock, token)["sub"] == "alice" and me(fresh_mock, renewed)["sub"] == "alice"


# -- authorization code + PKCE against the mock's authorization endpoint ------------------------


def browser_as(api: Any, user: str, pages: list[requests.Response] | None = None) -> Any:
    """Be the person's browser: approve on the mock's page, then land on the loopback redirect."""

    def browse(url: str) -> None:
        page = requests.get(api.approve_authorization(url, user), timeout=10)
        if pages is not None:
            pages.append(page)

    return browse


def test_pkce_login_gets_a_token_for_that_person(fresh_mock: Any) -> None:
    from tokenkit import AuthorizationCodeLogin

    pages: list[requests.Response] = []
    source = AuthorizationCodeLogin(
        fresh_mock.url, CLIENT, scope="notes:read", open_browser=browser_as(fresh_mock, "bob", pages), clock=fresh_mock.clock.now
    )
    token = source.fetch()
    assert me(fresh_mock, token)["sub"] == "bob" and token.refresh_token
    assert pages[0].status_code == 200 and "close this tab" in pages[0].text
    renewed = source.refresh(token)
    assert me(fresh_mock, renewed)["sub"] == "bob"


def test_pkce_login_denied(fresh_mock: Any) -> None:
    from tokenkit import AuthorizationCodeLogin

    def deny(url: str) -> None:
        requests.get(fresh_mock.deny_authorization(url), timeout=10)

    with pytest.raises(LoginDeniedError) as caught:
        AuthorizationCodeLogin(fresh_mock.url, CLIENT, open_browser=deny).fetch()
    assert caught.value.error == "access_denied"


def test_pkce_state_mismatch_never_spends_the_code(fresh_mock: Any) -> None:
    from tokenkit import AuthorizationCodeLogin, StateMismatchError

    landed: list[str] = []

    def stale_tab(url: str) -> None:
        landing = fresh_mock.approve_authorization(url.replace("state=", "state=old"), "bob")
        landed.append(landing)
        requests.get(landing, timeout=10)

    with pytest.raises(StateMismatchError):
        AuthorizationCodeLogin(fresh_mock.url, CLIENT, open_browser=stale_tab).fetch()
    # the code was not used: the mock's token endpoint never saw it (it would be spent otherwise)
    assert landed and "code=" in landed[0]
    assert [e.path for e in fresh_mock.log(None) if e.path == "/oauth/token"] == []


def test_pkce_login_cached_for_the_next_object(fresh_mock: Any, tmp_path: Path) -> None:
    from tokenkit import AuthorizationCodeLogin

    path = tmp_path / "tokens.json"
    first = AuthorizationCodeLogin(fresh_mock.url, CLIENT, cache=path, open_browser=browser_as(fresh_mock, "alice")).fetch()

    def no_browser(url: str) -> None:
        raise AssertionError("the browser should not be opened again")

    assert AuthorizationCodeLogin(fresh_mock.url, CLIENT, cache=path, open_browser=no_browser).fetch() == first
