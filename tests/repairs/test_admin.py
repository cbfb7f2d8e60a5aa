"""In the admin, ticket and order statuses and the stock ledger are read-only; the actions go
through the repairs services, which write their events with the admin as actor."""

from collections.abc import Callable

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client
from django.utils import timezone

from accounts.models import User
from fleet.choices import CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent
from repairs.choices import PurchaseOrderStatus, TicketEventKind, TicketStatus
from repairs.models import Loan, PurchaseOrder, StockLevel, StockMovement, Ticket, TicketEvent
from tests.core.admin_support import admin_url, change_form_data, run_action, shown_messages
from tests.fleet.factories import LoanFactory
from tests.repairs.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockMovementFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_(superuser: User, login: Callable[[User], Client]) -> Client:
    return login(superuser)


# Tickets -----------------------------------------------------------------------------------------


def test_ticket_change_form_posting_a_status_leaves_it_unchanged(client_: Client):
    ticket = TicketFactory.create(status=TicketStatus.NEW, device__status=DeviceStatus.IN_REPAIR)
    data = change_form_data(client_, ticket)
    assert "status" not in data
    data.update(status=TicketStatus.CLOSED, problem_summary="Cracked screen, hinge loose")

    response = client_.post(admin_url(ticket, "change", ticket.pk), data)

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.problem_summary) == (TicketStatus.NEW, "Cracked screen, hinge loose")
    assert ticket.closed_at is None
    assert not ticket.events.exists()


def test_ticket_cannot_be_added_in_admin(client_: Client):
    assert client_.get(admin_url(Ticket, "add")).status_code == 403


def test_ticket_move_action_goes_through_the_workflow_with_admin_as_actor(client_: Client, superuser: User):
    ticket = TicketFactory.create(
        status=TicketStatus.TRIAGED, device__status=DeviceStatus.IN_REPAIR, vendor_reference="RMA-1"
    )

    response = run_action(
        client_, Ticket, "move_to_status", [ticket], to_status=TicketStatus.AT_VENDOR, note=""
    )

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.AT_VENDOR
    assert ticket.shipped_at is not None  # stamped by the workflow service
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        TicketEventKind.STATUS_CHANGED,
        superuser,
        TicketStatus.TRIAGED,
        TicketStatus.AT_VENDOR,
    )
    device_event = CustodyEvent.objects.get(device=ticket.device)  # the device follows its ticket
    assert (device_event.kind, device_event.to_status, device_event.actor) == (
        CustodyEventKind.STATUS_CHANGED,
        DeviceStatus.AT_VENDOR,
        superuser,
    )
    assert shown_messages(response) == ["Moved 1 ticket."]
    entry = LogEntry.objects.get(object_id=str(ticket.pk), action_flag=CHANGE)
    assert "Status: Triaged → At vendor" in entry.get_change_message()


def test_ticket_move_action_refused_by_the_workflow_names_ticket_and_reason(client_: Client):
    ticket = TicketFactory.create(status=TicketStatus.NEW, device__status=DeviceStatus.IN_REPAIR)

    response = run_action(client_, Ticket, "move_to_status", [ticket], to_status=TicketStatus.CLOSED, note="")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert not ticket.events.exists()
    [message] = shown_messages(response)
    assert message.startswith(f"{ticket} was not changed: ")


# The stock ledger --------------------------------------------------------------------------------


def test_stock_movements_cannot_be_added_changed_or_deleted_in_admin(client_: Client):
    movement = StockMovementFactory.create(quantity=5)

    assert client_.get(admin_url(StockMovement, "add")).status_code == 403
    assert client_.post(admin_url(StockMovement, "add"), {"quantity": "3"}).status_code == 403
    assert client_.post(admin_url(movement, "change", movement.pk), {"quantity": "50"}).status_code == 403
    assert client_.post(admin_url(movement, "delete", movement.pk), {"post": "yes"}).status_code == 403
    response = client_.post(
        admin_url(StockMovement, "changelist"),
        {"action": "delete_selected", "index": "0", "_selected_action": [str(movement.pk)], "post": "yes"},
    )
    assert response.status_code == 200  # no such action: the changelist is shown again
    movement.refresh_from_db()
    assert movement.quantity == 5


def test_stock_on_hand_cannot_be_changed_in_admin(client_: Client):
    level = StockLevelFactory.create(on_hand=5)

    assert client_.get(admin_url(StockLevel, "add")).status_code == 403
    assert client_.post(admin_url(level, "change", level.pk), {"on_hand": "500"}).status_code == 403
    assert client_.post(admin_url(level, "delete", level.pk), {"post": "yes"}).status_code == 403
    level.refresh_from_db()
    assert level.on_hand == 5


