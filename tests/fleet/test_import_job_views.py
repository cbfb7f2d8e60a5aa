"""Import jobs in the browser: the history, a job's page polling its progress, cancel, the row
errors as CSV; supervisors and administrators only."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fleet.choices import ImportJobStatus
from fleet.models import ImportJob
from fleet.selectors import imports as selectors
from fleet.services.importing import uploads
from fleet.services.importing.progress import CHECKING
from tests.fleet.import_support import GAM_SAMPLE, import_reference

pytestmark = pytest.mark.django_db

LIST_URL = reverse("fleet:import_job_list")
HTMX = {"HX-Request": "true"}


def job_of(user, **fields) -> ImportJob:
    values: dict[str, object] = {
        "requested_by": user,
        "file_name": "gam.csv",
        "file_format": "auto",
        "storage_name": f"{uploads.UPLOAD_DIR}/{ImportJob.objects.count()}.csv",
        **fields,
    }
    return ImportJob.objects.create(**values)


def detail_url(job: ImportJob) -> str:
    return reverse("fleet:import_job_detail", args=[job.pk])


def cancel_url(job: ImportJob) -> str:
    return reverse("fleet:import_job_cancel", args=[job.pk])


def errors_url(job: ImportJob) -> str:
    return reverse("fleet:import_job_errors", args=[job.pk])


def test_anonymous_is_sent_to_sign_in(client, supervisor):
    job = job_of(supervisor)

    for url in (LIST_URL, detail_url(job), errors_url(job)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin"])
def test_roles_without_import_rights_get_403(request, login, supervisor, actor):
    job = job_of(supervisor, status=ImportJobStatus.RUNNING)
    client = login(request.getfixturevalue(actor))

    for url in (LIST_URL, detail_url(job), errors_url(job)):
        assert client.get(url).status_code == 403
    assert client.post(cancel_url(job)).status_code == 403
    assert not ImportJob.objects.get(pk=job.pk).cancel_requested


@pytest.mark.parametrize("actor", ["supervisor", "admin_user"])
def test_importers_see_the_whole_history_with_who_file_status_and_counts(
    request, login, supervisor, admin_user, actor, django_assert_num_queries
):
    job_of(supervisor, file_name="district.csv", status=ImportJobStatus.SUCCEEDED, devices_created=1234)
    job_of(admin_user, file_name="fix.csv", status=ImportJobStatus.FAILED, rows_refused=7)
    client = login(request.getfixturevalue(actor))

    with django_assert_num_queries(4):  # session, user, roles, the jobs with who asked
        response = client.get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("fix.csv") < html.index("district.csv")  # newest first
    assert str(supervisor) in html and str(admin_user) in html
    assert "1,234" in html and "Failed" in html
    assert 'aria-label="Imports"' in html  # the imports sub-navigation


def test_history_is_empty_at_first_and_linked_from_the_import_page(login, supervisor):
    client = login(supervisor)

    html = client.get(LIST_URL).content.decode()
    import_page = client.get(reverse("fleet:device_import")).content.decode()

    assert "No imports yet" in html
    assert f'href="{LIST_URL}"' in import_page


def test_a_running_job_page_polls_every_second_and_shows_live_rows(login, supervisor, admin_user):
    job = job_of(supervisor, status=ImportJobStatus.RUNNING)
    cache.set(selectors.progress_key(job.pk), {"phase": CHECKING, "done": 12_000, "total": 250_000})
    client = login(admin_user)  # another importer follows it

    response = client.get(detail_url(job))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="import-job-status"[^>]*hx-trigger="every 1s"', html)
    assert 'aria-valuenow="4"' in html
    assert "12,000 of 250,000 rows checked" in html
    assert 'id="import-job-cancel"' in html
    assert "You may close this page" in html


def test_htmx_poll_returns_the_status_panel_only(login, supervisor):
    job = job_of(supervisor, status=ImportJobStatus.RUNNING)

    response = login(supervisor).get(detail_url(job), headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="import-job-status"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_poll_of_a_running_job_keeps_its_cancel_form_and_history_link(login, supervisor):
    job = job_of(supervisor, status=ImportJobStatus.RUNNING)
    cache.set(selectors.progress_key(job.pk), {"phase": "writing", "done": 5, "total": 10})

    html = login(supervisor).get(detail_url(job), headers=HTMX).content.decode()

    assert "Step 2 of 2, writing: 5 of 10 devices written." in html
    assert 'id="import-job-progress"' in html and 'aria-valuenow="50"' in html
    assert re.search(
        rf'id="import-job-cancel" method="post" action="{cancel_url(job)}"\s+hx-post="{cancel_url(job)}"'
        r' hx-target="#import-job-status" hx-swap="outerHTML"',
        html,
    )
    assert f'<a href="{LIST_URL}">import history</a>' in html


def test_a_finished_job_page_stops_polling_and_shows_counts_and_row_errors(login, supervisor):
    job = job_of(
        supervisor,
        status=ImportJobStatus.SUCCEEDED,
        phase="writing",
        rows_done=5,
        rows_total=5,
        devices_created=4,
        rows_refused=1,
        valid_only=True,
        row_errors=[
            {"row": 6, "asset_tag": "CB-1", "serial": "S1", "code": "x", "reason": "unknown location"}
        ],
    )

    html = login(supervisor).get(detail_url(job)).content.decode()

    assert not re.search(r'id="import-job-status"[^>]*hx-trigger', html)  # polling stopped
    assert 'aria-valuenow="100"' in html
    assert re.search(r'data-count="created">4<', html)
    assert "unknown location" in html
    assert f'href="{errors_url(job)}"' in html
    assert 'id="import-job-cancel"' not in html


def test_a_failed_job_page_says_why(login, supervisor):
    job = job_of(supervisor, status=ImportJobStatus.FAILED, error_message="The file is not UTF-8.")

    html = login(supervisor).get(detail_url(job)).content.decode()

    assert "Nothing was imported. The file is not UTF-8." in html


def test_an_unknown_job_is_404(login, supervisor):
    assert login(supervisor).get(reverse("fleet:import_job_detail", args=[999])).status_code == 404


def test_cancel_asks_a_running_job_to_stop(login, supervisor, admin_user):
    job = job_of(supervisor, status=ImportJobStatus.RUNNING)

    response = login(admin_user).post(cancel_url(job), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="import-job-status"')
    assert "Stopping: nothing will be written" in html
    assert ImportJob.objects.get(pk=job.pk).cancel_requested


def test_cancel_without_htmx_redirects_to_the_job(login, supervisor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = job_of(supervisor)  # pending: ends at once

    response = login(supervisor).post(cancel_url(job))

    assert response.status_code == 302 and response.url == detail_url(job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.CANCELLED


def test_cancel_of_an_ended_job_is_400_saying_so(login, supervisor):
    job = job_of(supervisor, status=ImportJobStatus.SUCCEEDED)

    response = login(supervisor).post(cancel_url(job), headers=HTMX)

    assert response.status_code == 400
    assert "already ended" in response.content.decode()
    assert not ImportJob.objects.get(pk=job.pk).cancel_requested


def test_row_errors_download_as_csv_with_formulas_neutralised(login, supervisor):
    job = job_of(
        supervisor,
        status=ImportJobStatus.FAILED,
        row_errors=[
            {
                "row": 6,
                "asset_tag": "=HYPERLINK(1)",
                "serial": "S1",
                "code": "c",
                "reason": "bad date",
                "detail": "x",
            },
            {"row": 9, "asset_tag": "CB-2", "serial": "S2", "code": "c", "reason": "no serial", "detail": ""},
        ],
    )

    response = login(supervisor).get(errors_url(job))

    lines = response.content.decode().splitlines()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"import-{job.pk}-row-errors-" in response["Content-Disposition"]
    assert lines == [
        "Row,Asset tag,Serial,Problem,Detail",
        "6,'=HYPERLINK(1),S1,bad date,x",
        "9,CB-2,S2,no serial,",
    ]


def test_upload_over_the_size_cap_is_refused_beside_the_file_field(login, supervisor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DEVICE_IMPORT_MAX_BYTES = 100
    import_reference()
    upload = SimpleUploadedFile("gam.csv", GAM_SAMPLE.read_bytes(), content_type="text/csv")

    response = login(supervisor).post(reverse("fleet:device_import"), {"file": upload, "format": "auto"})

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="id_file"[^>]*is-invalid|is-invalid[^>]*id="id_file"', html)
    assert "an import takes. Split it" in html
    assert not (tmp_path / uploads.UPLOAD_DIR).exists() or not list((tmp_path / uploads.UPLOAD_DIR).iterdir())
