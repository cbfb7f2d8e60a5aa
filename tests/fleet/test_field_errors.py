"""A refusal caused by one input names it: the API answers ``{field: [message]}`` and the page
shows the message right under that field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from fleet.choices import DeviceStatus
from tests.fleet.factories import DeviceFactory
from tests.fleet.import_support import GAM_SAMPLE, import_reference

pytestmark = pytest.mark.django_db


def test_api_import_with_an_unknown_default_location_names_location(
    token_api_client: Callable[[User], APIClient], supervisor: User
):
    import_reference()
    upload = SimpleUploadedFile("gam.csv", GAM_SAMPLE.read_bytes(), content_type="text/csv")

    response = token_api_client(supervisor).post(
        reverse("api:device-import"), {"file": upload, "location": "NOWHERE"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {"location": ["There is no location with the code 'NOWHERE'."]}


def test_page_status_change_the_lifecycle_refuses_shows_it_under_the_new_status(
    login: Callable[[User], Client], technician: User
):
    device = DeviceFactory.create(status=DeviceStatus.DEPLOYED)

    response = login(technician).post(
        reverse("fleet:device_change_status", args=[device.pk]),
        {"to_status": DeviceStatus.DEPLOYED, "reason": "", "version": device.version},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert 'id="id_to_status-error" role="alert">The device is already deployed.</div>' in html
    assert html.lstrip().startswith('<form id="status-form"')
