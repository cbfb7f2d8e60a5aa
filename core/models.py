"""Shared model primitives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar

import pghistory
from django.db import models

from core.choices import ACTIVE_JOB_STATUSES, JobStatus

ModelT = TypeVar("ModelT", bound=type[models.Model])

# Never copied into history: the timestamp every save moves (a save that changes nothing else
# records no event). Each model adds its own secrets (a password hash) with ``exclude``.
HISTORY_UNTRACKED = ("updated_at",)


def track_history(
    *,
    exclude: Sequence[str] = (),
    model_name: str = "",
    bulk: bool = False,
    lean: bool = False,
    ledger: bool = False,
) -> Callable[[ModelT], ModelT]:
    """Record every insert, update and delete of the model, by PostgreSQL triggers.

    The rows land in ``<Model>History`` (table ``<app>_<model>history``), one snapshot per change
    with the request's or task's context, so a change made with ``QuerySet.update``, in the admin
    or in a shell is recorded too; ``obj.history`` lists them. Other databases keep the tables
    but install no triggers (SQLite records nothing).

    ``bulk`` installs statement-level triggers (one per INSERT, UPDATE or DELETE, reading its
    transition table) instead of row-level ones: for models written by the hundred thousand (an
    import). A row-level trigger enters two PL/pgSQL exception blocks per row, each a
    subtransaction, which made a 250,000-row insert take minutes; the history rows are the same.

    ``lean`` leaves the history table's copies of foreign keys unindexed (its own object and
    context keep theirs): for tables of millions of rows whose history is only read per object
    (``history_of``), never by what a row points at (``history_referencing``). Each such index
    cost every insert (an import, the district demo's load) and read nothing.

    ``ledger`` (implies ``lean``) is for append-only ledgers (custody events, ticket events, stock
    movements): no snapshot of an insert, because the ledger row is itself the record of who did
    what when; an update or a delete, which no service and no admin page makes, is still recorded.
    The insert snapshots doubled 7.9 million ledger rows at district scale and every import.
    """
    trackers = [pghistory.UpdateEvent(), pghistory.DeleteEvent()]
    if not ledger:
        trackers.insert(0, pghistory.InsertEvent())

    def decorate(model: ModelT) -> ModelT:
        tracked: ModelT = pghistory.track(
            *trackers,
            exclude=[*HISTORY_UNTRACKED, *exclude],
            model_name=model_name or f"{model.__name__}History",
            obj_field=pghistory.ObjForeignKey(related_name="history", related_query_name="history"),
            level=pghistory.Statement if bulk else None,
        )(model)
        if lean or ledger:
            event = tracked.history.rel.related_model  # type: ignore[attr-defined]
            for field in event._meta.fields:
                if field.is_relation and field.name not in ("pgh_obj", "pgh_context"):
                    field.db_index = False
        return tracked

    return decorate


class TimeStampedModel(models.Model):
    """Adds created and updated timestamps."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


JobT = TypeVar("JobT", bound="BackgroundJob")


class BackgroundJobQuerySet(models.QuerySet[JobT]):
    def active(self) -> Self:
        """Jobs still pending or running: their kept files must stay."""
        return self.filter(status__in=ACTIVE_JOB_STATUSES)


class BackgroundJob(TimeStampedModel):
    """A file import run in the background (``core.services.jobs``): the kept file, its options,
    the last progress figures, how it ended and the first row problems.

    While the job runs its live figures and cancel flag are in the cache; these fields hold the
    figures once it ends. Each concrete job adds ``requested_by`` (with its own related name),
    its counts and its constraints.
    """

    ROW_ERRORS_KEPT = 10_000

    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    valid_only = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    phase = models.CharField(max_length=20, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    storage_name = models.CharField(max_length=255, help_text="The kept file; deleted when the job ends.")
    row_errors = models.JSONField(default=list, blank=True)

    if TYPE_CHECKING:  # a foreign key to the user on each concrete job; core imports no app
        requested_by: Any
        requested_by_id: int

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES


# The largest primary key a filter accepts: larger numbers cannot name a row, and some databases
# (SQLite) fail on them instead of finding nothing.
MAX_ID = 2**63 - 1
