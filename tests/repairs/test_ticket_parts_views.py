"""Issuing a part from the ticket page: stock drops by one, misfits need a reason, roles."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from repairs.choices import PartCategory, StockMovementKind, TicketStatus
from repairs.models import Part, StockLevel, StockMovement, Ticket
from repairs.services import stock
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import PartFactory, StockLevelFactory, StockLocationFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def screen_ticket(technician: User) -> tuple[Ticket, int, int]:
    """An in-progress ticket, a screen that fits its device and 3 of them at the depot."""
    device = DeviceFactory.create()
    ticket = TicketFactory.create(device=device, status=TicketStatus.IN_PROGRESS)
    screen = PartFactory.create(category=PartCategory.LCD_PANEL, description="11.6in HD panel")
    screen.compatible_models.add(device.model)
    depot = StockLocationFactory.create(name="Central depot")
    stock.stock_receive(
        part=screen, stock_location=depot, quantity=3, actor=technician, unit_cost=Decimal("48")
    )
    return ticket, screen.pk, depot.pk


def test_ticket_page_lists_fitting_parts_with_stock(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    ticket, _, _ = screen_ticket

    html = login(technician).get(reverse("repairs:ticket_detail", args=[ticket.pk])).content.decode()

    assert 'id="part-issue"' in html and "3 on hand" in html and "No parts yet." in html


def test_ticket_issue_part_drops_stock_by_one_and_lists_the_part(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    ticket, part_id, depot_id = screen_ticket
    client = login(technician)

    response = client.post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 1},
    )

    assert response.status_code == 302
    assert StockLevel.objects.get(part_id=part_id, stock_location_id=depot_id).on_hand == 2
    movement = StockMovement.objects.get(ticket=ticket)
    assert (movement.kind, movement.quantity) == (StockMovementKind.ISSUED, -1)
    html = client.get(reverse("repairs:ticket_detail", args=[ticket.pk])).content.decode()
    assert "11.6in HD panel" in html and "2 on hand" in html


def test_ticket_issue_part_beyond_stock_rerenders_actions_with_409(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    ticket, part_id, depot_id = screen_ticket

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 5},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="ticket-actions"')
    assert "Not enough" in html and "3 on hand" in html
    assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_ticket_issue_part_that_does_not_fit_without_a_reason_is_refused(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    ticket, _, depot_id = screen_ticket
    misfit = PartFactory.create()
    StockLevelFactory.create(part=misfit, stock_location_id=depot_id, on_hand=3)

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": misfit.pk, "stock_location": depot_id, "quantity": 1},
    )

    assert response.status_code == 200
    assert "does not fit this device&#x27;s model" in response.content.decode()
    assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_ticket_issue_part_that_does_not_fit_with_a_reason_is_issued(
    technician: User, login: Callable[[User], Client], screen_ticket: tuple[Ticket, int, int]
):
    """The form offers every active part, as the API does: a misfit goes out with its reason."""
    ticket, _, depot_id = screen_ticket
    misfit = PartFactory.create()
    StockLevelFactory.create(part=misfit, stock_location_id=depot_id, on_hand=3)

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": misfit.pk, "stock_location": depot_id, "quantity": 1, "override_reason": "Same panel"},
    )

    assert response.status_code == 302
    assert StockMovement.objects.get(ticket=ticket).reason == "Override: Same panel"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"is_active": False}, "part"), ({}, "quantity")],
    ids=["inactive part", "over the quantity cap"],
)
def test_ticket_issue_part_refuses_what_the_api_refuses(
    technician: User,
    login: Callable[[User], Client],
    screen_ticket: tuple[Ticket, int, int],
    change: dict[str, object],
    field: str,
):
    ticket, part_id, depot_id = screen_ticket
    Part.objects.filter(pk=part_id).update(**change)
    StockLevel.objects.filter(part_id=part_id).update(on_hand=100)
    quantity = stock.MAX_ISSUE_QUANTITY + (1 if field == "quantity" else 0)

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": quantity},
    )

    assert response.status_code == 200
    assert f"{field}:" in response.content.decode()
    assert not StockMovement.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("actor", ["procurement", "school_admin"])
def test_ticket_issue_part_by_roles_that_do_not_repair_is_refused(
    actor: str,
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    screen_ticket: tuple[Ticket, int, int],
):
    ticket, part_id, depot_id = screen_ticket

    response = login(request.getfixturevalue(actor)).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 1},
    )

    assert response.status_code in (403, 404)
    assert StockLevel.objects.get(part_id=part_id, stock_location_id=depot_id).on_hand == 3
