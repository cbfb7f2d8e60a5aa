"""Read every row into a draft, check it, and compare it with the database: the import's plan.

Nothing here writes. Rows are read, checked and compared ``CHUNK`` at a time, and a chunk's drafts
are dropped once counted: the plan keeps the counts, the first ``ISSUES_KEPT`` findings of each
kind, ``PREVIEW_ROWS`` planned devices, the drafts of devices to update, and the new devices
(spilled to a temporary CSV file on PostgreSQL, which ``COPY`` reads; drafts elsewhere). A
repeated serial, asset tag or device ID is found from 64-bit hashes of the keys (24 bytes a row),
sorted once at the end; only the rows it flags are read a second time, for their serial and tag.
The database is read a chunk at a time (existing devices by manufacturer and serial, owners of
asset tags and Google device IDs), so a 250,000-row file costs a few hundred indexed queries.

Rules for a device that already exists (same manufacturer and serial):
- only the fields the file carries change, and only when the value differs; a blank cell never
  clears a stored value, and the import never changes a device's status;
- its location and assignee follow the file only while it sits on a shelf or with a person
  (in stock, deployed, loaner pool) and is not in a technician's vehicle; the assignee only while
  it is deployed. Otherwise the row gets a notice and the custody fields stay;
- DEPROVISIONED in Google is reported, never turned into a retirement.
"""

from __future__ import annotations

import bisect
import csv
import tempfile
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import IO, Any, TypeVar

import numpy as np

from fleet.choices import DeviceStatus, ImportMappingKind
from fleet.filters import normalise_identifier
from fleet.models import Device, Location
from fleet.services.importing import values
from fleet.services.importing.columns import ColumnMap, Field
from fleet.services.importing.drafts import EXISTING_FIELDS, Draft, Existing, read_draft
from fleet.services.importing.matching import Catalogue, text_key
from fleet.services.importing.progress import CHECKING, NO_PROGRESS, Progress
from fleet.services.importing.report import (
    ImportReport,
    MappingQuestion,
    PlannedDevice,
    RowIssue,
    RowNotice,
    RowProblem,
)
from fleet.services.importing.staging import staged_row

CHUNK = 2000
PREVIEW_ROWS = 20
# Findings kept per kind for the report (all are counted): a 1,000,000-row file whose every row
# has a note would otherwise hold a million of them. Pages show the first 50, the API and the
# command line these.
ISSUES_KEPT = 1000
# Where a device's place and holder are whatever Google's annotations say.
SETTLED = frozenset({DeviceStatus.IN_STOCK, DeviceStatus.DEPLOYED, DeviceStatus.LOANER_POOL})
# What became of each row, one byte a row.
ERROR, CREATED, UPDATED, UNCHANGED = range(4)
DUPLICATE_ROWS_LISTED = 10
DUPLICATE_KEYS = (
    RowProblem.DUPLICATE_SERIAL,
    RowProblem.DUPLICATE_ASSET_TAG,
    RowProblem.DUPLICATE_DEVICE_ID,
)

T = TypeVar("T")
Rows = Iterable[tuple[int, list[str]]]


class NewRows:
    """The devices the import creates: CSV rows in a temporary file for ``COPY`` (``spill``), drafts
    (``keep``), or only their number (a dry run)."""

    def __init__(self, *, spill: bool, keep: bool = True) -> None:
        self.count = 0
        self.keep = keep
        self.drafts: list[Draft] = []
        self.file: IO[str] | None = None
        if spill and keep:
            self.file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
            self._writer = csv.writer(self.file)
        # Rows flagged after they were added (repeated keys): never written.
        self.excluded: set[int] = set()
        # New devices the set-based check left in its table (``setbased.clean_new_select``).
        self.staged = 0

    def add(self, draft: Draft) -> None:
        self.count += 1
        if self.file is not None:
            self._writer.writerow(staged_row(draft))
        elif self.keep:
            self.drafts.append(draft)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


