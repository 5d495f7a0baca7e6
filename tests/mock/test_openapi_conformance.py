"""The OpenAPI document is true: schemathesis, every check, against the mock's own /openapi.json.

Run twice over every operation, without a token and with a valid one (notes-app, every
scope), over ASGI against the app ``create_app`` builds (the one ``MockAPI`` serves). Bounded (few examples per
operation, no deadline) so the whole file takes well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from starlette.testclient import TestClient

from tokenkit.mock import MockAPI, Settings
from tokenkit.mock.app import create_app

from .conftest import get_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # starlette.testclient on httpx

checks.load_all_checks()
#: Every check schemathesis has, except timing (performance belongs in benchmarks/).
ALL_CHECKS = [check for check in checks.CHECKS.get_all() if not checks.is_check_class(check)]
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


#: The app itself, called over ASGI (one code path with MockAPI: both are create_app).
#: No rate limits: a 429 is declared (and tested elsewhere), but here it would hide the rest.
APP = create_app(Settings(rate_limits=False, seed="conformance"))
#: RFC 6749 §5.2 answers wrong client credentials with 400 (invalid_client, invalid_request),
#: and no schema can say "the right secret", so for /oauth/* a schema-valid request that
#: the server refuses with 400 is conforming; every other check runs unchanged there.
CONFIG = schemathesis.Config.from_str(
    """
[[operations]]
include-path-regex = "^/oauth/"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401"]
"""
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@pytest.fixture(scope="module")
def valid_token() -> str:
    client = APP.state.mock.tenant.clients["notes-app"]
    with TestClient(APP) as http:
        answer = http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, client.client_secret))
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="module")
def conformance_mock() -> Iterator[MockAPI]:
    with MockAPI() as api:
        yield api


@schema.parametrize()
@EXAMPLES
def test_without_a_token(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=ALL_CHECKS, timeout=10)


@schema.parametrize()
@EXAMPLES
def test_with_a_valid_token(case: schemathesis.Case, valid_token: str) -> None:
    case.call_and_validate(checks=ALL_CHECKS, headers={"Authorization": f"Bearer {valid_token}"}, timeout=10)


def test_the_document_declares_error_bodies_and_oauth_request_bodies(conformance_mock: MockAPI) -> None:
    document = requests.get(f"{conformance_mock.url}/openapi.json", timeout=5).json()
    paths = document["paths"]
    for path, method in (("/data", "get"), ("/me", "get"), ("/notes", "post"), ("/notes/{note_id}", "patch")):
        responses = paths[path][method]["responses"]
        for status in ("400", "401", "403", "422", "429"):
            schema_ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert schema_ref.endswith(("/ErrorBody", "/ValidationErrorBody")), (path, status, schema_ref)
    assert "404" in paths["/notes/{note_id}"]["get"]["responses"]
    for path in ("/oauth/token", "/oauth/revoke", "/oauth/introspect"):
        operation = paths[path]["post"]
        assert set(operation["requestBody"]["content"]) == {"application/x-www-form-urlencoded", "application/json"}
        assert {"400", "401"} <= set(operation["responses"])
    error_body = document["components"]["schemas"]["ErrorBody"]
    assert {"error", "error_description", "hint"} <= set(error_body["required"])
    assert document["components"]["schemas"]["NoteIn"]["properties"]["content"]["description"].startswith("Another name for body")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_422_body_is_the_declared_one(conformance_mock: MockAPI) -> None:
    token = get_token(conformance_mock)["access_token"]
    response = requests.post(f"{conformance_mock.url}/notes", json={"title": ""}, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"error", "error_description", "hint", "detail"}
    assert body["detail"][0]["loc"] == ["body", "title"] and body["detail"][0]["msg"]


def test_options_and_undeclared_methods_are_405_with_allow(conformance_mock: MockAPI) -> None:
    for method, path, allowed in (("OPTIONS", "/notes", {"GET", "POST"}), ("PUT", "/data", {"GET"}), ("OPTIONS", "/oauth/token", {"POST"})):
        response = requests.request(method, f"{conformance_mock.url}{path}", timeout=5)
        assert response.status_code == 405, (method, path)
        assert set(response.headers["Allow"].replace(" ", "").split(",")) >= allowed
        assert response.json()["error"] == "method_not_allowed"
