"""The API against its own OpenAPI document (schemathesis): for every operation, generated
requests (valid and invalid), each sent anonymously and with an administrator's API token, never
get a server error, and every answer matches what the document declares for it.

CI runs a few reproducible examples per operation; ``make fuzz`` runs many more
(``MATCHMAKING_FUZZ_EXAMPLES``, random seeds). The app is called in process (ASGI) on
SQLite, inside the test's rolled-back transaction.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from matchmaking.config import Settings

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

FUZZ_EXAMPLES = int(os.environ.get("MATCHMAKING_FUZZ_EXAMPLES", "0"))
MAX_EXAMPLES = FUZZ_EXAMPLES or 5

BASE_URL = "http://testserver"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _openapi() -> dict[str, Any]:
    """The app's OpenAPI document (building the routes touches no database)."""
    from web.app import create_app

    with tempfile.TemporaryDirectory() as scratch:
        return create_app(Settings(data_dir=Path(scratch))).openapi()


schema = schemathesis.openapi.from_dict(_openapi())
schema.config.generation.update(
    max_examples=MAX_EXAMPLES, deterministic=not FUZZ_EXAMPLES, allow_x00=True
)
HYPOTHESIS = settings(
    deadline=None,
    derandomize=not FUZZ_EXAMPLES,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _session(client: TestClient) -> asgi.ASGIClient:
    """Requests straight into the app the test client started (its lifespan is running)."""
    return asgi.ASGIClient(client.app)


@schema.parametrize()
@HYPOTHESIS
def test_the_api_keeps_its_contract_for_a_visitor_and_an_administrator(
    case: schemathesis.Case, client: TestClient
) -> None:
    """Each generated request is sent twice: anonymously, then with the token."""
    session = _session(client)
    case.call_and_validate(session=session, base_url=BASE_URL, checks=CHECKS)
    response = case.call_and_validate(
        session=session,
        base_url=BASE_URL,
        headers={"Authorization": client.headers["Authorization"]},
        checks=CHECKS,
    )
    # The token was sent: no answer asks who is calling.
    assert response.status_code != 401, response.text
