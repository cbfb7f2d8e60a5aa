"""Import students from a OneRoster 1.1 or 1.2 CSV export (``students.domain.oneroster`` reads it).

A student is matched by roster ``sourcedId``, then by student ID (``identifier``, or ``username``
when the SIS leaves it empty); it is created, updated or left alone, so importing the same export
twice changes nothing. Each roster school is one of our locations: by an answer given before
(``RosterSchoolMapping``), else by location code = the org's identifier, else by the one location
of that name; a school matching none is a question to answer, and its students are bad rows
until it is answered. Staff rows are counted and not kept; names are kept only while the district
shows them (``District.student_names_shown``), and blanked otherwise.

Nothing is written while any row is bad, unless only the valid rows are asked for; the whole
import is one transaction, so a failure or a cancel part-way writes nothing.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import DomainError
from core.services.job_progress import CHECKING, NO_PROGRESS, WRITING, JobRejected, Progress
from fleet.models import District, Location
from students import permissions
from students.domain import oneroster
from students.domain.oneroster import Org, RosterFileError, RowIssue, StudentRow
from students.models import RosterSchoolMapping, Student

BATCH = 1000
STUDENT_FIELDS = ("identifier", "sourced_id", "school_id", "grade", "is_active", "given_name", "family_name")


def max_bytes() -> int:
    return int(getattr(settings, "ROSTER_IMPORT_MAX_BYTES", 100 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "ROSTER_IMPORT_MAX_ROWS", 500_000))


@dataclass
class RosterReport:
    """What an import did (or, for a preview, would do)."""

    version: str = "1.1"
    rows: int = 0
    students: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    staff: int = 0
    enrollments: int = 0
    schools: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    questions: list[Org] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return len({(issue.file, issue.line) for issue in self.errors})

    @property
    def changed(self) -> int:
        return self.created + self.updated


class RosterRejected(JobRejected):
    """Rows were bad and only valid rows were not asked for: nothing was written."""

    def __init__(self, report: RosterReport) -> None:
        super().__init__(
            f"{report.error_rows:,} row{'s' if report.error_rows != 1 else ''} with problems: nothing was "
            "imported. Fix them in the SIS export, or import only the valid rows.",
            field="file",
        )
        self.report = report


# The export: a zip, or the CSV files one by one -----------------------------------------------


def roster_bundle(*, files: Sequence[tuple[str, bytes]]) -> bytes:
    """One zip holding the export, from a zip or from its CSV files uploaded one by one (the form
    of the export that is kept for the job). Raises RosterFileError for a file over the size cap,
    a file that is neither a zip nor a OneRoster CSV name, or a missing orgs.csv or users.csv."""
    limit = max_bytes()
    total = sum(len(data) for _, data in files)
    if total > limit:
        raise RosterFileError(
            f"The upload is {total / (1024 * 1024):,.1f} MB, more than the {limit / (1024 * 1024):,.0f} MB "
            "a roster import takes."
        )
    if len(files) == 1 and files[0][0].lower().endswith(".zip"):
        members = oneroster.files_from_zip(files[0][1], max_bytes=limit)
    else:
        members = {}
        for name, data in files:
            base = Path(name).name.lower()
            if base not in oneroster.KNOWN_FILES:
                raise RosterFileError(
                    f"{Path(name).name} is not a OneRoster file: upload a zip, or orgs.csv, users.csv, "
                    "enrollments.csv (and roles.csv for 1.2)."
                )
            members[base] = data
    for required in oneroster.REQUIRED_FILES:
        if required not in members:
            raise RosterFileError(f"The export has no {required}: upload orgs.csv and users.csv at least.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _read(data: bytes | Path) -> oneroster.Roster:
    raw = data.read_bytes() if isinstance(data, Path) else data
    return oneroster.roster_read(oneroster.files_from_zip(raw, max_bytes=max_bytes()), max_rows=max_rows())


# Planning ------------------------------------------------------------------------------------


@dataclass
class _Plan:
    report: RosterReport
    create: list[Student]
    update: list[Student]


def _school_locations(schools: Sequence[Org]) -> tuple[dict[str, int], list[Org]]:
    """Each school org's location id, and the schools that match none."""
    keys = [key for org in schools for key in (org.identifier, org.sourced_id) if key]
    answered = dict(
        RosterSchoolMapping.objects.filter(org_key__in=keys).values_list("org_key", "location_id")
    )
    locations = list(Location.objects.filter(is_active=True).values_list("pk", "code", "name"))
    by_code = {code.casefold(): location_id for location_id, code, _ in locations}
    by_name: dict[str, list[int]] = {}
    for location_id, _, name in locations:
        by_name.setdefault(name.casefold(), []).append(location_id)
    found: dict[str, int] = {}
    unmatched: list[Org] = []
    for org in schools:
        pk: int | None = answered.get(org.identifier) or answered.get(org.sourced_id)
        if pk is None and org.identifier:
            pk = by_code.get(org.identifier.casefold())
        if pk is None and len(by_name.get(org.name.casefold(), [])) == 1:
            pk = by_name[org.name.casefold()][0]
        if pk is None:
            unmatched.append(org)
        else:
            found[org.sourced_id] = pk
    return found, unmatched


