"""Demo OAuth2 clients: the accounts a learner uses instead of real credentials.

Each demo client teaches something: ``analytics-reader`` can read data but not write
notes (403 insufficient_scope), ``short-lived`` tokens expire in a minute, and
``rate-limited`` hits its limit after five quick requests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace

from tokenkit.secrets import mask

#: The grant_type of the device authorization grant (RFC 8628 §3.4).
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTHORIZATION_CODE_GRANT = "authorization_code"
CLIENT_CREDENTIALS_GRANT = "client_credentials"


@dataclass(frozen=True)
class DemoClient:
    """A registered client of the mock's authorization server."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...]
    description: str
    token_lifetime: int = 3600
    """Seconds an access token issued to this client stays valid."""
    refresh_tokens: bool = False
    """Whether token answers include a (rotating) refresh token."""
    rate_limit: int = 600
    """Requests allowed per token in each ``rate_window``."""
    rate_window: int = 60
    grant_types: tuple[str, ...] = (CLIENT_CREDENTIALS_GRANT,)
    """The grants this client may use besides ``refresh_token`` (which ``refresh_tokens`` decides)."""
    public: bool = False
    """A public client has no secret (``token_endpoint_auth_method: none``): it names itself with ``client_id``."""

    def allows(self, grant_type: str) -> bool:
        """Whether this client may use ``grant_type`` at the token endpoint."""
        return self.refresh_tokens if grant_type == "refresh_token" else grant_type in self.grant_types

    def __repr__(self) -> str:
        if self.public:
            return f"DemoClient(client_id={self.client_id!r}, public, scopes={' '.join(self.scopes)!r})"
        return (
            f"DemoClient(client_id={self.client_id!r}, client_secret={mask(self.client_secret)!r}, "
            f"scopes={' '.join(self.scopes)!r})"
        )


#: The shape of every demo client, without secrets (those are made per server).
DEMO_CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        "analytics-reader", "", ("data:read",),
        "reads the analytics data; may not touch notes", rate_limit=60, rate_window=60,
    ),
    DemoClient(
        "notes-app", "", ("data:read", "notes:read", "notes:write"),
        "reads data and reads/writes notes; gets refresh tokens", refresh_tokens=True,
    ),
    DemoClient(
        "short-lived", "", ("data:read", "notes:read", "notes:write"),
        "like notes-app, but its tokens expire after 60 seconds", token_lifetime=60, refresh_tokens=True,
    ),
    DemoClient(
        "rate-limited", "", ("data:read",),
        "reads data; each token may make 5 requests every 2 seconds", rate_limit=5, rate_window=2,
    ),
)


#: Public demo clients: no secret, tokens only for a person who logs in.
PUBLIC_CLIENTS: tuple[DemoClient, ...] = (
    DemoClient(
        "cli-app", "", ("data:read", "notes:read", "notes:write"),
        "a public client (a CLI or desktop app, no secret): logs a person in by device code or authorization code + PKCE",
        refresh_tokens=True, grant_types=(DEVICE_CODE_GRANT, AUTHORIZATION_CODE_GRANT), public=True,
    ),
)


def make_public_clients() -> dict[str, DemoClient]:
    """The public demo clients, by id (nothing secret to make: they are the same on every server)."""
    return {client.client_id: client for client in PUBLIC_CLIENTS}


def make_clients(seed: str | None = None) -> dict[str, DemoClient]:
    """The demo clients with their secrets.

    Without a seed every server gets fresh random secrets, as a real provider would.
    With a seed (an instructor preparing slides) the secrets are derived from it, so the
    same seed gives the same credentials on every start.
    """
    clients = {}
    for client in DEMO_CLIENTS:
        if seed is None:
            client_secret = secrets.token_urlsafe(24)
        else:
            digest = hmac.new(seed.encode(), client.client_id.encode(), hashlib.sha256).hexdigest()
            client_secret = digest[:32]
        clients[client.client_id] = replace(client, client_secret=client_secret)
    return clients
