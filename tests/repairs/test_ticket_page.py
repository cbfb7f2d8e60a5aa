"""The ticket page leads with the moves its status allows, asks for fields only where a move
needs them, says what each action did, and prints as a work order."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from fleet.models import Location
from repairs.choices import TicketEventKind, TicketStatus
from repairs.models import StockMovement, Ticket, TicketEvent
from repairs.services import stock
from tests.fleet.factories import DeviceFactory, DeviceModelFactory
from tests.repairs.factories import PartFactory, StockLocationFactory, TicketFactory

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _page(client: Client, ticket: Ticket) -> str:
    response = client.get(reverse("repairs:ticket_detail", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _buttons(html: str) -> list[tuple[str, str, str]]:
    """(to_status, classes, text) of each one-click move button."""
    pattern = r'<button type="submit" name="to_status" value="([a-z_]+)"\s+class="([^"]+)">([^<]+)</button>'
    return [(value, classes, text.strip()) for value, classes, text in re.findall(pattern, html)]


@pytest.fixture
def stocked(technician: User) -> Callable[[Ticket], tuple[int, int]]:
    """Three fitting parts at a depot for a ticket's device model: (part id, depot id)."""

    def make(ticket: Ticket, unit_cost: Decimal = Decimal("45.17")) -> tuple[int, int]:
        part = PartFactory.create(description="11.6in HD panel", unit_cost=unit_cost)
        part.compatible_models.add(ticket.device.model)
        depot = StockLocationFactory.create(name="Central depot")
        stock.stock_receive(
            part=part, stock_location=depot, quantity=3, actor=technician, unit_cost=unit_cost
        )
        return part.pk, depot.pk

    return make


# Moves by status ------------------------------------------------------------------------------------


def test_triaged_ticket_offers_start_first_as_primary_and_asks_no_labour(login: Login, technician: User):
    ticket = TicketFactory.create(status=TicketStatus.TRIAGED)

    html = _page(login(technician), ticket)

    buttons = _buttons(html)
    assert buttons[0][0] == TicketStatus.IN_PROGRESS and "btn-primary" in buttons[0][1]
    assert all("btn-outline-secondary" in classes for _, classes, _ in buttons[1:])
    assert 'name="labour_minutes"' not in html and 'id="move-close"' not in html
    # Going to the vendor waits for the vendor to be recorded; beyond repair asks why.
    assert TicketStatus.AT_VENDOR not in [value for value, _, _ in buttons]
    assert "record the vendor or its RMA reference first" in html
    assert "<summary>Beyond economical repair</summary>" in html


def test_in_progress_ticket_leads_with_mark_repaired_and_asks_no_labour_until_closing(
    login: Login, technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)

    html = _page(login(technician), ticket)

    form = html[html.index('id="move-repaired"') : html.index("</form>", html.index('id="move-repaired"'))]
    assert 'class="btn btn-primary btn-lg w-100">Mark repaired' in form
    assert html.index('id="move-repaired"') < html.index('id="ticket-moves"')
    assert 'name="resolution_summary"' not in form
    assert 'name="labour_minutes"' not in html


def test_returned_ticket_closes_with_labour_and_resolution_and_reopens_with_a_note(
    login: Login, technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.RETURNED, problem_summary="")

    html = _page(login(technician), ticket)

    close = html[html.index('id="move-close"') : html.index("</form>", html.index('id="move-close"'))]
    for name in ("labour_minutes", "resolution_summary", "problem_summary"):
        assert f'name="{name}"' in close
    reopen = html[html.index('id="reopen"') :]
    assert 'name="note"' in reopen and "Reopen: back to triage" in reopen


def test_closed_ticket_shows_no_work_forms_only_the_reopen_fold(login: Login, technician: User):
    ticket = TicketFactory.create(status=TicketStatus.CLOSED, closed_at=timezone.now())

    html = _page(login(technician), ticket)

    assert "This ticket is closed" in html and '<details class="action-more" id="reopen">' in html
    for gone in ("part-issue", "move-close", "move-repaired", "ticket-moves", "Take this ticket", "Escalate"):
        assert gone not in html
    assert 'id="ticket-timeline"' in html


