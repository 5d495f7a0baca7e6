"""No secret in any log record, at DEBUG, from tokenkit, urllib3 or uvicorn, after a whole lesson.

A lesson-like session against a live mock: get tokens, GET/POST/PUT/PATCH/DELETE,
refresh (by expiry, by 401, explicitly), reuse a spent refresh token, introspect, revoke,
401, 403 and 429 answers, retries through ``tokenkit.session``, a token pool, an API key
in a header, token-endpoint mistakes (wrong secret, id and secret swapped, a token
pasted into ``scope``). Then every captured record is searched (message, args, and the
formatted text with tracebacks) for every secret kind: client secrets, access tokens,
refresh tokens, API keys. None may appear whole.
"""

from __future__ import annotations

import logging

import pytest
import requests

from tokenkit import (
    ApiKeyAuth,
    BearerAuth,
    ClientCredentials,
    RateLimitedError,
    RedactingFilter,
    RefreshingAuth,
    TokenEndpointError,
    TokenKitError,
    TokenPool,
    diagnose,
    raise_for_auth,
    session,
)

from .conftest import credentials
from .servers import Received, Server, serve

LOGGERS = ("tokenkit", "urllib3", "uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)  # the root
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def all_text(caplog) -> list[str]:
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), str(record.msg), repr(record.args), record.exc_text or ""]
    return texts


def assert_nothing_whole(texts: list[str], secrets: set[str]) -> None:
    for secret in secrets:
        assert secret and len(secret) >= 8
        found = [t[max(0, t.find(secret) - 60):t.find(secret) + 20] for t in texts if secret in t]
        assert not found, f"a secret appeared whole in: {found[:3]}"


def test_a_whole_lesson_logs_no_secret(fresh_mock, debug_logs):
    api, url = fresh_mock, fresh_mock.url
    secrets: set[str] = {c.client_secret for c in api.clients.values()}
    shown: list[str] = []

    def keep(token) -> None:
        secrets.add(token.access_token)
        if token.refresh_token:
            secrets.add(token.refresh_token)
        logging.getLogger("tokenkit.lesson").info("new token: %s", token)

    # 1. a token, by hand and through RefreshingAuth with expiry on the mock's clock
    source = credentials(api, "short-lived")
    first = source.fetch()
    keep(first)
    auth = RefreshingAuth(source, clock=api.clock.now, on_refresh=keep)
    with session(auth, retries=1, backoff_factor=0) as s:
        assert s.get(f"{url}/data").status_code == 200
        note = s.post(f"{url}/notes", json={"title": "a note"}).json()
        assert s.put(f"{url}/notes/{note['id']}", json={"title": "renamed", "body": "x"}).status_code in (200, 422)
        s.patch(f"{url}/notes/{note['id']}", json={"title": "patched"})
        api.clock.advance(61)  # expired: renewed with the refresh token
        assert s.get(f"{url}/notes").status_code == 200
        s.delete(f"{url}/notes/{note['id']}")

    # 2. explicit refresh, then reuse of the spent refresh token (invalid_grant)
    old = auth.token
    new = source.refresh(old)
    keep(new)
    with pytest.raises(TokenEndpointError) as info:
        source.refresh(old)
    shown += [str(info.value), str(info.value.diagnosis)]

    # 3. introspect, revoke, then the 401 path: RefreshingAuth renews and resends
    reader_source = credentials(api, "notes-app")
    reader = RefreshingAuth(reader_source, clock=api.clock.now, on_refresh=keep)
    reader.get_token()
    assert reader_source.introspect(reader.token)["active"] is True
    reader_source.revoke(reader.token)
    assert requests.get(f"{url}/notes", auth=reader, timeout=5).status_code == 200
    revoked = requests.get(f"{url}/notes", auth=BearerAuth(first), timeout=5)
    shown.append(str(diagnose(revoked)))

    # 4. 403 (missing scope), an API key in a header, a raw token where Bearer is wanted
    analytics = credentials(api, "analytics-reader").fetch()
    keep(analytics)
    forbidden = requests.post(f"{url}/notes", json={"title": "x"}, auth=BearerAuth(analytics), timeout=5)
    assert forbidden.status_code == 403
    with pytest.raises(TokenKitError) as info:
        raise_for_auth(forbidden)
    shown.append(str(info.value))
    assert requests.get(f"{url}/api-key/data", auth=ApiKeyAuth(analytics), timeout=5).status_code == 200
    shown.append(str(diagnose(requests.get(f"{url}/data", auth=ApiKeyAuth(analytics), timeout=5))))

    # 5. 429: urllib3 retries through tokenkit.session, then a pool that runs dry
    limited = [credentials(api, "rate-limited").fetch() for _ in range(2)]
    for t in limited:
        keep(t)
    with session(BearerAuth(limited[0]), retries=2, backoff_factor=0, max_wait=0.5) as s:
        statuses = [s.get(f"{url}/data").status_code for _ in range(8)]
    assert 429 in statuses
    pool = TokenPool(limited, clock=api.clock.now, sleep=api.clock.advance, max_wait=0)
    with pytest.raises(RateLimitedError) as info:
        for _ in range(30):
            requests.get(f"{url}/data", auth=pool, timeout=5)
    shown += [str(info.value), repr(pool)]

    # 6. token-endpoint mistakes: wrong secret, id and secret swapped, a token pasted into scope
    client = api.clients["notes-app"]
    mistakes = [
        ClientCredentials(api.token_url, client.client_id, client.client_secret + "x"),
        ClientCredentials(api.token_url, client.client_secret, client.client_id, auth_method="client_secret_post"),
        ClientCredentials(api.token_url, client.client_id, client.client_secret, scope=f"notes:read {analytics.access_token}"),
        ClientCredentials(api.token_url, client.client_id, client.client_secret + "\n"),
    ]
    secrets.add(client.client_secret + "x")
    for bad in mistakes:
        with pytest.raises(TokenEndpointError) as info:
            bad.fetch()
        logging.getLogger("tokenkit.lesson").warning("refused: %s", info.value)
        shown += [str(info.value), str(info.value.diagnosis), info.value.diagnosis._repr_html_(), repr(bad)]

    assert len(secrets) >= 12
    assert any(r.name.startswith("urllib3") for r in debug_logs.records), "urllib3's DEBUG records were not captured"
    assert any(r.name.startswith("tokenkit") for r in debug_logs.records)
    assert_nothing_whole(all_text(debug_logs) + shown, secrets)