@dataclass
class Plan:
    catalogue: Catalogue
    new: NewRows
    updates: list[Draft] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    notices: list[RowIssue] = field(default_factory=list)
    issue_counts: dict[str, int] = field(default_factory=dict)
    to_create: list[PlannedDevice] = field(default_factory=list)
    questions: dict[tuple[str, str], MappingQuestion] = field(default_factory=dict)
    outcomes: bytearray = field(default_factory=bytearray)
    numbers: array[int] = field(default_factory=lambda: array("q"))

    @property
    def new_count(self) -> int:
        return self.new.count - len(self.new.excluded)

    def report(self, *, fmt: str, source: str, dry_run: bool, valid_only: bool) -> ImportReport:
        return ImportReport(
            format=fmt,
            source=source,
            rows=self.rows,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            error_rows=self.error_rows,
            errors=self.errors,
            notices=self.notices,
            to_create=self.to_create[:PREVIEW_ROWS],
            questions=list(self.questions.values()),
            issue_counts=dict(self.issue_counts),
            dry_run=dry_run,
            valid_only=valid_only,
        )

    def add(self, draft: Draft) -> None:
        """Count a checked and compared draft; keep what the report and the writing need of it."""
        self.rows += 1
        for question in _questions(draft):
            key = (question.kind, text_key(question.text))
            if key in self.questions:
                self.questions[key].rows += 1
            else:
                self.questions[key] = question
        if draft.notices:
            self._keep(self.notices, draft, draft.notices)
        if draft.problems:
            outcome = ERROR
            self.error_rows += 1
            self._keep(self.errors, draft, draft.problems)
        elif draft.existing_id is None:
            outcome = CREATED
            self.created += 1
            # A few spare: rows flagged as repeated at the end leave the preview.
            if len(self.to_create) < 2 * PREVIEW_ROWS:
                self.to_create.append(self._planned(draft))
            self.new.add(draft)
        elif draft.changes:
            outcome = UPDATED
            self.updated += 1
            self.updates.append(draft)
        else:
            outcome = UNCHANGED
            self.unchanged += 1
        self.outcomes.append(outcome)
        self.numbers.append(draft.row)

    def _keep(
        self, kept: list[RowIssue], draft: Draft, findings: Sequence[tuple[RowProblem | RowNotice, str]]
    ) -> None:
        for issue in _issues(draft, findings):
            count = self.issue_counts.get(issue.code, 0) + 1
            self.issue_counts[issue.code] = count
            if count <= ISSUES_KEPT:
                kept.append(issue)

    def flag_repeated(
        self, row: int, asset_tag: str, serial: str, findings: list[tuple[RowProblem, str]]
    ) -> None:
        """A row found to repeat another's key after it was counted: it becomes a row with an error."""
        index = bisect.bisect_left(self.numbers, row)
        outcome = self.outcomes[index]
        if outcome != ERROR:
            self.outcomes[index] = ERROR
            self.error_rows += 1
            if outcome == CREATED:
                self.created -= 1
                self.new.excluded.add(row)
                self.to_create = [planned for planned in self.to_create if planned.row != row]
            elif outcome == UPDATED:
                self.updated -= 1
                self.updates = [draft for draft in self.updates if draft.row != row]
            else:
                self.unchanged -= 1
        draft = Draft(row=row, asset_tag=asset_tag, serial=serial)
        self._keep(self.errors, draft, findings)

    def _planned(self, draft: Draft) -> PlannedDevice:
        assert draft.model_id is not None and draft.location_id is not None  # a new row without problems
        return PlannedDevice(
            row=draft.row,
            asset_tag=draft.asset_tag,
            serial=draft.serial,
            model=self.catalogue.models.by_id[draft.model_id].name,
            location=self.catalogue.locations.by_id[draft.location_id].name,
            status=DeviceStatus(draft.status).label,
        )


def _questions(draft: Draft) -> Iterator[MappingQuestion]:
    """What a person could answer once for every import: a place or a model name we do not know."""
    for kind, _ in draft.problems or ():
        if kind == RowProblem.UNKNOWN_LOCATION and draft.location_text:
            org_unit = draft.values.get("org_unit_path", "")
            yield MappingQuestion(ImportMappingKind.LOCATION, draft.location_text, org_unit, draft.row)
        elif kind == RowProblem.UNKNOWN_MODEL and draft.model_text:
            yield MappingQuestion(ImportMappingKind.MODEL, draft.model_text, "", draft.row)


