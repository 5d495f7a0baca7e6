"""Everything a mock server remembers, behind one object that a reset swaps.

A ``Tenant`` is one world of the mock: its clients, clock, signing keys, notes, issued and
revoked tokens, rate-limit counters, request log and injected faults. The server
(``MockServer``, reachable as ``app.state.mock``) holds the settings, the base signing key
and the current tenant; ``reset()`` builds a fresh tenant and swaps it in with one
assignment, in microseconds and without restarting anything. That is what gives each test
of a user's suite a clean mock (the ``tokenkit_mock`` pytest fixture), and it is the seam a
classroom server can use to give each learner a world of their own: ``tenant_for`` picks the
tenant of a request, and everything below it reads only that tenant.

Each request is tied to its tenant once, when it arrives (``TenantMiddleware``), so a
reset while a request is in flight lets that request finish in the world it started in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import ChainMap
from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .authority import Authority
from .clients import DemoClient, make_clients, make_public_clients
from .clock import Clock
from .codes import AuthorizationCodes
from .device import DeviceCodes
from .faults import FaultPlan
from .keys import KeyRing, SigningKey
from .ratelimit import RateLimiter
from .requestlog import RequestLog
from .settings import Settings
from .store import MAX_FAMILIES_PER_HOLDER, SHARED_MAX_FAMILIES_PER_HOLDER, NoteStore
from .users import make_users

#: Seconds of mock-clock time between two sweeps of expired state.
SWEEP_EVERY = 60.0
#: Where a request's tenant is kept in its ASGI scope.
TENANT_KEY = "tokenkit.tenant"


@dataclass
class Tenant:
    """One world of the mock. Every field starts empty (or at real time) in a fresh tenant."""

    settings: Settings
    clients: dict[str, DemoClient]
    clock: Clock
    keys: KeyRing
    authority: Authority
    notes: NoteStore
    limiter: RateLimiter
    log: RequestLog
    faults: FaultPlan

    next_sweep: float = 0.0
    """When (on the mock's clock) ``maybe_sweep`` next drops state that can no longer matter."""
    public_clients: dict[str, DemoClient] = field(default_factory=make_public_clients)
    """Clients without a secret (``cli-app``): they get tokens only for a person who logs in."""
    users: dict[str, str] = field(default_factory=dict)
    """Demo people, name -> password, for the login and device pages."""
    device_codes: DeviceCodes = field(default_factory=DeviceCodes)
    """Pending device logins (RFC 8628)."""
    auth_codes: AuthorizationCodes = field(default_factory=lambda: AuthorizationCodes(Settings().refresh_token_lifetime))
    """Authorization codes (RFC 6749 §4.1) waiting to be redeemed, or redeemed and watched for replay."""
    form_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    """Signs the nonces of the login and device forms (``pages``)."""

    @classmethod
    def fresh(cls, settings: Settings, key: SigningKey, *, shared: bool = False) -> "Tenant":
        """A tenant with the demo clients, a clock at real time, ``key`` signing, and nothing else.

        ``shared``: a world everyone who uses the server shares (a ``MockServer``'s one tenant, which
        ``tokenkit mock`` may serve to a whole room), not one learner's (a classroom seat). It keeps
        ``SHARED_MAX_FAMILIES_PER_HOLDER`` refresh-token families per client and account instead
        of ``MAX_FAMILIES_PER_HOLDER``: a room's learners all get ``notes-app`` tokens there.
        """
        clients = make_clients(settings.seed)
        public_clients = make_public_clients()
        clock = Clock()
        keys = KeyRing(key)
        return cls(
            settings=settings,
            clients=clients,
            public_clients=public_clients,
            users=make_users(settings.seed),
            auth_codes=AuthorizationCodes(settings.refresh_token_lifetime),
            clock=clock,
            keys=keys,
            authority=Authority(
                settings, ChainMap(clients, public_clients), clock, keys,
                max_families=SHARED_MAX_FAMILIES_PER_HOLDER if shared else MAX_FAMILIES_PER_HOLDER,
            ),
            notes=NoteStore(settings.max_notes_per_owner),
            limiter=RateLimiter(),
            log=RequestLog(settings.log_size),
            faults=FaultPlan(),
        )

    # -- clients ------------------------------------------------------------------------

    def add_client(
        self,
        client_id: str,
        scopes: Iterable[str] = ("data:read",),
        *,
        token_lifetime: int = 3600,
        refresh_tokens: bool = False,
        rate_limit: int = 600,
        rate_window: int = 60,
        description: str = "a client added for a test",
        client_secret: str | None = None,
    ) -> DemoClient:
        """Register a client (replacing one of that id) and return it with its secret.

        The secret is random, or derived from the server's seed like the demo clients' are.
        """
        if not client_id or not isinstance(client_id, str):
            raise ValueError("client_id must be a non-empty string")
        scopes = (scopes,) if isinstance(scopes, str) else tuple(scopes)
        if token_lifetime <= 0 or rate_limit <= 0 or rate_window <= 0:
            raise ValueError("token_lifetime, rate_limit and rate_window must be positive")
        if client_secret is None:
            seed = self.settings.seed
            client_secret = (
                hmac.new(seed.encode(), client_id.encode(), hashlib.sha256).hexdigest()[:32] if seed else secrets.token_urlsafe(24)
            )
        client = DemoClient(
            client_id, client_secret, scopes, description,
            token_lifetime=token_lifetime, refresh_tokens=refresh_tokens, rate_limit=rate_limit, rate_window=rate_window,
        )
        self.clients[client_id] = client  # the authority reads the same dict
        return client

    def client(self, client_id: str) -> DemoClient | None:
        """The client with this id, confidential or public."""
        return self.clients.get(client_id) or self.public_clients.get(client_id)

    # -- upkeep ---------------------------------------------------------------------------

    def sweep(self) -> int:
        """Drop ended rate-limit windows, expired revocations, refresh state, device and authorization codes, retired keys.

        Measured on the mock's clock, so moving the clock forward ages them as it ages
        tokens. Returns how many entries were dropped.
        """
        now = self.clock.now()
        self.next_sweep = now + SWEEP_EVERY
        return (
            self.limiter.forget_ended(now)
            + self.authority.forget_expired(now)
            + self.device_codes.forget_expired(now)
            + self.auth_codes.forget_expired(now)
        )

    def maybe_sweep(self) -> None:
        """Sweep if ``SWEEP_EVERY`` seconds of mock time passed since the last sweep.

        Called by the endpoints that add state (/oauth/*), not by the protected ones, so
        the hot path of an authenticated request never pays for it.
        """
        if self.clock.now() >= self.next_sweep:
            self.sweep()

    def sizes(self) -> dict[str, int]:
        """How much this tenant remembers, for an instructor (and a test) to watch."""
        return {
            "rate_limit_windows": len(self.limiter),
            "revoked_access_tokens": len(self.authority.revoked),
            **self.authority.refresh_tokens.sizes(),
            "notes": self.notes.count(),
            "log_entries": len(self.log),
            "signing_keys": len(self.keys),
            "clients": len(self.clients),
            "device_codes": len(self.device_codes),
            "authorization_codes": len(self.auth_codes),
            "person_families": self.authority.person_families,
        }


class MockServer:
    """One mock server: its settings, its base signing key, and its current tenant.

    ``tenant_for`` is the one place a request meets its tenant. Today every request gets
    the current one; a classroom server with a world per learner would choose here (by a
    path prefix or a header), keep tenants by learner, and reset one learner's alone.
    """

    def __init__(self, settings: Settings, key: SigningKey | None = None) -> None:
        self.settings = settings
        self._key = key if key is not None else SigningKey.generate()
        self.tenant = Tenant.fresh(settings, self._key, shared=True)

    def tenant_for(self, scope: Scope) -> Tenant:
        """The tenant that serves this request."""
        return self.tenant

    def reset(self) -> Tenant:
        """Swap in a fresh tenant: new client secrets, real time, no notes, tokens, log or faults.

        The signing key (and its ``kid``) stays, as a real server's does across a restart of
        its session store: a client's cached JWKS remains right, which matters because
        PyJWT's ``PyJWKClient`` refetches for an unknown ``kid`` at most once every 30 s.
        So an access token issued before the reset still verifies until it expires (it is a
        self-contained JWT); refresh tokens, revocations and test-added clients are gone.
        ``rotate_keys(grace_period=0)`` on the new tenant refuses old tokens as well.
        """
        tenant = Tenant.fresh(self.settings, self._key, shared=True)
        self.tenant = tenant  # one assignment: requests arriving from now on see only the new world
        return tenant


class TenantMiddleware:
    """Ties each request to its tenant once, as it arrives (pure ASGI, the outermost layer)."""

    def __init__(self, app: ASGIApp, server: MockServer) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[TENANT_KEY] = self.server.tenant_for(scope)
        await self.app(scope, receive, send)


def issuer_for(request: Request) -> str:
    """The issuer this server speaks as: configured, or this request's own base URL."""
    configured = tenant_of(request).settings.issuer
    return configured or str(request.base_url).rstrip("/")


def tenant_of(request: Request) -> Tenant:
    """The tenant this request was tied to when it arrived."""
    tenant = request.scope.get(TENANT_KEY)
    if tenant is None:  # a request that did not pass the middleware (never in a built app)
        tenant = request.app.state.mock.tenant_for(request.scope)
    assert isinstance(tenant, Tenant)
    return tenant


__all__ = ["MockServer", "SWEEP_EVERY", "Tenant", "TenantMiddleware", "issuer_for", "tenant_of"]
