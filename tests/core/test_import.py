"""`import tokenkit` stays light: no web framework, no widgets, no crypto until needed."""

from __future__ import annotations

import json
import subprocess
import sys

import tokenkit

HEAVY = ("fastapi", "uvicorn", "starlette", "ipywidgets", "jwt", "cryptography", "dotenv", "httpx2", "httpx", "anyio")


def test_import_pulls_in_nothing_heavy():
    code = f"import json, sys, tokenkit; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == []


def test_public_names_are_importable():
    for name in tokenkit.__all__:
        assert hasattr(tokenkit, name), name
    expected = {
        "Token", "BearerAuth", "HeaderAuth", "ApiKeyAuth", "from_env", "ClientCredentials", "StaticToken",
        "RefreshingAuth", "TokenPool", "session", "decode", "verify", "DecodedToken", "diagnose", "Diagnosis",
        "raise_for_auth", "TokenKitError", "AuthenticationError", "ForbiddenError", "RateLimitedError",
        "TokenEndpointError", "TokenDecodeError", "TokenVerificationError", "MissingSecretError",
        "ServerUnreachableError", "mask", "TokenSource",
    }
    assert expected <= set(tokenkit.__all__)
