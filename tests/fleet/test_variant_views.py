"""Confirming a device's hardware variant from its page: who may, bad input, nothing half-written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fleet.models import Device
from fleet.services import variants
from tests.fleet.factories import DeviceFactory, device_with_variant_to_confirm

pytestmark = pytest.mark.django_db


def url(device: Device) -> str:
    return reverse("fleet:device_variant_confirm", args=[device.pk])


def state(device: Device) -> tuple:
    device.refresh_from_db()
    return (
        device.model_id,
        device.variant_confirmed,
        device.variant_confirmed_by_id,
        device.version,
        sorted(device.variant_candidates.values_list("pk", flat=True)),
    )


def test_device_page_offers_the_candidates_to_who_may_confirm(login, technician):
    device = device_with_variant_to_confirm()

    html = login(technician).get(reverse("fleet:device_detail", args=[device.pk])).content.decode()

    assert "Variant to confirm" in html
    assert 'id="variant-form"' in html
    assert "Lenovo 100e Chromebook Gen 3 (AMD)" in html and "Lenovo 100e Chromebook Gen 3 (Intel)" in html
    # The header names every candidate, not the one model the device is filed under meanwhile.
    header = html[html.index('class="page-header') : html.index("</div>", html.index('class="page-header'))]
    assert (
        "Lenovo 100e Chromebook Gen 3 (AMD) or Lenovo 100e Chromebook Gen 3 (Intel) (variant to confirm)"
        in header
    )


def test_device_page_shows_no_form_to_procurement(login, procurement):
    device = device_with_variant_to_confirm()

    html = login(procurement).get(reverse("fleet:device_detail", args=[device.pk])).content.decode()

    assert "Variant to confirm" in html
    assert 'id="variant-form"' not in html


@pytest.mark.parametrize("actor", ["technician", "supervisor", "admin_user"])
def test_confirm_records_the_variant_who_and_when(request, login, actor):
    user = request.getfixturevalue(actor)
    device = device_with_variant_to_confirm()
    intel = device.variant_candidates.get(name__endswith="(Intel)")

    response = login(user).post(url(device), {"model": intel.pk, "version": device.version})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.model == intel
    assert device.variant_confirmed
    assert device.variant_confirmed_by == user
    assert device.variant_confirmed_at is not None
    assert not device.variant_candidates.exists()
    assert device.version == 2
    page = login(user).get(reverse("fleet:device_detail", args=[device.pk])).content.decode()
    assert "variant confirmed by" in page
    assert 'id="variant-form"' not in page


def test_confirm_over_htmx_redirects_the_client(login, technician):
    device = device_with_variant_to_confirm()
    intel = device.variant_candidates.get(name__endswith="(Intel)")

    response = login(technician).post(
        url(device), {"model": intel.pk, "version": device.version}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("fleet:device_detail", args=[device.pk])


@pytest.mark.parametrize("actor", ["procurement", "school_admin"])
def test_confirm_by_roles_that_may_not_change_devices_is_refused(request, login, actor):
    device = device_with_variant_to_confirm()
    before = state(device)
    intel = device.variant_candidates.get(name__endswith="(Intel)")

    response = login(request.getfixturevalue(actor)).post(url(device), {"model": intel.pk, "version": 1})

    assert response.status_code in (403, 404)  # a school administrator does not see another school
    assert state(device) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"version": 1}, "model"),
        ({"model": "abc", "version": 1}, "model"),
        ({"model": 1}, "version"),
    ],
)
def test_confirm_with_bad_input_is_400_naming_the_field(login, technician, data, field):
    device = device_with_variant_to_confirm()
    before = state(device)

    response = login(technician).post(url(device), data, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert response.context["variant_form"].errors[field]
    assert state(device) == before


def test_confirm_with_a_model_that_is_not_a_candidate_is_400_naming_model(login, technician):
    device = device_with_variant_to_confirm()
    other = DeviceFactory.create().model
    before = state(device)

    response = login(technician).post(url(device), {"model": other.pk, "version": device.version})

    assert response.status_code == 400
    assert "possible variants" in response.context["variant_form"].errors["model"][0]
    assert state(device) == before


def test_confirm_with_a_stale_version_is_409(login, technician):
    device = device_with_variant_to_confirm()
    intel = device.variant_candidates.get(name__endswith="(Intel)")
    before = state(device)

    response = login(technician).post(url(device), {"model": intel.pk, "version": device.version + 5})

    assert response.status_code == 409
    assert state(device) == before


def test_confirm_of_a_confirmed_device_is_refused(login, technician):
    device = DeviceFactory.create()

    response = login(technician).post(url(device), {"model": device.model_id, "version": device.version})

    assert response.status_code == 400
    assert "already confirmed" in response.content.decode()


def test_candidates_service_is_empty_once_confirmed(technician):
    device = device_with_variant_to_confirm()
    intel = device.variant_candidates.get(name__endswith="(Intel)")

    variants.device_variant_confirm(device=device, actor=technician, model_id=intel.pk)

    assert variants.device_variant_candidates(device=Device.objects.get(pk=device.pk)) == []
