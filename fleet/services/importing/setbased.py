"""PostgreSQL: check a file set-based over a staging table, and leave only the rows that need it
to the row-by-row checking in ``planning``.

The file is read once (the same ``csv`` reading, row numbers and blank-row rule as ``planning``).
Each row's cells are read by the same functions ``drafts.read_draft`` calls, but whatever has few
distinct values (model and manufacturer with the AUE date and the variant clues, location, status,
boot mode, dates) is read once per distinct value and remembered, and the row is only marked
``ok`` when ``read_draft`` would find nothing to say about it. The values go to a temporary table
by ``COPY``; repeated keys are found with ``GROUP BY ... HAVING count(*) > 1``, and the comparison
with stored devices is one join (a device to create, or a stored device the row leaves as it is).

A row is settled here only when it has no finding at all and is either a new device or a stored
device the row does not change. Every other row (a problem, a notice, a change to a stored
device, a repeated key) is read again from the file and checked by ``planning``'s own code, so
every finding is worded by one piece of code. A clean district file is then checked without a
draft per row, and a re-import with no change is one join that leaves nothing to Python.

New devices settled here are read from the staging table by the writing's ``INSERT ... SELECT``
(``clean_new_select``); all of it runs in the import's transaction.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

import psycopg2
from django.db import DataError, connection, transaction

from fleet.choices import AssigneeKind, DeviceStatus
from fleet.models import Device, Location
from fleet.services.importing import planning, values
from fleet.services.importing.columns import ColumnMap, Field
from fleet.services.importing.drafts import ASSET_TAG_MAX, TEXT_FIELDS, Draft, model_of, read_draft
from fleet.services.importing.matching import Catalogue
from fleet.services.importing.progress import CHECKING, NO_PROGRESS, Progress
from fleet.services.importing.reading import Table
from fleet.services.importing.report import PlannedDevice, RowProblem
from fleet.services.importing.staging import STAGED

ROWS, CHECK = "import_rows", "import_check"
# The staging table: a row's values as the import stores them, and whether it is ``ok``.
COLUMNS = (
    ("row", "integer"),
    ("ok", "boolean"),
    ("serial", "text"),
    ("asset_tag", "text"),
    ("google_device_id", "text"),
    ("last_sync", "text"),  # as PostgreSQL reads it: cast where used
    ("student", "text"),
    # Read once per distinct combination: the model, the other fields, the location.
    ("manufacturer_id", "bigint"),
    ("model_id", "bigint"),
    ("aue_override", "date"),
    ("org_unit_path", "text"),
    ("os_version", "text"),
    ("purchase_order_number", "text"),
    ("purchase_date", "date"),
    ("warranty_end", "date"),
    ("status", "text"),
    ("new_status", "text"),
    ("boot_mode", "text"),
    ("located", "boolean"),
    ("location_id", "bigint"),
    ("new_location_id", "bigint"),
)
LENGTHS = {target: limit for target, _, limit, _ in TEXT_FIELDS}
# RFC 3339 as GAM writes it, in the range where PostgreSQL's reading of the text equals
# datetime.fromisoformat's: seconds, at most 6 fraction digits (PostgreSQL rounds more, Python
# cuts), an explicit offset. Anything else is read by values.parse_timestamp.
TIMESTAMP = re.compile(
    r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])"
)
BAD = object()
# At most this many rows' cells are kept while staging for the row-by-row check (else the file is
# read again): a district file's notices, not a file of changes.
KEPT_ROWS = 20_000
# Rows read together, column by column (or a divisor of planning.CHUNK, where progress is reported):
# small enough that a batch's cells stay in the processor's cache and live through fewer of the
# garbage collector's passes (reading and checking 250,000 GAM rows: 1.2 s by 250, 2.0 s by 2,000).
BATCH = 250


def plan_import_setbased(
    table: Table,
    columns: ColumnMap,
    *,
    catalogue: Catalogue,
    default_location: Location | None,
    progress: Progress = NO_PROGRESS,
    total: int = 0,
    keep_new: bool = True,
) -> planning.Plan | None:
    """The plan ``planning.plan_import`` makes, found set-based; None when the file cannot be staged
    (PostgreSQL refused a value, e.g. a NUL character): the caller then checks it row by row."""
    plan = planning.Plan(catalogue=catalogue, new=planning.NewRows(spill=True, keep=keep_new))
    default_id = default_location.pk if default_location else None
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # compiling costs more than these plain joins gain
        # Dropped first as well: one transaction may import twice.
        for name in (ROWS, CHECK):
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        reader = _Reader(columns, catalogue, default_id)
        rows = _stage(cursor, table, reader, progress, total)
        if rows is None:
            plan.new.close()
            return None
        _check(cursor)
        findings = planning.repeated_findings(reader.keys)
        if findings:
            cursor.execute(f"UPDATE {CHECK} SET outcome = NULL WHERE row = ANY(%s)", [sorted(findings)])
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE outcome = 'new'), count(*) FILTER (WHERE outcome = 'same'),"
            f" count(*) FROM {CHECK}"
        )
        created, unchanged, staged = cursor.fetchone()
        cursor.execute(f"SELECT row FROM {CHECK} WHERE outcome IS NULL ORDER BY row")
        others = [row for (row,) in cursor.fetchall()]
        to_create = _planned(cursor, catalogue)
    assert staged == rows
    _check_others(plan, table, columns, others, findings, default_id, reader.kept)
    plan.rows += created + unchanged
    plan.created += created
    plan.unchanged += unchanged
    plan.new.count += created
    plan.new.staged = created if keep_new else 0
    plan.to_create = sorted(plan.to_create + to_create, key=lambda planned: planned.row)
    plan.to_create = plan.to_create[: 2 * planning.PREVIEW_ROWS]
    return plan


# Reading and staging ----------------------------------------------------------------------------


class _Memo(dict[Any, Any]):
    """``read(key)`` once per distinct key, looked up by subscription (``memo[key]``); BAD for a
    value ``read`` refuses (values.BadValue)."""

    def __init__(self, read: Callable[[Any], Any]) -> None:
        super().__init__()
        self.read = read

    def __missing__(self, key: Any) -> Any:
        try:
            result = self.read(key)
        except values.BadValue:
            result = BAD
        self[key] = result
        return result


def _copy_text(value: Any) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        text = text.replace(char, escaped)
    return text


def _iso_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise values.BadValue(text) from exc


# The fields read row by row (unique to each row), then three groups read once per distinct
# combination: the model (with the AUE date and the variant clues), the location, the rest.
PER_ROW = (
    Field.SERIAL,
    Field.ASSET_TAG,
    Field.DEVICE_ID,
    Field.LAST_SYNC,
    Field.USER,
    Field.ASSIGNEE_KIND,
    Field.ASSIGNEE_ID,
)
MODEL = (
    Field.MANUFACTURER,
    Field.MODEL,
    Field.AUE,
    Field.AUE_LEGACY,
    Field.FIRMWARE,
    Field.PLATFORM_VERSION,
    Field.CPU,
)
OTHER = (
    Field.ORG_UNIT_PATH,
    Field.OS_VERSION,
    Field.PURCHASE_ORDER_NUMBER,
    Field.PURCHASE_DATE,
    Field.WARRANTY_END,
    Field.STATUS,
    Field.BOOT_MODE,
)
PLACE = (Field.LOCATION, Field.ORG_UNIT_PATH)
# A row's line in COPY's text format: the ROWS columns up to student, then the three groups' texts.
LINE = "\t".join(["{}"] * 10) + "\n"
FLAG = {True: "t", False: "f"}


class _Reader:
    """Rows' cells read as ``drafts.read_draft`` reads them, to the staging table's values and
    whether ``read_draft`` finds nothing to say about them (``ok``).

    A batch of rows is read column by column, so that most of the work runs in ``map`` and
    ``zip`` rather than once per row in Python; the cells that repeat across rows are read once
    per distinct combination of the raw cells."""

    def __init__(self, columns: ColumnMap, catalogue: Catalogue, default_id: int | None) -> None:
        self.columns = columns
        self.catalogue = catalogue
        self.default_id = default_id
        self.width = columns.width
        # One past the last column read: shorter rows are padded with blanks to this length.
        self.length = max(index for indexes in columns.columns.values() for index in indexes) + 1
        self.model = self._group(MODEL, self._model)
        self.other = self._group(OTHER, self._other)
        self.place = self._group(PLACE, self._place)
        self.day = _Memo(_iso_day)
        self.keys = planning.Keys()
        # The cells of rows likely left to planning (None once there are more than KEPT_ROWS).
        self.kept: dict[int, list[str]] | None = {}

    def _group(self, fields: tuple[Field, ...], read: Callable[..., Any]) -> tuple[list[int], _Memo]:
        """The columns of the fields, and ``read`` of their values remembered by those cells."""
        indexes: list[int] = []
        spans = []
        for target in fields:
            found = self.columns.columns.get(target, ())
            spans.append(slice(len(indexes), len(indexes) + len(found)))
            indexes.extend(found)

        def read_cells(cells: tuple[str, ...]) -> Any:
            # ColumnMap.value: the first non-empty of the field's columns, stripped; "" if none.
            return read(*(next(filter(None, map(str.strip, cells[span])), "") for span in spans))

        return indexes, _Memo(read_cells)

    def _model(
        self, maker: str, model: str, aue: str, aue_legacy: str, firmware: str, platform: str, cpu: str
    ) -> tuple[bool, int | None, str]:
        """(ok, manufacturer id, the COPY text of manufacturer_id, model_id and aue_override)."""
        cells = {
            Field.MANUFACTURER: maker,
            Field.MODEL: model,
            Field.AUE: aue or aue_legacy,
            Field.FIRMWARE: firmware,
            Field.PLATFORM_VERSION: platform,
            Field.CPU: cpu,
        }
        draft = model_of(cells, self.catalogue)
        ok = not draft.problems and draft.model_id is not None
        text = "\t".join(map(_copy_text, (draft.manufacturer_id, draft.model_id, draft.aue)))
        return ok, draft.manufacturer_id, text

    def _other(self, *cells: str) -> tuple[bool, bool, bool, str]:
        """(ok, whether a new device may have this status, whether it is deployed, the COPY text
        of org_unit_path to boot_mode)."""
        org_unit, os_version, po_number, purchase_date, warranty_end, status_text, boot_text = cells
        ok = True
        texts = []
        for target, text in zip(OTHER[:3], (org_unit, os_version, po_number), strict=True):
            if len(text) > LENGTHS[target]:
                ok, text = False, ""
            texts.append(text)
        dates = []
        for text in (purchase_date, warranty_end):
            try:
                dates.append(values.parse_date(text) if text else None)
            except values.BadValue:
                ok = False
                dates.append(None)
        google_status = status = ""
        if status_text:
            try:
                google_status, status = values.parse_status(status_text)
            except values.BadValue:
                ok = False
            if google_status == values.DEPROVISIONED:
                ok = False  # a notice
        if status:
            new_status = status
        elif google_status in values.GOOGLE_IN_USE:
            new_status = DeviceStatus.DEPLOYED.value
        else:
            new_status = DeviceStatus.IN_STOCK.value
        boot_mode = values.parse_boot_mode(boot_text) if boot_text else ""
        text = "\t".join(map(_copy_text, (*texts, *dates, status, new_status, boot_mode)))
        may_be_new = not status or status in values.NEW_DEVICE_STATUSES
        return ok, may_be_new, new_status == DeviceStatus.DEPLOYED, text

    def _place(self, location: str, org_unit: str) -> tuple[bool, str]:
        """(whether a new device has a location, the COPY text of located to new_location_id)."""
        located = bool(location or org_unit)
        location_id = self.catalogue.locations.match(location, org_unit) if located else None
        new_location_id = self.default_id if location_id is None else location_id
        text = "\t".join(map(_copy_text, (located, location_id, new_location_id)))
        return new_location_id is not None, text

    def _field(self, rows: list[list[str]], target: Field) -> list[str]:
        """The field's cell in each row as ColumnMap.value reads it: the first non-empty of its
        columns, stripped."""
        indexes = self.columns.columns.get(target, ())
        if not indexes:
            return [""] * len(rows)
        cells = list(map(str.strip, map(operator.itemgetter(indexes[0]), rows)))
        for index in indexes[1:]:
            others = map(operator.itemgetter(index), rows)
            cells = [cell or other.strip() for cell, other in zip(cells, others, strict=True)]
        return cells

    def _read(self, group: tuple[list[int], _Memo], rows: list[list[str]]) -> list[Any]:
        """The group's reading of each row, by the row's cells in the group's columns."""
        indexes, memo = group
        if len(indexes) > 1:
            cells: Iterable[Any] = map(operator.itemgetter(*indexes), rows)
        elif indexes:
            cells = zip(map(operator.itemgetter(indexes[0]), rows))
        else:
            cells = [()] * len(rows)
        return list(map(memo.__getitem__, cells))

    def lines(self, numbers: list[int], rows: list[list[str]]) -> str:
        """The rows' lines in COPY's text format; their keys are counted for the repeated ones."""
        count, width, length = len(rows), self.width, self.length
        if list(map(len, rows)).count(width) == count:  # every row as wide as the header
            cells, extra = rows, [False] * count
        else:
            cells = [row + [""] * (length - len(row)) if len(row) < length else row for row in rows]
            extra = [len(row) > width and any(cell.strip() for cell in row[width:]) for row in rows]
        serial, tag, device_id, last_sync, user, assignee_kind, assignee_id = (
            self._field(cells, target) for target in PER_ROW
        )
        model_ok, maker_id, model_text = zip(*self._read(self.model, cells), strict=True)
        other_ok, may_be_new, deployed, other_text = zip(*self._read(self.other, cells), strict=True)
        placed, place_text = zip(*self._read(self.place, cells), strict=True)
        serial = list(map(str.upper, serial))
        tag = list(map(str.upper, tag))
        serial_ok = self.catalogue.makers.serial_ok
        ok = [
            model
            and other
            and not more
            and not kind
            and not kind_id
            # read_draft's own problems with the serial and the asset tag
            and text != ""
            and len(asset) <= ASSET_TAG_MAX
            and serial_ok(maker, text)
            for model, other, more, kind, kind_id, text, asset, maker in zip(
                model_ok, other_ok, extra, assignee_kind, assignee_id, serial, tag, maker_id, strict=True
            )
        ]
        limit = LENGTHS[Field.DEVICE_ID]
        if max(map(len, device_id)) > limit:
            for index in [index for index, text in enumerate(device_id) if len(text) > limit]:
                ok[index], device_id[index] = False, ""
        day = self.day
        for index in [
            index
            for index, (text, match) in enumerate(
                zip(last_sync, map(TIMESTAMP.fullmatch, last_sync), strict=True)
            )
            if text and not (match and day[text[:10]] is not BAD)
        ]:
            try:
                last_sync[index] = values.parse_timestamp(last_sync[index]).isoformat()
            except values.BadValue:
                ok[index], last_sync[index] = False, ""
        student = [(values.student_id(text) or "") if text else "" for text in user]
        for index in [
            index for index, (text, found) in enumerate(zip(user, student, strict=True)) if text and not found
        ]:
            ok[index] = False  # a notice: only student IDs are kept
        self.keys.add_columns(numbers, maker_id, serial, tag, device_id)
        if self.kept is not None:
            for number, row, settled, has_place, new_ok, asset, is_deployed, found in zip(
                numbers, rows, ok, placed, may_be_new, tag, deployed, student, strict=True
            ):
                if not (settled and has_place and new_ok and asset and (is_deployed or not found)):
                    self.kept[number] = row
                    if len(self.kept) > KEPT_ROWS:
                        self.kept = None
                        break
        own = [serial, tag, device_id, last_sync, student]
        for position, texts in enumerate(own):
            joined = "".join(texts)
            if "\t" in joined or "\\" in joined or "\n" in joined or "\r" in joined:
                own[position] = list(map(_copy_text, texts))
        return "".join(
            map(LINE.format, numbers, map(FLAG.__getitem__, ok), *own, model_text, other_text, place_text)
        )


