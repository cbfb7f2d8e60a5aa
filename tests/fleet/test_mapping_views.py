"""The import mappings page: list, edit, delete; the roles that import devices only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fleet.choices import ImportMappingKind
from fleet.models import ImportMapping
from fleet.services.importing import mappings
from tests.fleet.factories import DeviceModelFactory, LocationFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("fleet:import_mapping_list")


@pytest.fixture
def mapping() -> ImportMapping:
    LocationFactory.create(code="HOLD", name="Holding")
    return mappings.import_mapping_save(kind="location", key="Surplus", target="HOLD", actor=None)


def test_import_page_links_the_mappings_page(login, supervisor):
    html = login(supervisor).get(reverse("fleet:device_import")).content.decode()

    assert LIST_URL in html


def test_list_shows_every_mapping(login, supervisor, mapping):
    response = login(supervisor).get(LIST_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Surplus" in html and "Holding (HOLD)" in html
    assert reverse("fleet:import_mapping_edit", args=[mapping.pk]) in html


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin"])
def test_roles_that_may_not_import_get_403_everywhere(request, login, mapping, actor):
    client = login(request.getfixturevalue(actor))
    edit = reverse("fleet:import_mapping_edit", args=[mapping.pk])

    assert client.get(LIST_URL).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"key": "Other", "target": "HOLD"}).status_code == 403
    assert client.post(reverse("fleet:import_mapping_delete", args=[mapping.pk])).status_code == 403
    assert ImportMapping.objects.get().key == "Surplus"


def test_edit_changes_the_key_and_target(login, admin_user, mapping):
    LocationFactory.create(code="WH2", name="Warehouse 2")
    client = login(admin_user)

    response = client.post(
        reverse("fleet:import_mapping_edit", args=[mapping.pk]), {"key": "Surplus pile", "target": "wh2"}
    )

    assert response.status_code == 302
    mapping.refresh_from_db()
    assert (mapping.key, mapping.key_normalised, mapping.location.code) == (
        "Surplus pile",
        "surplus pile",
        "WH2",
    )
    assert mapping.updated_by == admin_user


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"key": "Surplus", "target": "NOPE"}, "target"),
        ({"key": "", "target": "HOLD"}, "key"),
        ({"key": "Surplus"}, "target"),
    ],
)
def test_edit_with_bad_input_is_400_naming_the_field_and_changes_nothing(
    login, supervisor, mapping, data, field
):
    response = login(supervisor).post(reverse("fleet:import_mapping_edit", args=[mapping.pk]), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    mapping.refresh_from_db()
    assert ImportMapping.objects.filter(key="Surplus", location__code="HOLD").exists()


def test_edit_to_a_key_another_mapping_has_is_400(login, supervisor, mapping):
    LocationFactory.create(code="ANNEX", name="Annex")
    mappings.import_mapping_save(kind="location", key="Annex store", target="ANNEX", actor=None)

    response = login(supervisor).post(
        reverse("fleet:import_mapping_edit", args=[mapping.pk]), {"key": "annex  STORE", "target": "HOLD"}
    )

    assert response.status_code == 400
    assert "already a mapping" in response.context["form"].errors["key"][0]


def test_model_mapping_edit_offers_models(login, supervisor):
    model = DeviceModelFactory.create(name="Dell Chromebook 3100")
    mapped = mappings.import_mapping_save(
        kind=ImportMappingKind.MODEL, key="Dell EDU", target="dell chromebook 3100", actor=None
    )
    assert mapped.device_model == model

    html = login(supervisor).get(reverse("fleet:import_mapping_edit", args=[mapped.pk])).content.decode()

    assert '<option value="Dell Chromebook 3100" selected>' in html


def test_delete_forgets_the_answer(login, supervisor, mapping):
    response = login(supervisor).post(reverse("fleet:import_mapping_delete", args=[mapping.pk]))

    assert response.status_code == 302
    assert not ImportMapping.objects.exists()


def test_saving_the_same_key_again_replaces_the_answer(mapping):
    LocationFactory.create(code="WH2", name="Warehouse 2")

    again = mappings.import_mapping_save(kind="location", key="  SURPLUS ", target="WH2", actor=None)

    assert again.pk == mapping.pk
    assert ImportMapping.objects.filter(location__code="WH2").count() == 1
