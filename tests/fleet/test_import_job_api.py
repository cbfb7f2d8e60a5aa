"""GET /api/import-jobs/, GET /api/import-jobs/<id>/ and POST /api/import-jobs/<id>/cancel/."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from fleet.choices import ImportJobStatus
from fleet.models import ImportJob
from fleet.selectors import imports as selectors
from fleet.services.importing.progress import WRITING

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api:import-job-list")


def job_of(user, **fields) -> ImportJob:
    values: dict[str, object] = {
        "requested_by": user,
        "file_name": "gam.csv",
        "file_format": "auto",
        "storage_name": f"device-imports/{ImportJob.objects.count()}.csv",
        **fields,
    }
    return ImportJob.objects.create(**values)


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin", "no_role_user"])
def test_roles_without_import_rights_get_403(request, token_api_client, supervisor, actor):
    job = job_of(supervisor, status=ImportJobStatus.RUNNING)
    client = token_api_client(request.getfixturevalue(actor))

    assert client.get(LIST_URL).status_code == 403
    assert client.get(reverse("api:import-job-detail", args=[job.pk])).status_code == 403
    assert client.post(reverse("api:import-job-cancel", args=[job.pk])).status_code == 403
    assert not ImportJob.objects.get(pk=job.pk).cancel_requested


def test_list_gives_every_job_newest_first(
    token_api_client, supervisor, admin_user, django_assert_num_queries
):
    job_of(supervisor, status=ImportJobStatus.SUCCEEDED, devices_created=5)
    newest = job_of(admin_user, status=ImportJobStatus.FAILED, error_message="The file is empty.")
    client = token_api_client(admin_user)

    with django_assert_num_queries(4):  # token with its user, roles, the count, the page
        response = client.get(LIST_URL)

    body = response.json()
    assert response.status_code == 200 and body["count"] == 2
    first = body["results"][0]
    assert (first["id"], first["status"], first["requested_by"], first["error_message"]) == (
        newest.pk,
        "failed",
        admin_user.username,
        "The file is empty.",
    )
    assert body["results"][1]["created"] == 5
    assert "errors" not in first


def test_detail_gives_live_progress_while_running(token_api_client, supervisor):
    job = job_of(supervisor, status=ImportJobStatus.RUNNING)
    cache.set(selectors.progress_key(job.pk), {"phase": WRITING, "done": 2000, "total": 5000})

    body = token_api_client(supervisor).get(reverse("api:import-job-detail", args=[job.pk])).json()

    assert (body["status"], body["phase"], body["rows_done"], body["rows_total"]) == (
        "running",
        WRITING,
        2000,
        5000,
    )
    assert body["url"].endswith(reverse("api:import-job-detail", args=[job.pk]))


def test_detail_of_an_unknown_job_is_404(token_api_client, supervisor):
    assert token_api_client(supervisor).get(reverse("api:import-job-detail", args=[999])).status_code == 404


def test_cancel_a_running_job_asks_it_to_stop(token_api_client, supervisor, admin_user):
    job = job_of(supervisor, status=ImportJobStatus.RUNNING)

    response = token_api_client(admin_user).post(reverse("api:import-job-cancel", args=[job.pk]))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_requested"]) == ("running", True)


def test_cancel_an_ended_job_is_400(token_api_client, supervisor):
    job = job_of(supervisor, status=ImportJobStatus.SUCCEEDED)

    response = token_api_client(supervisor).post(reverse("api:import-job-cancel", args=[job.pk]))

    assert response.status_code == 400
    assert "already ended" in str(response.json())


def test_the_schema_describes_the_job_endpoints(api_client, supervisor):
    api_client.force_login(supervisor)
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()

    paths = schema["paths"]
    assert "202" in paths["/api/devices/import/"]["post"]["responses"]
    assert {"/api/import-jobs/", "/api/import-jobs/{job_id}/", "/api/import-jobs/{job_id}/cancel/"} <= set(
        paths
    )
