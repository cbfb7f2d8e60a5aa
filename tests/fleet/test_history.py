"""A device's History tab and ``/api/devices/{id}/history/``: every change, who made it, when.

History is written by PostgreSQL triggers, so these tests need PostgreSQL; on SQLite the tab says
so and the API answers an empty list.
"""

from __future__ import annotations

import pghistory
import pytest
from django.db import connection
from django.urls import reverse

from fleet.choices import DeviceStatus
from fleet.models import Device
from tests.fleet.factories import DeviceFactory, LocationFactory

pytestmark = pytest.mark.django_db


def _history(client, device: Device):
    return client.get(reverse("fleet:device_history", args=[device.pk]))


@pytest.mark.postgres
def test_device_status_changed_on_its_page_shows_on_history_with_values_and_name(login, technician):
    device = DeviceFactory.create(status=DeviceStatus.IN_STOCK)
    client = login(technician)

    response = client.post(
        reverse("fleet:device_change_status", args=[device.pk]),
        {"to_status": DeviceStatus.DEPLOYED, "reason": "Issued", "version": device.version},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302

    page = _history(client, device)
    assert page.status_code == 200
    assert page.templates[0].name == "components/history.html"
    entry = page.context["entries"][0]
    assert (entry.action, str(entry.user)) == ("update", "Terry Tech")
    assert (entry.url, entry.remote_addr) == (f"/fleet/devices/{device.pk}/status/", "10.1.2.3")
    assert [(c.field, c.old_display, c.new_display) for c in entry.changes] == [
        ("status", "In stock", "Deployed")
    ]
    html = page.content.decode()
    assert "Status</span>: In stock → Deployed" in html
    assert "Terry Tech" in html


@pytest.mark.postgres
def test_device_queryset_update_is_recorded_with_the_context_user(login, admin_user):
    device = DeviceFactory.create(notes="")
    with pghistory.context(user=admin_user.pk):
        Device.objects.filter(pk=device.pk).update(notes="Dent on the lid")

    entry = _history(login(admin_user), device).context["entries"][0]

    assert str(entry.user) == "Ada Admin"
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("notes", "", "Dent on the lid")]


@pytest.mark.postgres
def test_device_history_is_newest_first_and_lists_the_creation(login, technician):
    device = DeviceFactory.create(status=DeviceStatus.IN_STOCK)
    Device.objects.filter(pk=device.pk).update(os_version="120")
    Device.objects.filter(pk=device.pk).update(os_version="121")

    entries = _history(login(technician), device).context["entries"]

    assert [e.action for e in entries] == ["update", "update", "insert"]
    assert [(c.old, c.new) for c in entries[0].changes] == [("120", "121")]
    created = {c.field: c.new_display for c in entries[2].changes}
    assert created["asset_tag"] == device.asset_tag
    assert created["status"] == "In stock"
    assert created["location"] == device.location.name  # a related row by name, not its id


@pytest.mark.postgres
def test_device_history_pages_after_25_entries(login, technician):
    device = DeviceFactory.create()
    for n in range(26):
        Device.objects.filter(pk=device.pk).update(os_version=str(n))
    client = login(technician)

    first, second = (
        _history(client, device),
        client.get(reverse("fleet:device_history", args=[device.pk]), {"page": 2}),
    )

    assert len(first.context["entries"]) == 25
    assert [e.action for e in second.context["entries"]] == ["update", "insert"]
    assert 'href="?page=2"' in first.content.decode()


@pytest.mark.postgres
def test_device_delete_is_recorded(admin_user):
    device = DeviceFactory.create()
    device_id = device.pk
    with pghistory.context(user=admin_user.pk):
        device.delete()

    deleted = Device.history.rel.related_model.objects.get(pgh_obj_id=device_id, pgh_label="delete")  # type: ignore[attr-defined]

    assert deleted.asset_tag == device.asset_tag
    assert deleted.pgh_context.metadata["user"] == admin_user.pk


@pytest.mark.postgres
def test_device_history_page_query_count_is_pinned(login, technician, django_assert_num_queries):
    device = DeviceFactory.create()
    for n in range(5):
        Device.objects.filter(pk=device.pk).update(os_version=str(n), location=LocationFactory.create())
    client = login(technician)
    client.get(reverse("portal:home"))  # session and role caches warm

    # session, user, roles, device; count, page; then one per model the page's changes name
    # (locations, and the creation's model and manufacturer), whatever the number of entries
    with django_assert_num_queries(9):
        response = _history(client, device)
    assert response.status_code == 200


def test_device_history_for_a_school_admin_is_their_schools_only(login, school_admin):
    own = DeviceFactory.create(location=school_admin.profile.locations.get())
    other = DeviceFactory.create()
    client = login(school_admin)

    assert _history(client, own).status_code == 200
    assert _history(client, other).status_code == 404


def test_device_history_refused_to_a_user_without_a_fleet_role(login, no_role_user):
    device = DeviceFactory.create()

    assert _history(login(no_role_user), device).status_code == 403


def test_device_history_anonymous_goes_to_login(client):
    device = DeviceFactory.create()

    response = _history(client, device)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_device_page_links_its_history_tab(login, technician):
    device = DeviceFactory.create()

    response = login(technician).get(reverse("fleet:device_detail", args=[device.pk]))

    assert reverse("fleet:device_history", args=[device.pk]) in response.content.decode()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only: PostgreSQL records history")
def test_device_history_on_sqlite_says_history_is_recorded_on_postgresql(login, technician):
    device = DeviceFactory.create()

    response = _history(login(technician), device)

    assert response.status_code == 200
    assert "History is recorded on PostgreSQL only" in response.content.decode()


# API ----------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_device_history_api_returns_who_when_and_changes(login, technician):
    device = DeviceFactory.create(status=DeviceStatus.IN_STOCK)
    client = login(technician)
    client.post(
        reverse("fleet:device_change_status", args=[device.pk]),
        {"to_status": DeviceStatus.DEPLOYED, "reason": "", "version": device.version},
    )

    body = client.get(reverse("api:device-history", args=[device.pk])).json()

    assert body["count"] == 2
    latest = body["results"][0]
    assert latest["action"] == "update"
    assert latest["user"] == {"id": technician.pk, "name": "Terry Tech"}
    assert latest["changes"] == {"status": ["in_stock", "deployed"]}
    assert latest["model"] == "fleet.Device"
    assert body["results"][1]["action"] == "insert"


def test_device_history_api_visibility(login, school_admin):
    own = DeviceFactory.create(location=school_admin.profile.locations.get())
    other = DeviceFactory.create()
    client = login(school_admin)

    assert client.get(reverse("api:device-history", args=[own.pk])).status_code == 200
    assert client.get(reverse("api:device-history", args=[other.pk])).status_code == 404


def test_device_history_api_refused_to_a_user_without_a_role(login, no_role_user):
    device = DeviceFactory.create()

    response = login(no_role_user).get(reverse("api:device-history", args=[device.pk]))

    assert response.status_code == 403
