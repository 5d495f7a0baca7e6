"""DevicePromptView: the user code, a link that opens in a new tab, a countdown on the login's clock."""

from __future__ import annotations

import pytest

import tokenkit.login

from tokenkit.login import DevicePrompt, show_prompt
from tokenkit.widgets.device_prompt import DevicePromptView

from .conftest import shown_text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def prompt(clock: Clock, complete: bool = True) -> DevicePrompt:
    return DevicePrompt(
        verification_uri="http://127.0.0.1:9/device",
        user_code="WDJB-MJHT",
        expires_in=600,
        verification_uri_complete="http://127.0.0.1:9/device?user_code=WDJB-MJHT" if complete else None,
        interval=1,
        expires_at=1600.0,
        clock=clock,
    )


def test_shows_code_link_and_countdown() -> None:
    clock = Clock()
    view = DevicePromptView(prompt(clock), live=False)
    assert "WDJB-MJHT" in view.message.value
    assert "href='http://127.0.0.1:9/device?user_code=WDJB-MJHT' target='_blank'" in view.message.value
    assert view.countdown_text() == "Waiting for approval: the code expires in 10:00."
    clock.now += 125
    view.tick()
    assert "7:55" in view.countdown.value
    clock.now += 1000
    view.tick()
    assert view.countdown_text() == "The code has expired."
    assert repr(view) == "DevicePromptView(waiting)"


def test_without_a_complete_link_the_plain_page_is_linked() -> None:
    view = DevicePromptView(prompt(Clock(), complete=False), live=False)
    assert "href='http://127.0.0.1:9/device' target='_blank'" in view.message.value
    assert "already has the code" not in view.message.value


def test_finish_stops_the_countdown_and_says_how_it_ended() -> None:
    view = DevicePromptView(prompt(Clock()), live=True)
    assert view.live
    view.finish("Logged in.")
    assert not view.live and view.countdown_text() == "Logged in." and repr(view) == "DevicePromptView(done)"
    assert "Logged in." in shown_text(view)


def test_escapes_what_the_server_sent() -> None:
    evil = DevicePrompt("http://127.0.0.1:9/d'><script>", "<b>X</b>", 60, expires_at=1060.0, clock=Clock())
    view = DevicePromptView(evil, live=False)
    assert "<script>" not in view.message.value and "<b>X</b>" not in view.message.value


def test_outside_a_notebook_the_prompt_is_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert not tokenkit.login._in_notebook()
    assert show_prompt(prompt(Clock())) is None
    assert "WDJB-MJHT" in capsys.readouterr().err


def test_in_a_notebook_the_prompt_is_this_widget(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import IPython.display

    shown: list[object] = []
    monkeypatch.setattr(tokenkit.login, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", shown.append)
    view = show_prompt(prompt(Clock()))
    assert isinstance(view, DevicePromptView) and shown == [view]
    assert capsys.readouterr().err == ""
    view.finish("Logged in.")
