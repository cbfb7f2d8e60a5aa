"""The device page leads with what the viewer does next: open a ticket (or go to the open one),
lend a loaner, put the device in the vehicle; only what their role allows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from fleet.choices import DeviceStatus
from fleet.models import Device
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def _next_steps(client: Client, device: Device) -> str:
    """The page's "Next steps" section, which comes before the device's facts."""
    html = client.get(reverse("fleet:device_detail", args=[device.pk])).content.decode()
    start = html.index('aria-label="Next steps"')
    assert start < html.index('id="device-facts"')
    return html[start : html.index('id="device-facts"')]


def test_without_an_open_ticket_open_a_ticket_is_the_primary_action(login: Login, technician: User):
    device = DeviceFactory.create()

    steps = _next_steps(login(technician), device)

    url = f"{reverse('repairs:ticket_open')}?code={device.asset_tag}"
    assert f'<a class="btn btn-primary btn-lg" href="{url}">Open a ticket</a>' in steps
    assert "Put in my vehicle" in steps and "Lend a loaner" not in steps


def test_with_an_open_ticket_its_link_is_primary_and_a_loaner_can_be_lent(login: Login, technician: User):
    device = DeviceFactory.create(status=DeviceStatus.IN_REPAIR)
    TicketFactory.create(device=device, status="closed")
    ticket = TicketFactory.create(device=device, status="in_progress")

    steps = _next_steps(login(technician), device)

    url = reverse("repairs:ticket_detail", args=[ticket.pk])
    assert f'class="btn btn-primary btn-lg" id="device-ticket-link" href="{url}"' in steps
    assert f"Go to ticket #{ticket.pk}" in steps and "Open a ticket" not in steps
    lend = f"{reverse('repairs:ticket_detail', args=[ticket.pk])}?lend=1#loaner-actions"
    assert lend in steps


def test_a_retired_device_offers_no_ticket(login: Login, technician: User):
    device = DeviceFactory.create(status=DeviceStatus.RETIRED)

    assert "Open a ticket" not in _next_steps(login(technician), device)


def test_procurement_sees_no_action_it_may_not_take(login: Login, procurement: User):
    device = DeviceFactory.create()
    TicketFactory.create(device=device, status="in_progress")

    steps = _next_steps(login(procurement), device)

    assert "Go to ticket" in steps  # procurement reads tickets
    for action in ("Open a ticket", "Lend a loaner", "Put in my vehicle", "Request a repair"):
        assert action not in steps


def test_school_admin_requests_a_repair_for_a_device_of_their_school(login: Login, school_admin: User):
    device = DeviceFactory.create(location=school_admin.profile.locations.get())

    steps = _next_steps(login(school_admin), device)

    assert "Request a repair" in steps and "Put in my vehicle" not in steps


def test_the_lend_link_opens_the_loaner_form_on_the_ticket_page(login: Login, technician: User):
    ticket = TicketFactory.create(status="in_progress")
    url = reverse("repairs:ticket_detail", args=[ticket.pk])
    client = login(technician)

    assert (
        '<details class="action-more" open>\n        <summary>Lend a loaner'
        in client.get(url, {"lend": "1"}).content.decode()
    )
    assert '<details class="action-more">\n        <summary>Lend a loaner' in client.get(url).content.decode()
