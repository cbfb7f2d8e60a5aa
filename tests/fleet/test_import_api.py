"""POST /api/devices/import/: multipart upload starting a background job (202), or a dry run's
report; all or nothing. The jobs themselves are in test_import_job_api.py."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fleet.choices import ImportJobStatus
from fleet.models import CustodyEvent, Device, ImportJob
from fleet.services.importing import uploads
from tests.fleet.import_support import GAM_SAMPLE, ImportReference, import_reference

pytestmark = pytest.mark.django_db

URL = reverse("api:device-import")


@pytest.fixture
def ref(settings, tmp_path) -> ImportReference:
    settings.MEDIA_ROOT = tmp_path  # kept uploads go to default storage
    return import_reference()


class Answer:
    """The upload's answer, and ``job``: the job it started as polled afterwards."""

    def __init__(self, client, response) -> None:
        self.response, self.status_code = response, response.status_code
        self.job = client.get(response.json()["url"]).json() if response.status_code == 202 else None

    def json(self):
        return self.response.json()

    def __getitem__(self, name: str) -> str:
        return self.response[name]


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """``post(client, data)``: the upload, with the job it starts run as the commit would (in a
    test the commit comes after the answer, so the answer shows the job pending)."""

    def _post(client, data) -> Answer:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, data, format="multipart")
        return Answer(client, response)

    return _post


def kept_files(tmp_path) -> list:
    folder = tmp_path / uploads.UPLOAD_DIR
    return list(folder.iterdir()) if folder.exists() else []


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


def test_import_returns_202_with_the_job_to_poll(token_api_client, supervisor, ref, post, tmp_path):
    client = token_api_client(supervisor)

    response = post(client, {"file": sample(), "location": "DEPOT"})

    assert response.status_code == 202
    body = response.json()
    job = ImportJob.objects.get()
    assert body["id"] == job.pk and body["url"].endswith(f"/api/import-jobs/{job.pk}/")
    assert response["Location"] == body["url"]
    # With no task queue configured the job ran in-process before the answer.
    assert body["status"] == "pending"  # in a test the job runs when the test's commit is simulated
    body = response.job
    assert (body["status"], body["file_name"], body["requested_by"]) == (
        "succeeded",
        "gam.csv",
        supervisor.username,
    )
    assert (body["created"], body["updated"], body["error_rows"], body["rows_done"], body["rows_total"]) == (
        5,
        0,
        0,
        5,
        5,
    )
    assert Device.objects.count() == 5
    assert not kept_files(tmp_path)


def test_import_with_an_inactive_default_location_is_400_naming_location(
    token_api_client, supervisor, ref, post, tmp_path
):
    ref.locations["DEPOT"].is_active = False
    ref.locations["DEPOT"].save(update_fields=["is_active"])

    response = post(token_api_client(supervisor), {"file": sample(), "location": "DEPOT"})

    assert response.status_code == 400
    assert list(response.json()) == ["location"]
    assert not Device.objects.exists() and not ImportJob.objects.exists()
    assert not kept_files(tmp_path)


def test_second_import_changes_nothing_and_writes_no_events(token_api_client, admin_user, ref, post):
    client = token_api_client(admin_user)
    post(client, {"file": sample(), "location": "DEPOT"})

    response = post(client, {"file": sample(), "location": "DEPOT"})

    assert response.status_code == 202
    assert (response.job["created"], response.job["unchanged"]) == (0, 5)
    assert CustodyEvent.objects.count() == 5


def test_bad_rows_end_the_job_failed_with_row_errors_and_write_nothing(
    token_api_client, admin_user, ref, post
):
    client = token_api_client(admin_user)

    response = post(client, {"file": sample()})

    assert response.status_code == 202
    body = response.job
    assert body["status"] == ImportJobStatus.FAILED
    assert "nothing was imported" in body["error_message"]
    assert body["errors"] == [
        {
            "row": 6,
            "asset_tag": "CB-0055510",
            "serial": "7K2QX93",
            "code": "unknown_location",
            "reason": "unknown location",
            "detail": "'Surplus' matches no location; choose a default location",
        }
    ]
    assert body["error_rows"] == 1
    assert not Device.objects.exists()


def test_valid_only_imports_the_good_rows(token_api_client, admin_user, ref, post):
    response = post(token_api_client(admin_user), {"file": sample(), "valid_only": "true"})

    assert response.status_code == 202
    assert (response.job["status"], response.job["created"], response.job["error_rows"]) == (
        "succeeded",
        4,
        1,
    )
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


def test_unreadable_file_ends_the_job_failed_saying_why(token_api_client, admin_user, ref, post, tmp_path):
    upload = SimpleUploadedFile("x.csv", "serial;model\nPF0AAA01;Café\n".encode("cp1252"))

    response = post(token_api_client(admin_user), {"file": upload})

    assert response.status_code == 202
    assert response.job["status"] == "failed"
    assert "not UTF-8" in response.job["error_message"]
    assert not kept_files(tmp_path)


def test_a_file_over_the_size_cap_is_400_naming_file_and_nothing_is_kept(
    token_api_client, admin_user, ref, post, settings, tmp_path
):
    settings.DEVICE_IMPORT_MAX_BYTES = 100

    for dry_run in ("false", "true"):
        response = post(token_api_client(admin_user), {"file": sample(), "dry_run": dry_run})

        assert response.status_code == 400
        assert "more than the 100.0 B" not in response.json()["file"][0]
        assert "an import takes" in response.json()["file"][0]
    assert not ImportJob.objects.exists() and not kept_files(tmp_path)


def test_a_file_over_the_row_cap_is_refused_naming_file(token_api_client, admin_user, ref, post, settings):
    settings.DEVICE_IMPORT_MAX_ROWS = 3
    client = token_api_client(admin_user)

    dry = post(client, {"file": sample(), "dry_run": "true", "location": "DEPOT"})
    job = post(client, {"file": sample(), "location": "DEPOT"})

    assert dry.status_code == 400
    assert "more than 3 rows" in dry.json()["file"][0]
    assert job.job["status"] == "failed" and "more than 3 rows" in job.job["error_message"]
    assert not Device.objects.exists()


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
