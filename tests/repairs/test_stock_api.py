"""Parts, stock and purchase order API: who sees what, field errors, rules and query counts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.models import User
from repairs.choices import PurchaseOrderStatus, StockMovementKind
from repairs.models import Part, StockLevel, StockMovement
from repairs.services import stock
from tests.fleet.factories import DeviceModelFactory
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

Client = Callable[[User], APIClient]
STOCK_URLS = ["/api/parts/", "/api/stock/", "/api/stock-movements/"]


@pytest.mark.parametrize("url", [*STOCK_URLS, "/api/purchase-orders/"])
def test_stock_api_anonymous_is_refused(api_client: APIClient, url: str):
    assert api_client.get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", STOCK_URLS)
@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("technician", 200),
        ("supervisor", 200),
        ("procurement", 200),
        ("admin_user", 200),
        ("school_admin", 403),
        ("no_role_user", 403),
    ],
)
def test_stock_api_lists_by_role(token_api_client: Client, request, url, actor, expected):
    assert token_api_client(request.getfixturevalue(actor)).get(url).status_code == expected


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("procurement", 200),
        ("admin_user", 200),
        ("technician", 403),
        ("supervisor", 403),
        ("school_admin", 403),
    ],
)
def test_purchase_order_api_by_role(token_api_client: Client, request, actor, expected):
    assert (
        token_api_client(request.getfixturevalue(actor)).get("/api/purchase-orders/").status_code == expected
    )


def _grow(rows: int) -> None:
    for _ in range(rows):
        level = StockLevelFactory.create()
        level.part.compatible_models.add(TicketFactory.create().device.model)
        StockMovementFactory.create(part=level.part, stock_location=level.stock_location)
        PurchaseOrderLineFactory.create()


@pytest.mark.parametrize(
    ("url", "queries"),
    [("/api/parts/", 5), ("/api/stock/", 4), ("/api/stock-movements/", 4), ("/api/purchase-orders/", 4)],
)
def test_stock_api_list_query_count_is_fixed(
    token_api_client: Client, admin_user, django_assert_num_queries: DjangoAssertNumQueries, url, queries
):
    client = token_api_client(admin_user)
    _grow(1)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(4)
    with django_assert_num_queries(queries):
        assert len(client.get(url).json()["results"]) >= 5


def test_part_list_api_filters_by_model_and_text(token_api_client: Client, technician):
    ticket = TicketFactory.create()
    screen = PartFactory.create(description="LCD panel 11.6")
    screen.compatible_models.add(ticket.device.model)
    PartFactory.create(description="LCD panel 14")

    response = token_api_client(technician).get(
        "/api/parts/", {"compatible_model": str(ticket.device.model_id), "q": "lcd"}
    )

    assert [p["id"] for p in response.json()["results"]] == [screen.pk]


def test_part_list_api_gives_each_parts_compatible_model_ids_in_model_order(
    token_api_client: Client, technician
):
    """The API prefetches the models as ids alone; the ids and their order are the models' own."""
    part = PartFactory.create(part_number="FIT-1")
    models = [DeviceModelFactory.create(name=name) for name in ("Zeta 11", "Alpha 14", "Mid 12")]
    part.compatible_models.add(*models)
    PartFactory.create(part_number="FIT-2")

    rows = {p["part_number"]: p for p in token_api_client(technician).get("/api/parts/").json()["results"]}

    assert rows["FIT-1"]["compatible_model_ids"] == [m.pk for m in part.compatible_models.all()]
    assert sorted(rows["FIT-1"]["compatible_model_ids"]) == sorted(m.pk for m in models)
    assert rows["FIT-2"]["compatible_model_ids"] == []


def test_stock_level_api_low_filter(token_api_client: Client, technician):
    low = StockLevelFactory.create(on_hand=1, reorder_point=2)
    StockLevelFactory.create(on_hand=5, reorder_point=2)
    StockLevelFactory.create(on_hand=0, reorder_point=0)

    response = token_api_client(technician).get("/api/stock/", {"low": "true"})

    assert [row["id"] for row in response.json()["results"]] == [low.pk]
    assert response.json()["results"][0]["is_low"] is True


def test_stock_api_invalid_filter_is_400_with_field_errors(token_api_client: Client, technician):
    response = token_api_client(technician).get("/api/stock-movements/", {"kind": "stolen", "part": "x"})

    assert response.status_code == 400
    assert set(response.json()) >= {"kind", "part"}