def _stage(cursor: Any, table: Table, reader: _Reader, progress: Progress, total: int) -> int | None:
    """Every non-blank row's values COPY-ed into ROWS, reporting progress as ``planning`` does.
    The number of rows, or None when PostgreSQL refuses the data."""
    count = 0
    chunk = planning.CHUNK
    batch = math.gcd(BATCH, chunk)  # progress is reported after every chunk of rows
    cursor.execute(
        f"CREATE TEMPORARY TABLE {ROWS} ({', '.join(f'{n} {t}' for n, t in COLUMNS)}) ON COMMIT DROP"
    )
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spill:
        numbers: list[int] = []
        rows: list[list[str]] = []
        for number, cells in table.rows():
            if not "".join(cells).strip():
                continue
            numbers.append(number)
            rows.append(cells)
            if len(rows) == batch:
                spill.write(reader.lines(numbers, rows))
                numbers, rows = [], []
                count += batch
                if count % chunk == 0:
                    progress.update(phase=CHECKING, done=count, total=max(total, count))
        if rows:
            spill.write(reader.lines(numbers, rows))
            count += len(rows)
        if count % chunk:
            progress.update(phase=CHECKING, done=count, total=max(total, count))
        spill.flush()
        spill.seek(0)
        try:
            with transaction.atomic():
                cursor.cursor.copy_expert(f"COPY {ROWS} FROM STDIN", spill, size=1024 * 1024)
        except (DataError, psycopg2.DataError):  # the driver's own, from its cursor
            return None
    # Without statistics the joins are planned blind; those of the columns joined on are enough
    # (the row count comes with them), at about half the time of all 21.
    cursor.execute(f"ANALYZE {ROWS} (row, manufacturer_id, serial, asset_tag, google_device_id)")
    return count


