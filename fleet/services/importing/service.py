"""Import devices from GAM ``print cros``, the Admin console export or a district spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from core.tasks import enqueue_on_commit
from fleet import permissions
from fleet.models import Location
from fleet.services.importing import columns, mappings, uploads
from fleet.services.importing.planning import Catalogue, plan_import
from fleet.services.importing.progress import CHECKING, NO_PROGRESS, Progress
from fleet.services.importing.reading import read_table
from fleet.services.importing.report import ImportFileError, ImportFormat, ImportRejected, ImportReport
from fleet.services.importing.setbased import plan_import_setbased
from fleet.services.importing.writing import write_plan


@transaction.atomic
def devices_import(
    *,
    data: bytes | Path,
    actor: User | None,
    file_format: str = ImportFormat.AUTO,
    dry_run: bool = False,
    valid_only: bool = False,
    default_location: str = "",
    source: str = "",
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Create and update devices from a file (its bytes or its path); upsert by manufacturer and serial.

    All or nothing by default: when any row is bad, nothing is written and ImportRejected
    (carrying the report) is raised; ``valid_only`` writes the good rows and reports the rest.
    ``dry_run`` writes nothing and returns the report whatever it says. A second import of the
    same file changes nothing. New devices get one "imported" custody event each; existing ones
    one when their place or holder changes.

    ``default_location`` is a location code for new devices whose row names no known location.
    ``actor`` None is the command line (trusted); a user needs ``can_import_devices``.
    Raises ImportFileError for a file that cannot be read as a whole, DomainError for an unknown
    default location (or one the actor cannot see) and for an inactive one (naming ``location``),
    ConflictError when devices changed underneath, PermissionDenied, and ImportCancelled (from
    ``progress``) when the import was cancelled while it ran; nothing is then written. A file of
    more than DEVICE_IMPORT_MAX_ROWS rows is refused (DomainError naming ``file``) once the
    checking passes the cap.
    """
    if actor is not None and not permissions.can_import_devices(actor):
        raise PermissionDenied
    progress = _RowCap(progress, limit=settings.DEVICE_IMPORT_MAX_ROWS)
    table = read_table(data)
    fmt = ImportFormat(file_format)
    if fmt == ImportFormat.AUTO:
        fmt = columns.detect_format(table.header)
    column_map = columns.map_columns(table.header, fmt)
    location = default_location_get(default_location, actor=actor)
    catalogue = Catalogue.load()
    plan = None
    if connection.vendor == "postgresql":
        plan = plan_import_setbased(
            table,
            column_map,
            catalogue=catalogue,
            default_location=location,
            progress=progress,
            total=table.lines,
            keep_new=not dry_run,
        )
    if plan is None:
        plan = plan_import(
            table.rows,
            column_map,
            catalogue=catalogue,
            default_location=location,
            progress=progress,
            total=table.lines,
            spill=connection.vendor == "postgresql",
            keep_new=not dry_run,
        )
    if not plan.rows:
        raise ImportFileError("The file has a header row but no devices.")
    report = plan.report(fmt=fmt, source=source, dry_run=dry_run, valid_only=valid_only)
    if dry_run:
        return report
    if report.refused:
        raise ImportRejected(report)
    try:
        write_plan(plan, actor=actor, reason=f"Imported from {source or 'a file'}"[:255], progress=progress)
    except IntegrityError as exc:
        raise ConflictError(
            "Devices changed while the file was being imported; nothing was written. Try again."
        ) from exc
    report.written = True
    # The reports count devices through the device tally: rebuild it once this import commits.
    enqueue_on_commit("fleet.tasks.device_tally_refresh_task")
    return report


class _RowCap(Progress):
    """Passes progress on, and refuses the file once the rows being checked pass the cap: the
    checking reports each batch, so a file too long is stopped before the next batch is read."""

    def __init__(self, inner: Progress, *, limit: int) -> None:
        self.inner, self.limit = inner, limit

    def update(self, *, phase: str, done: int, total: int) -> None:
        if phase == CHECKING and max(done, total) > self.limit:
            raise DomainError(
                f"The file has more than {self.limit:,} rows, the most an import takes. "
                "Split it and import the parts.",
                field="file",
            )
        self.inner.update(phase=phase, done=done, total=total)


