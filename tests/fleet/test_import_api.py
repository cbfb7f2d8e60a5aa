"""POST /api/devices/import/: multipart upload, the report as JSON, all or nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fleet.models import CustodyEvent, Device
from tests.fleet.import_support import GAM_SAMPLE, ImportReference, import_reference

pytestmark = pytest.mark.django_db

URL = reverse("api:device-import")


@pytest.fixture
def ref() -> ImportReference:
    return import_reference()


def sample() -> SimpleUploadedFile:
    return SimpleUploadedFile("gam.csv", GAM_SAMPLE.read_bytes(), content_type="text/csv")


def test_anonymous_is_refused(api_client):
    response = api_client.post(URL, {"file": sample()}, format="multipart")

    # Session authentication comes first, so DRF answers 403 rather than 401.
    assert response.status_code == 403
    assert "credentials were not provided" in response.json()["detail"]


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin", "no_role_user"])
def test_roles_without_import_rights_get_403(request, token_api_client, ref, actor):
    client = token_api_client(request.getfixturevalue(actor))

    response = client.post(URL, {"file": sample(), "location": "DEPOT"}, format="multipart")

    assert response.status_code == 403
    assert not Device.objects.exists()


def test_import_returns_201_with_the_report(token_api_client, supervisor, ref):
    client = token_api_client(supervisor)

    response = client.post(URL, {"file": sample(), "location": "DEPOT"}, format="multipart")

    assert response.status_code == 201
    body = response.json()
    assert (body["format"], body["source"], body["rows"]) == ("gam", "gam.csv", 5)
    assert (body["created"], body["updated"], body["error_rows"], body["written"]) == (5, 0, 0, True)
    assert "deprovisioned" in [notice["code"] for notice in body["notices"]]
    assert Device.objects.count() == 5


def test_import_with_an_inactive_default_location_is_400_naming_location(token_api_client, supervisor, ref):
    ref.locations["DEPOT"].is_active = False
    ref.locations["DEPOT"].save(update_fields=["is_active"])

    response = token_api_client(supervisor).post(
        URL, {"file": sample(), "location": "DEPOT"}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["location"]
    assert not Device.objects.exists()


def test_second_import_returns_200_and_changes_nothing(token_api_client, admin_user, ref):
    client = token_api_client(admin_user)
    client.post(URL, {"file": sample(), "location": "DEPOT"}, format="multipart")

    response = client.post(URL, {"file": sample(), "location": "DEPOT"}, format="multipart")

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["unchanged"]) == (0, 5)
    assert CustodyEvent.objects.count() == 5


def test_bad_rows_give_400_with_row_errors_and_write_nothing(token_api_client, admin_user, ref):
    response = token_api_client(admin_user).post(URL, {"file": sample()}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert "nothing was imported" in body["detail"]
    assert body["report"]["errors"] == [
        {
            "row": 6,
            "asset_tag": "CB-0055510",
            "serial": "7K2QX93",
            "code": "unknown_location",
            "reason": "unknown location",
            "detail": "'Surplus' matches no location; choose a default location",
        }
    ]
    assert (body["report"]["error_rows"], body["report"]["written"]) == (1, False)
    assert not Device.objects.exists()


def test_valid_only_imports_the_good_rows(token_api_client, admin_user, ref):
    response = token_api_client(admin_user).post(
        URL, {"file": sample(), "valid_only": "true"}, format="multipart"
    )

    assert response.status_code == 201
    assert (response.json()["created"], response.json()["error_rows"]) == (4, 1)
    assert Device.objects.count() == 4


def test_dry_run_returns_the_report_and_writes_nothing(token_api_client, admin_user, ref):
    response = token_api_client(admin_user).post(
        URL, {"file": sample(), "dry_run": "true"}, format="multipart"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["written"], body["created"], body["error_rows"]) == (True, False, 4, 1)
    assert body["to_create"][0]["asset_tag"] == "CB-0104512"
    assert not Device.objects.exists()


def test_unreadable_file_gives_400_with_detail(token_api_client, admin_user, ref):
    upload = SimpleUploadedFile("x.csv", "serial;model\nPF0AAA01;Café\n".encode("cp1252"))

    response = token_api_client(admin_user).post(URL, {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "not UTF-8" in response.json()["detail"]


def test_missing_file_gives_400(token_api_client, admin_user):
    response = token_api_client(admin_user).post(URL, {"format": "gam"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_unknown_format_gives_400(token_api_client, admin_user, ref):
    response = token_api_client(admin_user).post(
        URL, {"file": sample(), "format": "xlsx"}, format="multipart"
    )

    assert response.status_code == 400
    assert "format" in response.json()
