"""Fleet API: locations, device models, devices with the list's filters, detail and custody."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.models import User
from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LocationFactory

pytestmark = pytest.mark.django_db

URLS = ["/api/locations/", "/api/device-models/", "/api/devices/"]


@pytest.mark.parametrize("url", URLS)
def test_fleet_api_anonymous_is_refused(api_client: APIClient, url: str):
    assert api_client.get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", URLS)
def test_fleet_api_without_role_is_forbidden(
    token_api_client: Callable[[User], APIClient], no_role_user: User, url: str
):
    assert token_api_client(no_role_user).get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("actor", ["technician", "supervisor", "procurement", "school_admin", "admin_user"])
def test_fleet_api_lists_for_each_role(
    token_api_client: Callable[[User], APIClient], request: pytest.FixtureRequest, actor: str, url: str
):
    response = token_api_client(request.getfixturevalue(actor)).get(url)

    assert response.status_code == 200
    assert "results" in response.json()


def test_device_list_api_filters_like_the_page_with_q_prefix(
    token_api_client: Callable[[User], APIClient], technician: User
):
    school = LocationFactory.create()
    hit = DeviceFactory.create(asset_tag="CB-7000001", location=school, status=DeviceStatus.IN_REPAIR)
    DeviceFactory.create(asset_tag="CB-7000002", location=school)
    DeviceFactory.create(asset_tag="CB-8000001", status=DeviceStatus.IN_REPAIR)

    response = token_api_client(technician).get(
        "/api/devices/", {"q": "cb-7", "status": "in_repair", "location": str(school.pk)}
    )

    assert [d["asset_tag"] for d in response.json()["results"]] == [hit.asset_tag]


def test_device_list_api_with_invalid_filter_is_400_with_field_errors(
    token_api_client: Callable[[User], APIClient], technician: User
):
    response = token_api_client(technician).get("/api/devices/", {"status": "melted", "location": "abc"})

    assert response.status_code == 400
    assert set(response.json()) >= {"status", "location"}


def test_device_list_api_query_count_is_fixed_whatever_the_page(
    token_api_client: Callable[[User], APIClient],
    technician: User,
    django_assert_num_queries: DjangoAssertNumQueries,
):
    client = token_api_client(technician)
    DeviceFactory.create_batch(3)
    # Token and user, roles, count, the page's ids, their rows.
    with django_assert_num_queries(5):
        client.get("/api/devices/")
    DeviceFactory.create_batch(30, model=DeviceModelFactory.create(), location=LocationFactory.create())
    with django_assert_num_queries(5):
        client.get("/api/devices/")


@pytest.mark.parametrize("actor", ["technician", "procurement"])
def test_each_listed_device_is_what_the_serializer_makes_of_the_device_itself(
    token_api_client: Callable[[User], APIClient], request: pytest.FixtureRequest, actor: str
):
    """The list reads its page as columns (``selectors.device_api_rows``); every field is what
    the serializer gives for the model instance: a device in a vehicle, one with its own AUE
    date from Google, an assignee shown or hidden by role, no warranty."""
    import datetime as dt

    from fleet.api.serializers import DeviceOutputSerializer
    from fleet.models import Device
    from fleet.permissions import can_see_assignee
    from tests.accounts.factories import UserFactory

    user = request.getfixturevalue(actor)
    DeviceFactory.create(
        custodian=UserFactory.create(username="van.driver"),
        assignee_kind=AssigneeKind.STUDENT,
        assignee_id="1234567",
    )
    DeviceFactory.create(aue_override=dt.date(2031, 6, 1), warranty_end=None, os_version="158.0.1")

    rows = token_api_client(user).get("/api/devices/").json()["results"]

    devices = Device.objects.order_by("asset_tag")
    context = {"show_assignee": can_see_assignee(user)}
    assert rows == [dict(data) for data in DeviceOutputSerializer(devices, many=True, context=context).data]
    assert rows[0]["in_vehicle_of"] == "van.driver" and rows[1]["in_vehicle_of"] is None
    assert (rows[0]["assignee_id"] == "1234567") is (actor == "technician")
    assert rows[1]["aue_date"] == "2031-06-01" and rows[0]["aue_date"] == "2030-06-30"


def test_device_list_api_for_school_admin_shows_own_school_only(
    token_api_client: Callable[[User], APIClient], school_admin: User
):
    mine = DeviceFactory.create(location=school_admin.profile.locations.get())
    DeviceFactory.create()

    results = token_api_client(school_admin).get("/api/devices/").json()["results"]

    assert [d["id"] for d in results] == [mine.pk]


def test_location_list_api_for_school_admin_shows_own_school_only(
    token_api_client: Callable[[User], APIClient], school_admin: User
):
    LocationFactory.create()

    results = token_api_client(school_admin).get("/api/locations/").json()["results"]

    assert [loc["name"] for loc in results] == ["Maple Elementary"]


def test_device_detail_api_hides_assignee_from_procurement_and_shows_it_to_technicians(
    token_api_client: Callable[[User], APIClient], procurement: User, technician: User
):
    device = DeviceFactory.create(assignee_kind=AssigneeKind.STUDENT, assignee_id="1234567")
    url = reverse("api:device-detail", args=[device.pk])

    as_buyer = token_api_client(procurement).get(url).json()
    as_tech = token_api_client(technician).get(url).json()

    assert as_buyer["assignee_id"] is None and as_buyer["assignee_kind"] is None
    assert as_tech["assignee_id"] == "1234567"
    assert as_tech["aue_date"] == "2030-06-30"


def test_device_detail_api_of_another_school_for_school_admin_is_404(
    token_api_client: Callable[[User], APIClient], school_admin: User
):
    device = DeviceFactory.create()

    assert (
        token_api_client(school_admin).get(reverse("api:device-detail", args=[device.pk])).status_code == 404
    )


def test_device_custody_api_lists_events_newest_first(
    token_api_client: Callable[[User], APIClient], technician: User
):
    device = DeviceFactory.create()
    for day, kind in [(1, CustodyEventKind.RECEIVED), (2, CustodyEventKind.DEPLOYED)]:
        CustodyEvent.objects.create(device=device, kind=kind, occurred_at=f"2025-08-0{day}T12:00Z")

    response = token_api_client(technician).get(reverse("api:device-custody", args=[device.pk]))

    assert [e["kind"] for e in response.json()["results"]] == ["deployed", "received"]


def test_device_custody_api_of_unknown_device_is_404(
    token_api_client: Callable[[User], APIClient], technician: User
):
    assert token_api_client(technician).get(reverse("api:device-custody", args=[999999])).status_code == 404
