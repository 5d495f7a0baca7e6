"""Lesson 11's logins, approved by a person in the mock's real pages, in headless Chromium.

The lesson (and nbval) approve through ``api.approve_device`` / ``api.approve_authorization``;
here the approval goes through the HTML forms a learner uses in another tab: the device
page with the user code filled in from ``verification_uri_complete``, and the login page of
the authorization endpoint, whose Approve sends the browser to tokenkit's loopback listener.
The login itself runs on a worker thread with real time, as it does for a learner.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tokenkit import AuthorizationCodeLogin, DeviceLogin, DevicePrompt, Token, decode
from tokenkit.mock import MockAPI

pytestmark = pytest.mark.browser

WAIT = 15_000  # ms


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def api() -> Iterator[MockAPI]:
    with MockAPI() as api:
        yield api


class InBackground:
    """Run a login's ``fetch()`` on a worker thread; ``result()`` is its token or its error."""

    def __init__(self, login: Any) -> None:
        self.outcome: queue.Queue[Token | BaseException] = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(login,), daemon=True)
        self.thread.start()

    def _run(self, login: Any) -> None:
        try:
            self.outcome.put(login.fetch())
        except BaseException as exc:  # handed to the test
            self.outcome.put(exc)

    def result(self, timeout: float = 30) -> Token:
        got = self.outcome.get(timeout=timeout)
        if isinstance(got, BaseException):
            raise got
        return got


def log_in_on_the_page(page: Any, api: MockAPI, user: str, button: str = "approve") -> None:
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(api.users[user])
    page.locator(f"button[name=action][value={button}]").click()


def test_device_login_approved_on_the_verification_page(page: Any, api: MockAPI) -> None:
    prompts: queue.Queue[DevicePrompt] = queue.Queue()
    login = InBackground(DeviceLogin(api.url, "cli-app", scope="notes:read", on_prompt=prompts.put))
    prompt = prompts.get(timeout=30)
    assert prompt.verification_uri_complete
    page.goto(prompt.verification_uri_complete)
    assert prompt.user_code in page.content()  # the page shows the code the device shows
    log_in_on_the_page(page, api, "alice")
    token = login.result()
    assert decode(token.access_token).claims["sub"] == "alice"


def test_device_login_denied_on_the_page(page: Any, api: MockAPI) -> None:
    from tokenkit import LoginDeniedError

    prompts: queue.Queue[DevicePrompt] = queue.Queue()
    login = InBackground(DeviceLogin(api.url, "cli-app", on_prompt=prompts.put))
    page.goto(prompts.get(timeout=30).link)
    page.locator("button[name=action][value=deny]").click()
    with pytest.raises(LoginDeniedError):
        login.result()


def test_pkce_login_approved_on_the_login_page_back_to_the_loopback_listener(page: Any, api: MockAPI) -> None:
    urls: queue.Queue[str] = queue.Queue()
    login = InBackground(AuthorizationCodeLogin(api.url, "cli-app", scope="notes:read", open_browser=urls.put, login_timeout=30))
    page.goto(urls.get(timeout=30))
    log_in_on_the_page(page, api, "bob")
    page.get_by_text("You can close this tab").wait_for(timeout=WAIT)  # the loopback listener's page
    assert page.url.startswith("http://127.0.0.1:") and "/callback?" in page.url
    token = login.result()
    assert decode(token.access_token).claims["sub"] == "bob"
