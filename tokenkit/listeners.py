"""``Listeners``: the callbacks a :class:`~tokenkit.RefreshingAuth` or a :class:`~tokenkit.TokenPool` announces to.

Both keep the same small contract, so it is written once: listeners run in the order they
were added, outside every lock; adding or removing one while an event is being announced
is safe (the list is an immutable tuple that is replaced, never changed, so an
announcement walks a snapshot); a listener that raises is logged and the others still run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = ["Listeners"]

E = TypeVar("E")


class Listeners(Generic[E]):
    """An ordered list of ``listener(event)`` callbacks; ``what`` names them in the log (``"pool listener"``)."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self._log = log
        self._what = what
        self._lock = threading.Lock()  # only between adds and removes; emit reads the tuple as it stands
        self._items: tuple[Callable[[E], object], ...] = ()

    def add(self, listener: Callable[[E], object]) -> Callable[[], None]:
        """Add ``listener`` at the end; returns a function that removes it."""
        with self._lock:
            self._items = (*self._items, listener)

        def unsubscribe() -> None:
            self.remove(listener)

        return unsubscribe

    def remove(self, listener: Callable[[E], object]) -> None:
        """Remove the first listener that is (or equals) ``listener``; no error if none is there."""
        with self._lock:
            items = list(self._items)
            for i, item in enumerate(items):
                if item is listener or item == listener:
                    del items[i]
                    break
            self._items = tuple(items)

    def emit(self, event: E) -> None:
        """Call every listener with ``event``; one that raises is logged, not raised."""
        for listener in self._items:  # a snapshot: the tuple is replaced, never changed
            try:
                listener(event)
            except Exception:
                self._log.exception("%s %r failed", self._what, listener)

    @property
    def snapshot(self) -> tuple[Callable[[E], object], ...]:
        """The listeners as they are now, in order."""
        return self._items

    def __iter__(self) -> Iterator[Callable[[E], object]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Listeners({self._what!r}, {len(self._items)})"
