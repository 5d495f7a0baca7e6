"""The bundled mock API: an OAuth2 server and a protected API to learn against.

Start it in a kernel or a test with ``with MockAPI() as api:``, on a terminal with
``tokenkit mock``, or for a room with ``uvicorn --factory tokenkit.mock.app:create_app``.
"""

from .clients import DemoClient
from .clock import Clock
from .server import MockAPI
from .settings import API_AUDIENCE, OTHER_AUDIENCE, Settings

__all__ = ["API_AUDIENCE", "OTHER_AUDIENCE", "Clock", "DemoClient", "MockAPI", "Settings"]
