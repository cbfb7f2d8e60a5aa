"""The device admin cannot move a status or custody by hand: its actions go through the device
services, which write the custody event with the admin as actor."""

from collections.abc import Callable

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client
from django.urls import reverse

from accounts.models import User
from fleet.choices import CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent, Device, LocationAudit
from tests.core.admin_support import admin_url, change_form_data, run_action, shown_messages
from tests.fleet.factories import CustodyEventFactory, DeviceFactory, LocationAuditFactory, LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_(superuser: User, login: Callable[[User], Client]) -> Client:
    return login(superuser)


def test_device_change_form_posting_a_status_or_location_leaves_them_unchanged(client_: Client):
    device = DeviceFactory.create(status=DeviceStatus.DEPLOYED, notes="")
    elsewhere = LocationFactory.create()
    data = change_form_data(client_, device)
    assert "status" not in data and "location" not in data
    data.update(status=DeviceStatus.RETIRED, location=str(elsewhere.pk), notes="Sticker replaced")

    response = client_.post(admin_url(device, "change", device.pk), data)

    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.status, device.location_id, device.notes) == (
        DeviceStatus.DEPLOYED,
        device.location_id,
        "Sticker replaced",
    )
    assert device.location_id != elsewhere.pk
    assert not CustodyEvent.objects.filter(device=device).exists()


def test_device_change_status_action_writes_custody_event_with_old_new_status_and_admin(
    client_: Client, superuser: User
):
    device = DeviceFactory.create(
        status=DeviceStatus.DEPLOYED, assignee_kind="student", assignee_id="S1234567"
    )

    first = run_action(client_, Device, "change_status", [device])
    assert first.status_code == 200
    assert "Change the status of devices" in first.content.decode()
    response = run_action(
        client_, Device, "change_status", [device], to_status=DeviceStatus.IN_REPAIR, reason="Screen cracked"
    )

    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_REPAIR
    event = CustodyEvent.objects.get(device=device)
    assert event.kind == CustodyEventKind.STATUS_CHANGED
    assert (event.from_status, event.to_status) == (DeviceStatus.DEPLOYED, DeviceStatus.IN_REPAIR)
    assert event.actor == superuser
    assert event.reason == "Screen cracked"
    assert shown_messages(response) == ["Changed the status of 1 device."]
    entry = LogEntry.objects.get(object_id=str(device.pk), action_flag=CHANGE)
    assert entry.user == superuser
    assert "Status: Deployed → In repair" in entry.get_change_message()
    assert "Reason: Screen cracked" in entry.get_change_message()


@pytest.mark.postgres
def test_device_status_changed_by_admin_action_shows_on_history_tab_with_admin_name(
    client_: Client, superuser: User
):
    device = DeviceFactory.create(status=DeviceStatus.IN_STOCK)

    run_action(client_, Device, "change_status", [device], to_status=DeviceStatus.DEPLOYED, reason="Issued")

    page = client_.get(reverse("fleet:device_history", args=[device.pk]))
    entry = page.context["entries"][0]
    assert str(entry.user) == str(superuser)
    assert ("status", "In stock", "Deployed") in [
        (c.field, c.old_display, c.new_display) for c in entry.changes
    ]


def test_device_change_status_action_refused_by_lifecycle_names_device_and_reason(client_: Client):
    gone = DeviceFactory.create(status=DeviceStatus.E_WASTE)
    fine = DeviceFactory.create(status=DeviceStatus.IN_STOCK)

    response = run_action(
        client_, Device, "change_status", [gone, fine], to_status=DeviceStatus.DEPLOYED, reason="Back out"
    )

    gone.refresh_from_db()
    fine.refresh_from_db()
    assert gone.status == DeviceStatus.E_WASTE
    assert fine.status == DeviceStatus.DEPLOYED  # each device in its own transaction
    assert not CustodyEvent.objects.filter(device=gone).exists()
    messages = shown_messages(response)
    assert messages[0].startswith(f"{gone} was not changed: ")
    assert "A device that is e-waste cannot become deployed." in messages[0]
    assert messages[1] == "Changed the status of 1 device."
    assert not LogEntry.objects.filter(object_id=str(gone.pk)).exists()


def test_device_change_status_action_without_reason_shows_the_form_again(client_: Client):
    device = DeviceFactory.create(status=DeviceStatus.IN_STOCK)

    response = run_action(
        client_, Device, "change_status", [device], to_status=DeviceStatus.DEPLOYED, reason=""
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_STOCK


def test_device_move_action_writes_transfer_event_with_admin(client_: Client, superuser: User):
    device = DeviceFactory.create(status=DeviceStatus.IN_STOCK)
    depot = LocationFactory.create(name="Central depot")
    before = device.location

    run_action(client_, Device, "move_to_location", [device], to_location=str(depot.pk), reason="Reimage")

    device.refresh_from_db()
    assert device.location == depot
    event = CustodyEvent.objects.get(device=device)
    assert (event.kind, event.actor, event.from_location, event.to_location) == (
        CustodyEventKind.TRANSFERRED,
        superuser,
        before,
        depot,
    )


def test_custody_events_cannot_be_added_changed_or_deleted_in_admin(client_: Client):
    event = CustodyEventFactory.create(reason="Received")

    assert client_.get(admin_url(CustodyEvent, "add")).status_code == 403
    assert client_.post(admin_url(event, "change", event.pk), {"reason": "Edited"}).status_code == 403
    assert client_.post(admin_url(event, "delete", event.pk), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.reason == "Received"


def test_location_audit_finish_action_goes_through_the_service(client_: Client, superuser: User):
    audit = LocationAuditFactory.create()
    DeviceFactory.create(location=audit.location, status=DeviceStatus.DEPLOYED)

    response = run_action(client_, LocationAudit, "finish_audit", [audit])

    audit.refresh_from_db()
    assert audit.finished_at is not None
    assert audit.scans.filter(outcome="missing").count() == 1  # the service's missing lines
    assert shown_messages(response) == ["Finished 1 location audit."]
