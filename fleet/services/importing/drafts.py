"""One data row read into a draft: cells parsed and checked on their own, before any comparison.

A draft keeps only what the import needs (250,000 of them live at once for a district file):
findings are allocated on demand and repeating strings are interned.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from fleet.choices import AssigneeKind
from fleet.domain.variants import RowClues
from fleet.filters import normalise_identifier
from fleet.services.importing import values
from fleet.services.importing.columns import ColumnMap, Field
from fleet.services.importing.matching import Catalogue, ModelMatch
from fleet.services.importing.report import RowNotice, RowProblem

ASSET_TAG_MAX = 30
# Plain text columns: the Device field each fills, its length limit, and whether few values repeat
# across rows (those are interned: one string object for 250,000 rows).
TEXT_FIELDS = (
    (Field.DEVICE_ID, "google_device_id", 64, False),
    (Field.ORG_UNIT_PATH, "org_unit_path", 255, True),
    (Field.OS_VERSION, "os_version", 40, True),
    (Field.PURCHASE_ORDER_NUMBER, "purchase_order_number", 40, True),
)
DATE_FIELDS = ((Field.PURCHASE_DATE, "purchase_date"), (Field.WARRANTY_END, "warranty_end"))


class Existing(NamedTuple):
    pk: int
    manufacturer_id: int
    serial: str
    asset_tag: str
    model_id: int
    location_id: int
    status: str
    custodian_id: int | None
    assignee_kind: str
    assignee_id: str
    google_device_id: str | None
    org_unit_path: str
    os_version: str
    last_sync: dt.datetime | None
    boot_mode: str
    aue_override: dt.date | None
    purchase_date: dt.date | None
    purchase_order_number: str
    warranty_end: dt.date | None
    variant_confirmed: bool


EXISTING_FIELDS = Existing._fields


@dataclass(slots=True)
class Draft:
    """One data row as read, checked and compared. ``values`` holds the carried plain fields."""

    row: int
    serial: str = ""
    asset_tag: str = ""
    manufacturer_id: int | None = None
    model_text: str = ""
    match: ModelMatch | None = None
    model_id: int | None = None
    # Set when the row leaves several variants: the device is imported with its variant to confirm.
    candidate_ids: tuple[int, ...] | None = None
    aue: dt.date | None = None
    values: dict[str, Any] = field(default_factory=dict)
    location_id: int | None = None
    location_text: str = ""
    google_status: str = ""
    status: str = ""
    assignee: tuple[str, str] | None = None
    # None until needed: a district file has 250,000 drafts and most carry no findings.
    problems: list[tuple[RowProblem, str]] | None = None
    notices: list[tuple[RowNotice, str]] | None = None
    existing_id: int | None = None
    changes: dict[str, Any] | None = None
    before: Existing | None = None

    def problem(self, problem: RowProblem, detail: str = "") -> None:
        if self.problems is None:
            self.problems = []
        self.problems.append((problem, detail))

    def notice(self, notice: RowNotice, detail: str = "") -> None:
        if self.notices is None:
            self.notices = []
        self.notices.append((notice, detail))

    @property
    def is_new(self) -> bool:
        return not self.problems and self.existing_id is None

    @property
    def is_update(self) -> bool:
        return not self.problems and self.existing_id is not None and bool(self.changes)


def read_draft(number: int, cells: list[str], columns: ColumnMap, catalogue: Catalogue) -> Draft:
    """The row as a draft, with the problems its cells have on their own."""
    draft = Draft(row=number)

    def get(target: Field) -> str:
        return columns.value(cells, target)

    if len(cells) > columns.width and any(cell.strip() for cell in cells[columns.width :]):
        draft.problem(
            RowProblem.EXTRA_VALUES,
            f"{len(cells)} values under {columns.width} column names: the header may be misaligned",
        )
    draft.serial = normalise_identifier(get(Field.SERIAL))
    draft.asset_tag = normalise_identifier(get(Field.ASSET_TAG))
    if not draft.serial:
        draft.problem(RowProblem.NO_SERIAL)
    if len(draft.asset_tag) > ASSET_TAG_MAX:
        draft.problem(RowProblem.MALFORMED_ASSET_TAG, f"longer than {ASSET_TAG_MAX} characters")
    _read_aue(draft, get)
    _read_model(draft, get, catalogue)
    maker_id = draft.manufacturer_id
    if maker_id is not None and draft.serial and not catalogue.makers.serial_ok(maker_id, draft.serial):
        maker = catalogue.makers.by_id[maker_id]
        example = f" (like {maker.serial_example})" if maker.serial_example else ""
        draft.problem(RowProblem.MALFORMED_SERIAL, f"not a {maker.name} serial{example}")
    for target, attr, limit, repeats in TEXT_FIELDS:
        if text := get(target):
            if len(text) > limit:
                draft.problem(RowProblem.TOO_LONG, f"{target.value} is longer than {limit} characters")
            else:
                draft.values[attr] = sys.intern(text) if repeats else text
    _read_dates(draft, get)
    if boot_mode := values.parse_boot_mode(get(Field.BOOT_MODE)):
        draft.values["boot_mode"] = boot_mode
    _read_status(draft, get)
    _read_assignee(draft, get)
    location_text, org_unit_path = get(Field.LOCATION), get(Field.ORG_UNIT_PATH)
    if location_text or org_unit_path:
        draft.location_id = catalogue.locations.match(location_text, org_unit_path)
        draft.location_text = sys.intern(location_text or org_unit_path)
    return draft


def model_of(cells: dict[Field, str], catalogue: Catalogue) -> Draft:
    """A draft with only what the manufacturer, model, AUE date and variant clues of a row make of
    it (the set-based check reads each distinct combination once)."""
    draft = Draft(row=0)

    def get(target: Field) -> str:
        return cells.get(target, "")

    _read_aue(draft, get)
    _read_model(draft, get, catalogue)
    return draft


def _read_aue(draft: Draft, get: Callable[[Field], str]) -> None:
    # Google's current field wins over the deprecated one.
    for target in (Field.AUE, Field.AUE_LEGACY):
        if text := get(target):
            try:
                draft.aue = values.parse_aue(text)
                draft.values["aue_override"] = draft.aue
            except values.BadValue as exc:
                draft.problem(RowProblem.BAD_DATE, f"auto-update date: {exc}")
            return


def _read_model(draft: Draft, get: Callable[[Field], str], catalogue: Catalogue) -> None:
    maker = None
    if maker_text := get(Field.MANUFACTURER):
        maker = catalogue.makers.get(maker_text)
        if maker is None:
            draft.problem(RowProblem.UNKNOWN_MANUFACTURER, f"{maker_text!r} is not a manufacturer we stock")
            return
    draft.model_text = sys.intern(get(Field.MODEL))
    if not draft.model_text:
        draft.problem(RowProblem.UNKNOWN_MODEL, "no model given")
        return
    match = catalogue.models.match(draft.model_text, manufacturer=maker, aue=draft.aue)
    if match.model is None and len(match.candidates) > 1:
        clues = RowClues(
            firmware_version=get(Field.FIRMWARE),
            platform_version=get(Field.PLATFORM_VERSION),
            cpu=get(Field.CPU),
            model_text=draft.model_text,
            aue=draft.aue,
        )
        match = catalogue.models.resolve(match, clues)
    draft.match = match
    draft.manufacturer_id = match.manufacturer_id
    if match.model is not None:
        draft.model_id = match.model.pk
    elif not match.candidates:
        by = f" by {maker.name}" if maker else ""
        draft.problem(RowProblem.UNKNOWN_MODEL, f"{draft.model_text!r}{by} is not in the model catalogue")


def _read_dates(draft: Draft, get: Callable[[Field], str]) -> None:
    if text := get(Field.LAST_SYNC):
        try:
            draft.values["last_sync"] = values.parse_timestamp(text)
        except values.BadValue as exc:
            draft.problem(RowProblem.BAD_DATE, f"last sync: {exc}")
    for target, attr in DATE_FIELDS:
        if text := get(target):
            try:
                draft.values[attr] = values.parse_date(text)
            except values.BadValue as exc:
                draft.problem(RowProblem.BAD_DATE, f"{target.value.replace('_', ' ')}: {exc}")


def _read_status(draft: Draft, get: Callable[[Field], str]) -> None:
    if text := get(Field.STATUS):
        try:
            draft.google_status, draft.status = values.parse_status(text)
        except values.BadValue as exc:
            draft.problem(RowProblem.BAD_STATUS, str(exc))


def _read_assignee(draft: Draft, get: Callable[[Field], str]) -> None:
    if user := get(Field.USER):
        student = values.student_id(user)
        if student is None:
            # Never echo the value: it is a person's e-mail address or name.
            draft.notice(RowNotice.USER_NOT_STORED, "only student IDs are kept, never e-mails or names")
        else:
            draft.assignee = (AssigneeKind.STUDENT, student)
    kind, assignee_id = get(Field.ASSIGNEE_KIND), get(Field.ASSIGNEE_ID)
    if kind or assignee_id:
        try:
            draft.assignee = values.parse_assignee(kind, assignee_id)
        except values.BadValue as exc:
            draft.problem(RowProblem.BAD_ASSIGNEE, str(exc))
