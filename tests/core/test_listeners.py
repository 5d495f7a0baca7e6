"""Listeners: the one list both RefreshingAuth and TokenPool announce to."""

from __future__ import annotations

import logging

import pytest

from tokenkit.listeners import Listeners

log = logging.getLogger("tokenkit.test_listeners")


def test_called_in_order_and_removed_by_the_returned_function() -> None:
    heard: list[str] = []
    listeners: Listeners[int] = Listeners(log, "test listener")
    first = listeners.add(lambda n: heard.append(f"a{n}"))
    listeners.add(lambda n: heard.append(f"b{n}"))
    listeners.emit(1)
    first()
    listeners.emit(2)
    assert heard == ["a1", "b1", "b2"]
    assert len(listeners) == 1


def test_remove_takes_one_equal_listener_and_ignores_a_stranger() -> None:
    listeners: Listeners[int] = Listeners(log, "test listener")
    heard: list[int] = []
    listeners.add(heard.append)
    listeners.add(heard.append)
    listeners.remove(heard.append)  # a new bound method, equal to the ones added
    listeners.remove(print)
    listeners.emit(7)
    assert heard == [7]


def test_a_listener_removed_during_emit_still_hears_that_event() -> None:
    listeners: Listeners[int] = Listeners(log, "test listener")
    heard: list[int] = []
    remove_second = None

    def first(n: int) -> None:
        assert remove_second is not None
        remove_second()

    listeners.add(first)
    remove_second = listeners.add(heard.append)
    listeners.emit(1)  # walks the snapshot taken before first() ran
    listeners.emit(2)
    assert heard == [1]


def test_a_failing_listener_is_logged_and_the_rest_still_run(caplog: pytest.LogCaptureFixture) -> None:
    listeners: Listeners[int] = Listeners(log, "test listener")
    heard: list[int] = []
    listeners.add(lambda n: 1 / 0)
    listeners.add(heard.append)
    with caplog.at_level(logging.ERROR, logger=log.name):
        listeners.emit(3)
    assert heard == [3]
    assert "test listener" in caplog.text and "failed" in caplog.text
