"""Ticket pages: allowed, denied, not visible, htmx fragments, form errors and query counts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.choices import DeviceStatus
from fleet.models import Location
from repairs.choices import Priority, SupportTier, Symptom, TicketEventKind, TicketStatus
from repairs.models import Ticket
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.repairs.factories import TicketFactory, VendorFactory

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def school(school_admin: User) -> Location:
    return school_admin.profile.locations.get()


# Lists and queues -----------------------------------------------------------------------------------


def test_ticket_list_shows_tickets(login: Login, technician: User) -> None:
    ticket = TicketFactory.create()
    response = login(technician).get(reverse("repairs:ticket_list"))
    assert response.status_code == 200
    assert ticket.device.asset_tag in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_ticket_list_row_shows_each_column_as_the_ticket_has_it(login: Login, technician: User) -> None:
    """The rows are read as columns (``TicketListRow``), not model instances: each cell still says
    what the ticket's own fields say, escaped, newest first, the date in the district's time."""
    older = TicketFactory.create(
        device__model__name="Chromebook <b>311</b>",
        location=LocationFactory.create(name="Oak & Elm Elementary"),
        opened_at=dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC),  # 1 March, 22:00 in New York
        symptom=Symptom.HINGE,
        priority=Priority.URGENT,
        tier=SupportTier.VENDOR,
        status=TicketStatus.WAITING_FOR_PARTS,
        assignee=technician,
    )
    newer = TicketFactory.create(opened_at=dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC))

    body = login(technician).get(reverse("repairs:ticket_list")).content.decode()

    assert body.index(f">#{newer.pk}</a>") < body.index(f">#{older.pk}</a>")
    row = body[body.index(f">#{older.pk}</a>") :].split("</tr>")[0]
    assert f"<span>{older.device.asset_tag} <small" in row
    assert "Chromebook &lt;b&gt;311&lt;/b&gt;" in row and "<b>311" not in row
    assert '<td data-label="Opened" class="text-nowrap">2026-03-01</td>' in row
    assert '<td data-label="Symptom">Hinge or housing</td>' in row
    assert '<td data-label="Priority">Urgent</td>' in row
    assert '<td data-label="Tier">Vendor or warranty depot</td>' in row
    assert "status-waiting_for_parts" in row and ">Waiting for parts</span>" in row
    assert '<td data-label="Location">Oak &amp; Elm Elementary</td>' in row
    assert '<td data-label="Assignee">Terry Tech</td>' in row
    other = body[body.index(f">#{newer.pk}</a>") :].split("</tr>")[0]
    assert '<td data-label="Assignee">—</td>' in other and '<td data-label="Priority">Normal</td>' in other


def test_ticket_list_htmx_returns_the_results_fragment(login: Login, technician: User) -> None:
    TicketFactory.create(status=TicketStatus.CLOSED)
    response = login(technician).get(reverse("repairs:ticket_list"), {"state": "open"}, headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="ticket-results">')
    assert "0 tickets" in body


def test_ticket_list_with_a_bad_filter_shows_the_error(login: Login, technician: User) -> None:
    TicketFactory.create()
    response = login(technician).get(reverse("repairs:ticket_list"), {"assignee": "abc"})
    assert response.status_code == 200
    assert "0 tickets" in response.content.decode()


def test_ticket_list_for_school_admin_hides_other_schools(
    login: Login, school_admin: User, school: Location
) -> None:
    mine = TicketFactory.create(device=DeviceFactory.create(location=school))
    other = TicketFactory.create()
    body = login(school_admin).get(reverse("repairs:ticket_list")).content.decode()
    assert mine.device.asset_tag in body
    assert other.device.asset_tag not in body


def test_ticket_list_without_a_role_is_forbidden(login: Login, no_role_user: User) -> None:
    assert login(no_role_user).get(reverse("repairs:ticket_list")).status_code == 403


def test_ticket_list_anonymous_goes_to_login(client: Client) -> None:
    assert client.get(reverse("repairs:ticket_list")).status_code == 302


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers=HTMX).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["list", "mine", "location"])
def test_ticket_lists_keep_a_fixed_query_count(
    login: Login, technician: User, django_assert_num_queries: DjangoAssertNumQueries, page: str
) -> None:
    client = login(technician)
    place = LocationFactory.create()
    url = {
        "list": reverse("repairs:ticket_list"),
        "mine": reverse("repairs:ticket_queue_mine"),
        "location": reverse("repairs:ticket_queue_location", args=[place.pk]),
    }[page]

    def add(n: int) -> None:
        for _ in range(n):
            TicketFactory.create(
                assignee=technician,
                device=DeviceFactory.create(location=place),
                status=TicketStatus.IN_PROGRESS,
            )

    add(2)
    few = _queries(client, url)
    add(8)
    with django_assert_num_queries(few):
        client.get(url, headers=HTMX)


def test_my_queue_lists_only_my_open_tickets(login: Login, technician: User, supervisor: User) -> None:
    mine = TicketFactory.create(assignee=technician, status=TicketStatus.IN_PROGRESS)
    TicketFactory.create(assignee=technician, status=TicketStatus.CLOSED)
    theirs = TicketFactory.create(assignee=supervisor)
    body = login(technician).get(reverse("repairs:ticket_queue_mine")).content.decode()
    assert f"#{mine.pk}<" in body
    assert f"#{theirs.pk}<" not in body


def test_my_queue_for_school_admin_is_forbidden(login: Login, school_admin: User) -> None:
    assert login(school_admin).get(reverse("repairs:ticket_queue_mine")).status_code == 403


def test_location_queue_of_another_school_is_404_for_school_admin(login: Login, school_admin: User) -> None:
    url = reverse("repairs:ticket_queue_location", args=[LocationFactory.create().pk])
    assert login(school_admin).get(url).status_code == 404


# One ticket -----------------------------------------------------------------------------------------


def test_ticket_detail_shows_timeline_and_actions(login: Login, technician: User) -> None:
    ticket = TicketFactory.create()
    response = login(technician).get(reverse("repairs:ticket_detail", args=[ticket.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="ticket-actions"' in body and 'id="ticket-timeline"' in body


def test_ticket_detail_for_school_admin_has_no_actions(
    login: Login, school_admin: User, school: Location
) -> None:
    ticket = TicketFactory.create(device=DeviceFactory.create(location=school))
    body = login(school_admin).get(reverse("repairs:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'id="ticket-actions"' not in body


def test_ticket_detail_not_visible_is_404(login: Login, school_admin: User) -> None:
    ticket = TicketFactory.create()
    assert login(school_admin).get(reverse("repairs:ticket_detail", args=[ticket.pk])).status_code == 404


def test_ticket_transition_redirects_to_the_ticket(login: Login, technician: User) -> None:
    ticket = TicketFactory.create()
    url = reverse("repairs:ticket_transition", args=[ticket.pk])
    response = login(technician).post(url, {"to_status": "triaged", "version": 1}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("repairs:ticket_detail", args=[ticket.pk])
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRIAGED


def test_ticket_transition_refused_rerenders_the_actions_fragment(login: Login, technician: User) -> None:
    ticket = TicketFactory.create(status=TicketStatus.RETURNED, problem_summary="")
    url = reverse("repairs:ticket_transition", args=[ticket.pk])
    response = login(technician).post(url, {"to_status": "closed", "version": 1}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="ticket-actions"')
    assert "To close the ticket, record" in body


def test_ticket_transition_with_a_stale_version_is_409(login: Login, technician: User) -> None:
    ticket = TicketFactory.create(version=2)
    url = reverse("repairs:ticket_transition", args=[ticket.pk])
    response = login(technician).post(url, {"to_status": "triaged", "version": 1}, headers=HTMX)
    assert response.status_code == 409
    assert "Reload" in response.content.decode()


def test_ticket_transition_by_school_admin_is_forbidden(
    login: Login, school_admin: User, school: Location
) -> None:
    ticket = TicketFactory.create(device=DeviceFactory.create(location=school))
    url = reverse("repairs:ticket_transition", args=[ticket.pk])
    assert login(school_admin).post(url, {"to_status": "triaged", "version": 1}).status_code == 403


def test_ticket_assign_and_escalate(login: Login, supervisor: User, technician: User) -> None:
    ticket = TicketFactory.create()
    client = login(supervisor)
    client.post(reverse("repairs:ticket_assign", args=[ticket.pk]), {"assignee": technician.pk, "version": 1})
    client.post(reverse("repairs:ticket_escalate", args=[ticket.pk]), {"note": "board", "version": 2})
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.tier, ticket.version) == (technician, SupportTier.SECOND, 3)
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == [TicketEventKind.ASSIGNED, TicketEventKind.ESCALATED]


def test_ticket_vendor_and_work_forms_save(login: Login, technician: User) -> None:
    ticket = TicketFactory.create()
    vendor = VendorFactory.create()
    client = login(technician)
    client.post(
        reverse("repairs:ticket_update_vendor", args=[ticket.pk]),
        {"vendor": vendor.pk, "vendor_reference": "RMA-9", "coverage": "warranty", "version": 1},
    )
    client.post(
        reverse("repairs:ticket_record_work", args=[ticket.pk]),
        {"problem_summary": "Cracked", "resolution_summary": "New panel", "labour_minutes": 20, "version": 2},
    )
    ticket.refresh_from_db()
    assert (ticket.vendor, ticket.vendor_reference, ticket.labour_minutes) == (vendor, "RMA-9", 20)


def test_ticket_form_errors_are_shown(login: Login, technician: User) -> None:
    ticket = TicketFactory.create()
    url = reverse("repairs:ticket_record_work", args=[ticket.pk])
    response = login(technician).post(url, {"labour_minutes": "lots", "version": 1}, headers=HTMX)
    assert response.status_code == 200
    assert "labour_minutes" in response.content.decode()


def test_ticket_loaner_hand_out_and_take_back(login: Login, technician: User) -> None:
    ticket = TicketFactory.create(status=TicketStatus.IN_PROGRESS)
    loaner = DeviceFactory.create(is_loaner=True, status=DeviceStatus.LOANER_POOL)
    client = login(technician)
    client.post(
        reverse("repairs:ticket_loaner_check_out", args=[ticket.pk]),
        {"code": loaner.asset_tag, "borrower_id": "S1234"},
    )
    loaner.refresh_from_db()
    assert loaner.status == DeviceStatus.LOANED_OUT
    client.post(reverse("repairs:ticket_loaner_return", args=[ticket.pk]))
    loaner.refresh_from_db()
    assert loaner.status == DeviceStatus.LOANER_POOL


# Opening ------------------------------------------------------------------------------------------


def test_ticket_open_page_prefills_the_scan(login: Login, technician: User) -> None:
    response = login(technician).get(reverse("repairs:ticket_open"), {"code": "CB-000123"})
    assert response.status_code == 200
    assert 'value="CB-000123"' in response.content.decode()


def test_ticket_open_from_a_scan(login: Login, technician: User) -> None:
    device = DeviceFactory.create()
    response = login(technician).post(
        reverse("repairs:ticket_open"),
        {"code": device.asset_tag, "symptom": "screen", "damage_cause": "accidental", "priority": "normal"},
    )
    ticket = Ticket.objects.get(device=device)
    assert response.status_code == 302
    assert response["Location"] == reverse("repairs:ticket_detail", args=[ticket.pk])


def test_ticket_open_unknown_code_rerenders_the_form(login: Login, technician: User) -> None:
    response = login(technician).post(
        reverse("repairs:ticket_open"),
        {"code": "NOPE", "symptom": "screen", "damage_cause": "unknown", "priority": "normal"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="open-form"')
    assert "No single device" in body


def test_school_admin_repair_request_for_own_school(
    login: Login, school_admin: User, school: Location
) -> None:
    device = DeviceFactory.create(location=school)
    client = login(school_admin)
    assert "Request a repair" in client.get(reverse("repairs:ticket_open")).content.decode()
    client.post(
        reverse("repairs:ticket_open"),
        {"code": device.asset_tag, "symptom": "keyboard", "damage_cause": "wear", "priority": "normal"},
    )
    assert Ticket.objects.get(device=device).status == TicketStatus.NEW


def test_ticket_open_for_procurement_is_forbidden(login: Login, procurement: User) -> None:
    assert login(procurement).get(reverse("repairs:ticket_open")).status_code == 403


def test_bulk_intake_reports_each_scan(login: Login, technician: User) -> None:
    first, second = DeviceFactory.create(), DeviceFactory.create()
    response = login(technician).post(
        reverse("repairs:ticket_intake"),
        {
            "codes": f"{first.asset_tag}\nNOPE\n{second.asset_tag}",
            "symptom": "screen",
            "damage_cause": "unknown",
            "priority": "normal",
        },
        headers=HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="intake-form">')
    assert "2 of 3 opened" in body
    assert Ticket.objects.count() == 2


def test_bulk_intake_for_school_admin_is_forbidden(login: Login, school_admin: User) -> None:
    assert login(school_admin).get(reverse("repairs:ticket_intake")).status_code == 403


def test_device_page_links_to_open_a_ticket(login: Login, technician: User) -> None:
    device = DeviceFactory.create()
    body = login(technician).get(reverse("fleet:device_detail", args=[device.pk])).content.decode()
    assert f"{reverse('repairs:ticket_open')}?code={device.asset_tag}" in body


def test_nav_shows_tickets(login: Login, technician: User) -> None:
    body = login(technician).get(reverse("repairs:ticket_list")).content.decode()
    assert re.search(rf'href="{reverse("repairs:ticket_list")}"[^>]*>Tickets<', body)
