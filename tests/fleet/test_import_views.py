"""The browser import: upload, preview with row errors, confirm; supervisors and admins only."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fleet.choices import ImportJobStatus
from fleet.models import CustodyEvent, Device, ImportJob
from tests.fleet.import_support import GAM_SAMPLE, ImportReference, import_reference

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("fleet:device_import")
CONFIRM_URL = reverse("fleet:device_import_confirm")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def ref(settings, tmp_path) -> ImportReference:
    settings.MEDIA_ROOT = tmp_path  # kept uploads go to default storage
    return import_reference()


def sample() -> SimpleUploadedFile:
    return SimpleUploadedFile("gam.csv", GAM_SAMPLE.read_bytes(), content_type="text/csv")


def upload(client, ref: ImportReference, *, default_location: bool = True, **extra):
    data: dict[str, object] = {"file": sample(), "format": "auto"}
    if default_location:
        data["default_location"] = ref.locations["DEPOT"].pk
    return client.post(IMPORT_URL, data, **extra)


def token_in(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no confirm form in the page"
    return match[1]


def count_in(html: str, name: str) -> int:
    match = re.search(rf'data-count="{name}">(\d+)<', html)
    assert match, f"no {name} count in the page"
    return int(match[1])


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin", "no_role_user"])
def test_roles_without_import_rights_get_403(request, login, actor):
    client = login(request.getfixturevalue(actor))

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(CONFIRM_URL, {"token": "x"}).status_code == 403


@pytest.mark.parametrize("actor", ["supervisor", "admin_user"])
def test_supervisors_and_admins_see_the_form(request, login, ref, actor):
    response = login(request.getfixturevalue(actor)).get(IMPORT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-form"' in html
    assert "Central Repair Depot" in html
    assert response["Vary"].count("HX-Request") == 1


def test_preview_counts_and_writes_nothing(login, admin_user, ref):
    response = upload(login(admin_user), ref)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-preview"' in html
    assert count_in(html, "created") == 5
    assert count_in(html, "error_rows") == 0
    assert "CB-0104512" in html  # the first devices to create are listed
    assert "deprovisioned in Google" in html
    assert not Device.objects.exists()


def test_preview_shows_row_errors_and_offers_no_confirm(login, admin_user, ref):
    response = upload(login(admin_user), ref, default_location=False)

    html = response.content.decode()
    assert count_in(html, "error_rows") == 1
    cells = re.sub(r"<td [^>]*>", "<td>", html)  # the row's cells, without their phone labels
    assert re.search(r"<td>6</td><td>CB-0055510</td><td>7K2QX93</td><td>unknown location</td>", cells)
    assert 'id="import-confirm"' not in html
    assert 'id="import-answer"' in html  # the unknown place is a question, answered once
    assert not Device.objects.exists()


def test_preview_counts_every_problem_beyond_those_it_lists(login, admin_user, ref):
    header, first = GAM_SAMPLE.read_text(encoding="utf-8").splitlines()[:2]
    names = header.split(",")
    serial, tag = names.index("serialNumber"), names.index("annotatedAssetId")
    cells = first.split(",")
    rows = []
    for number in range(1_200):  # every row lacks its serial: 1,200 problems of one kind
        row = list(cells)
        row[0], row[serial], row[tag] = f"device-{number}", "", f"T-{number}"
        rows.append(",".join(row))
    data = "\n".join([header, *rows]).encode()
    response = login(admin_user).post(
        IMPORT_URL,
        {"file": SimpleUploadedFile("many.csv", data, content_type="text/csv"), "format": "auto"},
    )

    html = response.content.decode()
    assert "Showing the first 500 of 1,200 problems." in html
    assert html.count('class="row-error"') == 500
    assert "Showing the first 500 of 1,200 notes." in html  # each row's variant to confirm
    assert not Device.objects.exists()


def test_confirm_starts_a_job_and_goes_to_its_page(
    login, supervisor, ref, django_capture_on_commit_callbacks
):
    client = login(supervisor)
    token = token_in(upload(client, ref).content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONFIRM_URL, {"token": token})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("fleet:import_job_detail", args=[job.pk])
    assert job.status == ImportJobStatus.SUCCEEDED and job.requested_by == supervisor
    html = client.get(response.url).content.decode()
    assert count_in(html, "created") == 5
    assert 'aria-valuenow="100"' in html
    assert "hx-trigger" not in html.split('id="import-job-status"')[1].split(">")[0]  # polling stopped
    assert Device.objects.count() == 5
    assert set(CustodyEvent.objects.values_list("actor", flat=True)) == {supervisor.pk}


def test_htmx_preview_returns_the_fragment_and_confirm_redirects_the_client(
    login, admin_user, ref, django_capture_on_commit_callbacks
):
    client = login(admin_user)

    preview = upload(client, ref, headers=HTMX)
    with django_capture_on_commit_callbacks(execute=True):
        result = client.post(CONFIRM_URL, {"token": token_in(preview.content.decode())}, headers=HTMX)

    html = preview.content.decode()
    assert html.lstrip().startswith('<section id="import-preview"')
    assert "<html" not in html
    assert result["HX-Redirect"] == reverse("fleet:import_job_detail", args=[ImportJob.objects.get().pk])
    assert Device.objects.count() == 5


def test_htmx_get_returns_the_form_fragment(login, admin_user, ref):
    html = login(admin_user).get(IMPORT_URL, headers=HTMX).content.decode()

    assert html.lstrip().startswith('<form id="import-form"')


def test_unreadable_file_re_renders_the_form_with_the_error(login, admin_user, ref):
    client = login(admin_user)
    data = {"file": SimpleUploadedFile("x.csv", b"\x00\x01binary"), "format": "auto"}

    response = client.post(IMPORT_URL, data, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="import-form"')
    assert "binary data" in html


def test_confirm_with_a_forged_token_writes_nothing(login, admin_user, ref):
    response = login(admin_user).post(CONFIRM_URL, {"token": "forged"})

    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "not valid" in html
    assert not Device.objects.exists()


def test_confirm_of_a_file_that_became_invalid_ends_the_job_failed_with_the_reason(
    login, admin_user, ref, django_capture_on_commit_callbacks
):
    client = login(admin_user)
    token = token_in(upload(client, ref).content.decode())
    ref.locations["DEPOT"].delete()  # the default location is gone by the time of confirmation

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(CONFIRM_URL, {"token": token})
    response = client.get(started.url)

    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.FAILED and "no location with the code" in job.error_message
    assert "no location with the code" in response.content.decode()
    assert not Device.objects.exists()


def test_confirming_the_same_preview_twice_starts_one_job(
    login, admin_user, ref, django_capture_on_commit_callbacks
):
    client = login(admin_user)
    token = token_in(upload(client, ref).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CONFIRM_URL, {"token": token})

    again = client.post(CONFIRM_URL, {"token": token})

    assert "Nothing was imported" in again.content.decode()
    assert ImportJob.objects.count() == 1


# Committed for real, so the job is queued inside the request, as in production (and the role
# groups the flush removes are restored after, as every transactional test here does).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_confirm_with_the_task_queue_down_is_503_and_leaves_nothing_pending(
    login, admin_user, ref, monkeypatch
):
    from core import tasks as core_tasks
    from core.exceptions import ServiceUnavailable

    def queue_down(name: str, *args: object) -> None:
        raise ServiceUnavailable("down")

    monkeypatch.setattr(core_tasks, "enqueue", queue_down)
    client = login(admin_user)
    token = token_in(upload(client, ref).content.decode())

    response = client.post(CONFIRM_URL, {"token": token})

    assert response.status_code == 503 and response["Retry-After"]
    assert "task queue is unreachable" in response.content.decode()
    assert ImportJob.objects.get().status == ImportJobStatus.FAILED
    assert not Device.objects.exists()