# Purchase orders ---------------------------------------------------------------------------------


def test_purchase_order_change_form_posting_status_leaves_it_unchanged(client_: Client):
    order = PurchaseOrderLineFactory.create().order
    data = change_form_data(client_, order)
    data.update(status=PurchaseOrderStatus.RECEIVED, notes="Call before delivery")

    response = client_.post(admin_url(order, "change", order.pk), data)

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.sent_at, order.notes) == (
        PurchaseOrderStatus.DRAFT,
        None,
        "Call before delivery",
    )


def test_purchase_order_line_received_quantity_is_not_editable_inline(client_: Client):
    line = PurchaseOrderLineFactory.create(quantity_received=0)
    data = change_form_data(client_, line.order)
    assert not any(name.endswith("quantity_received") for name in data)
    data["lines-0-quantity_received"] = "10"

    client_.post(admin_url(line.order, "change", line.order.pk), data)

    line.refresh_from_db()
    assert line.quantity_received == 0
    assert not StockMovement.objects.exists()


def test_purchase_order_send_action_goes_through_the_service(client_: Client, superuser: User):
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.DRAFT)

    response = run_action(client_, PurchaseOrder, "send_orders", [order])

    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.SENT
    assert order.sent_at is not None
    assert shown_messages(response) == ["Sent 1 purchase order."]
    entry = LogEntry.objects.get(object_id=str(order.pk), action_flag=CHANGE)
    assert entry.user == superuser
    assert "Status: Draft → Sent" in entry.get_change_message()


def test_purchase_order_cancel_action_refusal_names_the_order(client_: Client):
    received = PurchaseOrderFactory.create(number="PO2026-000007", status=PurchaseOrderStatus.RECEIVED)
    draft = PurchaseOrderFactory.create(status=PurchaseOrderStatus.DRAFT)

    response = run_action(client_, PurchaseOrder, "cancel_orders", [received, draft])

    received.refresh_from_db()
    draft.refresh_from_db()
    assert received.status == PurchaseOrderStatus.RECEIVED
    assert draft.status == PurchaseOrderStatus.CANCELLED
    assert shown_messages(response) == [
        "PO2026-000007 was not changed: PO2026-000007 is received: it cannot be cancelled.",
        "Cancelled 1 purchase order.",
    ]


# Loans -------------------------------------------------------------------------------------------


def test_loan_take_back_action_returns_the_loaner_with_its_custody_event(client_: Client, superuser: User):
    loan = LoanFactory.create(ticket__status=TicketStatus.IN_PROGRESS)

    run_action(client_, Loan, "take_back", [loan])

    loan.refresh_from_db()
    assert (loan.returned_to, loan.returned_at is not None) == (superuser, True)
    loan.loaner.refresh_from_db()
    assert loan.loaner.status == DeviceStatus.LOANER_POOL
    event = CustodyEvent.objects.get(device=loan.loaner)
    assert (event.kind, event.actor) == (CustodyEventKind.LOAN_RETURNED, superuser)


def test_loan_state_is_not_editable_in_admin(client_: Client):
    loan = LoanFactory.create()
    data = change_form_data(client_, loan)
    assert "returned_at_0" not in data and "borrower_id" not in data

    client_.post(admin_url(loan, "change", loan.pk), {**data, "returned_at_0": str(timezone.localdate())})

    loan.refresh_from_db()
    assert loan.returned_at is None
    assert client_.get(admin_url(Loan, "add")).status_code == 403


def test_purchase_order_line_change_inline_logs_old_and_new_quantity(client_: Client, superuser: User):
    line = PurchaseOrderLineFactory.create(quantity_ordered=10)
    data = change_form_data(client_, line.order)
    data["lines-0-quantity_ordered"] = "12"

    response = client_.post(admin_url(line.order, "change", line.order.pk), data)

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.quantity_ordered == 12
    entry = LogEntry.objects.get(object_id=str(line.order.pk), action_flag=CHANGE)
    assert "Quantity ordered: 10 → 12" in entry.get_change_message()


def test_purchase_order_action_on_too_many_orders_changes_nothing(client_: Client, monkeypatch):
    monkeypatch.setattr("core.admin.MAX_ACTION_OBJECTS", 1)
    orders = PurchaseOrderFactory.create_batch(2, status=PurchaseOrderStatus.DRAFT)

    response = run_action(client_, PurchaseOrder, "send_orders", orders)

    assert shown_messages(response) == ["Nothing was changed: choose at most 1 purchase orders at a time."]
    assert not PurchaseOrder.objects.exclude(status=PurchaseOrderStatus.DRAFT).exists()