def _issues(draft: Draft, findings: Sequence[tuple[RowProblem | RowNotice, str]]) -> list[RowIssue]:
    return [
        RowIssue(draft.row, draft.asset_tag, draft.serial, kind.value, str(kind.label), detail)
        for kind, detail in findings
    ]


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def plan_import(
    rows: Callable[[], Rows],
    columns: ColumnMap,
    *,
    catalogue: Catalogue,
    default_location: Location | None,
    progress: Progress = NO_PROGRESS,
    total: int = 0,
    spill: bool = False,
    keep_new: bool = True,
) -> Plan:
    """Every non-blank row checked and compared with the devices already stored, a chunk at a time.

    ``rows`` reads the file from the start each call (a second time only when keys repeat);
    ``total`` is the expected number of rows, for progress; ``spill`` keeps new devices as CSV
    rows in a temporary file (for ``COPY``) rather than drafts; without ``keep_new`` (a dry run)
    they are only counted.
    """
    plan = Plan(catalogue=catalogue, new=NewRows(spill=spill, keep=keep_new))
    keys = Keys()
    default_id = default_location.pk if default_location else None
    chunk: list[Draft] = []
    for number, cells in rows():
        if any(cell.strip() for cell in cells):
            chunk.append(read_draft(number, cells, columns, catalogue))
        if len(chunk) == CHUNK:
            _check_chunk(chunk, plan, keys, default_id, progress, total)
            chunk = []
    if chunk:
        _check_chunk(chunk, plan, keys, default_id, progress, total)
    _flag_duplicates(plan, keys, rows, columns)
    return plan


def _check_chunk(
    chunk: list[Draft],
    plan: Plan,
    keys: Keys,
    default_id: int | None,
    progress: Progress,
    total: int,
) -> None:
    check_chunk(chunk, plan, default_id, keys)
    progress.update(phase=CHECKING, done=plan.rows, total=max(total, plan.rows))


def check_chunk(chunk: list[Draft], plan: Plan, default_id: int | None, keys: Keys | None = None) -> None:
    """Compare a chunk of drafts with the database and count them in the plan."""
    _compare(chunk, plan.catalogue, default_id)
    for draft in chunk:
        if keys is not None:
            keys.add(draft)
        plan.add(draft)


# The file against itself ------------------------------------------------------------------------


class Keys:
    """Hashes of every row's serial (with its manufacturer), asset tag and device ID, with the row."""

    def __init__(self) -> None:
        self.hashes = {problem: array("q") for problem in DUPLICATE_KEYS}
        self.rows = {problem: array("q") for problem in DUPLICATE_KEYS}

    def add(self, draft: Draft) -> None:
        self.add_keys(
            draft.row,
            draft.manufacturer_id,
            draft.serial,
            draft.asset_tag,
            draft.values.get("google_device_id"),
        )

    def add_keys(
        self, row: int, manufacturer_id: int | None, serial: str, asset_tag: str, device_id: str | None
    ) -> None:
        """A row's keys: its serial with its maker (both known), its asset tag and its device ID."""
        if serial and manufacturer_id:
            self.hashes[RowProblem.DUPLICATE_SERIAL].append(hash((manufacturer_id, serial)))
            self.rows[RowProblem.DUPLICATE_SERIAL].append(row)
        if asset_tag:
            self.hashes[RowProblem.DUPLICATE_ASSET_TAG].append(hash(asset_tag))
            self.rows[RowProblem.DUPLICATE_ASSET_TAG].append(row)
        if device_id:
            self.hashes[RowProblem.DUPLICATE_DEVICE_ID].append(hash(device_id))
            self.rows[RowProblem.DUPLICATE_DEVICE_ID].append(row)

    def add_columns(
        self,
        rows: Sequence[int],
        manufacturer_ids: Sequence[int | None],
        serials: Sequence[str],
        asset_tags: Sequence[str],
        device_ids: Sequence[str],
    ) -> None:
        """``add_keys`` of many rows, given column by column: the same hashes in the same order."""
        serial_keys = list(zip(manufacturer_ids, serials, strict=True))
        for problem, keys, present in (
            (RowProblem.DUPLICATE_SERIAL, serial_keys, list(map(all, serial_keys))),
            (RowProblem.DUPLICATE_ASSET_TAG, asset_tags, asset_tags),
            (RowProblem.DUPLICATE_DEVICE_ID, device_ids, device_ids),
        ):
            self.hashes[problem].extend(map(hash, compress(keys, present)))
            self.rows[problem].extend(compress(rows, present))

    def repeated(self, problem: RowProblem) -> Iterator[list[int]]:
        """The rows of each key that more than one row has, in file order."""
        hashes = np.frombuffer(self.hashes[problem], dtype=np.int64)
        if len(hashes) < 2:
            return
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        pairs = np.flatnonzero(ordered[1:] == ordered[:-1])
        if not len(pairs):
            return
        rows = np.frombuffer(self.rows[problem], dtype=np.int64)
        groups: dict[int, set[int]] = defaultdict(set)
        for index in pairs:
            groups[int(ordered[index])].update((int(rows[order[index]]), int(rows[order[index + 1]])))
        for group in groups.values():
            yield sorted(group)


