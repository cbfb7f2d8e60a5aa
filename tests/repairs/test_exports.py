"""CSV exports of the repairs lists: each holds exactly the filtered list's rows, is open to the
same roles as the list, streams, and never hands a spreadsheet a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import User
from repairs.choices import PurchaseOrderStatus, StockMovementKind, TicketStatus
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.repairs.factories import (
    PartFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockLocationFactory,
    StockMovementFactory,
    TicketFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _rows(response: object) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse), "a list export streams"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


# Who may --------------------------------------------------------------------------------------

EXPORTS = {
    "repairs:ticket_export": {"technician", "supervisor", "procurement", "school_admin", "admin_user"},
    "repairs:part_export": {"technician", "supervisor", "procurement", "admin_user"},
    "repairs:stock_export": {"technician", "supervisor", "procurement", "admin_user"},
    "repairs:stock_movement_export": {"technician", "supervisor", "procurement", "admin_user"},
    "repairs:purchase_order_export": {"procurement", "admin_user"},
}
LIST_OF = {
    "repairs:ticket_export": "repairs:ticket_list",
    "repairs:part_export": "repairs:part_list",
    "repairs:stock_export": "repairs:stock_list",
    "repairs:stock_movement_export": "repairs:stock_movement_list",
    "repairs:purchase_order_export": "repairs:purchase_order_list",
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
@pytest.mark.parametrize(
    "actor", ["technician", "supervisor", "procurement", "school_admin", "admin_user", "no_role_user"]
)
def test_export_is_open_to_whoever_may_open_the_list(
    login: Login, request: pytest.FixtureRequest, name: str, actor: str
):
    client = login(request.getfixturevalue(actor))

    export, listing = client.get(reverse(name)), client.get(reverse(LIST_OF[name]))

    assert export.status_code == (200 if actor in EXPORTS[name] else 403)
    assert export.status_code == listing.status_code


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_export_for_anonymous_goes_to_sign_in(client: Client, name: str):
    assert client.get(reverse(name)).status_code == 302


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_list_page_links_its_export_with_the_filters(login: Login, admin_user: User, name: str):
    body = login(admin_user).get(reverse(LIST_OF[name]), {"page": "1"}).content.decode()

    assert f'href="{reverse(name)}' in body and "Export CSV" in body


# Tickets --------------------------------------------------------------------------------------


def test_ticket_export_holds_the_filtered_rows_with_a_header(login: Login, technician: User):
    school = LocationFactory.create(name="Laurel Elementary")
    waiting = TicketFactory.create(device__location=school, status=TicketStatus.WAITING_FOR_PARTS)
    TicketFactory.create(device__location=school, status=TicketStatus.NEW)
    TicketFactory.create(status=TicketStatus.WAITING_FOR_PARTS)  # another school
    filters: dict[str, str | int] = {"status": "waiting_for_parts", "location": school.pk}
    client = login(technician)

    rows = _rows(client.get(reverse("repairs:ticket_export"), filters))

    assert rows[0] == [
        "ticket",
        "opened_at",
        "asset_tag",
        "serial",
        "model",
        "symptom",
        "priority",
        "tier",
        "status",
        "location",
        "assignee",
    ]
    listed = client.get(reverse("repairs:ticket_list"), filters).context["page"].object_list
    assert [int(row[0]) for row in rows[1:]] == [ticket.pk for ticket in listed] == [waiting.pk]
    assert rows[1][2] == waiting.device.asset_tag
    assert rows[1][8] == "Waiting for parts" and rows[1][9] == "Laurel Elementary"


def test_ticket_export_for_school_admin_holds_only_their_schools(login: Login, school_admin: User):
    mine = TicketFactory.create(device__location=school_admin.profile.locations.first())
    TicketFactory.create()

    rows = _rows(login(school_admin).get(reverse("repairs:ticket_export")))

    assert [int(row[0]) for row in rows[1:]] == [mine.pk]


def test_ticket_export_with_a_bad_filter_holds_only_the_header(login: Login, technician: User):
    TicketFactory.create()

    rows = _rows(login(technician).get(reverse("repairs:ticket_export"), {"assignee": "abc"}))

    assert len(rows) == 1


def test_ticket_export_neutralises_formulas(login: Login, technician: User):
    TicketFactory.create(device=DeviceFactory.create(asset_tag="=HYPERLINK(1)", serial="+SUM(A1)"))

    rows = _rows(login(technician).get(reverse("repairs:ticket_export")))

    assert rows[1][2:4] == ["'=HYPERLINK(1)", "'+SUM(A1)"]


# Parts ------------------------------------------------------------------------------------------


def test_part_export_holds_the_filtered_rows_with_a_header(login: Login, procurement: User):
    hinge = PartFactory.create(part_number="HNG-1", description="Hinge cap", unit_cost=Decimal("12.50"))
    StockLevelFactory.create(part=hinge, on_hand=3)
    StockLevelFactory.create(part=hinge, on_hand=4)
    PartFactory.create(description="Battery")
    client = login(procurement)

    rows = _rows(client.get(reverse("repairs:part_export"), {"q": "hinge"}))

    assert rows[0] == [
        "part_number",
        "description",
        "category",
        "vendor",
        "unit_cost",
        "on_hand",
        "active",
        "demo",
    ]
    listed = client.get(reverse("repairs:part_list"), {"q": "hinge"}).context["page"].object_list
    assert [row[0] for row in rows[1:]] == [part.part_number for part in listed] == ["HNG-1"]
    assert rows[1][4:6] == ["12.50", "7"]


def test_part_export_neutralises_formulas(login: Login, technician: User):
    PartFactory.create(description="=cmd|' /C calc'!A0", vendor=VendorFactory.create(name="@vendor"))

    rows = _rows(login(technician).get(reverse("repairs:part_export")))

    assert rows[1][1] == "'=cmd|' /C calc'!A0" and rows[1][3] == "'@vendor"


# Stock on hand ----------------------------------------------------------------------------------


def test_stock_export_holds_the_filtered_rows_with_a_header(login: Login, supervisor: User):
    depot = StockLocationFactory.create(name="Central depot")
    low = StockLevelFactory.create(stock_location=depot, on_hand=1, reorder_point=2)
    StockLevelFactory.create(stock_location=depot, on_hand=9, reorder_point=2)
    StockLevelFactory.create(on_hand=0, reorder_point=2)  # another location
    filters: dict[str, str | int] = {"stock_location": depot.pk, "low": "true"}
    client = login(supervisor)

    rows = _rows(client.get(reverse("repairs:stock_export"), filters))

    assert rows[0] == [
        "location",
        "part_number",
        "description",
        "category",
        "on_hand",
        "reorder_point",
        "low",
    ]
    listed = client.get(reverse("repairs:stock_list"), filters).context["page"].object_list
    assert [row[1] for row in rows[1:]] == [level.part.part_number for level in listed]
    assert rows[1:] == [
        ["Central depot", low.part.part_number, low.part.description, "Battery", "1", "2", "yes"]
    ]


def test_stock_export_neutralises_formulas(login: Login, technician: User):
    StockLevelFactory.create(stock_location=StockLocationFactory.create(name="-2+3"))

    rows = _rows(login(technician).get(reverse("repairs:stock_export")))

    assert rows[1][0] == "'-2+3"


# The ledger -------------------------------------------------------------------------------------


def test_stock_movement_export_holds_the_filtered_rows_with_a_header(login: Login, technician: User):
    part = PartFactory.create()
    received = StockMovementFactory.create(part=part, quantity=5, unit_cost=Decimal("40.00"))
    adjusted = StockMovementFactory.create(
        part=part, kind=StockMovementKind.ADJUSTED, quantity=-2, reason="Stocktake"
    )
    StockMovementFactory.create()  # another part
    client = login(technician)

    rows = _rows(client.get(reverse("repairs:stock_movement_export"), {"part": part.pk}))

    assert rows[0] == [
        "occurred_at",
        "kind",
        "part_number",
        "location",
        "other_location",
        "quantity",
        "unit_cost",
        "ticket",
        "source_device",
        "reason",
        "by",
    ]
    listed = client.get(reverse("repairs:stock_movement_list"), {"part": part.pk}).context["page"].object_list
    assert len(rows) - 1 == len(listed) == 2
    by_kind = {row[1]: row for row in rows[1:]}
    assert by_kind["Received"][5:7] == ["5", "40.00"]
    # A negative quantity stays a number a spreadsheet can sum.
    assert by_kind["Adjusted"][5] == "-2" and by_kind["Adjusted"][9] == "Stocktake"
    assert {received.pk, adjusted.pk} == {movement.pk for movement in listed}


def test_stock_movement_export_neutralises_formulas(login: Login, technician: User):
    StockMovementFactory.create(kind=StockMovementKind.ADJUSTED, quantity=1, reason="=1+1")

    rows = _rows(login(technician).get(reverse("repairs:stock_movement_export")))

    assert rows[1][9] == "'=1+1"


# Purchase orders --------------------------------------------------------------------------------


def test_purchase_order_export_holds_the_filtered_rows_with_totals(login: Login, procurement: User):
    sent = PurchaseOrderFactory.create(status=PurchaseOrderStatus.SENT, number="PO-000777")
    PurchaseOrderLineFactory.create(
        order=sent, quantity_ordered=4, quantity_received=1, unit_cost=Decimal("10.00")
    )
    PurchaseOrderLineFactory.create(order=sent, quantity_ordered=1, unit_cost=Decimal("2.50"))
    PurchaseOrderFactory.create(status=PurchaseOrderStatus.DRAFT)
    client = login(procurement)

    rows = _rows(client.get(reverse("repairs:purchase_order_export"), {"status": "sent"}))

    assert rows[0] == [
        "number",
        "status",
        "vendor",
        "ship_to",
        "created_at",
        "sent_at",
        "expected_on",
        "lines",
        "units_ordered",
        "units_received",
        "total_cost",
    ]
    listed = (
        client.get(reverse("repairs:purchase_order_list"), {"status": "sent"}).context["page"].object_list
    )
    assert [row[0] for row in rows[1:]] == [order.number for order in listed] == ["PO-000777"]
    assert rows[1][1] == "Sent" and rows[1][7:] == ["2", "5", "1", "42.50"]


def test_purchase_order_export_neutralises_formulas(login: Login, procurement: User):
    PurchaseOrderFactory.create(vendor=VendorFactory.create(name='=HYPERLINK("http://x")'))

    rows = _rows(login(procurement).get(reverse("repairs:purchase_order_export")))

    assert rows[1][2] == '\'=HYPERLINK("http://x")'
