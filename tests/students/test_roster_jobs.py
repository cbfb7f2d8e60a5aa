"""Roster imports as background jobs: start on commit, run with progress, cancel (nothing
written), run twice safely, a queue outage, the sweep of lost jobs and abandoned exports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core import tasks as core_tasks
from core.exceptions import DomainError, ServiceUnavailable
from core.services import jobs as core_jobs
from fleet.choices import ImportJobStatus
from fleet.services.importing.progress import WRITING
from students.models import RosterImportJob, Student
from students.services import roster_jobs
from students.tasks import roster_job_run_task, roster_uploads_sweep_task
from tests.students.roster_support import V11, sample_files, schools

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    schools()
    return tmp_path


def kept(media) -> list[str]:
    folder = media / roster_jobs.UPLOAD_DIR
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def token_for(user, *, valid_only: bool = True) -> str:
    return roster_jobs.roster_upload_keep(
        files=sample_files(V11), filename="oneroster.zip", user_id=user.pk, valid_only=valid_only
    )


def start(user, capture, *, run: bool = True, valid_only: bool = True) -> RosterImportJob:
    with capture(execute=run):
        job = roster_jobs.roster_job_start(actor=user, token=token_for(user, valid_only=valid_only))
    job.refresh_from_db()
    return job


def test_job_runs_on_commit_records_counts_and_deletes_the_export(
    supervisor, django_capture_on_commit_callbacks, media
):
    job = start(supervisor, django_capture_on_commit_callbacks)
    assert job.status == ImportJobStatus.SUCCEEDED
    assert (job.students_created, job.students_updated, job.staff_skipped, job.rows_refused) == (7, 0, 2, 9)
    assert (job.phase, job.rows_done, job.rows_total) == (WRITING, 7, 7)
    assert job.row_errors[0] == {
        "file": "orgs.csv",
        "line": 6,
        "field": "sourcedId",
        "message": "No sourcedId.",
        "key": "",
    }
    assert not kept(media)


def test_bad_rows_without_valid_only_fail_the_job_and_write_nothing(
    supervisor, django_capture_on_commit_callbacks
):
    job = start(supervisor, django_capture_on_commit_callbacks, valid_only=False)
    assert job.status == ImportJobStatus.FAILED and "nothing was imported" in job.error_message
    assert job.rows_refused == 9 and not Student.objects.exists()


def test_cancel_while_writing_writes_nothing(
    supervisor, admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    update = core_jobs.JobProgress.update

    def cancel_while_writing(self, *, phase: str, done: int, total: int) -> None:
        if phase == WRITING and done:
            assert Student.objects.exists()
            roster_jobs.roster_job_cancel(job=RosterImportJob.objects.get(pk=self.job_id), actor=admin_user)
        update(self, phase=phase, done=done, total=total)

    monkeypatch.setattr(core_jobs.JobProgress, "update", cancel_while_writing)
    job = start(supervisor, django_capture_on_commit_callbacks)
    assert job.status == ImportJobStatus.CANCELLED and "nothing was written" in job.error_message
    assert not Student.objects.exists()


def test_cancel_of_a_pending_job_ends_it_and_the_task_leaves_it(
    supervisor, django_capture_on_commit_callbacks, media
):
    job = start(supervisor, django_capture_on_commit_callbacks, run=False)
    assert roster_jobs.roster_job_cancel(job=job, actor=supervisor).status == ImportJobStatus.CANCELLED
    assert roster_job_run_task.delay(job.pk).get() is None
    assert not Student.objects.exists() and not kept(media)
    with pytest.raises(DomainError, match="already ended"):
        roster_jobs.roster_job_cancel(job=job, actor=supervisor)


def test_run_twice_leaves_an_ended_job_alone(supervisor, django_capture_on_commit_callbacks):
    job = start(supervisor, django_capture_on_commit_callbacks)
    assert roster_job_run_task.delay(job.pk).get() is None
    assert Student.objects.count() == 7


def test_a_queue_outage_fails_the_job_and_raises(
    supervisor, django_capture_on_commit_callbacks, monkeypatch, media
):
    def queue_down(name: str, *args: object) -> None:
        raise ServiceUnavailable("down")

    monkeypatch.setattr(core_tasks, "enqueue", queue_down)
    token = token_for(supervisor)
    with pytest.raises(ServiceUnavailable), django_capture_on_commit_callbacks(execute=True):
        roster_jobs.roster_job_start(actor=supervisor, token=token)
    job = RosterImportJob.objects.get()
    assert job.status == ImportJobStatus.FAILED and job.error_message == core_jobs.NOT_QUEUED_MESSAGE
    assert not kept(media)


def test_a_preview_is_confirmed_once_and_only_by_its_uploader(
    supervisor, admin_user, technician, django_capture_on_commit_callbacks
):
    token = token_for(supervisor)
    with pytest.raises(DomainError, match="someone else"):
        roster_jobs.roster_job_start(actor=admin_user, token=token)
    with pytest.raises(PermissionDenied):
        roster_jobs.roster_job_start(actor=technician, token=token)
    with django_capture_on_commit_callbacks(execute=False):
        roster_jobs.roster_job_start(actor=supervisor, token=token)
    with pytest.raises(DomainError):
        roster_jobs.roster_job_start(actor=supervisor, token=token)
    assert RosterImportJob.objects.count() == 1


def test_sweep_fails_lost_jobs_and_deletes_abandoned_exports(
    supervisor, django_capture_on_commit_callbacks, time_machine, media
):
    token_for(supervisor)  # abandoned
    lost = start(supervisor, django_capture_on_commit_callbacks, run=False)
    RosterImportJob.objects.filter(pk=lost.pk).update(
        status=ImportJobStatus.RUNNING, started_at=timezone.now()
    )
    time_machine.move_to(timezone.now() + roster_jobs.MAX_AGE + dt.timedelta(minutes=1))
    assert roster_uploads_sweep_task.delay().get() == 1
    lost.refresh_from_db()
    assert lost.status == ImportJobStatus.FAILED and lost.error_message == core_jobs.WORKER_LOST
    assert not kept(media)
