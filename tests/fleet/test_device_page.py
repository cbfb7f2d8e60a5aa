"""The device page's own actions say what they did."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import User
from fleet.choices import DeviceStatus, LocationKind
from tests.fleet.factories import DeviceFactory, LocationFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_status_change_says_what_it_did(technician: User, login: Callable[[User], Client]):
    device = DeviceFactory.create()

    response = login(technician).post(
        reverse("fleet:device_change_status", args=[device.pk]),
        {"to_status": DeviceStatus.IN_REPAIR, "reason": "cracked", "version": device.version},
    )

    assert _messages(response) == [f"{device.asset_tag} is now in repair."]


def test_vehicle_out_and_back_say_what_they_did(technician: User, login: Callable[[User], Client]):
    depot = LocationFactory.create(kind=LocationKind.DEPOT, name="Central Repair Depot")
    device = DeviceFactory.create()
    client = login(technician)

    out = client.post(reverse("fleet:device_vehicle_check_out", args=[device.pk]))
    back = client.post(reverse("fleet:device_vehicle_check_in", args=[device.pk]), {"to_location": depot.pk})

    assert _messages(out) == [f"{device.asset_tag} is in your vehicle."]
    assert _messages(back)[-1] == f"{device.asset_tag} is checked in at Central Repair Depot."


def test_the_vehicle_button_comes_before_the_facts(technician: User, login: Callable[[User], Client]):
    device = DeviceFactory.create()

    html = login(technician).get(reverse("fleet:device_detail", args=[device.pk])).content.decode()

    assert html.index("Put in my vehicle") < html.index('id="device-facts"')
