"""What every background job shares below its service: the phases a long import reports, how it
reports rows done of total and learns it should stop, and its live figures in the cache.

The planning and writing loops call ``progress.update(phase=..., done=..., total=...)`` after each
batch. A background job's progress (``core.services.jobs.JobProgress``) writes the figures where
the job page polls them and raises ``JobCancelled`` once someone asked to cancel; the command
line's prints them. Raising inside the import's transaction rolls everything back, so a cancelled
import writes nothing.

Live figures go through the cache, not the job's row: the import runs inside one transaction, so
rows it writes are invisible to the polling page until it commits. The cache is Redis (shared by
web and worker processes) when ``REDIS_URL`` is set, and local memory otherwise, where the job
runs eagerly in the request's own process. The row gets the last figures when the job ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from django.core.cache import cache

from core.exceptions import DomainError
from core.models import BackgroundJob

CHECKING = "checking"
WRITING = "writing"


class JobCancelled(DomainError):
    """The job was cancelled while it ran; nothing was written."""


class JobRejected(DomainError):
    """Some rows are bad and the caller asked for all or nothing: nothing was written.

    ``report`` (set by each subclass) says which rows and why; the job keeps its counts."""

    report: Any


class Progress:
    """Reports nothing and never cancels: what a caller gets that did not ask for progress."""

    def update(self, *, phase: str, done: int, total: int) -> None:
        """``done`` of ``total`` rows of ``phase`` (CHECKING or WRITING) are through.

        Raises JobCancelled when the job should stop.
        """


NO_PROGRESS = Progress()


@dataclass(frozen=True)
class JobFigures:
    """Rows done of total in the job's current (or last) phase. Each kind of job names its
    phases for its page by subclassing with its own ``LABELS`` and ``OTHER_LABEL``."""

    LABELS: ClassVar[dict[str, str]] = {CHECKING: "rows checked", WRITING: "rows written"}
    OTHER_LABEL: ClassVar[str] = "rows"

    phase: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def label(self) -> str:
        return self.LABELS.get(self.phase, self.OTHER_LABEL)


FiguresT = TypeVar("FiguresT", bound=JobFigures)


# A running job's live figures and its cancel flag, under the prefix of its kind
# ("fleet:import-job"), so two kinds of job with the same id never meet.
def progress_key(prefix: str, job_id: int) -> str:
    return f"{prefix}:{job_id}:progress"


def cancel_key(prefix: str, job_id: int) -> str:
    return f"{prefix}:{job_id}:cancel"


def job_figures(*, job: BackgroundJob, prefix: str, figures: type[FiguresT]) -> FiguresT:
    """Rows done of total: live from the cache while the job runs, else as the job ended."""
    if job.is_active:
        live = cache.get(progress_key(prefix, job.pk))
        if isinstance(live, dict):
            return figures(**live)
    return figures(phase=job.phase, done=job.rows_done, total=job.rows_total)
