"""diagnose classifies by the server's reason code first; the words are only a fallback."""

from __future__ import annotations

import pytest
import requests

from tokenkit import diagnose
from tokenkit.reasons import Reason

from .conftest import make_response


def _refusal(status: int, *, reason: str | None, description: str, in_header: bool = True, error: str = "invalid_token"):
    request = requests.Request("GET", "https://api.test/data", headers={"Authorization": "Bearer opaque-token-abcdefghijk"}).prepare()
    challenge = f'Bearer error="{error}", error_description="{description}"'
    body = {"error": error, "error_description": description}
    if reason is not None:
        if in_header:
            challenge += f', error_reason="{reason}"'
        else:
            body["error_reason"] = reason
    return make_response(status, headers={"WWW-Authenticate": challenge}, json_body=body, request=request)


@pytest.mark.parametrize("in_header", [True, False])
@pytest.mark.parametrize(
    "reason",
    [r for r in Reason if r not in (Reason.INSUFFICIENT_SCOPE, Reason.RATE_LIMITED, Reason.TOKEN_IN_URL,
                                     Reason.DUPLICATE_CREDENTIALS, Reason.CREDENTIAL_TOO_LONG)],
)
def test_the_reason_code_decides_whatever_the_words_say(reason, in_header):
    # words that, read alone, would point at another cause
    d = diagnose(_refusal(401, reason=reason.value, description="signature expired revoked audience", in_header=in_header))
    assert d.kind == reason.value and d.reason == reason.value


@pytest.mark.parametrize("reason", [Reason.TOKEN_IN_URL, Reason.DUPLICATE_CREDENTIALS, Reason.CREDENTIAL_TOO_LONG])
def test_unreadable_credentials_keep_their_kind_with_a_sharper_summary(reason):
    d = diagnose(_refusal(400, reason=reason.value, description="bad request", error="invalid_request"))
    assert d.kind == "invalid_request" and d.reason == reason.value and d.summary != "bad request"


def test_rewording_does_not_change_a_coded_diagnosis():
    a = diagnose(_refusal(401, reason="expired", description="The access token expired 5 s ago."))
    b = diagnose(_refusal(401, reason="expired", description="Token lifetime is over; see the docs."))
    assert a.kind == b.kind == "expired"


@pytest.mark.parametrize(
    ("description", "kind"),
    [("The access token expired", "expired"), ("token revoked by admin", "revoked"), ("bad signature", "bad_signature"),
     ("something else entirely", "invalid_token")],
)
def test_without_a_code_the_words_are_the_fallback(description, kind):
    d = diagnose(_refusal(401, reason=None, description=description))
    assert d.kind == kind and d.reason is None


def test_an_unknown_code_falls_back_to_the_words():
    d = diagnose(_refusal(401, reason="brand_new_reason", description="The access token expired"))
    assert d.kind == "expired" and d.reason is None


def test_the_live_mock_sends_codes_that_decide(fresh_mock):
    from tokenkit import BearerAuth, ClientCredentials

    client = fresh_mock.clients["notes-app"]
    token = ClientCredentials(fresh_mock.token_url, client.client_id, client.client_secret).fetch()
    fresh_mock.clock.advance(24 * 3600)
    r = requests.get(f"{fresh_mock.url}/data", auth=BearerAuth(token), timeout=10)
    d = diagnose(r)
    assert r.status_code == 401 and d.kind == "expired" and d.reason == "expired"
    r = requests.get(f"{fresh_mock.url}/data", timeout=10)
    assert diagnose(r).kind == "missing_credentials"
