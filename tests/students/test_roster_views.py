"""The roster import in the browser, the command line and the API: who may, preview with row
errors, school questions, confirm into a job with progress, caps."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from fleet.choices import ImportJobStatus
from students import selectors
from students.models import RosterImportJob, RosterSchoolMapping, Student
from tests.fleet.factories import LocationFactory
from tests.students.roster_support import V11, V11_STUDENTS, V12, sample_files, sample_zip, schools

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("students:roster_import")
HTMX = {"HX-Request": "true"}


def zip_upload(folder=V11) -> SimpleUploadedFile:
    return SimpleUploadedFile("oneroster.zip", sample_zip(folder), content_type="application/zip")


def test_roster_import_page_is_for_supervisors_and_admins(
    login, supervisor, admin_user, technician, school_admin, procurement
):
    for user in (supervisor, admin_user):
        assert login(user).get(IMPORT_URL).status_code == 200
    for user in (technician, school_admin, procurement):
        assert login(user).get(IMPORT_URL).status_code == 403


def test_roster_preview_lists_bad_rows_by_file_line_and_field_and_refuses_to_confirm(login, supervisor):
    schools()
    response = login(supervisor).post(IMPORT_URL, {"file": zip_upload()}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="roster-preview"' in body and "<html" not in body
    assert body.count('class="row-error"') == 9
    assert 'users.csv</td><td data-label="Line">14</td><td data-label="Field">grades' in body
    assert "East Elementary School" in body  # the school question
    assert "roster_import_confirm" not in body and "Import 7 changes" not in body
    assert not Student.objects.exists()


def test_roster_preview_of_valid_only_confirms_into_a_job_that_imports(
    login, supervisor, django_capture_on_commit_callbacks
):
    schools()
    client = login(supervisor)
    response = client.post(IMPORT_URL, {"file": zip_upload(), "valid_only": "on"})
    body = response.content.decode()
    assert "Import 7 changes" in body
    token = body.split('name="token" value="')[1].split('"')[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("students:roster_import_confirm"), {"token": token})
    job = RosterImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "students:roster_job_detail", args=[job.pk]
    )
    assert (job.status, job.students_created, job.staff_skipped, job.rows_refused) == (
        ImportJobStatus.SUCCEEDED,
        7,
        2,
        9,
    )
    assert set(Student.objects.values_list("identifier", flat=True)) == V11_STUDENTS
    page = client.get(response.url).content.decode()
    assert "7 students created" in page and "users.csv" in page
    fragment = client.get(response.url, headers=HTMX).content.decode()
    assert fragment.strip().startswith('<section id="roster-job-status"') and "hx-trigger" not in fragment
    errors = client.get(reverse("students:roster_job_errors", args=[job.pk]))
    assert b"users.csv,14,grades" in errors.content
    again = client.post(reverse("students:roster_import_confirm"), {"token": token}).content.decode()
    assert "already confirmed" in again or "no longer here" in again


def test_roster_preview_from_separate_files_of_1_2(login, supervisor):
    schools()
    files = [SimpleUploadedFile(name, data) for name, data in sample_files(V12)]
    body = login(supervisor).post(IMPORT_URL, {"file": files}).content.decode()
    assert "OneRoster 1.2" in body and 'data-count="created">4<' in body


def test_roster_upload_of_a_wrong_file_is_shown_beside_the_file_field(login, supervisor):
    upload = SimpleUploadedFile("students.xlsx", b"nope")
    response = login(supervisor).post(IMPORT_URL, {"file": upload}, headers=HTMX)
    body = response.content.decode()
    assert 'id="roster-form"' in body and "is-invalid" in body and "not a OneRoster file" in body


def test_roster_upload_over_the_size_cap_is_refused_naming_the_file(login, supervisor, settings):
    settings.ROSTER_IMPORT_MAX_BYTES = 500
    body = login(supervisor).post(IMPORT_URL, {"file": zip_upload()}).content.decode()
    assert "more than the" in body and "is-invalid" in body
    assert not RosterImportJob.objects.exists()


def test_roster_answer_saves_the_school_and_shows_the_preview_again(login, supervisor):
    schools()
    east = LocationFactory.create(code="EAST", name="Eastside")
    client = login(supervisor)
    body = client.post(IMPORT_URL, {"file": zip_upload()}).content.decode()
    token = body.split('name="token" value="')[1].split('"')[0]
    answer = reverse("students:roster_import_answer")
    bad = client.post(answer, {"token": token, "org_key": "EES", "location": "NOPE"}, headers=HTMX)
    assert bad.status_code == 400 and "No active location" in bad.content.decode()
    good = client.post(answer, {"token": token, "org_key": "EES", "location": "EAST"}, headers=HTMX)
    assert good.status_code == 200 and "East Elementary School" not in good.content.decode()
    assert RosterSchoolMapping.objects.get().location == east


def test_roster_job_page_is_404_for_no_job_and_403_for_others(login, supervisor, technician):
    assert login(supervisor).get(reverse("students:roster_job_detail", args=[999])).status_code == 404
    assert login(technician).get(reverse("students:roster_job_detail", args=[999])).status_code == 403


def test_roster_job_cancel_of_an_ended_job_says_so(login, supervisor):
    job = RosterImportJob.objects.create(
        requested_by=supervisor,
        file_name="x.zip",
        storage_name="roster-imports/x.zip",
        status=ImportJobStatus.SUCCEEDED,
    )
    response = login(supervisor).post(reverse("students:roster_job_cancel", args=[job.pk]), headers=HTMX)
    assert response.status_code == 400 and "already ended" in response.content.decode()


def test_roster_job_poll_shows_live_students_and_the_cancel_form_until_it_ends(login, supervisor):
    job = RosterImportJob.objects.create(
        requested_by=supervisor, file_name="x.zip", storage_name="roster-imports/y.zip", status="running"
    )
    cache.set(selectors.progress_key(job.pk), {"phase": "checking", "done": 30, "total": 120})
    client = login(supervisor)
    detail, cancel = (reverse(f"students:roster_job_{name}", args=[job.pk]) for name in ("detail", "cancel"))

    html = client.get(detail, headers=HTMX).content.decode()

    assert html.lstrip().startswith('<section id="roster-job-status"') and "<html" not in html
    assert 'hx-trigger="every 1s"' in html
    assert "Step 1 of 2, checking: 30 of 120 students checked." in html
    assert 'id="roster-job-progress"' in html and 'aria-valuenow="25"' in html
    assert f'action="{cancel}"' in html and f'hx-post="{cancel}" hx-target="#roster-job-status"' in html
    assert f'<a href="{IMPORT_URL}">import history</a>' in html

    RosterImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.SUCCEEDED, phase="writing", rows_done=120, rows_total=120, students_created=118
    )
    ended = client.get(detail, headers=HTMX).content.decode()

    assert "every 1s" not in ended and 'id="roster-job-cancel"' not in ended
    assert "120 of 120 students written." in ended and "Step" not in ended
    assert 'data-count="created">118<' in ended


def test_roster_job_page_says_why_a_job_failed_and_shows_no_counts_once_cancelled(login, supervisor):
    failed, cancelled = (
        RosterImportJob.objects.create(
            requested_by=supervisor,
            file_name="x.zip",
            storage_name=f"roster-imports/{status}.zip",
            status=status,
        )
        for status in (ImportJobStatus.FAILED, ImportJobStatus.CANCELLED)
    )
    RosterImportJob.objects.filter(pk=failed.pk).update(
        error_message="The export has no users.csv.", rows_refused=3
    )
    client = login(supervisor)

    failed_html = client.get(reverse("students:roster_job_detail", args=[failed.pk])).content.decode()
    cancelled_html = client.get(reverse("students:roster_job_detail", args=[cancelled.pk])).content.decode()

    assert "Nothing was imported. The export has no users.csv." in failed_html
    assert 'data-count="refused">3<' in failed_html and "Import finished" not in failed_html
    assert "Cancelled: nothing was written." in cancelled_html
    assert "data-count=" not in cancelled_html and "Nothing was imported" not in cancelled_html


def test_roster_history_query_count_is_pinned(login, supervisor, django_assert_num_queries):
    for n in range(5):
        RosterImportJob.objects.create(requested_by=supervisor, file_name="x.zip", storage_name=f"r/{n}.zip")
    client = login(supervisor)
    client.get(IMPORT_URL)
    with django_assert_num_queries(4):
        assert client.get(IMPORT_URL).status_code == 200


# The command line ------------------------------------------------------------------------------


def test_import_roster_command_imports_a_folder_and_then_reports_zero_changed(tmp_path):
    schools()
    out, err = io.StringIO(), io.StringIO()
    call_command("import_roster", str(V11), "--valid-only", stdout=out, stderr=err)
    assert "Changed 7: 7 created" in out.getvalue()
    assert "users.csv line 14, grades" in err.getvalue() and "--map-school 'EES=CODE'" in err.getvalue()
    zipped = tmp_path / "oneroster.zip"
    zipped.write_bytes(sample_zip(V11))
    out = io.StringIO()
    call_command("import_roster", str(zipped), "--valid-only", stdout=out, stderr=io.StringIO())
    assert "Changed 0: 0 created, 0 updated (0 made inactive), 7 unchanged" in out.getvalue()


def test_import_roster_command_refuses_bad_rows_and_writes_nothing():
    schools()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_roster", str(V11), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Student.objects.exists()


def test_import_roster_command_map_school_answers_the_question():
    schools()
    LocationFactory.create(code="EAST")
    out = io.StringIO()
    call_command(
        "import_roster",
        str(V11),
        "--valid-only",
        "--map-school",
        "EES=EAST",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "Changed 8: 8 created" in out.getvalue()


# The API ---------------------------------------------------------------------------------------


API_URL = reverse("api:roster-import")


def test_roster_import_api_answers_202_with_the_job(
    api_client, supervisor, django_capture_on_commit_callbacks
):
    schools()
    api_client.force_authenticate(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(API_URL, {"file": zip_upload(), "valid_only": "true"}, format="multipart")
    assert response.status_code == 202 and response["Location"] == response.data["url"]
    detail = api_client.get(response.data["url"])
    assert (detail.data["status"], detail.data["created"]) == (ImportJobStatus.SUCCEEDED, 7)
    assert (
        detail.status_code == 200
        and {"file": "users.csv", "line": 14, "field": "grades"}.items()
        <= {k: v for k, v in detail.data["errors"][5].items()}.items()
    ) or any(e["line"] == 14 and e["field"] == "grades" for e in detail.data["errors"])


def test_roster_import_api_refuses_other_roles(api_client, technician, procurement):
    for user in (technician, procurement):
        api_client.force_authenticate(user)
        assert api_client.post(API_URL, {"file": zip_upload()}, format="multipart").status_code == 403


def test_roster_import_api_names_the_file_for_an_unreadable_export(api_client, supervisor):
    api_client.force_authenticate(supervisor)
    upload = SimpleUploadedFile("oneroster.zip", b"garbage")
    response = api_client.post(API_URL, {"file": upload}, format="multipart")
    assert response.status_code == 400 and "file" in response.data
    assert not RosterImportJob.objects.exists()
