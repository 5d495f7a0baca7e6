"""looks_secret: one rule, in the core, for "could this word be a secret?" (the mock uses it too).

It decides what diagnose masks in text a server wrote, so it must catch random strings of
the shapes providers issue and leave the words of HTTP and OAuth alone.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Callable

import pytest

from tokenkit import diagnose
from tokenkit.secrets import _random_mix, looks_secret, mask, redact

from .conftest import make_response

SHAPES: dict[str, tuple[Callable[[], str], float]] = {
    # shape: (generator, largest share allowed to pass as a word)
    "token_urlsafe(12)": (lambda: secrets.token_urlsafe(12), 0.012),
    "token_hex(8)": (lambda: secrets.token_hex(8), 0.004),
    "uuid4": (lambda: str(uuid.uuid4()), 0.001),
    "token_urlsafe(24)": (lambda: secrets.token_urlsafe(24), 0.001),
    "token_hex(16)": (lambda: secrets.token_hex(16), 0.0),
    "base64(24 bytes)": (lambda: base64.b64encode(secrets.token_bytes(24)).decode(), 0.001),
}
SAMPLES = 5000

WORDS = [
    "variable", "notes-app", "client_credentials", "WWW-Authenticate", "X-RateLimit-Remaining",
    "X-RateLimit-Reset-After", "Content-Security-Policy-Report-Only", "Access-Control-Allow-Credentials",
    "X-GitHub-Api-Version", "HTTPBasicAuthHandler", "AsyncHTTPTransport", "application/x-www-form-urlencoded",
    "authorization_code", "token_endpoint_auth_method", "analytics-reader", "unsupported_grant_type",
    "insufficient_scope", "Strict-Transport-Security", "X-Content-Type-Options", "SSLCertVerificationError",
    "PROTOCOL_TLSv1_2", "DOMImplementationLS", "api.example.com/v2/resources", "J1939_PGN_PDU1_MAX",
]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_random_secrets_are_recognised(shape: str) -> None:
    generate, allowed = SHAPES[shape]
    missed = [value for value in (generate() for _ in range(SAMPLES)) if not looks_secret(value)]
    assert len(missed) <= SAMPLES * allowed, (shape, len(missed), len(missed) and "examples withheld")


@pytest.mark.parametrize("word", WORDS)
def test_the_words_of_http_and_oauth_are_not(word: str) -> None:
    assert not looks_secret(word)
    assert redact(f"check {word} then retry", guess=True) == f"check {word} then retry"


@pytest.mark.parametrize(
    "value",
    ["nxjHOZNLYsSSMVEz", "755414775027598f", "89570503-0479-4232-896b-4617702a9916", "IWojTvh_uvgjaqlR", "dkwipKPSLKUEiJlt"],
)
def test_rarely_changing_classes_are_caught_by_the_second_test(value: str) -> None:
    """Random strings whose classes seldom change (once only the mock's own rule caught the first three)."""
    assert _random_mix(value) and looks_secret(value)


def test_diagnose_masks_a_pasted_secret_but_not_the_words_around_it() -> None:
    pasted = "nxjHOZNLYsSSMVEz"
    description = f"scope {pasted} is unknown; see WWW-Authenticate and X-RateLimit-Remaining for client_credentials"
    d = diagnose(make_response(400, json_body={"error": "invalid_scope", "error_description": description}))
    text = str(d.error_description)
    assert pasted not in text and mask(pasted) in text
    for word in ("WWW-Authenticate", "X-RateLimit-Remaining", "client_credentials", "unknown"):
        assert word in text
