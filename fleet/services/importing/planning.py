"""Read every row into a draft, check it, and compare it with the database: the import's plan.

Nothing here writes. The database is read in chunks of ``CHUNK`` rows (existing devices by
manufacturer and serial, owners of asset tags and Google device IDs), so a 250,000-row file costs
a few hundred indexed queries and never holds more than a chunk of fetched rows at once.

Rules for a device that already exists (same manufacturer and serial):
- only the fields the file carries change, and only when the value differs; a blank cell never
  clears a stored value, and the import never changes a device's status;
- its location and assignee follow the file only while it sits on a shelf or with a person
  (in stock, deployed, loaner pool) and is not in a technician's vehicle; the assignee only while
  it is deployed. Otherwise the row gets a notice and the custody fields stay;
- DEPROVISIONED in Google is reported, never turned into a retirement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fleet.choices import DeviceStatus, ImportMappingKind
from fleet.models import Device, Location
from fleet.services.importing import values
from fleet.services.importing.columns import ColumnMap
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

CHUNK = 2000
PREVIEW_ROWS = 20
# Where a device's place and holder are whatever Google's annotations say.
SETTLED = frozenset({DeviceStatus.IN_STOCK, DeviceStatus.DEPLOYED, DeviceStatus.LOANER_POOL})

T = TypeVar("T")


@dataclass
class Plan:
    drafts: list[Draft]
    catalogue: Catalogue

    def new(self) -> Iterator[Draft]:
        return (draft for draft in self.drafts if draft.is_new)

    def updates(self) -> Iterator[Draft]:
        return (draft for draft in self.drafts if draft.is_update)

    def report(self, *, fmt: str, source: str, dry_run: bool, valid_only: bool) -> ImportReport:
        report = ImportReport(
            format=fmt, source=source, rows=len(self.drafts), dry_run=dry_run, valid_only=valid_only
        )
        questions: dict[tuple[str, str], MappingQuestion] = {}
        for draft in self.drafts:
            for question in _questions(draft):
                key = (question.kind, text_key(question.text))
                if key in questions:
                    questions[key].rows += 1
                else:
                    questions[key] = question
            if draft.notices:
                report.notices += _issues(draft, draft.notices)
            if draft.problems:
                report.error_rows += 1
                report.errors += _issues(draft, draft.problems)
            elif draft.existing_id is None:
                report.created += 1
                if len(report.to_create) < PREVIEW_ROWS:
                    report.to_create.append(self._planned(draft))
            elif draft.changes:
                report.updated += 1
            else:
                report.unchanged += 1
        report.questions = list(questions.values())
        return report

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
    rows: Iterable[tuple[int, list[str]]],
    columns: ColumnMap,
    *,
    catalogue: Catalogue,
    default_location: Location | None,
    progress: Progress = NO_PROGRESS,
) -> Plan:
    """Every non-blank row as a checked draft, compared with the devices already stored."""
    drafts = [
        read_draft(number, cells, columns, catalogue)
        for number, cells in rows
        if any(cell.strip() for cell in cells)
    ]
    _flag_duplicates(drafts)
    default_id = default_location.pk if default_location else None
    done = 0
    for chunk in chunked(drafts, CHUNK):
        _compare(chunk, catalogue, default_id)
        done += len(chunk)
        progress.update(phase=CHECKING, done=done, total=len(drafts))
    return Plan(drafts=drafts, catalogue=catalogue)


# The file against itself ------------------------------------------------------------------------


def _flag_duplicates(drafts: list[Draft]) -> None:
    """Every row of a repeated serial, asset tag or device ID is bad: which one is right is unknown."""
    keys: tuple[tuple[RowProblem, Callable[[Draft], Hashable]], ...] = (
        (
            RowProblem.DUPLICATE_SERIAL,
            lambda d: (d.manufacturer_id, d.serial) if d.serial and d.manufacturer_id else None,
        ),
        (RowProblem.DUPLICATE_ASSET_TAG, lambda d: d.asset_tag or None),
        (RowProblem.DUPLICATE_DEVICE_ID, lambda d: d.values.get("google_device_id")),
    )
    for problem, key_of in keys:
        groups: dict[Hashable, list[Draft]] = defaultdict(list)
        for draft in drafts:
            key = key_of(draft)
            if key is not None:
                groups[key].append(draft)
        for group in groups.values():
            if len(group) > 1:
                rows = ", ".join(str(draft.row) for draft in group)
                for draft in group:
                    draft.problem(problem, f"rows {rows}")


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
    tags = {draft.asset_tag for draft in chunk if draft.asset_tag}
    tag_owner = dict(Device.objects.filter(asset_tag__in=tags).values_list("asset_tag", "pk")) if tags else {}
    ids = {draft.values["google_device_id"] for draft in chunk if "google_device_id" in draft.values}
    id_owner = (
        dict(Device.objects.filter(google_device_id__in=ids).values_list("google_device_id", "pk"))
        if ids
        else {}
    )
    for draft in chunk:
        found = existing.get((draft.manufacturer_id, draft.serial)) if draft.manufacturer_id else None
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
