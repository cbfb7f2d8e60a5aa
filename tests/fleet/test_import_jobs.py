"""Import jobs (fleet.services.importing.jobs): start from a preview, run with progress, cancel,
fail, and the kept file deleted at every end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core import tasks as core_tasks
from core.exceptions import DomainError, ServiceUnavailable
from core.services import jobs as core_jobs
from fleet.choices import ImportJobStatus
from fleet.models import CustodyEvent, Device, ImportJob
from fleet.selectors import imports as selectors
from fleet.services import importing
from fleet.services.importing import jobs, uploads
from fleet.services.importing.progress import CHECKING, WRITING, ImportCancelled
from fleet.tasks import import_job_run_task
from tests.fleet.import_support import GAM_SAMPLE, ImportReference, import_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(settings, tmp_path) -> ImportReference:
    settings.MEDIA_ROOT = tmp_path  # kept uploads go to default storage
    return import_reference()


def kept_files(tmp_path) -> list:
    folder = tmp_path / uploads.UPLOAD_DIR
    return sorted(folder.iterdir()) if folder.exists() else []


def preview_token(actor, data: bytes | None = None, **options) -> str:
    options.setdefault("default_location", "DEPOT")
    preview = importing.device_import_preview(
        actor=actor, data=data or GAM_SAMPLE.read_bytes(), filename="gam.csv", **options
    )
    return preview.token


def start(actor, capture, data: bytes | None = None, *, run: bool = True, **options) -> ImportJob:
    """A job started from a fresh preview; ``run``: the commit that queues it happens."""
    token = preview_token(actor, data, **options)
    with capture(execute=run) as callbacks:
        job = jobs.import_job_start(actor=actor, token=token)
    # Queued on commit, once (a finished import then queues the device tally's rebuild too).
    assert len([c for c in callbacks if "device_tally" not in repr(c)]) == 1
    job.refresh_from_db()
    return job


def test_start_creates_a_pending_job_and_queues_it_on_commit(
    ref, supervisor, django_capture_on_commit_callbacks, tmp_path
):
    job = start(supervisor, django_capture_on_commit_callbacks, run=False)

    assert (job.status, job.requested_by, job.file_name, job.default_location) == (
        ImportJobStatus.PENDING,
        supervisor,
        "gam.csv",
        "DEPOT",
    )
    assert kept_files(tmp_path) and job.storage_name.startswith(uploads.UPLOAD_DIR)
    assert not Device.objects.exists()


def test_run_imports_records_counts_and_progress_and_deletes_the_file(
    ref, supervisor, django_capture_on_commit_callbacks, tmp_path
):
    job = start(supervisor, django_capture_on_commit_callbacks)

    assert job.status == ImportJobStatus.SUCCEEDED
    assert (job.devices_created, job.devices_updated, job.devices_unchanged, job.rows_refused) == (5, 0, 0, 0)
    assert (job.phase, job.rows_done, job.rows_total) == (WRITING, 5, 5)
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert Device.objects.count() == 5
    assert set(CustodyEvent.objects.values_list("actor", flat=True)) == {supervisor.pk}
    assert not kept_files(tmp_path)
    assert cache.get(selectors.progress_key(job.pk)) is None


def test_a_second_job_of_the_same_file_changes_nothing_and_writes_no_events(
    ref, admin_user, django_capture_on_commit_callbacks
):
    start(admin_user, django_capture_on_commit_callbacks)
    devices = list(Device.objects.order_by("pk").values())
    events = CustodyEvent.objects.count()

    second = start(admin_user, django_capture_on_commit_callbacks)

    assert second.status == ImportJobStatus.SUCCEEDED
    assert (second.devices_created, second.devices_updated, second.devices_unchanged) == (0, 0, 5)
    assert list(Device.objects.order_by("pk").values()) == devices
    assert CustodyEvent.objects.count() == events


def test_job_progress_writes_at_most_every_half_second_and_the_end_of_each_phase(ref, supervisor):
    job = ImportJob.objects.create(
        requested_by=supervisor, file_name="a.csv", file_format="auto", storage_name="a"
    )
    now = [100.0]
    progress = core_jobs.JobProgress(jobs.IMPORT_JOBS, job.pk, clock=lambda: now[0])

    progress.update(phase=CHECKING, done=1000, total=250_000)
    written = cache.get(selectors.progress_key(job.pk))
    now[0] += 0.1
    progress.update(phase=CHECKING, done=2000, total=250_000)  # too soon: not written
    skipped = cache.get(selectors.progress_key(job.pk))
    now[0] += 0.5
    progress.update(phase=CHECKING, done=12_000, total=250_000)
    later = selectors.import_job_progress(job=job)
    now[0] += 0.01
    progress.update(phase=CHECKING, done=250_000, total=250_000)  # the phase's end: always written

    assert written == {"phase": CHECKING, "done": 1000, "total": 250_000}
    assert skipped == written
    assert (later.done, later.total, later.percent, later.label) == (12_000, 250_000, 4, "rows checked")
    assert selectors.import_job_progress(job=job).percent == 100


def test_job_progress_raises_once_cancel_is_requested_on_the_row(ref, supervisor):
    job = ImportJob.objects.create(
        requested_by=supervisor, file_name="a.csv", file_format="auto", storage_name="a", status="running"
    )
    progress = core_jobs.JobProgress(jobs.IMPORT_JOBS, job.pk)
    progress.update(phase=CHECKING, done=1, total=10)
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    with pytest.raises(ImportCancelled):
        progress.update(phase=CHECKING, done=10, total=10)


def test_cancel_mid_import_writes_nothing_and_ends_cancelled(
    ref, supervisor, admin_user, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    update = core_jobs.JobProgress.update

    def cancel_while_writing(self, *, phase: str, done: int, total: int) -> None:
        if phase == WRITING and done:  # devices are being written when the cancel comes
            assert Device.objects.exists()
            jobs.import_job_cancel(job=ImportJob.objects.get(pk=self.job_id), actor=admin_user)
        update(self, phase=phase, done=done, total=total)

    monkeypatch.setattr(core_jobs.JobProgress, "update", cancel_while_writing)

    job = start(supervisor, django_capture_on_commit_callbacks)

    assert job.status == ImportJobStatus.CANCELLED and job.cancel_requested
    assert "nothing was written" in job.error_message
    assert job.phase == WRITING and job.rows_total == 5
    assert not Device.objects.exists() and not CustodyEvent.objects.exists()
    assert not kept_files(tmp_path)


def test_cancel_of_a_pending_job_ends_it_at_once_and_the_task_leaves_it(
    ref, supervisor, django_capture_on_commit_callbacks, tmp_path
):
    job = start(supervisor, django_capture_on_commit_callbacks, run=False)

    cancelled = jobs.import_job_cancel(job=job, actor=supervisor)

    assert cancelled.status == ImportJobStatus.CANCELLED
    assert not kept_files(tmp_path)
    assert import_job_run_task.delay(job.pk).get() is None
    assert not Device.objects.exists()


def test_cancel_of_an_ended_job_raises(ref, supervisor, django_capture_on_commit_callbacks):
    job = start(supervisor, django_capture_on_commit_callbacks)

    with pytest.raises(DomainError, match="already ended"):
        jobs.import_job_cancel(job=job, actor=supervisor)
    job.refresh_from_db()
    assert not job.cancel_requested


def test_cancel_with_a_stale_copy_of_an_ended_job_raises_and_leaves_no_cancel_flag(
    ref, supervisor, django_capture_on_commit_callbacks
):
    stale = start(supervisor, django_capture_on_commit_callbacks, run=False)
    jobs.import_job_run(job_id=stale.pk)  # ends while the caller still holds it as pending

    with pytest.raises(DomainError, match="already ended"):
        jobs.import_job_cancel(job=stale, actor=supervisor)

    # A flag left behind would stop the next job that gets this id (ids repeat on SQLite).
    assert cache.get(selectors.cancel_key(stale.pk)) is None
    assert not core_jobs.JobProgress(jobs.IMPORT_JOBS, stale.pk).cancelled()
    stale.refresh_from_db()
    assert stale.status == ImportJobStatus.SUCCEEDED and not stale.cancel_requested


def test_rows_with_problems_end_the_job_failed_with_its_row_errors(
    ref, supervisor, django_capture_on_commit_callbacks, tmp_path
):
    job = start(supervisor, django_capture_on_commit_callbacks, default_location="")

    assert job.status == ImportJobStatus.FAILED
    assert "1 of 5 rows have problems, so nothing was imported" in job.error_message
    assert job.rows_refused == 1
    assert [(issue["row"], issue["code"]) for issue in job.row_errors] == [(6, "unknown_location")]
    assert not Device.objects.exists() and not kept_files(tmp_path)


def test_an_unexpected_error_ends_the_job_failed_with_a_message(
    ref, supervisor, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    def broken(**kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "devices_import", broken)

    job = start(supervisor, django_capture_on_commit_callbacks)

    assert job.status == ImportJobStatus.FAILED
    assert "unexpected error" in job.error_message and "disk on fire" not in job.error_message
    assert not kept_files(tmp_path)


def test_an_importer_who_lost_the_right_ends_the_job_failed(
    ref, supervisor, django_capture_on_commit_callbacks, tmp_path
):
    job = start(supervisor, django_capture_on_commit_callbacks, run=False)
    supervisor.groups.clear()

    import_job_run_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED and "may no longer import" in job.error_message
    assert not Device.objects.exists() and not kept_files(tmp_path)


def test_run_twice_leaves_an_ended_job_alone(ref, supervisor, django_capture_on_commit_callbacks):
    job = start(supervisor, django_capture_on_commit_callbacks)

    assert jobs.import_job_run(job_id=job.pk) is None
    assert ImportJob.objects.get(pk=job.pk).finished_at == job.finished_at


def test_a_queue_outage_fails_the_job_deletes_the_file_and_raises(
    ref, supervisor, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    def queue_down(name: str, *args: object) -> None:
        raise ServiceUnavailable("down")

    monkeypatch.setattr(core_tasks, "enqueue", queue_down)
    token = preview_token(supervisor)

    with pytest.raises(ServiceUnavailable), django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_start(actor=supervisor, token=token)

    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.FAILED and job.error_message == core_jobs.NOT_QUEUED_MESSAGE
    assert not kept_files(tmp_path)


def test_a_preview_confirmed_twice_starts_one_job(ref, supervisor, django_capture_on_commit_callbacks):
    token = preview_token(supervisor)
    with django_capture_on_commit_callbacks(execute=False):
        jobs.import_job_start(actor=supervisor, token=token)

    with pytest.raises(DomainError, match="already confirmed"):
        jobs.import_job_start(actor=supervisor, token=token)
    assert ImportJob.objects.count() == 1


def test_start_and_cancel_need_the_import_right(
    ref, supervisor, technician, django_capture_on_commit_callbacks
):
    token = preview_token(supervisor)
    with pytest.raises(PermissionDenied):
        jobs.import_job_start(actor=technician, token=token)
    job = start(supervisor, django_capture_on_commit_callbacks, run=False)

    with pytest.raises(PermissionDenied):
        jobs.import_job_cancel(job=job, actor=technician)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.PENDING


def test_sweep_fails_lost_jobs_and_deletes_abandoned_previews_only(
    ref, supervisor, django_capture_on_commit_callbacks, time_machine, tmp_path
):
    preview_token(supervisor)  # abandoned
    lost = start(supervisor, django_capture_on_commit_callbacks, run=False)
    ImportJob.objects.filter(pk=lost.pk).update(status=ImportJobStatus.RUNNING, started_at=timezone.now())
    waiting = start(supervisor, django_capture_on_commit_callbacks, run=False)
    time_machine.move_to(timezone.now() + uploads.MAX_AGE + dt.timedelta(minutes=1))
    ImportJob.objects.filter(pk=waiting.pk).update(created_at=timezone.now())  # queued a while

    removed = jobs.import_uploads_sweep()

    lost.refresh_from_db()
    assert lost.status == ImportJobStatus.FAILED and lost.error_message == core_jobs.WORKER_LOST
    assert removed == 1  # the abandoned preview; the lost job's file went with the job
    assert [f"{uploads.UPLOAD_DIR}/{path.name}" for path in kept_files(tmp_path)] == [waiting.storage_name]
    assert ImportJob.objects.get(pk=waiting.pk).status == ImportJobStatus.PENDING


def test_a_new_preview_sweeps_old_files_but_never_a_waiting_jobs(
    ref, supervisor, django_capture_on_commit_callbacks, time_machine, tmp_path
):
    waiting = start(supervisor, django_capture_on_commit_callbacks, run=False)
    time_machine.move_to(timezone.now() + uploads.MAX_AGE + dt.timedelta(minutes=1))

    preview_token(supervisor)

    names = {f"{uploads.UPLOAD_DIR}/{path.name}" for path in kept_files(tmp_path)}
    assert waiting.storage_name in names and len(names) == 2  # the waiting job's and the new one


def test_preview_over_the_size_cap_is_refused_naming_file_and_keeps_nothing(
    ref, supervisor, settings, tmp_path
):
    settings.DEVICE_IMPORT_MAX_BYTES = 100

    with pytest.raises(DomainError, match="an import takes") as refused:
        preview_token(supervisor)

    assert refused.value.field == "file"
    assert not kept_files(tmp_path)


def test_preview_over_the_row_cap_is_refused_naming_file_and_keeps_nothing(
    ref, supervisor, settings, tmp_path
):
    settings.DEVICE_IMPORT_MAX_ROWS = 4

    with pytest.raises(DomainError, match="more than 4 rows") as refused:
        preview_token(supervisor)

    assert refused.value.field == "file"
    assert not kept_files(tmp_path)
