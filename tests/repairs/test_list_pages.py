"""The repairs lists and stock and purchasing pages as people read them: success messages after
every change, sub-navigation that offers only what the user may open, numbers formatted, every
input labelled and every table header named."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import User
from repairs.choices import PurchaseOrderStatus
from repairs.models import PurchaseOrder, StockLevel
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import (
    PartFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockLocationFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
HTMX = {"HX-Request": "true"}


def _said(response) -> list[str]:  # type: ignore[no-untyped-def]
    """Messages an htmx answer hands to the page, or those a redirect keeps for the next page."""
    if "HX-Trigger" in response:
        return [m["text"] for m in json.loads(response["HX-Trigger"]).get("messages", [])]
    return [str(m) for m in get_messages(response.wsgi_request)]


def _no_empty_headers(html: str) -> bool:
    return re.search(r"<th[^>]*>\s*</th>", html) is None


# Success messages -------------------------------------------------------------------------------


def test_receiving_a_purchase_order_says_how_many_of_which_parts(login: Login, procurement: User):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.SENT, number="PO-000042")
    lcd = PurchaseOrderLineFactory.create(order=order, part__part_number="LCD-1", quantity_ordered=5)
    hinge = PurchaseOrderLineFactory.create(order=order, part__part_number="HNG-1", quantity_ordered=2)
    data = {f"quantity_{lcd.pk}": 3, f"unit_cost_{lcd.pk}": "40.00", f"unit_cost_{hinge.pk}": "5.00"}
    data |= {f"quantity_{hinge.pk}": 2}

    response = login(procurement).post(reverse("repairs:purchase_order_receive", args=[order.pk]), data)

    assert response.status_code == 302
    assert _said(response) == [f"Received 5 units on PO-000042 into {order.ship_to}: 3 x LCD-1, 2 x HNG-1."]


def test_creating_sending_and_cancelling_a_purchase_order_each_say_so(login: Login, procurement: User):
    part = PartFactory.create(is_demo=False)
    vendor = VendorFactory.create(name="Keystone")
    client = login(procurement)
    data = {
        "vendor": vendor.pk,
        "ship_to": StockLocationFactory.create().pk,
        "part_0": part.pk,
        "quantity_0": 2,
    }

    created = client.post(reverse("repairs:purchase_order_create"), data)
    order = PurchaseOrder.objects.get()
    assert _said(created) == [f"Draft {order.number} created with 1 line."]

    # Messages not yet shown wait in the session for the next page, so each call adds one.
    sent = client.post(reverse("repairs:purchase_order_send", args=[order.pk]))
    assert _said(sent)[-1] == f"{order.number} marked as sent to Keystone."

    cancelled = client.post(reverse("repairs:purchase_order_cancel", args=[order.pk]))
    assert cancelled.status_code == 302
    assert _said(cancelled)[-1] == f"{order.number} cancelled: nothing more is expected from Keystone."
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.CANCELLED


def test_cancelling_a_received_order_is_refused_on_the_page(login: Login, procurement: User):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.RECEIVED)

    response = login(procurement).post(reverse("repairs:purchase_order_cancel", args=[order.pk]))

    assert response.status_code == 200
    assert "it cannot be cancelled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.RECEIVED


def test_cancelling_is_for_buyers_only(login: Login, supervisor: User):
    order = PurchaseOrderFactory.create()

    assert (
        login(supervisor).post(reverse("repairs:purchase_order_cancel", args=[order.pk])).status_code == 403
    )


def test_stock_adjust_and_transfer_say_what_they_did(login: Login, supervisor: User):
    level = StockLevelFactory.create(on_hand=5, part__part_number="BAT-9", stock_location__name="Depot A")
    kit = StockLocationFactory.create(name="Van 2")
    client = login(supervisor)

    adjusted = client.post(
        reverse("repairs:stock_adjust"),
        {"part": level.part_id, "stock_location": level.stock_location_id, "quantity": -1, "reason": "Count"},
        headers=HTMX,
    )
    moved = client.post(
        reverse("repairs:stock_transfer"),
        {
            "part": level.part_id,
            "from_location": level.stock_location_id,
            "to_location": kit.pk,
            "quantity": 2,
        },
    )

    assert "HX-Redirect" in adjusted
    assert _said(adjusted) == ["Count of BAT-9 at Depot A adjusted by -1."]
    assert _said(moved)[-1] == "Moved 2 x BAT-9 from Depot A to Van 2."
    assert StockLevel.objects.get(pk=level.pk).on_hand == 2


def test_stock_transfer_to_the_same_place_shows_it_beside_the_destination(login: Login, technician: User):
    level = StockLevelFactory.create(on_hand=5)
    data = {"part": level.part_id, "from_location": level.stock_location_id}
    data |= {"to_location": level.stock_location_id, "quantity": 1}

    html = login(technician).post(reverse("repairs:stock_transfer"), data, headers=HTMX).content.decode()

    assert re.search(
        r'id="id_to_location_error"[^>]*>\s*<div class="invalid-feedback[^"]*">Choose two different', html
    )


def test_bulk_intake_says_how_many_tickets_it_opened(login: Login, technician: User):
    first, second = DeviceFactory.create(), DeviceFactory.create()
    data = {"codes": f"{first.asset_tag}\n{second.asset_tag}\nNO-SUCH", "symptom": "screen"}
    data |= {"damage_cause": "unknown", "priority": "normal"}

    response = login(technician).post(reverse("repairs:ticket_intake"), data, headers=HTMX)

    assert _said(response) == ["Opened 2 tickets; 1 scan refused, listed below."]


# Navigation honesty ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "transfer", "adjust", "orders"),
    [
        ("technician", True, False, False),
        ("supervisor", True, True, False),
        ("procurement", False, False, True),
        ("admin_user", True, True, True),
    ],
)
def test_stock_subnav_offers_only_pages_the_user_may_open(
    login: Login, request: pytest.FixtureRequest, actor: str, transfer: bool, adjust: bool, orders: bool
):
    client = login(request.getfixturevalue(actor))
    body = client.get(reverse("repairs:stock_list")).content.decode()
    nav = body[body.index('aria-label="Parts and stock"') :].split("</nav>")[0]

    assert (reverse("repairs:stock_transfer") in nav) is transfer
    assert (reverse("repairs:stock_adjust") in nav) is adjust
    assert (reverse("repairs:purchase_order_list") in nav) is orders
    for href in re.findall(r'href="([^"?]+)', nav):
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize(
    ("actor", "shown"), [("technician", True), ("procurement", False), ("school_admin", False)]
)
def test_ticket_list_offers_queue_and_intake_only_to_repair_workers(
    login: Login, request: pytest.FixtureRequest, actor: str, shown: bool
):
    body = login(request.getfixturevalue(actor)).get(reverse("repairs:ticket_list")).content.decode()

    assert (reverse("repairs:ticket_queue_mine") in body) is shown
    assert (reverse("repairs:ticket_intake") in body) is shown


# Numbers, labels and headers ------------------------------------------------------------------


def test_purchase_order_detail_shows_ordered_received_and_outstanding(login: Login, procurement: User):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.PARTIALLY_RECEIVED)
    line = PurchaseOrderLineFactory.create(
        order=order,
        part__part_number="LCD-7",
        quantity_ordered=1200,
        quantity_received=200,
        unit_cost=Decimal("45.8"),
    )

    html = login(procurement).get(reverse("repairs:purchase_order_detail", args=[order.pk])).content.decode()

    assert " \u2212 " not in html  # no bare "ordered minus received" sum left for the reader
    row = html[html.index('id="order-lines"') :].split("</tr>")[1]
    assert re.findall(r'data-label="(\w[\w ]*)"[^>]*>([^<]*)<', row)[1:] == [
        ("Ordered", "1,200"),
        ("Received", "200"),
        ("Outstanding", "1,000"),
        ("Unit cost", "$45.80"),
        ("Line total", "$54,960.00"),
    ]
    # Every receive input has its own label naming the part.
    assert (
        f'<label class="visually-hidden" for="id_quantity_{line.pk}">Receive quantity for LCD-7</label>'
        in html
    )
    assert f'<label class="visually-hidden" for="id_unit_cost_{line.pk}">Unit cost for LCD-7</label>' in html
    assert _no_empty_headers(html)


def test_receiving_more_than_is_outstanding_is_shown_beside_that_line(login: Login, procurement: User):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.SENT)
    line = PurchaseOrderLineFactory.create(order=order, quantity_ordered=3)

    html = (
        login(procurement)
        .post(
            reverse("repairs:purchase_order_receive", args=[order.pk]),
            {f"quantity_{line.pk}": 4, f"unit_cost_{line.pk}": "1.00"},
            headers=HTMX,
        )
        .content.decode()
    )

    assert re.search(
        rf'id="id_quantity_{line.pk}_error"[^>]*>\s*<div[^>]*>Only 3 of 3 are still to come.', html
    )


@pytest.mark.parametrize(
    "name",
    [
        "repairs:ticket_list",
        "repairs:ticket_queue_mine",
        "repairs:part_list",
        "repairs:stock_list",
        "repairs:stock_low",
        "repairs:stock_movement_list",
        "repairs:stock_usage",
        "repairs:purchase_order_list",
        "repairs:purchase_order_create",
        "repairs:stock_adjust",
        "repairs:stock_transfer",
    ],
)
def test_repairs_pages_have_no_empty_table_header(login: Login, admin_user: User, name: str):
    StockLevelFactory.create(on_hand=1, reorder_point=2)
    PurchaseOrderLineFactory.create()

    html = login(admin_user).get(reverse(name)).content.decode()

    assert _no_empty_headers(html)


def test_money_and_counts_are_formatted_in_lists(login: Login, procurement: User):
    part = PartFactory.create(unit_cost=Decimal("1234.5"))
    StockLevelFactory.create(part=part, on_hand=1500)
    line = PurchaseOrderLineFactory.create(quantity_ordered=2, unit_cost=Decimal("1234.5"))
    client = login(procurement)

    parts = client.get(reverse("repairs:part_list")).content.decode()
    orders = client.get(reverse("repairs:purchase_order_list")).content.decode()

    assert "$1,234.50" in parts and "1,500" in parts
    assert "$2,469.00" in orders and line.order.number in orders
