"""Jupyter widgets over the tokenkit core: thin views, no logic of their own.

- :class:`TokenInspector` (lesson 04): paste a JWT, read it, watch it expire, verify it.
- :class:`RequestExplorer` (lesson 05): build a request, send it, read the diagnosis.
- :class:`PoolMonitor` (lesson 07): a token pool's rotation, 429s and cooldowns, live.
- :class:`TokenLifeView`: a refreshing auth's token, its state and its renewals, live.
- :class:`DevicePromptView` (lesson 11): a device login's code, link and countdown; importing
  this package makes it what ``DeviceLogin`` shows in a notebook.

This package is the only part of tokenkit that imports ipywidgets (``import tokenkit``
never does). It imports without a running kernel; the widgets then work headless, which
is how the tests drive them (set values, ``button.click()``, call methods).
"""

from __future__ import annotations

from .device_prompt import DevicePromptView
from .explorer import PASTE, RequestExplorer
from .inspector import TokenInspector
from .life_view import RefreshEvent, TokenLifeView
from .pool_monitor import PoolMonitor

__all__ = ["DevicePromptView", "TokenInspector", "RequestExplorer", "PoolMonitor", "TokenLifeView", "RefreshEvent", "PASTE"]
