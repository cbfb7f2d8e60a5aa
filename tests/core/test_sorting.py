"""The lists' "Sort by": choice columns in their declared order, ties broken by id so pages never
overlap, on the pages, the list APIs and the filter sets behind both."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.choices import choice_rank
from fleet.choices import DeviceStatus
from fleet.filters import DeviceFilterSet
from fleet.models import Device
from repairs.choices import Priority, TicketStatus
from repairs.filters.tickets import TicketFilterSet
from repairs.models import Ticket
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]

PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]


def _tickets(count: int) -> list[Ticket]:
    """``count`` tickets on one device, priorities and statuses repeating: many ties."""
    device = DeviceFactory.create()
    first = TicketFactory.create(device=device)
    priorities = itertools.cycle([Priority.HIGH, Priority.LOW, Priority.URGENT, Priority.NORMAL])
    statuses = itertools.cycle(list(TicketStatus))
    Ticket.objects.bulk_create(
        Ticket(
            device=device,
            location=device.location,
            reporter=first.reporter,
            opened_at=first.opened_at,
            symptom=first.symptom,
            priority=next(priorities),
            status=next(statuses),
            problem_summary="Cracked screen",
        )
        for _ in range(count - 1)
    )
    return list(Ticket.objects.all())


def _sorted_ids(filterset_class, ordering: str) -> list[int]:  # type: ignore[no-untyped-def]
    return list(filterset_class({"ordering": ordering}).qs.values_list("pk", flat=True))


def test_choice_rank_is_the_declared_place_and_last_for_an_unknown_value():
    device = DeviceFactory.create(status=DeviceStatus.RETIRED)
    Device.objects.filter(pk=device.pk).update(status="gone")  # a value no longer a choice
    DeviceFactory.create(status=DeviceStatus.IN_STOCK)

    ranked = Device.objects.annotate(rank=choice_rank("status", DeviceStatus))
    ranks = dict(ranked.values_list("status", "rank"))

    assert ranks == {"gone": len(DeviceStatus.values), DeviceStatus.IN_STOCK: 0}


@pytest.mark.parametrize("descending", [False, True])
def test_tickets_sort_by_priority_from_low_to_urgent_ties_by_id_in_the_same_direction(descending: bool):
    tickets = _tickets(24)

    ids = _sorted_ids(TicketFilterSet, "-priority" if descending else "priority")

    def key(t: Ticket) -> tuple[int, int]:
        return (PRIORITY_ORDER.index(Priority(t.priority)), t.pk)

    assert ids == [t.pk for t in sorted(tickets, key=key, reverse=descending)]
    first = Ticket.objects.get(pk=ids[0])
    assert first.priority == (Priority.URGENT if descending else Priority.LOW)


def test_tickets_sort_by_status_along_the_workflow():
    tickets = _tickets(30)

    ids = _sorted_ids(TicketFilterSet, "status")

    workflow = list(TicketStatus)
    expected = sorted(tickets, key=lambda t: (workflow.index(TicketStatus(t.status)), t.pk))
    assert ids == [t.pk for t in expected]


def test_a_sort_on_a_plain_column_breaks_ties_by_id_too():
    tickets = _tickets(12)  # one device: the same asset tag on every ticket

    assert _sorted_ids(TicketFilterSet, "asset_tag") == sorted(t.pk for t in tickets)
    assert _sorted_ids(TicketFilterSet, "-asset_tag") == sorted((t.pk for t in tickets), reverse=True)


def test_devices_sort_by_status_in_their_lifecycle_order():
    statuses = [DeviceStatus.RETIRED, DeviceStatus.IN_STOCK, DeviceStatus.IN_REPAIR, DeviceStatus.DEPLOYED]
    devices = [DeviceFactory.create(status=status) for status in statuses * 2]

    ids = _sorted_ids(DeviceFilterSet, "status")

    lifecycle = list(DeviceStatus)
    expected = sorted(devices, key=lambda d: (lifecycle.index(DeviceStatus(d.status)), d.pk))
    assert ids == [d.pk for d in expected]


def test_a_sort_by_a_unique_column_or_by_id_adds_no_second_key():
    DeviceFactory.create_batch(3)

    assert DeviceFilterSet({"ordering": "asset_tag"}).qs.query.order_by[-1] == "pk"  # unique, harmless
    assert TicketFilterSet({}).qs.query.order_by == ()  # no sort asked: the model's own ordering


def test_ticket_list_pages_sorted_by_priority_cover_every_ticket_once(login: Login, admin_user: User):
    tickets = _tickets(120)  # three pages of 50, 30 tickets of each priority
    client = login(admin_user)
    url = reverse("repairs:ticket_list")

    pages = [client.get(url, {"ordering": "-priority", "page": n}) for n in (1, 2, 3)]

    seen = [row.pk for page in pages for row in page.context["page"].object_list]
    assert sorted(seen) == sorted(t.pk for t in tickets)  # none twice, none missing
    assert {Ticket.objects.get(pk=pk).priority for pk in seen[:30]} == {Priority.URGENT}
    again = client.get(url, {"ordering": "-priority", "page": "2"})
    assert [row.pk for row in again.context["page"].object_list] == seen[50:100]


def test_ticket_list_offers_the_sort_as_people_say_it(login: Login, technician: User):
    response = login(technician).get(reverse("repairs:ticket_list"))

    html = response.content.decode()
    assert '<label class="form-label" for="id_ordering">Sort by</label>' in html
    assert '<option value="" selected>Newest first</option>' in html
    assert '<option value="-priority">Priority (descending)</option>' in html


def test_ticket_api_sorted_by_priority_lists_urgent_first(login: Login, admin_user: User):
    _tickets(8)

    response = login(admin_user).get("/api/tickets/", {"ordering": "-priority"})

    assert response.status_code == 200
    priorities = [row["priority"] for row in response.json()["results"]]
    assert priorities == [p for p in reversed(PRIORITY_ORDER) for _ in range(2)]


def test_an_unknown_sort_is_refused_by_name(login: Login, admin_user: User):
    response = login(admin_user).get("/api/tickets/", {"ordering": "reporter__password"})

    assert response.status_code == 400
    assert "ordering" in response.json()
