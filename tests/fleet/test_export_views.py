"""Every fleet CSV export neutralises spreadsheet formulas in the text users typed (CSV injection).

The device list, the audit report, readiness and the AUE plan go through core.services.exports:
a cell starting with = + - @, tab or carriage return comes out with a leading quote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from fleet.choices import AssigneeKind, DeviceStatus
from fleet.services import devices as services
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LocationFactory, ManufacturerFactory

pytestmark = pytest.mark.django_db

ATTACK = "=CMD|' /C CALC'!A0"


@pytest.fixture(autouse=True)
def _frozen_today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 0), tick=False):
        yield


def _rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[union-attr]
    return list(csv.DictReader(io.StringIO(body.decode(), newline="")))


def _poisoned_device(**fields: object):  # type: ignore[no-untyped-def]
    maker = ManufacturerFactory.create(name="@Maker")
    model = DeviceModelFactory.create(
        manufacturer=maker, name="-Book+1", aue_month=dt.date(2026, 6, 1), unit_price=Decimal("200.00")
    )
    school = LocationFactory.create(code="\tSCH", name="+Maple Elementary")
    return DeviceFactory.create(
        asset_tag=ATTACK,
        serial="\r=1+1",
        model=model,
        manufacturer=maker,
        location=school,
        purchase_order_number="@SUM(A1:A9)",
        **fields,
    )


def test_device_export_quotes_every_cell_a_spreadsheet_would_run(
    technician: User, login: Callable[[User], Client]
):
    _poisoned_device(assignee_kind=AssigneeKind.STUDENT, assignee_id="-1234567")

    response = login(technician).get(reverse("fleet:device_export"))

    assert response["Content-Disposition"] == 'attachment; filename="devices-2026-03-15.csv"'
    [row] = _rows(response)
    assert {key: row[key] for key in ("asset_tag", "serial", "manufacturer", "model", "location")} == {
        "asset_tag": "'=CMD|' /C CALC'!A0",
        "serial": "'\r=1+1",
        "manufacturer": "'@Maker",
        "model": "'-Book+1",
        "location": "'\tSCH",
    }
    assert (row["purchase_order_number"], row["assignee_id"]) == ("'@SUM(A1:A9)", "'-1234567")
    assert row["purchase_date"] == "2024-07-15"


def test_location_audit_export_quotes_tags_and_scanned_codes(
    technician: User, login: Callable[[User], Client]
):
    device = _poisoned_device()
    audit = services.location_audit_start(location=device.location, actor=technician)
    services.location_audit_scan(audit=audit, actor=technician, code=ATTACK)
    services.location_audit_scan(audit=audit, actor=technician, code="+HYPERLINK(1)")

    response = login(technician).get(reverse("fleet:location_audit_export", args=[audit.pk]))

    rows = _rows(response)
    assert [(r["asset_tag"], r["model"], r["recorded_location"], r["scanned_code"]) for r in rows] == [
        ("'=CMD|' /C CALC'!A0", "'-Book+1", "'\tSCH", "'=CMD|' /C CALC'!A0"),
        ("", "", "", "'+HYPERLINK(1)"),
    ]


def test_readiness_export_quotes_school_codes_and_names(
    technician: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _poisoned_device(status=DeviceStatus.DEPLOYED)

    refresh_summaries()
    rows = _rows(login(technician).get(reverse("fleet:readiness_export")))

    assert (rows[0]["code"], rows[0]["school"], rows[0]["deployed"]) == ("'\tSCH", "'+Maple Elementary", "1")


def test_aue_plan_export_quotes_school_and_model_names(
    technician: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _poisoned_device()

    refresh_summaries()
    response = login(technician).get(
        reverse("fleet:aue_plan_export"), {"from_year": "2025", "to_year": "2026"}
    )

    [row] = _rows(response)
    assert (row["school"], row["model"], row["devices"], row["unit_price"]) == (
        "'+Maple Elementary",
        "'-Book+1",
        "1",
        "200.00",
    )