# Ticket parts ---------------------------------------------------------------------------------


@pytest.fixture
def fitted(technician):
    part = PartFactory.create()
    depot = StockLocationFactory.create(name="Central depot")
    stock.stock_receive(part=part, stock_location=depot, quantity=1, actor=technician)
    ticket = TicketFactory.create()
    part.compatible_models.add(ticket.device.model)
    return ticket, part, depot


def test_ticket_parts_api_issue_then_return(token_api_client: Client, technician, fitted):
    ticket, part, depot = fitted
    client = token_api_client(technician)
    body = {"part": part.pk, "stock_location": depot.pk}

    issued = client.post(f"/api/tickets/{ticket.pk}/parts/", {"action": "issue", **body}, format="json")
    returned = client.post(f"/api/tickets/{ticket.pk}/parts/", {"action": "return", **body}, format="json")
    listed = client.get(f"/api/tickets/{ticket.pk}/parts/")

    assert issued.status_code == 201 and issued.json()["quantity"] == -1
    assert returned.status_code == 201 and returned.json()["kind"] == StockMovementKind.RETURNED
    assert [row["kind"] for row in listed.json()] == ["issued", "returned"]
    assert StockLevel.objects.get(part=part).on_hand == 1


def test_ticket_parts_api_out_of_stock_is_409_naming_quantity(token_api_client: Client, technician, fitted):
    ticket, part, depot = fitted
    StockLevel.objects.filter(part=part).update(on_hand=0)
    stock_body = {"action": "issue", "part": part.pk, "stock_location": depot.pk}

    response = token_api_client(technician).post(
        f"/api/tickets/{ticket.pk}/parts/", stock_body, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"quantity": [f"Not enough {part.part_number} at Central depot: 0 on hand."]}


def test_ticket_parts_api_misfit_without_override_is_400(token_api_client: Client, technician, fitted):
    _, part, depot = fitted
    other_ticket = TicketFactory.create()
    body = {"action": "issue", "part": part.pk, "stock_location": depot.pk}

    response = token_api_client(technician).post(
        f"/api/tickets/{other_ticket.pk}/parts/", body, format="json"
    )

    assert response.status_code == 400 and "does not fit" in response.json()["override_reason"][0]


def test_ticket_parts_api_issue_of_an_inactive_part_is_400_naming_part(
    token_api_client: Client, technician, fitted
):
    """The ticket page offers active parts only; the API refuses the others (the service's rule)."""
    ticket, part, depot = fitted
    Part.objects.filter(pk=part.pk).update(is_active=False)
    body = {"action": "issue", "part": part.pk, "stock_location": depot.pk}

    response = token_api_client(technician).post(f"/api/tickets/{ticket.pk}/parts/", body, format="json")

    assert response.status_code == 400 and list(response.json()) == ["part"]
    assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_ticket_parts_api_quantity_above_the_page_cap_is_400(token_api_client: Client, technician, fitted):
    ticket, part, depot = fitted
    body = {"action": "issue", "part": part.pk, "stock_location": depot.pk}
    body["quantity"] = stock.MAX_ISSUE_QUANTITY + 1

    response = token_api_client(technician).post(f"/api/tickets/{ticket.pk}/parts/", body, format="json")

    assert response.status_code == 400 and list(response.json()) == ["quantity"]


