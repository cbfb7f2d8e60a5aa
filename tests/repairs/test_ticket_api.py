"""Tickets API: allowed, denied, not visible, field errors, conflicts and fixed query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from fleet.choices import DeviceStatus
from fleet.models import Location
from repairs.choices import TicketStatus
from repairs.models import Ticket
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], APIClient]
LIST = "/api/tickets/"


@pytest.fixture
def school(school_admin: User) -> Location:
    return school_admin.profile.locations.get()


def test_ticket_list_for_technician(token_api_client: ClientFor, technician: User) -> None:
    ticket = TicketFactory.create()
    response = token_api_client(technician).get(LIST)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [ticket.pk]
    assert response.json()["results"][0]["asset_tag"] == ticket.device.asset_tag


def test_ticket_list_filters_by_status(token_api_client: ClientFor, technician: User) -> None:
    TicketFactory.create(status=TicketStatus.NEW)
    closed = TicketFactory.create(status=TicketStatus.CLOSED)
    response = token_api_client(technician).get(LIST, {"state": "closed"})
    assert [row["id"] for row in response.json()["results"]] == [closed.pk]


def test_ticket_list_for_school_admin_shows_own_school_only(
    token_api_client: ClientFor, school_admin: User, school: Location
) -> None:
    mine = TicketFactory.create(device=DeviceFactory.create(location=school))
    TicketFactory.create()
    response = token_api_client(school_admin).get(LIST)
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_ticket_list_with_a_bad_filter_is_400(token_api_client: ClientFor, technician: User) -> None:
    response = token_api_client(technician).get(LIST, {"assignee": "abc", "status": "lost"})
    assert response.status_code == 400
    assert set(response.json()) == {"assignee", "status"}


def test_ticket_list_without_a_role_is_forbidden(token_api_client: ClientFor, no_role_user: User) -> None:
    assert token_api_client(no_role_user).get(LIST).status_code == 403


def test_ticket_list_anonymous_is_refused(api_client: APIClient) -> None:
    assert api_client.get(LIST).status_code in (401, 403)


def _count_list_queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return len(queries)


def test_ticket_list_query_count_does_not_grow_with_rows(
    token_api_client: ClientFor, technician: User
) -> None:
    client = token_api_client(technician)
    TicketFactory.create_batch(2, assignee=technician)
    few = _count_list_queries(client)
    TicketFactory.create_batch(8, assignee=technician)
    assert _count_list_queries(client) == few


def test_each_listed_ticket_is_what_the_serializer_makes_of_the_ticket_itself(
    token_api_client: ClientFor, technician: User
) -> None:
    """The list reads its page as columns (``selectors.ticket_api_rows``); every field, nulls
    and dates included, is what the serializer gives for the model instance."""
    from django.utils import timezone

    from repairs.api.serializers import TicketOutputSerializer
    from tests.repairs.factories import VendorFactory

    TicketFactory.create()  # no assignee, vendor or dates
    TicketFactory.create(
        assignee=technician,
        status=TicketStatus.AT_VENDOR,
        vendor=VendorFactory.create(),
        vendor_reference="RMA-7",
        shipped_at=timezone.now(),
        labour_minutes=35,
        resolution_summary="Swapped <the> panel & hinge",
    )
    rows = token_api_client(technician).get(LIST).json()["results"]

    tickets = Ticket.objects.order_by("-opened_at", "-pk")
    expected = [dict(data) for data in TicketOutputSerializer(tickets, many=True).data]
    assert rows == expected
    assert rows[0]["assignee"] == technician.username and rows[1]["assignee"] is None
    assert set(rows[0]) == set(TicketOutputSerializer.Meta.fields)


def test_ticket_create_by_asset_tag(token_api_client: ClientFor, technician: User) -> None:
    device = DeviceFactory.create()
    response = token_api_client(technician).post(
        LIST, {"asset_tag": device.asset_tag.lower(), "symptom": "screen", "damage_cause": "accidental"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["device_id"], body["status"], body["version"]) == (device.pk, "triaged", 1)
    assert body["events"][0]["kind"] == "opened"
    assert "close_to_aue" in body["flags"]


def test_ticket_create_by_serial(token_api_client: ClientFor, technician: User) -> None:
    device = DeviceFactory.create()
    response = token_api_client(technician).post(LIST, {"serial": device.serial, "symptom": "battery"})
    assert response.status_code == 201
    assert response.json()["device_id"] == device.pk


def test_ticket_create_without_a_code_gives_field_errors(
    token_api_client: ClientFor, technician: User
) -> None:
    response = token_api_client(technician).post(LIST, {"symptom": "sneezing"})
    assert response.status_code == 400
    assert set(response.json()) == {"symptom"}
    response = token_api_client(technician).post(LIST, {"symptom": "screen"})
    assert response.status_code == 400
    assert "asset_tag" in response.json()


def test_ticket_create_for_an_unknown_code_gives_a_field_error(
    token_api_client: ClientFor, technician: User
) -> None:
    response = token_api_client(technician).post(LIST, {"serial": "NOPE", "symptom": "screen"})
    assert response.status_code == 400
    assert "serial" in response.json()


def test_ticket_create_with_a_bad_location_gives_a_field_error(
    token_api_client: ClientFor, technician: User
) -> None:
    device = DeviceFactory.create()
    response = token_api_client(technician).post(
        LIST, {"asset_tag": device.asset_tag, "symptom": "screen", "location": "abc"}
    )
    assert response.status_code == 400
    assert "location" in response.json()


def test_ticket_create_by_school_admin_at_another_school_is_400_naming_location(
    token_api_client: ClientFor, school_admin: User, school: Location
) -> None:
    device = DeviceFactory.create(location=school)
    elsewhere = LocationFactory.create()

    response = token_api_client(school_admin).post(
        LIST, {"asset_tag": device.asset_tag, "symptom": "hinge", "location": elsewhere.pk}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["location"]
    assert not Ticket.objects.exists()


def test_ticket_transition_with_too_much_labour_is_400_naming_labour_minutes(
    token_api_client: ClientFor, technician: User
) -> None:
    ticket = TicketFactory.create(status=TicketStatus.RETURNED, resolution_summary="Fixed")

    response = token_api_client(technician).post(
        f"{LIST}{ticket.pk}/transition/", {"to_status": "closed", "version": 1, "labour_minutes": 2000}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["labour_minutes"]


def test_ticket_create_for_a_device_with_an_open_ticket_is_400(
    token_api_client: ClientFor, technician: User
) -> None:
    ticket = TicketFactory.create(device=DeviceFactory.create(status=DeviceStatus.IN_REPAIR))
    response = token_api_client(technician).post(
        LIST, {"asset_tag": ticket.device.asset_tag, "symptom": "screen"}
    )
    assert response.status_code == 400
    assert "already has open ticket" in response.json()["detail"]


def test_ticket_create_by_school_admin_for_own_school_is_a_request(
    token_api_client: ClientFor, school_admin: User, school: Location
) -> None:
    device = DeviceFactory.create(location=school)
    response = token_api_client(school_admin).post(LIST, {"asset_tag": device.asset_tag, "symptom": "hinge"})
    assert response.status_code == 201
    assert response.json()["status"] == "new"


def test_ticket_create_by_school_admin_for_another_school_finds_no_device(
    token_api_client: ClientFor, school_admin: User
) -> None:
    device = DeviceFactory.create()
    response = token_api_client(school_admin).post(LIST, {"asset_tag": device.asset_tag, "symptom": "hinge"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_ticket_create_by_procurement_is_forbidden(token_api_client: ClientFor, procurement: User) -> None:
    device = DeviceFactory.create()
    response = token_api_client(procurement).post(LIST, {"asset_tag": device.asset_tag, "symptom": "hinge"})
    assert response.status_code == 403


def test_ticket_detail(token_api_client: ClientFor, technician: User) -> None:
    ticket = TicketFactory.create()
    response = token_api_client(technician).get(f"/api/tickets/{ticket.pk}/")
    assert response.status_code == 200
    assert response.json()["next_statuses"] == ["triaged"]


def test_ticket_detail_not_visible_is_404(token_api_client: ClientFor, school_admin: User) -> None:
    ticket = TicketFactory.create()
    assert token_api_client(school_admin).get(f"/api/tickets/{ticket.pk}/").status_code == 404
    assert token_api_client(school_admin).get("/api/tickets/999999/").status_code == 404


def _transition(client: APIClient, ticket: Ticket, **data: object) -> Any:
    return client.post(f"/api/tickets/{ticket.pk}/transition/", data)


def test_ticket_transition(token_api_client: ClientFor, technician: User) -> None:
    ticket = TicketFactory.create()
    response = _transition(token_api_client(technician), ticket, to_status="triaged", version=1)
    assert response.status_code == 200
    assert response.json()["status"] == "triaged"
    assert response.json()["version"] == 2


def test_ticket_transition_with_a_stale_version_is_409(token_api_client: ClientFor, technician: User) -> None:
    ticket = TicketFactory.create(version=3)
    response = _transition(token_api_client(technician), ticket, to_status="triaged", version=2)
    assert response.status_code == 409


def test_ticket_transition_refused_by_the_workflow_is_400(
    token_api_client: ClientFor, technician: User
) -> None:
    ticket = TicketFactory.create()
    response = _transition(token_api_client(technician), ticket, to_status="closed", version=1)
    assert response.status_code == 400
    assert "cannot become closed" in response.json()["to_status"][0]


def test_ticket_transition_with_bad_input_gives_field_errors(
    token_api_client: ClientFor, technician: User
) -> None:
    ticket = TicketFactory.create()
    response = _transition(token_api_client(technician), ticket, to_status="nowhere", labour_minutes=-1)
    assert response.status_code == 400
    assert set(response.json()) == {"to_status", "version", "labour_minutes"}


def test_ticket_transition_by_school_admin_is_forbidden(
    token_api_client: ClientFor, school_admin: User, school: Location
) -> None:
    ticket = TicketFactory.create(device=DeviceFactory.create(location=school))
    response = _transition(token_api_client(school_admin), ticket, to_status="triaged", version=1)
    assert response.status_code == 403


def test_ticket_transition_not_visible_is_404(token_api_client: ClientFor, school_admin: User) -> None:
    ticket = TicketFactory.create()
    response = _transition(token_api_client(school_admin), ticket, to_status="triaged", version=1)
    assert response.status_code == 404
