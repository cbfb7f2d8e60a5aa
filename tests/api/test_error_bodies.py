"""The published schema describes what the API really answers: the refusal bodies of 400 and 409
(``{"detail": …}`` or ``{field: [...]}``) and fields that can be null.

schemathesis (test_schema_contract.py) sends generated requests to an empty database, so it
rarely sees a refusal a rule makes or a row with a null; these tests make them and check the
bodies against the same schema.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import time_machine
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from repairs.choices import TicketStatus
from repairs.services import stock
from staff.models import OvertimeRule
from tests.accounts.factories import (
    OvertimeRequestEventFactory,
    OvertimeRequestFactory,
    StaffProfileFactory,
    UserFactory,
)
from tests.repairs.factories import PartFactory, StockLocationFactory, TicketFactory

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema: ``nullable: true`` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {
        key: _json_schema(value) for key, value in node.items() if key not in ("nullable", "readOnly")
    }
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    published = SchemaGenerator().get_schema(request=None, public=True)
    return _json_schema(json.loads(OpenApiJsonRenderer().render(published)))


def _errors(document: dict[str, Any], path: str, method: str, status: int, body: object) -> list[str]:
    response = document["paths"][path][method]["responses"][str(status)]
    schema = {**response["content"]["application/json"]["schema"], "components": document["components"]}
    return [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(body)]


def test_every_write_documents_its_400_and_409_refusal_bodies(document: dict[str, Any]):
    undocumented = [
        f"{method.upper()} {path} {code}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in WRITES
        for code in ("400", "409")
        if "content" not in operation["responses"].get(code, {})
    ]

    assert undocumented == []


def test_field_refusal_body_matches_the_schema(
    document: dict[str, Any], token_api_client: Callable[[User], APIClient], technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.RETURNED, resolution_summary="Fixed")

    response = token_api_client(technician).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to_status": "closed", "version": 1}, format="json"
    )

    assert response.status_code == 400 and list(response.json()) == ["labour_minutes"]
    assert _errors(document, "/api/tickets/{ticket_id}/transition/", "post", 400, response.json()) == []


def test_conflict_bodies_with_and_without_a_field_match_the_schema(
    document: dict[str, Any], token_api_client: Callable[[User], APIClient], technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)
    part = PartFactory.create()
    part.compatible_models.add(ticket.device.model)
    depot = StockLocationFactory.create()
    stock.stock_receive(part=part, stock_location=depot, quantity=1, actor=technician)
    client = token_api_client(technician)

    short = client.post(
        f"/api/tickets/{ticket.pk}/parts/",
        {"action": "issue", "part": part.pk, "stock_location": depot.pk, "quantity": 2},
        format="json",
    )
    stale = client.post(f"/api/tickets/{ticket.pk}/transition/", {"to_status": "returned", "version": 9})

    assert (short.status_code, list(short.json())) == (409, ["quantity"])
    assert (stale.status_code, list(stale.json())) == (409, ["detail"])
    assert _errors(document, "/api/tickets/{ticket_id}/parts/", "post", 409, short.json()) == []
    assert _errors(document, "/api/tickets/{ticket_id}/transition/", "post", 409, stale.json()) == []


def test_a_bad_filter_body_matches_the_schema(
    document: dict[str, Any], token_api_client: Callable[[User], APIClient], technician: User
):
    response = token_api_client(technician).get("/api/tickets/", {"status": "melted"})

    assert response.status_code == 400
    assert _errors(document, "/api/tickets/", "get", 400, response.json()) == []


def test_a_pending_overtime_request_with_no_decider_matches_the_schema(
    document: dict[str, Any], token_api_client: Callable[[User], APIClient], supervisor: User
):
    requester = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=requester, grade_number=20, supervisor=supervisor)
    rule = OvertimeRule.objects.get(effective_from=dt.date(2020, 7, 1), grade_min=18)
    with time_machine.travel(
        dt.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York")), tick=False
    ):
        made = OvertimeRequestFactory.create(requester=requester, rule=rule, work_date=dt.date(2026, 3, 12))
        OvertimeRequestEventFactory.create(request=made)
        client = token_api_client(supervisor)
        detail = client.get(f"/api/overtime-requests/{made.pk}/")
        listed = client.get("/api/overtime-requests/")

    assert detail.json()["decided_by"] is None
    assert _errors(document, "/api/overtime-requests/{request_id}/", "get", 200, detail.json()) == []
    assert _errors(document, "/api/overtime-requests/", "get", 200, listed.json()) == []
