"""The API tried against its own OpenAPI schema with an enrolled device's token (schemathesis): whatever a request
holds, the answer is never a server error and always what the schema says — on SQLite and on PostgreSQL. Bounded and
deterministic: a fixed number of examples per endpoint, derandomised."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from drive_tui.central.api import create_app
from drive_tui.forms.catalogue import load_catalogue
from drive_tui.store.replica import sync_state
from drive_tui.sync.engine import sync
from drive_tui.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support.central import Central, new_device, work_on_a_case

EXAMPLES = 30
"""Per endpoint: enough to reach every operation's payload with odd values, few enough to keep the suite fast."""


def not_a_server_error(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> bool:
    assert response.status_code < 500, f"{case.method} {case.path} answered {response.status_code}"
    return True


@pytest.mark.parametrize("path", ["/v1/enrol", "/v1/hello", "/v1/push", "/v1/pull"])
def test_every_endpoint_answers_as_its_schema_says_and_never_fails(central: Central, tmp_path: Path, path: str) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    sync(laptop)
    with laptop.transaction() as tx:
        token = sync_state(tx).token
    raw = create_app(central.engine, load_catalogue(None), openapi=True).openapi()  # production serves no schema
    operation = schemathesis.openapi.from_dict(raw).find_operation_by_path(
        "POST" if path != "/v1/hello" else "GET", path
    )
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {token}"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def answers_within_its_schema(case: schemathesis.Case) -> None:
        if path == "/v1/push" and isinstance(case.body, dict):
            for change in case.body.get("changes") or []:  # a time the server takes, so the payloads are reached
                if isinstance(change, dict):
                    change["at"] = "2026-11-29T10:00:00+00:00"
        response = case.call(base_url=central.url, headers=headers)
        statuses.append(response.status_code)
        case.validate_response(response, checks=checks)

    statuses: list[int] = []
    answers_within_its_schema()
    assert len(statuses) == EXAMPLES
    if path != "/v1/enrol":  # random codes never enrol; everywhere else the examples reach past the parsing
        assert 200 in statuses
    assert central.alive
