"""Issue 12: the shared GAM and Admin console samples import with no file edited, from the
command line, the browser and the API. Each asks once where "Surplus" (org unit
/Devices/Retired) goes, remembers the answer, imports every row (Google's names that cover
several variants come in with the variant to confirm) and changes nothing the second time."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from fleet.choices import ImportMappingKind, LocationKind
from fleet.models import CustodyEvent, Device, ImportMapping, Location
from tests.fleet.factories import LocationFactory
from tests.fleet.import_support import CONSOLE_SAMPLE, GAM_SAMPLE, ImportReference, import_reference, model

pytestmark = pytest.mark.django_db

SAMPLES = [pytest.param(GAM_SAMPLE, 5, id="gam"), pytest.param(CONSOLE_SAMPLE, 3, id="console")]


@pytest.fixture
def ref(settings, tmp_path) -> ImportReference:
    settings.MEDIA_ROOT = tmp_path  # kept uploads go to default storage
    return import_reference()


@pytest.fixture
def surplus(ref) -> Location:
    return LocationFactory.create(code="HOLD", name="Holding: surplus storage", kind=LocationKind.DEPOT)


def snapshot() -> list[tuple[Any, ...]]:
    return list(Device.objects.order_by("pk").values_list())


def assert_surplus_device_in(surplus: Location) -> None:
    assert Device.objects.get(serial="7K2QX93").location == surplus


# Command line ------------------------------------------------------------------------------------


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("import_devices", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("path", "rows"), SAMPLES)
def test_command_asks_once_then_imports_then_changes_nothing(ref, surplus, path: Path, rows: int):
    out = io.StringIO()
    with pytest.raises(CommandError, match="rows have problems"):
        call_command("import_devices", str(path), stdout=out)
    assert "place 'Surplus' (org unit /Devices/Retired, 1 row): --map-location Surplus=CODE" in out.getvalue()
    assert not Device.objects.exists()

    output = command(str(path), "--map-location", "Surplus=HOLD")

    assert f"created {rows}, updated 0, unchanged 0, rows with errors 0" in output
    assert_surplus_device_in(surplus)
    assert ImportMapping.objects.get().location == surplus
    before, events = snapshot(), CustodyEvent.objects.count()
    assert events == rows

    again = command(str(path))  # the answer is remembered

    assert f"created 0, updated 0, unchanged {rows}, rows with errors 0" in again
    assert snapshot() == before
    assert CustodyEvent.objects.count() == events


def test_command_gam_sample_imports_ambiguous_names_with_the_variant_to_confirm(ref, surplus):
    command(str(GAM_SAMPLE), "--map-location", "Surplus=HOLD")

    lenovo = Device.objects.get(serial="PF3K7Q2M")
    acer = Device.objects.get(serial="NXATHAA0022370A3F57600")
    assert not lenovo.variant_confirmed and not acer.variant_confirmed
    assert set(lenovo.variant_candidates.all()) == {
        model(ref, "Lenovo 100e Chromebook Gen 3 (Intel"),
        model(ref, "Lenovo 100e Chromebook Gen 3 (AMD"),
    }
    assert set(acer.variant_candidates.all()) == {
        model(ref, "Acer Chromebook 511 (C734"),
        model(ref, "Acer Chromebook 511 (C741L"),
    }
    assert Device.objects.filter(variant_confirmed=True).count() == 3


def test_command_console_sample_resolves_the_lenovo_from_its_firmware(ref, surplus):
    command(str(CONSOLE_SAMPLE), "--map-location", "Surplus=HOLD")

    lenovo = Device.objects.get(serial="PF3K7Q2M")
    assert lenovo.model == model(ref, "Lenovo 100e Chromebook Gen 3 (Intel")  # Google_Dedede
    assert lenovo.variant_confirmed


def test_command_bad_mapping_answer_is_an_error_and_saves_nothing(ref):
    with pytest.raises(CommandError, match="no active location with the code 'NOPE'"):
        command(str(GAM_SAMPLE), "--map-location", "Surplus=NOPE")
    with pytest.raises(CommandError, match="takes TEXT=TARGET"):
        command(str(GAM_SAMPLE), "--map-location", "Surplus")

    assert not ImportMapping.objects.exists()
    assert not Device.objects.exists()


# Browser ---------------------------------------------------------------------------------------------

IMPORT_URL = reverse("fleet:device_import")
ANSWER_URL = reverse("fleet:device_import_answer")
CONFIRM_URL = reverse("fleet:device_import_confirm")


def token_in(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no token in the page"
    return match[1]


def count_in(html: str, name: str) -> int:
    match = re.search(rf'data-count="{name}">(\d+)<', html)
    assert match, f"no {name} count in the page"
    return int(match[1])


def preview(client, path: Path):
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    return client.post(IMPORT_URL, {"file": upload, "format": "auto"})


@pytest.mark.parametrize(("path", "rows"), SAMPLES)
def test_browser_asks_once_then_imports_then_changes_nothing(
    login, supervisor, ref, surplus, path, rows, django_capture_on_commit_callbacks
):
    client = login(supervisor)

    first = preview(client, path)

    html = first.content.decode()
    assert 'id="import-questions"' in html
    assert "Surplus" in html and "/Devices/Retired" in html
    assert (
        'action="/fleet/import/confirm/"' not in html and reverse("fleet:device_import_confirm") not in html
    )
    token = token_in(html)
    answer = {"token": token, "q-0-kind": "location", "q-0-key": "Surplus", "q-0-target": "HOLD"}

    answered = client.post(ANSWER_URL, answer)

    html = answered.content.decode()
    assert answered.status_code == 200
    assert 'id="import-questions"' not in html
    assert count_in(html, "created") == rows and count_in(html, "error_rows") == 0
    assert not Device.objects.exists()  # still only a preview

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(CONFIRM_URL, {"token": token_in(html)})
    done = client.get(started.url)

    assert count_in(done.content.decode(), "created") == rows
    assert_surplus_device_in(surplus)
    before, events = snapshot(), CustodyEvent.objects.count()

    second = preview(client, path)  # the answer is remembered: no question, nothing to do

    html = second.content.decode()
    assert 'id="import-questions"' not in html
    assert count_in(html, "unchanged") == rows
    assert "already up to date" in html
    assert snapshot() == before and CustodyEvent.objects.count() == events


def test_browser_preview_says_how_many_come_with_the_variant_to_confirm(login, supervisor, ref, surplus):
    client = login(supervisor)
    token = token_in(preview(client, GAM_SAMPLE).content.decode())

    answered = client.post(
        ANSWER_URL, {"token": token, "q-0-kind": "location", "q-0-key": "Surplus", "q-0-target": "HOLD"}
    )

    assert "2 devices will come in with the variant to confirm" in answered.content.decode()


def test_browser_bad_answer_is_400_and_saves_nothing(login, supervisor, ref, surplus):
    client = login(supervisor)
    token = token_in(preview(client, GAM_SAMPLE).content.decode())

    response = client.post(
        ANSWER_URL, {"token": token, "q-0-kind": "location", "q-0-key": "Surplus", "q-0-target": "NOPE"}
    )

    assert response.status_code == 400
    assert "no active location with the code" in response.content.decode()
    assert 'id="import-questions"' in response.content.decode()  # asked again
    assert not ImportMapping.objects.exists()


def test_browser_answer_with_nothing_chosen_is_400(login, supervisor, ref):
    client = login(supervisor)
    token = token_in(preview(client, GAM_SAMPLE).content.decode())

    response = client.post(ANSWER_URL, {"token": token, "q-0-kind": "location", "q-0-key": "Surplus"})

    assert response.status_code == 400
    assert "Choose an answer" in response.content.decode()


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin"])
def test_browser_answer_by_roles_that_may_not_import_is_403(request, login, ref, surplus, actor):
    client = login(request.getfixturevalue(actor))

    response = client.post(
        ANSWER_URL, {"token": "x", "q-0-kind": "location", "q-0-key": "Surplus", "q-0-target": "HOLD"}
    )

    assert response.status_code == 403
    assert not ImportMapping.objects.exists()


# API -------------------------------------------------------------------------------------------------

API_IMPORT = reverse("api:device-import")
API_MAPPINGS = reverse("api:import-mapping-list")


def api_upload(client, path: Path, *, dry_run: bool = False):
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    return client.post(API_IMPORT, {"file": upload, "dry_run": dry_run}, format="multipart")


def api_import(client, path: Path, capture) -> dict:
    """Send the file for import and return its job as polled once it ran."""
    with capture(execute=True):
        started = api_upload(client, path)
    assert started.status_code == 202
    return client.get(started.json()["url"]).json()


@pytest.mark.parametrize(("path", "rows"), SAMPLES)
def test_api_lists_the_question_accepts_the_answer_then_imports(
    token_api_client, supervisor, ref, surplus, path, rows, django_capture_on_commit_callbacks
):
    client = token_api_client(supervisor)

    checked = api_upload(client, path, dry_run=True)

    assert checked.status_code == 200
    (question,) = checked.json()["questions"]
    assert question == {
        "kind": "location",
        "text": "Surplus",
        "org_unit_path": "/Devices/Retired",
        "first_row": rows + 1,
        "rows": 1,
    }
    assert checked.json()["error_rows"] == 1

    mapped = client.post(
        API_MAPPINGS, {"kind": question["kind"], "key": question["text"], "target": "HOLD"}, format="json"
    )

    assert mapped.status_code == 201
    assert mapped.json()["location"] == "HOLD"
    imported = api_import(client, path, django_capture_on_commit_callbacks)
    assert (imported["status"], imported["created"]) == ("succeeded", rows)
    assert_surplus_device_in(surplus)
    before, events = snapshot(), CustodyEvent.objects.count()

    again = api_import(client, path, django_capture_on_commit_callbacks)

    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, rows)
    assert snapshot() == before and CustodyEvent.objects.count() == events


def test_api_mapping_bad_target_is_400_naming_the_field(token_api_client, supervisor, ref):
    client = token_api_client(supervisor)

    response = client.post(
        API_MAPPINGS, {"kind": "location", "key": "Surplus", "target": "NOPE"}, format="json"
    )

    assert response.status_code == 400
    assert "target" in response.json()
    assert not ImportMapping.objects.exists()


def test_api_mapping_to_a_model_teaches_a_google_name(
    token_api_client, supervisor, ref, django_capture_on_commit_callbacks
):
    client = token_api_client(supervisor)
    data = GAM_SAMPLE.read_bytes().replace(b"Dell Chromebook 3100", b"Dell Education Chromebook")
    upload = SimpleUploadedFile("gam.csv", data, content_type="text/csv")
    refused = client.post(API_IMPORT, {"file": upload, "dry_run": True}, format="multipart")
    kinds = {(q["kind"], q["text"]) for q in refused.json()["questions"]}
    assert kinds == {("location", "Surplus"), ("model", "Dell Education Chromebook")}

    client.post(
        API_MAPPINGS,
        {"kind": "model", "key": "Dell Education Chromebook", "target": "Dell Chromebook 3100 / 3100 2-in-1"},
        format="json",
    )
    client.post(API_MAPPINGS, {"kind": "location", "key": "Surplus", "target": "DEPOT"}, format="json")
    upload = SimpleUploadedFile("gam.csv", data, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        imported = client.post(API_IMPORT, {"file": upload}, format="multipart")

    assert imported.status_code == 202
    assert client.get(imported.json()["url"]).json()["status"] == "succeeded"
    assert Device.objects.get(serial="7K2QX93").model == model(ref, "Dell Chromebook 3100")
    assert ImportMapping.objects.filter(kind=ImportMappingKind.MODEL).count() == 1


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin"])
def test_api_mappings_by_roles_that_may_not_import_are_403(request, token_api_client, ref, actor):
    client = token_api_client(request.getfixturevalue(actor))

    assert client.get(API_MAPPINGS).status_code == 403
    response = client.post(
        API_MAPPINGS, {"kind": "location", "key": "Surplus", "target": "DEPOT"}, format="json"
    )
    assert response.status_code == 403
    assert not ImportMapping.objects.exists()
