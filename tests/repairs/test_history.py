"""History tabs and ``/api/…/history/`` of tickets, parts and purchase orders: a change made
through a service (the API, with a token), through ``QuerySet.update`` (receiving an order) and
through the Django admin's change form each show with old and new values and the person's name.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from repairs.choices import PurchaseOrderStatus, TicketStatus
from tests.core.admin_support import admin_url, change_form_data
from tests.repairs.factories import (
    PartFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def _changes(entry) -> list[tuple[str, str, str]]:
    return [(c.field, c.old_display, c.new_display) for c in entry.changes]


# Tickets ----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_ticket_moved_through_the_api_with_a_token_shows_on_its_history(token_api_client, login, technician):
    ticket = TicketFactory.create()
    api = token_api_client(technician)

    response = api.post(
        f"/api/tickets/{ticket.pk}/transition/", {"to_status": TicketStatus.TRIAGED, "version": 1}
    )
    assert response.status_code == 200

    entry = login(technician).get(reverse("repairs:ticket_history", args=[ticket.pk])).context["entries"][0]
    assert str(entry.user) == "Terry Tech"  # DRF authenticates the token after the middleware ran
    assert entry.url == f"/api/tickets/{ticket.pk}/transition/"
    assert ("status", "New", "Triaged") in _changes(entry)

    body = api.get(reverse("api:ticket-history", args=[ticket.pk])).json()
    assert body["results"][0]["changes"]["status"] == ["new", "triaged"]
    assert body["results"][0]["user"]["name"] == "Terry Tech"


def test_ticket_history_for_a_school_admin_is_their_schools_only(login, school_admin):
    own = TicketFactory.create(device__location=school_admin.profile.locations.get())
    other = TicketFactory.create()
    client = login(school_admin)

    assert client.get(reverse("repairs:ticket_history", args=[own.pk])).status_code == 200
    assert client.get(reverse("repairs:ticket_history", args=[other.pk])).status_code == 404
    assert client.get(reverse("api:ticket-history", args=[own.pk])).status_code == 200
    assert client.get(reverse("api:ticket-history", args=[other.pk])).status_code == 404


def test_ticket_history_refused_without_a_role(login, no_role_user):
    ticket = TicketFactory.create()
    client = login(no_role_user)

    assert client.get(reverse("repairs:ticket_history", args=[ticket.pk])).status_code == 403
    assert client.get(reverse("api:ticket-history", args=[ticket.pk])).status_code == 403


def test_ticket_page_links_its_history_tab(login, technician):
    ticket = TicketFactory.create()

    response = login(technician).get(reverse("repairs:ticket_detail", args=[ticket.pk]))

    assert reverse("repairs:ticket_history", args=[ticket.pk]) in response.content.decode()


# Parts ------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_part_changed_in_the_admin_change_form_shows_on_its_history(client, superuser, login, technician):
    part = PartFactory.create(description="Battery pack")
    client.force_login(superuser)
    data = change_form_data(client, part)
    data["description"] = "Battery pack, 3-cell"

    response = client.post(admin_url(part, "change", part.pk), data)
    assert response.status_code == 302

    entry = client.get(reverse("repairs:part_history", args=[part.pk])).context["entries"][0]
    assert entry.user == superuser
    assert entry.url == admin_url(part, "change", part.pk)
    assert _changes(entry) == [("description", "Battery pack", "Battery pack, 3-cell")]
    body = client.get(reverse("api:part-history", args=[part.pk])).json()
    assert body["results"][0]["changes"] == {"description": ["Battery pack", "Battery pack, 3-cell"]}


def test_part_history_is_for_those_who_see_stock(login, technician, school_admin):
    part = PartFactory.create()

    assert login(technician).get(reverse("repairs:part_history", args=[part.pk])).status_code == 200
    client = login(school_admin)
    assert client.get(reverse("repairs:part_history", args=[part.pk])).status_code == 403
    assert client.get(reverse("api:part-history", args=[part.pk])).status_code == 403


# Purchase orders --------------------------------------------------------------------------------


@pytest.mark.postgres
def test_purchase_order_received_by_queryset_update_shows_line_quantities(login, procurement):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.SENT)
    line = PurchaseOrderLineFactory.create(order=order, quantity_ordered=10, part__is_demo=False)
    client = login(procurement)

    response = client.post(
        reverse("repairs:purchase_order_receive", args=[order.pk]),
        {f"quantity_{line.pk}": "4", f"unit_cost_{line.pk}": str(line.unit_cost)},
    )
    assert response.status_code in (200, 302)

    entries = client.get(reverse("repairs:purchase_order_history", args=[order.pk])).context["entries"]
    received = next(e for e in entries if e.model == "repairs.PurchaseOrderLine" and e.action == "update")
    assert str(received.user) == "Pat Buyer"
    assert received.subject == f"Purchase order line {line.pk}"
    assert ("quantity_received", "0", "4") in _changes(received)
    body = client.get(reverse("api:purchase-order-history", args=[order.pk])).json()
    lines = [
        r for r in body["results"] if r["model"] == "repairs.PurchaseOrderLine" and r["action"] == "update"
    ]
    assert lines[0]["changes"]["quantity_received"] == [0, 4]


@pytest.mark.postgres
def test_purchase_order_history_leaves_out_other_orders(login, procurement):
    order, other = PurchaseOrderFactory.create(), PurchaseOrderFactory.create()
    PurchaseOrderLineFactory.create(order=other)

    entries = (
        login(procurement).get(reverse("repairs:purchase_order_history", args=[order.pk])).context["entries"]
    )

    shown = {(e.model, e.object_id) for e in entries}
    assert ("repairs.PurchaseOrder", str(order.pk)) in shown
    assert ("repairs.PurchaseOrder", str(other.pk)) not in shown
    assert not {model for model, _ in shown} - {"repairs.PurchaseOrder", "repairs.PurchaseOrderLine"}
    assert {object_id for model, object_id in shown if model == "repairs.PurchaseOrderLine"} <= {
        str(pk) for pk in order.lines.values_list("pk", flat=True)
    }


def test_purchase_order_history_is_for_buyers(login, procurement, technician):
    order = PurchaseOrderFactory.create()

    assert (
        login(procurement).get(reverse("repairs:purchase_order_history", args=[order.pk])).status_code == 200
    )
    client = login(technician)
    assert client.get(reverse("repairs:purchase_order_history", args=[order.pk])).status_code == 403
    assert client.get(reverse("api:purchase-order-history", args=[order.pk])).status_code == 403
    assert (
        login(procurement).get(reverse("api:purchase-order-history", args=[order.pk + 99])).status_code == 404
    )
