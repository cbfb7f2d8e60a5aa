"""A refusal caused by one input names it: the API answers ``{field: [message]}`` and the page
shows the message right under that field, not only at the top of the panel."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from accounts.models import User
from repairs.choices import TicketStatus
from repairs.models import StockMovement, Ticket
from repairs.services import stock
from tests.repairs.factories import PartFactory, StockLocationFactory, TicketFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
CLOSE_WITHOUT_LABOUR = "To close the ticket, record labour minutes."


def beside(html: str, field_id: str, message: str) -> bool:
    """The message sits in the error block that follows the field (``components/field_errors``)."""
    pattern = (
        rf'<div class="[^"]*field-error" id="{field_id}-error" role="alert">[^<]*{re.escape(escape(message))}'
    )
    return re.search(pattern, html) is not None


def _resolved() -> Ticket:
    """Repaired and written up, but no labour recorded: closing it is refused for want of labour."""
    return TicketFactory.create(status=TicketStatus.RETURNED, resolution_summary="New panel fitted")


# Closing without labour minutes -------------------------------------------------------------------


def test_api_close_without_labour_names_labour_minutes(
    token_api_client: Callable[[User], APIClient], technician: User
):
    ticket = _resolved()

    response = token_api_client(technician).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to_status": "closed", "version": 1}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"labour_minutes": [CLOSE_WITHOUT_LABOUR]}


def test_page_close_without_labour_shows_the_refusal_under_labour_minutes(
    login: Callable[[User], Client], technician: User
):
    ticket = _resolved()

    response = login(technician).post(
        reverse("repairs:ticket_transition", args=[ticket.pk]),
        {"to_status": "closed", "version": 1},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert beside(html, "id_labour_minutes", CLOSE_WITHOUT_LABOUR)
    assert "alert-danger" not in html  # not repeated above the forms
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RETURNED


def test_close_missing_several_names_the_first_and_lists_them_all(
    token_api_client: Callable[[User], APIClient], technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.RETURNED, problem_summary="")

    response = token_api_client(technician).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to_status": "closed", "version": 1}, format="json"
    )

    message = "To close the ticket, record labour minutes, the problem summary, the resolution summary."
    assert response.json() == {"labour_minutes": [message]}


# Other moves ------------------------------------------------------------------------------------


def test_api_reopen_without_a_note_names_note(
    token_api_client: Callable[[User], APIClient], technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.CLOSED)

    response = token_api_client(technician).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to_status": "triaged", "version": 1}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"note": ["Say why the ticket is reopened."]}


def test_page_reopen_without_a_note_shows_it_under_the_note(
    login: Callable[[User], Client], technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.CLOSED)

    html = (
        login(technician)
        .post(reverse("repairs:ticket_transition", args=[ticket.pk]), {"to_status": "triaged", "version": 1})
        .content.decode()
    )

    assert beside(html, "id_note", "Say why the ticket is reopened.")


def test_api_move_the_workflow_refuses_names_to_status(
    token_api_client: Callable[[User], APIClient], technician: User
):
    ticket = TicketFactory.create()

    response = token_api_client(technician).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to_status": "closed", "version": 1}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["to_status"]


def test_api_beyond_repair_without_a_resolution_names_resolution_summary(
    token_api_client: Callable[[User], APIClient], technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)

    response = token_api_client(technician).post(
        f"/api/tickets/{ticket.pk}/transition/", {"to_status": "beyond_repair", "version": 1}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["resolution_summary"]


def test_page_vendor_return_before_shipping_shows_it_under_the_return_date(
    login: Callable[[User], Client], technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)

    html = (
        login(technician)
        .post(
            reverse("repairs:ticket_update_vendor", args=[ticket.pk]),
            {
                "version": 1,
                "vendor_reference": "RMA-1",
                "shipped_at": "2026-03-10T10:00",
                "vendor_returned_at": "2026-03-01T10:00",
            },
        )
        .content.decode()
    )

    assert beside(
        html, "id_vendor_returned_at", "The device cannot come back from the vendor before it was shipped."
    )


# Stock ------------------------------------------------------------------------------------------


@pytest.fixture
def fitted(technician: User) -> tuple[Ticket, int, int]:
    """An open ticket and 3 fitting parts at the depot."""
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)
    part = PartFactory.create()
    part.compatible_models.add(ticket.device.model)
    depot = StockLocationFactory.create(name="Central depot")
    stock.stock_receive(part=part, stock_location=depot, quantity=3, actor=technician, unit_cost=Decimal("9"))
    return ticket, part.pk, depot.pk


def test_page_issue_above_stock_shows_the_conflict_under_quantity_with_409(
    login: Callable[[User], Client], technician: User, fitted: tuple[Ticket, int, int]
):
    ticket, part_id, depot_id = fitted

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 5},
        headers=HTMX,
    )

    assert response.status_code == 409
    assert beside(response.content.decode(), "id_quantity", "Central depot: 3 on hand.")
    assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_api_return_more_than_issued_names_quantity(
    token_api_client: Callable[[User], APIClient], technician: User, fitted: tuple[Ticket, int, int]
):
    ticket, part_id, depot_id = fitted

    response = token_api_client(technician).post(
        f"/api/tickets/{ticket.pk}/parts/",
        {"action": "return", "part": part_id, "stock_location": depot_id, "quantity": 1},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["quantity"]


def test_page_stock_adjust_by_zero_shows_it_under_quantity(
    login: Callable[[User], Client], supervisor: User, fitted: tuple[Ticket, int, int]
):
    _, part_id, depot_id = fitted

    html = (
        login(supervisor)
        .post(
            reverse("repairs:stock_adjust"),
            {"part": part_id, "stock_location": depot_id, "quantity": 0, "reason": "Count"},
        )
        .content.decode()
    )

    # bootstrap_field puts a field's errors right under it, tied to the input by aria-describedby.
    message = escape("An adjustment changes the count: give a non-zero quantity.")
    pattern = (
        rf'<div id="id_quantity_error"[^>]*>\s*<div class="invalid-feedback[^"]*">{re.escape(message)}</div>'
    )
    assert re.search(pattern, html)
    assert 'aria-describedby="id_quantity_helptext id_quantity_error"' in html