def _flag_duplicates(plan: Plan, keys: Keys, rows: Callable[[], Rows], columns: ColumnMap) -> None:
    """Every row of a repeated serial, asset tag or device ID is bad: which one is right is unknown."""
    findings = repeated_findings(keys)
    if not findings:
        return
    for number, cells in rows():
        if number in findings:
            asset_tag = normalise_identifier(columns.value(cells, Field.ASSET_TAG))
            serial = normalise_identifier(columns.value(cells, Field.SERIAL))
            plan.flag_repeated(number, asset_tag, serial, findings[number])
    plan.errors.sort(key=lambda issue: issue.row)


def repeated_findings(keys: Keys) -> dict[int, list[tuple[RowProblem, str]]]:
    """The findings of each row whose serial, asset tag or device ID another row has."""
    findings: dict[int, list[tuple[RowProblem, str]]] = defaultdict(list)
    for problem in DUPLICATE_KEYS:
        for group in keys.repeated(problem):
            # A value repeated on thousands of rows would make every row's detail list them all.
            listed = ", ".join(map(str, group[:DUPLICATE_ROWS_LISTED]))
            if len(group) > DUPLICATE_ROWS_LISTED:
                listed += f" and {len(group) - DUPLICATE_ROWS_LISTED:,} more"
            for row in group:
                findings[row].append((problem, f"rows {listed}"))
    return findings


# The file against the database ------------------------------------------------------------------


def _compare(chunk: Sequence[Draft], catalogue: Catalogue, default_location_id: int | None) -> None:
    serials: dict[int, set[str]] = defaultdict(set)
    for draft in chunk:
        if draft.manufacturer_id is not None and draft.serial:
            serials[draft.manufacturer_id].add(draft.serial)
    existing: dict[tuple[int, str], Existing] = {}
    for maker_id, maker_serials in serials.items():
        rows = Device.objects.filter(manufacturer_id=maker_id, serial__in=maker_serials).values_list(
            *EXISTING_FIELDS
        )
        existing.update({(row[1], row[2]): Existing(*row) for row in rows})
    found_devices = [
        existing.get((draft.manufacturer_id, draft.serial)) if draft.manufacturer_id else None
        for draft in chunk
    ]
    # Asset tags and device IDs are unique: one the row's own stored device has is nobody else's.
    tags = {
        draft.asset_tag
        for draft, found in zip(chunk, found_devices, strict=True)
        if draft.asset_tag and (found is None or found.asset_tag != draft.asset_tag)
    }
    tag_owner = dict(Device.objects.filter(asset_tag__in=tags).values_list("asset_tag", "pk")) if tags else {}
    ids = {
        draft.values["google_device_id"]
        for draft, found in zip(chunk, found_devices, strict=True)
        if "google_device_id" in draft.values
        and (found is None or found.google_device_id != draft.values["google_device_id"])
    }
    id_owner = (
        dict(Device.objects.filter(google_device_id__in=ids).values_list("google_device_id", "pk"))
        if ids
        else {}
    )
    for draft, found in zip(chunk, found_devices, strict=True):
        _settle_model(draft, found)
        own_pk = found.pk if found else None
        if draft.asset_tag and tag_owner.get(draft.asset_tag, own_pk) != own_pk:
            draft.problem(RowProblem.ASSET_TAG_TAKEN, f"{draft.asset_tag} is already on another device")
        device_id = draft.values.get("google_device_id")
        if device_id and id_owner.get(device_id, own_pk) != own_pk:
            draft.problem(RowProblem.DEVICE_ID_TAKEN, f"{device_id} is already on another device")
        if found is None:
            _plan_new(draft, catalogue, default_location_id)
        else:
            _plan_update(draft, found, catalogue)


