"""Parts, stock and purchase order pages: who may open them, htmx fragments, forms and query counts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from portal.selectors import navigation_for
from repairs.choices import PurchaseOrderStatus, StockMovementKind
from repairs.forms.stock import PO_FORM_LINES
from repairs.models import PurchaseOrder, StockLevel, StockMovement
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

HTMX = {"HX-Request": "true"}
STOCK_PAGES = [
    "repairs:part_list",
    "repairs:stock_list",
    "repairs:stock_low",
    "repairs:stock_movement_list",
    "repairs:stock_usage",
]


@pytest.mark.parametrize("name", STOCK_PAGES)
@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("technician", 200),
        ("supervisor", 200),
        ("procurement", 200),
        ("admin_user", 200),
        ("school_admin", 403),
    ],
)
def test_stock_pages_by_role(login, request, name, actor, expected):
    assert login(request.getfixturevalue(actor)).get(reverse(name)).status_code == expected


@pytest.mark.parametrize(
    ("name", "actor", "expected"),
    [
        ("repairs:purchase_order_list", "procurement", 200),
        ("repairs:purchase_order_list", "technician", 403),
        ("repairs:purchase_order_create", "admin_user", 200),
        ("repairs:purchase_order_create", "supervisor", 403),
        ("repairs:stock_adjust", "supervisor", 200),
        ("repairs:stock_adjust", "technician", 403),
        ("repairs:stock_transfer", "technician", 200),
        ("repairs:stock_transfer", "procurement", 403),
    ],
)
def test_stock_forms_and_purchasing_pages_by_role(login, request, name, actor, expected):
    assert login(request.getfixturevalue(actor)).get(reverse(name)).status_code == expected


def test_stock_pages_anonymous_redirect_to_login(client):
    assert client.get(reverse("repairs:part_list")).status_code == 302


def _grow(rows: int) -> None:
    for _ in range(rows):
        level = StockLevelFactory.create(on_hand=1, reorder_point=2)
        level.part.compatible_models.add(TicketFactory.create().device.model)
        StockMovementFactory.create(part=level.part, stock_location=level.stock_location)
        PurchaseOrderLineFactory.create(order__status=PurchaseOrderStatus.SENT)


@pytest.mark.parametrize("name", [*STOCK_PAGES, "repairs:purchase_order_list"])
def test_stock_list_pages_query_count_is_fixed(
    login, admin_user, django_assert_num_queries: DjangoAssertNumQueries, name
):
    client = login(admin_user)
    _grow(1)
    client.get(reverse(name))  # warm the session and content types
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse(name)).status_code == 200
    _grow(4)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_part_list_htmx_returns_results_fragment_only(login, technician):
    PartFactory.create(description="Hinge cap")

    response = login(technician).get(reverse("repairs:part_list"), {"q": "hinge"}, headers=HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="part-results">')
    assert "Hinge cap" in body and "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_part_list_reads_no_compatible_models_it_does_not_show(login, technician):
    """The catalogue page shows no models per part: its queries neither read them nor grow."""
    client = login(technician)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("repairs:part_list")).status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    PartFactory.create().compatible_models.add(DeviceModelFactory.create())
    few = queries()
    for _ in range(4):
        PartFactory.create().compatible_models.add(DeviceModelFactory.create(), DeviceModelFactory.create())
    many = queries()

    assert len(few) == len(many)
    assert not [sql for sql in many if "repairs_part_compatible_models" in sql]


def test_part_detail_shows_stock_per_location_and_models(login, technician):
    level = StockLevelFactory.create(on_hand=3)
    model = TicketFactory.create().device.model
    level.part.compatible_models.add(model)

    response = login(technician).get(reverse("repairs:part_detail", args=[level.part_id]))

    assert response.status_code == 200
    body = response.content.decode()
    assert str(level.stock_location) in body and model.name in body


def test_part_detail_missing_is_404(login, technician):
    assert login(technician).get(reverse("repairs:part_detail", args=[999999])).status_code == 404


def test_stock_low_lists_levels_at_or_below_reorder_point(login, technician):
    low = StockLevelFactory.create(on_hand=2, reorder_point=2)
    fine = StockLevelFactory.create(on_hand=3, reorder_point=2)

    body = login(technician).get(reverse("repairs:stock_low")).content.decode()

    assert low.part.part_number in body and fine.part.part_number not in body


def test_stock_usage_groups_issued_parts_by_model_and_school(
    login, technician, refresh_summaries: Callable[[], None]
):
    part, depot = PartFactory.create(), StockLocationFactory.create()
    stock.stock_receive(part=part, stock_location=depot, quantity=3, actor=technician)
    ticket = TicketFactory.create()
    part.compatible_models.add(ticket.device.model)
    stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician, quantity=2)

    refresh_summaries()
    response = login(technician).get(reverse("repairs:stock_usage"), headers=HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="usage-results">')
    assert ticket.device.model.name in body and ticket.location.name in body and "85.00" in body


def test_stock_adjust_post_records_movement_and_redirects(login, supervisor):
    level = StockLevelFactory.create(on_hand=0)
    data = {
        "part": level.part_id,
        "stock_location": level.stock_location_id,
        "quantity": 2,
        "reason": "Found",
    }

    response = login(supervisor).post(reverse("repairs:stock_adjust"), data, headers=HTMX)

    assert response.status_code == 200 and "HX-Redirect" in response
    assert StockMovement.objects.get().kind == StockMovementKind.ADJUSTED
    level.refresh_from_db()
    assert level.on_hand == 2


def test_stock_transfer_post_without_enough_rerenders_form_with_message(login, technician):
    part, depot, kit = (
        PartFactory.create(),
        StockLocationFactory.create(name="Depot A"),
        StockLocationFactory.create(),
    )
    data = {"part": part.pk, "from_location": depot.pk, "to_location": kit.pk, "quantity": 1}

    response = login(technician).post(reverse("repairs:stock_transfer"), data, headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 409
    assert body.lstrip().startswith('<form id="transfer-form"')
    assert f"Not enough {part.part_number} at Depot A: 0 on hand." in body
    assert not StockMovement.objects.exists()


def test_purchase_order_create_form_makes_draft(login, procurement):
    part = PartFactory.create(part_number="5D10T45069", is_demo=False, unit_cost=Decimal("48.00"))
    data = {"vendor": VendorFactory.create().pk, "ship_to": StockLocationFactory.create().pk}
    data |= {"part_0": part.pk, "quantity_0": 4}

    response = login(procurement).post(reverse("repairs:purchase_order_create"), data)

    order = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{order.pk}/")
    assert list(order.lines.values_list("quantity_ordered", "unit_cost")) == [(4, Decimal("48.00"))]


def test_purchase_order_create_form_without_lines_rerenders(login, procurement):
    data = {"vendor": VendorFactory.create().pk, "ship_to": StockLocationFactory.create().pk}

    response = login(procurement).post(reverse("repairs:purchase_order_create"), data, headers=HTMX)

    assert response.status_code == 200 and "Add at least one line." in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_purchase_order_create_form_reads_the_parts_once_for_all_its_lines(login, procurement):
    """Every line offers the same active, orderable parts, read in one query; a part the form
    may not take (a demo part) is still refused on its line, which keeps the choice shown."""
    real = PartFactory.create(part_number="5D10T45069", description="LCD <11.6>", is_demo=False)
    demo = PartFactory.create(part_number="DEMO-1", is_demo=True)
    PartFactory.create(part_number="OLD-1", is_demo=False, is_active=False)
    client = login(procurement)

    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("repairs:purchase_order_create")).content.decode()

    assert len([q for q in queries.captured_queries if 'FROM "repairs_part"' in q["sql"]]) == 1
    option = f'<option value="{real.pk}">5D10T45069 LCD &lt;11.6&gt;</option>'
    assert html.count(option) == PO_FORM_LINES
    # A blank first choice on every line, and on the vendor and ship-to selects.
    assert html.count('<option value="" selected>---------</option>') == PO_FORM_LINES + 2
    assert "DEMO-1" not in html and "OLD-1" not in html

    data = {"vendor": VendorFactory.create().pk, "ship_to": StockLocationFactory.create().pk}
    data |= {"part_0": real.pk, "quantity_0": 1, "part_1": demo.pk, "quantity_1": 1}
    refused = client.post(reverse("repairs:purchase_order_create"), data).content.decode()

    assert "Select a valid choice." in refused and not PurchaseOrder.objects.exists()
    assert f'<option value="{real.pk}" selected>5D10T45069 LCD &lt;11.6&gt;</option>' in refused


def test_purchase_order_send_and_receive_partial_via_htmx(login, procurement):
    order = PurchaseOrderFactory.create()
    line = PurchaseOrderLineFactory.create(order=order, quantity_ordered=5)
    client = login(procurement)

    client.post(reverse("repairs:purchase_order_send", args=[order.pk]))
    response = client.post(
        reverse("repairs:purchase_order_receive", args=[order.pk]),
        {f"quantity_{line.pk}": 2, f"unit_cost_{line.pk}": "40.00"},
        headers=HTMX,
    )

    assert "HX-Redirect" in response
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert StockLevel.objects.get(part=line.part, stock_location=order.ship_to).on_hand == 2
    detail = client.get(reverse("repairs:purchase_order_detail", args=[order.pk]))
    assert 'id="receive-form"' in detail.content.decode()


def test_purchase_order_receive_nothing_rerenders_fragment_with_message(login, procurement):
    line = PurchaseOrderLineFactory.create(order__status=PurchaseOrderStatus.SENT)

    response = login(procurement).post(
        reverse("repairs:purchase_order_receive", args=[line.order_id]),
        {f"unit_cost_{line.pk}": "1.00"},
        headers=HTMX,
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<form id="receive-form"')
    assert "Enter a quantity received" in body


def test_purchase_order_receive_by_technician_is_403(login, technician):
    line = PurchaseOrderLineFactory.create(order__status=PurchaseOrderStatus.SENT)
    url = reverse("repairs:purchase_order_receive", args=[line.order_id])

    assert login(technician).post(url, {f"quantity_{line.pk}": 1}).status_code == 403


@pytest.mark.parametrize(
    ("actor", "parts", "purchasing"),
    [("technician", True, False), ("procurement", True, True), ("school_admin", False, False)],
)
def test_navigation_shows_parts_and_purchasing_by_role(request, actor, parts, purchasing):
    labels = [item.label for item in navigation_for(user=request.getfixturevalue(actor))]

    assert ("Parts" in labels) is parts
    assert ("Purchasing" in labels) is purchasing


def test_stock_low_is_paged_fifty_levels_at_a_time(login, technician):
    for _ in range(51):
        StockLevelFactory.create(on_hand=0, reorder_point=1)
    client = login(technician)

    first = client.get(reverse("repairs:stock_low")).content.decode()
    second = client.get(reverse("repairs:stock_low"), {"page": 2}).content.decode()

    assert first.count('data-label="Reorder point"') == 50
    assert second.count('data-label="Reorder point"') == 1
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in second and 'rel="prev"' in second
