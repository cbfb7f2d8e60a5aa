"""The shared background-job lifecycle (core.services.jobs), through both kinds of job that use
it: device imports (fleet) and roster imports (students). Each end records its figures, deletes
the kept file and clears the job's cache entries; a cancel never leaves a flag behind."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.utils import timezone

from core import tasks as core_tasks
from core.choices import JobStatus
from core.exceptions import DomainError, ServiceUnavailable
from core.models import BackgroundJob
from core.services import jobs as core_jobs
from core.services.job_progress import CHECKING, WRITING, JobCancelled, Progress
from fleet.models import ImportJob
from fleet.selectors import imports as import_selectors
from fleet.services.importing.jobs import IMPORT_JOBS
from fleet.services.importing.report import ImportRejected, ImportReport
from fleet.services.importing.report import RowIssue as DeviceRowIssue
from students import selectors as student_selectors
from students.domain.oneroster import RowIssue as RosterRowIssue
from students.models import RosterImportJob
from students.services.roster import RosterRejected, RosterReport
from students.services.roster_jobs import ROSTER_JOBS

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    kind: core_jobs.JobKind[Any]
    create: Callable[..., BackgroundJob]
    report: Callable[[], Any]  # a report of 3 rows written: 2 created, 1 updated
    rejected: Callable[[], DomainError]  # all or nothing refused: 1 bad row of 3
    created_field: str
    right: str
    figures: Callable[[Any], Any]


def _device_job(user: Any, name: str) -> ImportJob:
    return ImportJob.objects.create(
        requested_by=user, file_name="gam.csv", file_format="auto", storage_name=name
    )


def _roster_job(user: Any, name: str) -> RosterImportJob:
    return RosterImportJob.objects.create(requested_by=user, file_name="oneroster.zip", storage_name=name)


def _device_report() -> ImportReport:
    return ImportReport(format="gam", source="gam.csv", rows=3, created=2, updated=1)


def _roster_report() -> RosterReport:
    return RosterReport(students=3, created=2, updated=1, staff=4)


def _device_rejected() -> DomainError:
    issue = DeviceRowIssue(row=2, asset_tag="A1", serial="S1", code="bad", reason="Bad serial")
    return ImportRejected(ImportReport(format="gam", source="gam.csv", rows=3, error_rows=1, errors=[issue]))


def _roster_rejected() -> DomainError:
    issue = RosterRowIssue(file="users.csv", line=2, field="role", message="Bad role")
    return RosterRejected(RosterReport(students=3, errors=[issue]))


CASES = {
    "device import": Case(
        IMPORT_JOBS,
        _device_job,
        _device_report,
        _device_rejected,
        "devices_created",
        "import devices",
        lambda job: import_selectors.import_job_progress(job=job),
    ),
    "roster import": Case(
        ROSTER_JOBS,
        _roster_job,
        _roster_report,
        _roster_rejected,
        "students_created",
        "import rosters",
        lambda job: student_selectors.roster_job_progress(job=job),
    ),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


@pytest.fixture
def kept(settings, tmp_path) -> str:
    """A file kept for a job, in default storage."""
    settings.MEDIA_ROOT = tmp_path
    return default_storage.save("jobs-test/kept.csv", ContentFile(b"kept"))


@pytest.fixture
def job(case: Case, supervisor, kept: str) -> BackgroundJob:
    return case.create(supervisor, kept)


def assert_cleaned_up(case: Case, job: BackgroundJob) -> None:
    assert not default_storage.exists(job.storage_name)
    assert cache.get(case.kind.progress_key(job.pk)) is None
    assert cache.get(case.kind.cancel_key(job.pk)) is None


def run(case: Case, job: BackgroundJob, body: Callable[[Any, Progress], Any]) -> Any:
    ended = core_jobs.job_run(kind=case.kind, job_id=job.pk, body=body)
    assert ended is not None
    ended.refresh_from_db()
    return ended


def test_job_run_records_the_report_and_ends_succeeded(case: Case, job: BackgroundJob):
    def body(running: Any, progress: Progress) -> Any:
        assert running.status == JobStatus.RUNNING and running.started_at is not None
        progress.update(phase=WRITING, done=3, total=3)
        assert cache.get(case.kind.progress_key(job.pk)) == {"phase": WRITING, "done": 3, "total": 3}
        return case.report()

    ended = run(case, job, body)

    assert ended.status == JobStatus.SUCCEEDED and ended.finished_at is not None
    assert getattr(ended, case.created_field) == 2
    assert (ended.phase, ended.rows_done, ended.rows_total, ended.rows_refused) == (WRITING, 3, 3, 0)
    assert case.figures(ended).percent == 100
    assert_cleaned_up(case, ended)
    # Safe to run twice: an ended job is left alone and its body never runs.
    assert core_jobs.job_run(kind=case.kind, job_id=job.pk, body=lambda *_: pytest.fail("ran twice")) is None


def test_job_run_when_rows_are_rejected_ends_failed_with_row_errors(case: Case, job: BackgroundJob):
    def body(running: Any, progress: Progress) -> Any:
        progress.update(phase=CHECKING, done=3, total=3)
        raise case.rejected()

    ended = run(case, job, body)

    assert ended.status == JobStatus.FAILED and "nothing was" in ended.error_message
    assert ended.rows_refused == 1 and len(ended.row_errors) == 1
    assert (ended.phase, ended.rows_done, ended.rows_total) == (CHECKING, 3, 3)
    assert_cleaned_up(case, ended)


def test_job_run_when_the_requester_lost_the_right_ends_failed_naming_them(
    case: Case, job: BackgroundJob, supervisor
):
    def body(running: Any, progress: Progress) -> Any:
        raise PermissionDenied

    ended = run(case, job, body)

    assert ended.status == JobStatus.FAILED
    assert ended.error_message == f"{supervisor} may no longer {case.right}: nothing was written."
    assert_cleaned_up(case, ended)


def test_job_run_on_an_unexpected_error_ends_failed_and_logs_it(case: Case, job: BackgroundJob, caplog):
    def body(running: Any, progress: Progress) -> Any:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="core.services.jobs"):
        ended = run(case, job, body)

    assert ended.status == JobStatus.FAILED and ended.error_message == core_jobs.UNEXPECTED_ERROR
    assert "boom" in caplog.text
    assert_cleaned_up(case, ended)


def test_job_run_on_a_database_outage_raises_and_leaves_the_job_running_for_the_retry(
    case: Case, job: BackgroundJob
):
    def body(running: Any, progress: Progress) -> Any:
        raise OperationalError("server closed the connection")

    with pytest.raises(OperationalError):
        core_jobs.job_run(kind=case.kind, job_id=job.pk, body=body)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and default_storage.exists(job.storage_name)


def test_job_cancel_while_running_stops_the_body_at_its_next_progress_write(case: Case, job: BackgroundJob):
    def body(running: Any, progress: Progress) -> Any:
        progress.update(phase=CHECKING, done=1, total=4)
        cancelled = core_jobs.job_cancel(kind=case.kind, job=running)
        assert cancelled.status == JobStatus.RUNNING and cancelled.cancel_requested
        progress.update(phase=CHECKING, done=4, total=4)
        pytest.fail("the progress write after a cancel must raise")

    ended = run(case, job, body)

    assert ended.status == JobStatus.CANCELLED and ended.cancel_requested
    assert ended.error_message == core_jobs.CANCELLED_WHILE_RUNNING
    assert (ended.phase, ended.rows_done, ended.rows_total) == (CHECKING, 4, 4)
    assert_cleaned_up(case, ended)


def test_job_cancel_of_a_pending_job_ends_it_at_once_and_the_run_leaves_it(case: Case, job: BackgroundJob):
    cancelled = core_jobs.job_cancel(kind=case.kind, job=job)

    assert cancelled.status == JobStatus.CANCELLED
    assert cancelled.error_message == core_jobs.CANCELLED_BEFORE_START
    assert_cleaned_up(case, cancelled)
    assert core_jobs.job_run(kind=case.kind, job_id=job.pk, body=lambda *_: pytest.fail("ran")) is None


def test_job_cancel_with_a_stale_copy_of_an_ended_job_raises_and_leaves_no_flag(
    case: Case, job: BackgroundJob
):
    run(case, job, lambda running, progress: case.report())  # `job` still says pending

    with pytest.raises(DomainError, match="already ended: finished"):
        core_jobs.job_cancel(kind=case.kind, job=job)

    assert cache.get(case.kind.cancel_key(job.pk)) is None
    assert not core_jobs.JobProgress(case.kind, job.pk).cancelled()


def test_job_progress_of_one_kind_never_sees_the_others_cancel_flag():
    cache.set(ROSTER_JOBS.cancel_key(7), True)
    try:
        assert not core_jobs.JobProgress(IMPORT_JOBS, 7).cancelled()
        with pytest.raises(JobCancelled):
            core_jobs.JobProgress(ROSTER_JOBS, 7).update(phase=CHECKING, done=1, total=1)
    finally:
        cache.delete(ROSTER_JOBS.cancel_key(7))


def test_job_enqueue_when_the_queue_is_down_fails_the_job_and_raises(
    case: Case, job: BackgroundJob, monkeypatch
):
    def queue_down(name: str, *args: object) -> None:
        raise ServiceUnavailable("down")

    monkeypatch.setattr(core_tasks, "enqueue", queue_down)

    with pytest.raises(ServiceUnavailable, match=r"Upload the .* again in a minute"):
        core_jobs.job_enqueue(case.kind, job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_message == core_jobs.NOT_QUEUED_MESSAGE
    assert_cleaned_up(case, job)


def test_jobs_fail_stale_fails_lost_and_abandoned_jobs_only(case: Case, supervisor, kept: str):
    now = timezone.now()
    lost = case.create(supervisor, kept)
    case.kind.model._default_manager.filter(pk=lost.pk).update(
        status=JobStatus.RUNNING, started_at=now - dt.timedelta(hours=1)
    )
    working = case.create(supervisor, "jobs-test/working.csv")
    case.kind.model._default_manager.filter(pk=working.pk).update(status=JobStatus.RUNNING, started_at=now)
    waiting = case.create(supervisor, "jobs-test/waiting.csv")

    assert core_jobs.jobs_fail_stale(kind=case.kind, now=now, pending_max_age=dt.timedelta(hours=2)) == 1
    assert core_jobs.jobs_fail_stale(kind=case.kind, now=now, pending_max_age=dt.timedelta(hours=2)) == 0

    lost.refresh_from_db()
    assert lost.status == JobStatus.FAILED and lost.error_message == core_jobs.WORKER_LOST
    assert_cleaned_up(case, lost)
    assert case.kind.model._default_manager.get(pk=working.pk).status == JobStatus.RUNNING
    assert case.kind.model._default_manager.get(pk=waiting.pk).status == JobStatus.PENDING
    # A pending job older than a preview lives was never picked up: it fails too.
    later = now + dt.timedelta(hours=3)
    assert core_jobs.jobs_fail_stale(kind=case.kind, now=later, pending_max_age=dt.timedelta(hours=2)) == 2


def test_job_figures_name_each_kinds_phases_for_its_page(supervisor, kept: str):
    device = _device_job(supervisor, kept)
    roster = _roster_job(supervisor, "jobs-test/roster.zip")
    for model, job in ((ImportJob, device), (RosterImportJob, roster)):
        model.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, phase=WRITING, rows_done=1, rows_total=4
        )
        job.refresh_from_db()

    assert import_selectors.import_job_progress(job=device).label == "devices written"
    assert student_selectors.roster_job_progress(job=roster).label == "students written"
    assert student_selectors.roster_job_progress(job=roster).percent == 25