def _settle_model(draft: Draft, found: Existing | None) -> None:
    """Several variants left: a stored device keeps its model when it is one of them; a new one
    is imported under the first, with its variant to confirm (fleet.services.variants)."""
    match = draft.match
    if match is None or match.model is not None or not match.candidates:
        return
    if found is not None and found.model_id in {candidate.pk for candidate in match.candidates}:
        draft.model_id = found.model_id
        return
    draft.model_id = match.candidates[0].pk
    draft.candidate_ids = tuple(candidate.pk for candidate in match.candidates)
    draft.notice(
        RowNotice.VARIANT_TO_CONFIRM,
        f"{draft.model_text!r} could be: {match.candidate_names()}; confirm it from the label on the device",
    )


def _plan_new(draft: Draft, catalogue: Catalogue, default_location_id: int | None) -> None:
    if not draft.asset_tag:
        draft.problem(RowProblem.NO_ASSET_TAG, "a device new to the inventory needs one")
    if draft.location_id is None:
        if default_location_id is not None:
            draft.location_id = default_location_id
        else:
            named = f"{draft.location_text!r} matches no location" if draft.location_text else "none given"
            draft.problem(RowProblem.UNKNOWN_LOCATION, f"{named}; choose a default location")
    if draft.status:
        if draft.status not in values.NEW_DEVICE_STATUSES:
            labels = ", ".join(str(DeviceStatus(s).label).lower() for s in values.NEW_DEVICE_STATUSES)
            draft.problem(RowProblem.BAD_STATUS, f"a new device can only be {labels}")
    elif draft.google_status in values.GOOGLE_IN_USE:
        draft.status = DeviceStatus.DEPLOYED
    else:
        draft.status = DeviceStatus.IN_STOCK
    if draft.google_status == values.DEPROVISIONED:
        draft.notice(RowNotice.DEPROVISIONED, "added in stock: review it and retire it by hand")
    if draft.assignee is not None and draft.status != DeviceStatus.DEPLOYED:
        draft.notice(RowNotice.ASSIGNEE_KEPT, "not stored: only a deployed device has an assignee")
        draft.assignee = None


def _plan_update(draft: Draft, found: Existing, catalogue: Catalogue) -> None:
    draft.existing_id, draft.before = found.pk, found
    changes: dict[str, Any] = {}
    if draft.asset_tag and draft.asset_tag != found.asset_tag:
        changes["asset_tag"] = draft.asset_tag
    if draft.model_id is not None and draft.model_id != found.model_id:
        changes["model_id"] = draft.model_id
    if not found.variant_confirmed and draft.match is not None and draft.match.model is not None:
        changes["variant_confirmed"] = True  # the row's clues settle what nobody confirmed yet
    elif draft.candidate_ids is not None:
        changes["variant_confirmed"] = False  # the stored model is not among the file's variants
    for attr, value in draft.values.items():
        if getattr(found, attr) != value:
            changes[attr] = value
    draft.changes = changes  # the custody rules below may still add to it
    status_label = str(DeviceStatus(found.status).label).lower()
    movable = found.status in SETTLED and found.custodian_id is None
    why_not = "in a technician's vehicle" if found.custodian_id else status_label
    if draft.location_id is not None and draft.location_id != found.location_id:
        if movable:
            changes["location_id"] = draft.location_id
        else:
            name = catalogue.locations.by_id[draft.location_id].name
            draft.notice(RowNotice.LOCATION_KEPT, f"the file says {name}, but the device is {why_not}")
    elif draft.location_id is None and draft.location_text:
        draft.notice(RowNotice.LOCATION_KEPT, f"{draft.location_text!r} matches no location")
    if draft.assignee is not None and draft.assignee != (found.assignee_kind, found.assignee_id):
        if movable and found.status == DeviceStatus.DEPLOYED:
            changes["assignee_kind"], changes["assignee_id"] = draft.assignee
        else:
            draft.notice(RowNotice.ASSIGNEE_KEPT, f"the device is {why_not}, not deployed")
    if draft.google_status == values.DEPROVISIONED and found.status not in (
        DeviceStatus.RETIRED,
        DeviceStatus.E_WASTE,
    ):
        draft.notice(RowNotice.DEPROVISIONED, f"still {status_label} here: review it and retire it by hand")
    if draft.status and draft.status != found.status:
        draft.notice(
            RowNotice.STATUS_KEPT,
            f"the file says {DeviceStatus(draft.status).label.lower()}; the device stays {status_label}",
        )
