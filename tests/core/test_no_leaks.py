"""The hard rule: no full token or client secret in any repr, str, log record or error message."""

from __future__ import annotations

import logging

import pytest
import requests

from tokenkit import (
    ApiKeyAuth,
    BearerAuth,
    ClientCredentials,
    HeaderAuth,
    RateLimitedError,
    RefreshingAuth,
    StaticToken,
    TokenEndpointError,
    TokenKitError,
    TokenPool,
    decode,
    diagnose,
    raise_for_auth,
    session,
)

from .conftest import credentials


def texts_of(obj) -> list[str]:
    out = [repr(obj), str(obj)]
    html = getattr(obj, "_repr_html_", None)
    if callable(html):
        out.append(html())
    if isinstance(obj, BaseException):
        out += [str(a) for a in obj.args]
        diagnosis = getattr(obj, "diagnosis", None)
        if diagnosis is not None:
            out += texts_of(diagnosis)
    return out


def test_nothing_secret_is_ever_shown(fresh_mock, caplog):
    caplog.set_level(logging.DEBUG, logger="tokenkit")
    url = fresh_mock.url
    secrets: set[str] = {c.client_secret for c in fresh_mock.clients.values()}
    shown: list[object] = []

    source = credentials(fresh_mock, "short-lived")
    shown.append(source)
    auth = RefreshingAuth(source, clock=fresh_mock.clock.now, on_refresh=lambda t: logging.getLogger("tokenkit.test").info("%s", t))
    with session(auth) as s:
        assert s.get(f"{url}/notes").status_code == 200
        fresh_mock.clock.advance(61)
        assert s.get(f"{url}/notes").status_code == 200  # refreshed
        token = auth.token
        secrets |= {token.access_token, token.refresh_token}
        shown += [auth, token, StaticToken(token), decode(token)]

        r = s.post(f"{url}/notes", json={"title": 1}, auth=BearerAuth(token))
        shown.append(diagnose(r))

    reader = credentials(fresh_mock, "analytics-reader").fetch()
    limited = [credentials(fresh_mock, "rate-limited").fetch() for _ in range(2)]
    secrets |= {reader.access_token, *(t.access_token for t in limited)}
    shown += [reader, BearerAuth(reader), HeaderAuth(reader, scheme=None), ApiKeyAuth(reader), ApiKeyAuth(reader, query="api_key")]

    # 401 / 403 / 429 errors and diagnoses
    for response in (
        requests.get(f"{url}/raw-token/data", auth=BearerAuth(reader), timeout=5),
        requests.get(f"{url}/notes", auth=BearerAuth(reader), timeout=5),
        requests.get(f"{url}/data", params={"access_token": reader.access_token}, timeout=5),
        requests.get(f"{url}/data", headers={"Authorization": f"Bearer {reader.access_token}x"}, timeout=5),
    ):
        shown.append(diagnose(response))
        try:
            raise_for_auth(response)
        except TokenKitError as exc:
            shown.append(exc)

    pool = TokenPool(limited, clock=fresh_mock.clock.now, sleep=lambda s: None, max_wait=0)
    try:
        for _ in range(20):
            requests.get(f"{url}/data", auth=pool, timeout=5)
    except RateLimitedError as exc:
        shown.append(exc)
    shown += [pool, pool.stats()]

    # token endpoint refusals, with the real secret and a wrong one
    client = fresh_mock.clients["notes-app"]
    for secret, method in ((client.client_secret + "!", "client_secret_basic"), (client.client_secret + "!", "client_secret_post"),
                           (client.client_secret, "client_secret_basic")):
        secrets.add(secret)
        bad = ClientCredentials(fresh_mock.token_url, client.client_id, secret, auth_method=method, scope="nope")
        shown.append(bad)
        with pytest.raises(TokenEndpointError) as info:
            bad.fetch()
        shown.append(info.value)
    with pytest.raises(TokenEndpointError) as info:
        credentials(fresh_mock, "notes-app").refresh(token)  # another client's refresh token: invalid_grant
    shown.append(info.value)

    everything = [text for obj in shown for text in texts_of(obj)]
    everything += [record.getMessage() for record in caplog.records]
    everything += [str(record.args) for record in caplog.records]
    assert caplog.records, "expected tokenkit to log its refreshes"
    for secret in secrets:
        assert len(secret) >= 12
        leaks = [text[:120] for text in everything if secret in text]
        assert not leaks, f"a secret appeared in: {leaks}"
