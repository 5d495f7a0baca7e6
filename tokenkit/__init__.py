"""tokenkit: API token authentication for ``requests``, and the tools to understand it.

Get a token (:class:`ClientCredentials`), send it (:class:`BearerAuth`), keep it fresh
(:class:`RefreshingAuth`), rotate several (:class:`TokenPool`), back off politely
(:func:`session`), look inside a JWT (:func:`decode`, :func:`verify`) and explain a
refusal (:func:`diagnose`, :func:`raise_for_auth`).

Importing tokenkit loads ``requests`` and nothing heavy besides: PyJWT/cryptography load
on the first :func:`verify`, python-dotenv on the first :func:`from_env`, and the mock
API (FastAPI, uvicorn) only from ``tokenkit.mock``.
"""

from __future__ import annotations

import logging

from .auth import ApiKeyAuth, BearerAuth, FlowAuth, HeaderAuth, TokenAuth
from .decode import DecodedToken, decode
from .verify import Verifier, verify
from .diagnose import Challenge, Diagnosis, diagnose, parse_retry_after, parse_www_authenticate, raise_for_auth
from .errors import (
    AlgorithmNotAllowedError,
    AuthenticationError,
    BadSignatureError,
    ForbiddenError,
    HTTPAuthError,
    InvalidTokenError,
    KeySetUnavailableError,
    MalformedTokenError,
    MissingClaimError,
    MissingSecretError,
    RateLimitedError,
    ServerUnreachableError,
    TokenDecodeError,
    TokenEndpointError,
    TokenExpiredError,
    TokenKitError,
    TokenNotYetValidError,
    TokenVerificationError,
    UnknownKeyError,
    WrongAudienceError,
    WrongIssuerError,
    WrongTokenTypeError,
)
from .cache import TokenCache
from .login import (
    AuthorizationCodeLogin,
    DeviceLogin,
    DevicePrompt,
    LoginDeniedError,
    LoginError,
    LoginExpiredError,
    StateMismatchError,
)
from .pool import PoolEvent, TokenPool, TokenStats
from .refresh import RefreshingAuth
from .retry import TimeoutSession, session
from .httpx_client import async_httpx_client, httpx_client
from .secrets import RedactingFilter, from_env, mask, redact
from .sources import ClientCredentials, EnvToken, RefreshableSource, StaticToken, TokenSource
from .tokens import REFRESH_THRESHOLD, Token, TokenState

__version__ = "0.1.0"

# A library logs, the application decides where logs go (tokens are always masked in them:
# each tokenkit logger carries a RedactingFilter, see tokenkit.secrets.get_logger).
logging.getLogger("tokenkit").addHandler(logging.NullHandler())

__all__ = [
    # tokens and where they come from
    "Token",
    "TokenState",
    "REFRESH_THRESHOLD",
    "TokenSource",
    "RefreshableSource",
    "StaticToken",
    "EnvToken",
    "ClientCredentials",
    "DeviceLogin",
    "AuthorizationCodeLogin",
    "DevicePrompt",
    "TokenCache",
    "from_env",
    "mask",
    "redact",
    "RedactingFilter",
    # sending them
    "BearerAuth",
    "HeaderAuth",
    "ApiKeyAuth",
    "FlowAuth",
    "TokenAuth",
    "RefreshingAuth",
    "TokenPool",
    "TokenStats",
    "PoolEvent",
    "session",
    "TimeoutSession",
    "httpx_client",
    "async_httpx_client",
    # reading and explaining
    "decode",
    "verify",
    "Verifier",
    "DecodedToken",
    "diagnose",
    "Diagnosis",
    "Challenge",
    "parse_www_authenticate",
    "parse_retry_after",
    "raise_for_auth",
    # errors
    "TokenKitError",
    "MissingSecretError",
    "ServerUnreachableError",
    "HTTPAuthError",
    "AuthenticationError",
    "ForbiddenError",
    "RateLimitedError",
    "TokenEndpointError",
    "LoginError",
    "LoginDeniedError",
    "LoginExpiredError",
    "StateMismatchError",
    "InvalidTokenError",
    "TokenDecodeError",
    "TokenVerificationError",
    "MalformedTokenError",
    "WrongTokenTypeError",
    "TokenExpiredError",
    "TokenNotYetValidError",
    "BadSignatureError",
    "WrongAudienceError",
    "WrongIssuerError",
    "MissingClaimError",
    "UnknownKeyError",
    "AlgorithmNotAllowedError",
    "KeySetUnavailableError",
    "__version__",
]