def _existing(rows: Sequence[StudentRow]) -> tuple[dict[str, Student], dict[str, Student]]:
    """Students already kept, by sourcedId and by student ID (a query per thousand rows)."""
    by_sourced: dict[str, Student] = {}
    by_identifier: dict[str, Student] = {}
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        sourced = [row.sourced_id for row in chunk]
        identifiers = [row.identifier for row in chunk]
        for student in Student.objects.filter(sourced_id__in=sourced) | Student.objects.filter(
            identifier__in=identifiers
        ):
            if student.sourced_id:
                by_sourced[student.sourced_id] = student
            by_identifier[student.identifier] = student
    return by_sourced, by_identifier


def _plan(roster: oneroster.Roster, *, progress: Progress) -> _Plan:
    report = RosterReport(
        version=roster.version,
        rows=roster.rows,
        staff=roster.staff,
        enrollments=roster.enrollments,
        schools=len(roster.schools),
        errors=list(roster.issues),
    )
    locations, unmatched = _school_locations(roster.schools)
    report.questions = unmatched
    names_kept = District.current().student_names_shown
    by_sourced, by_identifier = _existing(roster.students)
    create: list[Student] = []
    update: list[Student] = []
    total = len(roster.students)
    for done, row in enumerate(roster.students, start=1):
        if done % BATCH == 0 or done == total:
            progress.update(phase=CHECKING, done=done, total=total)
        issue = _row_problem(row, locations, roster.orgs, by_sourced, by_identifier)
        if issue is not None:
            report.errors.append(issue)
            continue
        report.students += 1
        values = {
            "identifier": row.identifier,
            "sourced_id": row.sourced_id,
            "school_id": locations[row.school_org],
            "grade": row.grade,
            "is_active": row.is_active,
            "given_name": row.given_name[: oneroster.NAME_MAX] if names_kept else "",
            "family_name": row.family_name[: oneroster.NAME_MAX] if names_kept else "",
        }
        student = by_sourced.get(row.sourced_id) or by_identifier.get(row.identifier)
        if student is None:
            create.append(Student(**values))
            report.created += 1
            continue
        if all(getattr(student, name) == value for name, value in values.items()):
            report.unchanged += 1
            continue
        if student.is_active and not row.is_active:
            report.deactivated += 1
        for name, value in values.items():
            setattr(student, name, value)
        update.append(student)
        report.updated += 1
    report.errors = oneroster.issues_sorted(report.errors)
    return _Plan(report, create, update)