def test_beyond_repair_ticket_has_no_actions_at_all(login: Login, technician: User):
    ticket = TicketFactory.create(status=TicketStatus.BEYOND_REPAIR, closed_at=timezone.now())

    html = _page(login(technician), ticket)

    assert 'id="ticket-actions"' not in html and "<form" not in html.split('id="main"')[1]


def test_reader_who_may_not_work_tickets_sees_no_forms(login: Login, procurement: User):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)

    html = _page(login(procurement), ticket)

    assert 'id="ticket-actions"' not in html and "Print work order" in html


def test_page_formats_money_and_durations(login: Login, technician: User, stocked):
    soon = (timezone.localdate() + dt.timedelta(days=150)).replace(day=1)
    device = DeviceFactory.create(model=DeviceModelFactory.create(aue_month=soon))
    ticket = TicketFactory.create(device=device, status=TicketStatus.IN_PROGRESS)
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEventKind.STATUS_CHANGED,
        actor=technician,
        occurred_at=ticket.opened_at + dt.timedelta(hours=3, minutes=20),
        from_status=TicketStatus.NEW,
        to_status=TicketStatus.TRIAGED,
    )
    part_id, depot_id = stocked(ticket)
    client = login(technician)
    client.post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 1},
    )

    html = _page(client, ticket)

    assert "parts $45.17, labour" in html
    assert "<dt>Time to triage</dt><dd>3 h 20 min</dd>" in html
    assert "45.1700" not in html


# Each action says what it did --------------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_move_says_what_it_did(login: Login, technician: User):
    ticket = TicketFactory.create(status=TicketStatus.TRIAGED)
    url = reverse("repairs:ticket_transition", args=[ticket.pk])

    response = login(technician).post(url, {"to_status": "in_progress", "version": 1}, follow=True)

    assert f"Ticket #{ticket.pk} is now in progress." in response.content.decode()


def test_mark_repaired_saves_labour_and_resolution_with_the_move(login: Login, technician: User):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)
    url = reverse("repairs:ticket_transition", args=[ticket.pk])

    login(technician).post(
        url,
        {"to_status": "repaired", "version": 1, "labour_minutes": 25, "resolution_summary": "New panel"},
    )

    ticket.refresh_from_db()
    assert (ticket.status, ticket.labour_minutes, ticket.resolution_summary) == ("repaired", 25, "New panel")


def test_taking_a_ticket_assigns_it_to_me_and_says_so(login: Login, technician: User):
    ticket = TicketFactory.create(status=TicketStatus.TRIAGED)
    client = login(technician)
    assert "Take this ticket" in _page(client, ticket)

    response = client.post(
        reverse("repairs:ticket_assign", args=[ticket.pk]), {"assignee": technician.pk, "version": 1}
    )

    ticket.refresh_from_db()
    assert ticket.assignee == technician
    assert _messages(response) == [f"Ticket #{ticket.pk} is yours."]


def test_issuing_a_part_preselects_a_fitting_part_in_stock_and_says_what_went(
    login: Login, technician: User, stocked
):
    ticket = TicketFactory.create(status=TicketStatus.TRIAGED)
    part_id, depot_id = stocked(ticket)
    client = login(technician)

    html = _page(client, ticket)

    assert f'<option value="{part_id}" selected>' in html and f'<option value="{depot_id}" selected>' in html
    response = client.post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 1},
    )
    assert response.status_code == 302
    assert _messages(response)[0].startswith("Issued 1 x DEMO-")


def test_issuing_more_than_on_hand_answers_409_with_the_message_under_quantity(
    login: Login, technician: User, stocked
):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)
    part_id, depot_id = stocked(ticket)

    response = login(technician).post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 7},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 409
    quantity = html.index('id="id_quantity"')
    error = html.index('id="id_quantity-error" role="alert">Not enough')
    assert quantity < error < html.index('id="id_override_reason"')
    assert "Central depot: 3 on hand." in html
    assert not StockMovement.objects.filter(ticket=ticket).exists()