def default_location_get(code: str, *, actor: User | None) -> Location | None:
    """The location new devices go to when their row names none: an active one the actor can
    see (the upload form's choices; the command line sees them all)."""
    if not code.strip():
        return None
    locations = Location.objects.all() if actor is None else Location.objects.visible_to(actor)
    location = locations.filter(code__iexact=code.strip()).first()
    if location is None:
        raise DomainError(f"There is no location with the code {code.strip()!r}.", field="location")
    if not location.is_active:
        raise DomainError(
            f"{location.name} ({location.code}) is no longer active: choose an active default location.",
            field="location",
        )
    return location


@dataclass(frozen=True)
class Preview:
    token: str
    report: ImportReport


def device_import_preview(
    *,
    actor: User,
    data: bytes | File,
    filename: str,
    file_format: str = ImportFormat.AUTO,
    valid_only: bool = False,
    default_location: str = "",
) -> Preview:
    """Check a file without writing, and keep it for ``import_job_start`` under a signed token.

    The file is stored first (in chunks, after its size is checked) and checked from disk.
    Raises what ``devices_import`` raises, and DomainError naming ``file`` for a file over
    DEVICE_IMPORT_MAX_BYTES; a file that is refused or cannot be read is not kept.
    """
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    pending = uploads.PendingImport(
        name="",
        filename=filename,
        file_format=file_format,
        valid_only=valid_only,
        default_location=default_location,
        user_id=actor.pk,
    )
    token = uploads.upload_keep(data=data, pending=pending)
    kept = uploads.upload_pending(token=token, user_id=actor.pk)
    try:
        report = devices_import(
            data=uploads.upload_path(name=kept.name) or b"",
            actor=actor,
            file_format=file_format,
            dry_run=True,
            valid_only=valid_only,
            default_location=default_location,
            source=filename,
        )
    except BaseException:
        uploads.upload_discard(name=kept.name)
        raise
    return Preview(token=token, report=report)


@dataclass(frozen=True)
class MappingAnswer:
    """One answered question: ``key`` as the file has it, ``target`` a location code or model name."""

    kind: str
    key: str
    target: str


@transaction.atomic
def import_mappings_answer(*, answers: list[MappingAnswer], actor: User | None) -> None:
    """Save every answer or none (``mappings.import_mapping_save`` says what it raises)."""
    for answer in answers:
        mappings.import_mapping_save(kind=answer.kind, key=answer.key, target=answer.target, actor=actor)


def device_import_answer(*, actor: User, token: str, answers: list[MappingAnswer]) -> Preview:
    """Save the answers to a preview's mapping questions and check the kept file again with them.

    The same token stays valid. Raises what ``import_mappings_answer`` and ``devices_import`` raise,
    and DomainError for an expired or foreign token; nothing is saved when an answer is refused.
    """
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    pending = uploads.upload_pending(token=token, user_id=actor.pk)
    import_mappings_answer(answers=answers, actor=actor)
    report = devices_import(
        data=uploads.upload_path(name=pending.name) or b"",
        actor=actor,
        file_format=pending.file_format,
        dry_run=True,
        valid_only=pending.valid_only,
        default_location=pending.default_location,
        source=pending.filename,
    )
    return Preview(token=token, report=report)


def device_import_confirm(*, actor: User, token: str) -> ImportReport:
    """Import the file a preview kept, in this process, with the options it was previewed with;
    then drop the file. The browser and the API start a background job instead
    (``jobs.import_job_start``).

    Raises DomainError for an expired or foreign token, and what ``devices_import`` raises.
    """
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    pending = uploads.upload_pending(token=token, user_id=actor.pk)
    report = devices_import(
        data=uploads.upload_path(name=pending.name) or b"",
        actor=actor,
        file_format=pending.file_format,
        valid_only=pending.valid_only,
        default_location=pending.default_location,
        source=pending.filename,
    )
    uploads.upload_discard(name=pending.name)
    return report