def _row_problem(
    row: StudentRow,
    locations: Mapping[str, int],
    orgs: Mapping[str, Org],
    by_sourced: Mapping[str, Student],
    by_identifier: Mapping[str, Student],
) -> RowIssue | None:
    def issue(column: str, message: str) -> RowIssue:
        return RowIssue(
            file=oneroster.USERS, line=row.line, field=column, message=message, key=row.sourced_id
        )

    if row.school_org not in locations:
        org = orgs[row.school_org]
        return issue(
            "orgSourcedIds",
            f"School “{org.name}” ({org.identifier or org.sourced_id}) matches no location: "
            "answer which one it is.",
        )
    holder = by_identifier.get(row.identifier)
    if holder is not None and holder.sourced_id and holder.sourced_id != row.sourced_id:
        return issue(
            "identifier", f"Student ID “{row.identifier}” belongs to roster user “{holder.sourced_id}”."
        )
    return None


# Importing -----------------------------------------------------------------------------------


def roster_preview(*, data: bytes | Path, actor: User | None) -> RosterReport:
    """What importing this export would do, writing nothing. Raises PermissionDenied and
    RosterFileError (the export cannot be read). ``actor`` None is the command line."""
    if actor is not None and not permissions.can_import_rosters(actor):
        raise PermissionDenied
    return _plan(_read(data), progress=NO_PROGRESS).report


@transaction.atomic
def roster_import(
    *, data: bytes | Path, actor: User | None, valid_only: bool = False, progress: Progress = NO_PROGRESS
) -> RosterReport:
    """Import the export (a zip as ``roster_bundle`` makes): create and update its students.

    All or nothing: raises RosterRejected (with the report) when rows are bad and ``valid_only``
    is off, RosterFileError when the export cannot be read, JobCancelled from ``progress``;
    nothing is written then. Raises PermissionDenied for a user who may not import rosters
    (``actor`` None is the command line).
    """
    if actor is not None and not permissions.can_import_rosters(actor):
        raise PermissionDenied
    plan = _plan(_read(data), progress=progress)
    if plan.report.errors and not valid_only:
        raise RosterRejected(plan.report)
    total = len(plan.create) + len(plan.update)
    done = 0
    try:
        for batch in _batches(plan.create):
            Student.objects.bulk_create(batch)
            done += len(batch)
            progress.update(phase=WRITING, done=done, total=total)
        for batch in _batches(plan.update):
            Student.objects.bulk_update(batch, [*STUDENT_FIELDS, "updated_at"])
            done += len(batch)
            progress.update(phase=WRITING, done=done, total=total)
    except IntegrityError as exc:
        raise DomainError(
            "Two students would share a student ID or sourcedId (IDs swapped between them?): nothing was "
            "imported. Import the export again once the SIS has settled.",
            field="file",
        ) from exc
    progress.update(phase=WRITING, done=total, total=total)
    return plan.report


def _batches(students: list[Student]) -> Iterator[list[Student]]:
    now = timezone.now()
    for student in students:
        student.updated_at = now
        if student.pk is None:
            student.created_at = now
    for start in range(0, len(students), BATCH):
        yield students[start : start + BATCH]


@transaction.atomic
def roster_school_map(*, actor: User | None, org_key: str, location_code: str) -> RosterSchoolMapping:
    """Answer which location a roster school is (by its identifier or sourcedId), for this and
    every later import. Raises PermissionDenied, and DomainError naming ``location`` for a code
    that is no active location and ``org_key`` for a blank one (``actor`` None: the command line)."""
    if actor is not None and not permissions.can_import_rosters(actor):
        raise PermissionDenied
    org_key = org_key.strip()
    if not org_key:
        raise DomainError("Name the roster school.", field="org_key")
    location = Location.objects.filter(code__iexact=location_code.strip(), is_active=True).first()
    if location is None:
        raise DomainError(f"No active location has the code “{location_code}”.", field="location")
    mapping, _ = RosterSchoolMapping.objects.update_or_create(
        org_key=org_key[:255], defaults={"location": location, "created_by": actor}
    )
    return mapping