def test_editing_the_problem_keeps_labour_and_resolution(login: Login, technician: User):
    ticket = TicketFactory.create(
        status=TicketStatus.IN_PROGRESS, labour_minutes=15, resolution_summary="Reseated cable"
    )

    login(technician).post(
        reverse("repairs:ticket_record_work", args=[ticket.pk]),
        {"problem_summary": "Flicker at the hinge", "version": 1},
    )

    ticket.refresh_from_db()
    assert (ticket.problem_summary, ticket.labour_minutes, ticket.resolution_summary) == (
        "Flicker at the hinge",
        15,
        "Reseated cable",
    )


def test_opening_a_ticket_goes_to_it_saying_so(login: Login, technician: User):
    device = DeviceFactory.create()
    client = login(technician)

    form = client.get(reverse("repairs:ticket_open"), {"code": device.asset_tag}).content.decode()
    assert re.search(r'<select name="symptom"[^>]*autofocus', form)
    response = client.post(
        reverse("repairs:ticket_open"),
        {"code": device.asset_tag, "symptom": "screen", "damage_cause": "unknown", "priority": "normal"},
        follow=True,
    )

    ticket = Ticket.objects.get(device=device)
    assert response.redirect_chain[-1][0] == reverse("repairs:ticket_detail", args=[ticket.pk])
    assert f"Ticket #{ticket.pk} opened for {device.asset_tag}." in response.content.decode()


# Work order --------------------------------------------------------------------------------------------


def test_work_order_shows_device_problem_parts_and_the_tag_barcode(login: Login, technician: User, stocked):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS, problem_summary="Cracked LCD")
    part_id, depot_id = stocked(ticket)
    client = login(technician)
    client.post(
        reverse("repairs:ticket_issue_part", args=[ticket.pk]),
        {"part": part_id, "stock_location": depot_id, "quantity": 2},
    )
    assert reverse("repairs:ticket_work_order", args=[ticket.pk]) in _page(client, ticket)

    response = client.get(reverse("repairs:ticket_work_order", args=[ticket.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    device = ticket.device
    for text in (device.asset_tag, device.serial, device.model.name, device.location.name, "Cracked LCD"):
        assert text in html
    assert "11.6in HD panel" in html and '<td class="num">2</td>' in html
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert uri is not None
    svg = base64.b64decode(uri.group(1)).decode()
    assert svg.count("<rect") > 20 and device.asset_tag in svg
    assert 'style="' not in html.split("<body")[1]


def test_work_order_is_refused_to_a_user_who_may_not_view_tickets(login: Login, no_role_user: User):
    ticket = TicketFactory.create()

    assert login(no_role_user).get(reverse("repairs:ticket_work_order", args=[ticket.pk])).status_code == 403


def test_work_order_of_another_school_is_404_for_a_school_admin(login: Login, school_admin: User):
    ticket = TicketFactory.create()

    url = reverse("repairs:ticket_work_order", args=[ticket.pk])
    assert login(school_admin).get(url).status_code == 404


def test_work_order_of_their_school_is_shown_to_a_school_admin(login: Login, school_admin: User):
    school: Location = school_admin.profile.locations.get()
    ticket = TicketFactory.create(device=DeviceFactory.create(location=school))

    url = reverse("repairs:ticket_work_order", args=[ticket.pk])
    assert login(school_admin).get(url).status_code == 200


def test_issuing_a_part_preselects_a_part_for_the_symptom_before_others_in_stock(
    login: Login, technician: User
):
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS, symptom="screen")
    depot = StockLocationFactory.create(name="Central depot")
    parts = {}
    for category, quantity in (("charger", 9), ("lcd_panel", 1)):
        part = PartFactory.create(category=category)
        part.compatible_models.add(ticket.device.model)
        stock.stock_receive(
            part=part, stock_location=depot, quantity=quantity, actor=technician, unit_cost=Decimal("5")
        )
        parts[category] = part

    html = _page(login(technician), ticket)

    select = html[html.index('name="part"') : html.index("</select>", html.index('name="part"'))]
    assert f'<option value="{parts["lcd_panel"].pk}" selected>' in select
    assert f'<option value="{parts["charger"].pk}" selected>' not in select