def test_a_server_that_echoes_the_refresh_token_does_not_get_it_logged(debug_logs):
    """RefreshingAuth logs the server's error_description on invalid_grant: masked."""
    secret, refresh_token = "cs-Echoed-Secret-0123456789", "rt-Echoed-Refresh-0123456789"
    calls: list[Received] = []

    def token_endpoint(got: Received, _: Server) -> tuple[int, dict[str, str], bytes]:
        calls.append(got)
        body = got.body.decode()
        if "grant_type=refresh_token" in body:
            text = f'{{"error": "invalid_grant", "error_description": "unknown refresh token {refresh_token}; you sent {body}"}}'
            return 400, {"Content-Type": "application/json"}, text.encode()
        answer = f'{{"access_token": "at-Issued-0123456789abcdef", "expires_in": 1, "refresh_token": "{refresh_token}"}}'
        return 200, {"Content-Type": "application/json"}, answer.encode()

    with serve(token_endpoint) as server:
        source = ClientCredentials(f"{server.url}/oauth/token", "notes-app", secret, auth_method="client_secret_post")
        auth = RefreshingAuth(source, skew=5)
        auth.get_token()
        auth.get_token()  # within the skew: refresh grant refused, falls back to fetch
        assert len(calls) == 3
    records = [r for r in debug_logs.records if r.name == "tokenkit.refresh"]
    assert any("invalid_grant" in r.getMessage() for r in records)
    assert_nothing_whole(all_text(debug_logs), {secret, refresh_token, "at-Issued-0123456789abcdef"})


def test_an_api_key_in_the_query_string(fresh_mock, debug_logs):
    """The documented risk: urllib3 logs the URL. tokenkit's own records never carry the key,
    and RedactingFilter on the application's handler masks it in urllib3's too."""
    key = credentials(fresh_mock, "analytics-reader").fetch().access_token
    auth = ApiKeyAuth(key, query="api_key")
    debug_logs.handler.addFilter(RedactingFilter())
    try:
        with session(auth, retries=0) as s:
            s.get(f"{fresh_mock.url}/data")
            s.get(f"{fresh_mock.url}/no-such-page")
    finally:
        debug_logs.handler.removeFilter(debug_logs.handler.filters[-1])
    assert any(r.name.startswith("urllib3") and "api_key=" in r.getMessage() for r in debug_logs.records)
    assert_nothing_whole(all_text(debug_logs), {key})


def test_without_the_filter_urllib3_shows_the_query_key_and_tokenkit_does_not(fresh_mock, debug_logs):
    key = credentials(fresh_mock, "analytics-reader").fetch().access_token
    with session(ApiKeyAuth(key, query="api_key"), retries=0) as s:
        s.get(f"{fresh_mock.url}/data")
    ours = [r for r in debug_logs.records if r.name.startswith("tokenkit")]
    assert_nothing_whole([r.getMessage() for r in ours], {key})
    theirs = [r.getMessage() for r in debug_logs.records if r.name.startswith("urllib3")]
    assert any(key in m for m in theirs)  # why ApiKeyAuth's docstring says to prefer the header