# The check -------------------------------------------------------------------------------------


def _check(cursor: Any) -> None:
    """CHECK: each row's ``outcome``: 'new' (a device to create), 'same' (a stored device it leaves
    as it is), or NULL (for ``planning`` to check); and its keys, for the repeated ones."""
    params = {
        "deployed": DeviceStatus.DEPLOYED.value,
        "new_statuses": [status.value for status in values.NEW_DEVICE_STATUSES],
        "student_kind": AssigneeKind.STUDENT.value,
    }
    new_ok = """
        r.asset_tag <> '' AND t.id IS NULL AND (r.google_device_id = '' OR g.id IS NULL)
        AND r.new_location_id IS NOT NULL
        AND (r.status = '' OR r.status = ANY(%(new_statuses)s))
        AND (r.student = '' OR r.new_status = %(deployed)s)
    """
    # drafts' _plan_update finding nothing: no change, no notice. Asset tags and device IDs are
    # unique, so a row whose keys are its stored device's own needs no look-up of their owners.
    same = """
        (r.asset_tag = '' OR r.asset_tag = d.asset_tag)
        AND (r.google_device_id = '' OR r.google_device_id = d.google_device_id)
        AND r.model_id = d.model_id AND d.variant_confirmed
        AND (r.org_unit_path = '' OR r.org_unit_path = d.org_unit_path)
        AND (r.os_version = '' OR r.os_version = d.os_version)
        AND (r.purchase_order_number = '' OR r.purchase_order_number = d.purchase_order_number)
        AND (r.last_sync = '' OR r.last_sync::timestamptz = d.last_sync)
        AND (r.aue_override IS NULL OR r.aue_override = d.aue_override)
        AND (r.purchase_date IS NULL OR r.purchase_date = d.purchase_date)
        AND (r.warranty_end IS NULL OR r.warranty_end = d.warranty_end)
        AND (r.boot_mode = '' OR r.boot_mode = d.boot_mode)
        AND (NOT r.located OR r.location_id = d.location_id)
        AND (r.student = '' OR (d.assignee_kind = %(student_kind)s AND r.student = d.assignee_id))
        AND (r.status = '' OR r.status = d.status)
    """
    devices = Device._meta.db_table

    def new_key(column: str) -> str:
        # Only a new device's keys are looked up: a NULL hash key never probes the owners' hash
        # table, which a re-import of stored devices would otherwise probe for every row.
        return f"(CASE WHEN d.id IS NULL AND r.{column} <> '' THEN r.{column} END)"

    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {CHECK} ON COMMIT DROP AS
        SELECT r.row,
            CASE WHEN NOT r.ok THEN NULL
                WHEN d.id IS NULL THEN CASE WHEN {new_ok} THEN 'new' END
                WHEN {same} THEN 'same' END AS outcome
        FROM {ROWS} r
        LEFT JOIN {devices} d ON d.manufacturer_id = r.manufacturer_id AND d.serial = r.serial
        LEFT JOIN {devices} t ON t.asset_tag = {new_key("asset_tag")}
        LEFT JOIN {devices} g ON g.google_device_id = {new_key("google_device_id")}
        """,
        params,
    )


def _planned(cursor: Any, catalogue: Catalogue) -> list[PlannedDevice]:
    """The first new devices settled here, as the preview lists them."""
    cursor.execute(
        f"SELECT r.row, r.asset_tag, r.serial, r.model_id, r.new_location_id, r.new_status FROM {ROWS} r"
        f" WHERE r.row IN (SELECT row FROM {CHECK} WHERE outcome = 'new' ORDER BY row LIMIT %s)"
        " ORDER BY r.row",
        [2 * planning.PREVIEW_ROWS],
    )
    return [
        PlannedDevice(
            row=row,
            asset_tag=tag,
            serial=serial,
            model=catalogue.models.by_id[model_id].name,
            location=catalogue.locations.by_id[location_id].name,
            status=DeviceStatus(status).label,
        )
        for row, tag, serial, model_id, location_id, status in cursor.fetchall()
    ]


# The rest, row by row ---------------------------------------------------------------------------


def _check_others(
    plan: planning.Plan,
    table: Table,
    columns: ColumnMap,
    others: Iterable[int],
    findings: dict[int, list[tuple[RowProblem, str]]],
    default_id: int | None,
    cells_kept: dict[int, list[str]] | None,
) -> None:
    """The rows not settled set-based, checked by ``planning``: from the cells kept while staging
    when it kept them all, else read again from the file."""
    wanted = set(others)
    if not wanted:
        return
    if cells_kept is not None and wanted <= cells_kept.keys():
        rows: Iterable[tuple[int, list[str]]] = ((row, cells_kept[row]) for row in sorted(wanted))
    else:
        rows = ((number, cells) for number, cells in table.rows() if number in wanted)
    chunk: list[Draft] = []
    kept: dict[int, tuple[str, str]] = {}
    for number, cells in rows:
        draft = read_draft(number, cells, columns, plan.catalogue)
        if number in findings:
            kept[number] = (draft.asset_tag, draft.serial)
        chunk.append(draft)
        if len(chunk) == planning.CHUNK:
            planning.check_chunk(chunk, plan, default_id)
            chunk = []
    if chunk:
        planning.check_chunk(chunk, plan, default_id)
    for row in sorted(findings):
        asset_tag, serial = kept[row]
        plan.flag_repeated(row, asset_tag, serial, findings[row])
    plan.errors.sort(key=lambda issue: issue.row)


def clean_new_select() -> str:
    """The new devices settled set-based, as rows of ``STAGED``'s columns: a ``SELECT`` the writing
    reads beside its own staging table (no copy of them in between). Takes ``%(student_kind)s``
    and ``%(excluded)s``, the rows never to write."""
    selected = {
        "status": "r.new_status",
        "location_id": "r.new_location_id",
        "assignee_kind": "CASE WHEN r.student <> '' THEN %(student_kind)s ELSE '' END",
        "assignee_id": "r.student",
        "variant_confirmed": "true",
        "google_device_id": "nullif(r.google_device_id, '')",
        "candidate_ids": "NULL",
        "last_sync": "nullif(r.last_sync, '')",
    }
    cells = ", ".join(f"({selected.get(name, f'r.{name}')})::{kind}" for name, kind in STAGED)
    return (
        f"SELECT {cells} FROM {CHECK} k JOIN {ROWS} r ON r.row = k.row"
        " WHERE k.outcome = 'new' AND NOT k.row = ANY(%(excluded)s::integer[])"
    )