def test_ticket_parts_api_invalid_input_is_400_with_field_errors(
    token_api_client: Client, technician, fitted
):
    ticket, _, _ = fitted
    body = {"action": "steal", "part": 999999, "quantity": 0}

    response = token_api_client(technician).post(f"/api/tickets/{ticket.pk}/parts/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"action", "part", "stock_location", "quantity"}


def test_ticket_parts_api_missing_ticket_is_404(token_api_client: Client, technician):
    assert token_api_client(technician).get("/api/tickets/999999/parts/").status_code == 404


@pytest.mark.parametrize(("actor", "get", "post"), [("procurement", 200, 403), ("school_admin", 403, 403)])
def test_ticket_parts_api_roles_that_do_not_move_stock(
    token_api_client: Client, request, fitted, actor, get, post
):
    ticket, part, depot = fitted
    client = token_api_client(request.getfixturevalue(actor))
    body = {"action": "issue", "part": part.pk, "stock_location": depot.pk}

    assert client.get(f"/api/tickets/{ticket.pk}/parts/").status_code == get
    assert client.post(f"/api/tickets/{ticket.pk}/parts/", body, format="json").status_code == post
    assert StockLevel.objects.get(part=part).on_hand == 1


# Purchase orders ------------------------------------------------------------------------------


def test_purchase_order_api_create_send_receive(token_api_client: Client, procurement):
    client = token_api_client(procurement)
    part = PartFactory.create(part_number="5D10T45069", is_demo=False)
    depot = StockLocationFactory.create()
    body = {
        "vendor": VendorFactory.create().pk,
        "ship_to": depot.pk,
        "lines": [{"part": part.pk, "quantity": 3, "unit_cost": "45.00"}],
    }

    created = client.post("/api/purchase-orders/", body, format="json")
    order_id = created.json()["id"]
    sent = client.post(f"/api/purchase-orders/{order_id}/send/")
    line_id = sent.json()["lines"][0]["id"]
    received = client.post(
        f"/api/purchase-orders/{order_id}/receive/",
        {"lines": [{"line": line_id, "quantity": 2, "unit_cost": "44.00"}]},
        format="json",
    )

    assert created.status_code == 201 and created.json()["status"] == PurchaseOrderStatus.DRAFT
    assert sent.json()["status"] == PurchaseOrderStatus.SENT
    assert received.status_code == 200
    assert received.json()["status"] == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert received.json()["lines"][0]["quantity_received"] == 2
    assert StockLevel.objects.get(part=part, stock_location=depot).on_hand == 2
    assert client.get(f"/api/purchase-orders/{order_id}/").json()["number"] == created.json()["number"]
    # The list carries each order's totals, not its lines (the order's own URL has them).
    (listed,) = [
        order for order in client.get("/api/purchase-orders/").json()["results"] if order["id"] == order_id
    ]
    assert "lines" not in listed
    assert (listed["line_count"], listed["units_ordered"], listed["units_received"]) == (1, 3, 2)
    assert listed["total_cost"] == "135.00"
    assert listed["status"] == PurchaseOrderStatus.PARTIALLY_RECEIVED


def test_purchase_order_api_demo_part_is_400_with_message(token_api_client: Client, procurement):
    body = {
        "vendor": VendorFactory.create().pk,
        "ship_to": StockLocationFactory.create().pk,
        "lines": [{"part": PartFactory.create().pk, "quantity": 1, "unit_cost": "1.00"}],
    }

    response = token_api_client(procurement).post("/api/purchase-orders/", body, format="json")

    assert response.status_code == 400 and "never order them" in response.json()["lines"][0]


def test_purchase_order_api_invalid_input_is_400_with_field_errors(token_api_client: Client, procurement):
    body = {"vendor": "x", "lines": [{"part": 999999, "quantity": 0, "unit_cost": "-1"}]}

    response = token_api_client(procurement).post("/api/purchase-orders/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"vendor", "ship_to", "lines"}
    assert set(response.json()["lines"]["0"]) == {"part", "quantity", "unit_cost"}


def test_purchase_order_api_over_receipt_is_409(token_api_client: Client, procurement):
    line = PurchaseOrderLineFactory.create(order__status=PurchaseOrderStatus.SENT, quantity_ordered=1)
    body = {"lines": [{"line": line.pk, "quantity": 2, "unit_cost": "1.00"}]}

    response = token_api_client(procurement).post(
        f"/api/purchase-orders/{line.order_id}/receive/", body, format="json"
    )

    assert response.status_code == 409 and "only 1 of 1" in response.json()["lines"][0]


def test_purchase_order_api_missing_is_404(token_api_client: Client, procurement):
    assert token_api_client(procurement).get("/api/purchase-orders/999999/").status_code == 404


def test_purchase_order_api_send_by_technician_is_403(token_api_client: Client, technician):
    order = PurchaseOrderFactory.create()
    assert token_api_client(technician).post(f"/api/purchase-orders/{order.pk}/send/").status_code == 403
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.DRAFT


def test_stock_movement_api_shows_receipt_cost(token_api_client: Client, procurement):
    part = PartFactory.create()
    stock.stock_receive(
        part=part,
        stock_location=StockLocationFactory.create(),
        quantity=2,
        actor=procurement,
        unit_cost=Decimal("3"),
    )

    rows = token_api_client(procurement).get("/api/stock-movements/", {"part": part.pk}).json()["results"]

    assert [(r["kind"], r["quantity"], r["unit_cost"]) for r in rows] == [("received", 2, "3.00")]
