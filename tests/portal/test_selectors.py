"""The home page's figures: each role's block counts only what it should."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from portal import selectors
from repairs.choices import TicketStatus
from tests.accounts.factories import UserFactory
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db


def _school_with_tickets(school_admin: User) -> None:
    """The school administrator's school: 86 devices, 12 of them with three tickets each (two open,
    one closed); another school's devices and tickets besides."""
    school = school_admin.profile.locations.get()
    devices = DeviceFactory.create_batch(86, location=school)
    reporter = UserFactory.create()
    for device in devices[:12]:
        for status in (TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.CLOSED):
            TicketFactory.create(device=device, reporter=reporter, status=status)
    other = DeviceFactory.create(location=LocationFactory.create(name="Elsewhere High"))
    TicketFactory.create(device=other, reporter=reporter)


def test_home_summary_for_school_admin_counts_each_device_once_however_many_tickets(
    school_admin: User,
):
    _school_with_tickets(school_admin)

    (school,) = selectors.home_summary(user=school_admin)["blocks"]["school_admin"]["schools"]  # type: ignore[index]

    assert school.name == "Maple Elementary"
    assert school.device_count == 86
    assert school.open_tickets == 24


def test_home_page_for_school_admin_shows_86_devices_and_24_open_tickets(
    school_admin: User, login: Callable[[User], Client]
):
    _school_with_tickets(school_admin)

    html = login(school_admin).get(reverse("portal:home")).content.decode()

    assert '<span class="home-devices"><strong>86</strong> devices</span>' in html
    assert '<span class="home-open-tickets"><strong>24</strong> open tickets</span>' in html
    assert "Elsewhere High" not in html
