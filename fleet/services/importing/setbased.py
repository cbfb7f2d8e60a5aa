"""PostgreSQL: check a file set-based over a staging table, and leave only the rows that need it
to the row-by-row checking in ``planning``.

The file is read once in Python (the same ``csv`` reading, row numbers and blank-row rule as
``planning``) and its mapped cells are ``COPY``-ed into a temporary table. Everything that has few
distinct values is decided in Python once per distinct value, by the very functions the row-by-row
path calls (model and manufacturer with the AUE date and the variant clues, location, status,
boot mode, dates), and joined back as small lookup tables. What is unique to each row (serial,
asset tag, device ID, last sync, annotated user) is checked in SQL, for the shapes whose reading
in SQL is the same as in Python (regular expressions guard every cast). Repeated keys are found
with ``GROUP BY ... HAVING count(*) > 1``, and the comparison with stored devices is one join.

A row is settled here only when it has no finding at all and is either a new device or a stored
device the row does not change. Every other row (a problem, a notice, a change to a stored device,
a repeated key, a value whose SQL reading could differ from Python's) is read again from the file
and checked by ``planning``'s own code, so every finding is worded by one piece of code. A clean
district file is then checked without a Python step per row beyond reading it, and a re-import
with no change is one join that leaves nothing to Python.

New devices settled here are copied from the check table into the writing's staging table by
one ``INSERT ... SELECT`` (``stage_clean_new``); all of it runs in the import's transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DataError, connection, transaction

from fleet.choices import AssigneeKind, DeviceStatus
from fleet.filters import normalise_identifier
from fleet.models import Device, Location
from fleet.services.importing import planning, values
from fleet.services.importing.columns import ColumnMap, Field
from fleet.services.importing.drafts import ASSET_TAG_MAX, Draft, model_of, read_draft
from fleet.services.importing.matching import Catalogue
from fleet.services.importing.progress import CHECKING, NO_PROGRESS, Progress
from fleet.services.importing.reading import Table
from fleet.services.importing.report import PlannedDevice, RowProblem
from fleet.services.importing.staging import STAGED

ROWS, CELLS, CHECK = "import_rows", "import_cells", "import_check"
# What Python's str.strip() removes: every character str.isspace() accepts.
WHITESPACE = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
# The stripped value of each field (the first non-blank of its columns), by its column in CELLS.
CELL_FIELDS = {
    "serial": Field.SERIAL,
    "asset_tag": Field.ASSET_TAG,
    "maker": Field.MANUFACTURER,
    "model": Field.MODEL,
    "device_id": Field.DEVICE_ID,
    "org_unit": Field.ORG_UNIT_PATH,
    "os_version": Field.OS_VERSION,
    "last_sync": Field.LAST_SYNC,
    "boot_mode": Field.BOOT_MODE,
    "aue_current": Field.AUE,
    "aue_legacy": Field.AUE_LEGACY,
    "status": Field.STATUS,
    "annotated_user": Field.USER,
    "location": Field.LOCATION,
    "purchase_date": Field.PURCHASE_DATE,
    "po_number": Field.PURCHASE_ORDER_NUMBER,
    "warranty_end": Field.WARRANTY_END,
    "assignee_kind": Field.ASSIGNEE_KIND,
    "assignee_id": Field.ASSIGNEE_ID,
    "firmware": Field.FIRMWARE,
    "platform": Field.PLATFORM_VERSION,
    "cpu": Field.CPU,
}
# RFC 3339 as GAM writes it, in the range where PostgreSQL's reading equals datetime.fromisoformat:
# seconds, at most 6 fraction digits (PostgreSQL rounds more, Python cuts), an explicit offset.
TIMESTAMP = (
    r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])$"
)
# Python's fullmatch of s?(\d{4,20}) as PostgreSQL can read it exactly (ASCII only; others go to Python).
STUDENT = r"^[sS]?([0-9]{4,20})(@|$)"
# The serial patterns translated to PostgreSQL: only these characters, and \d and \w (serials in
# SQL are ASCII, where both engines agree on them).
SAFE_PATTERN = re.compile(r"(?:[][{}()^$|?*+.,\-0-9A-Za-z]|\\[dw])*")


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
    with connection.cursor() as cursor:
        # Dropped first as well: one transaction may import twice.
        for name in (ROWS, CELLS, CHECK, *LOOKUPS):
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        rows = _stage(cursor, table, columns, progress, total)
        if rows is None:
            plan.new.close()
            return None
        cursor.execute(f"ANALYZE {ROWS}")
        _cells(cursor, columns)
        _lookups(cursor, catalogue)
        default_id = default_location.pk if default_location else None
        _check(cursor, catalogue, default_id)
        findings = _repeated(cursor)
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE outcome = 'new'), count(*) FILTER (WHERE outcome = 'same'),"
            f" count(*) FROM {CHECK}"
        )
        created, unchanged, staged = cursor.fetchone()
        cursor.execute(f"SELECT row FROM {CHECK} WHERE outcome IS NULL ORDER BY row")
        others = [row for (row,) in cursor.fetchall()]
        to_create = _planned(cursor, catalogue)
    assert staged == rows
    _check_others(plan, table, columns, others, findings, default_id)
    plan.rows += created + unchanged
    plan.created += created
    plan.unchanged += unchanged
    plan.new.count += created
    plan.new.staged = created if keep_new else 0
    plan.to_create = sorted(plan.to_create + to_create, key=lambda planned: planned.row)
    plan.to_create = plan.to_create[: 2 * planning.PREVIEW_ROWS]
    return plan


# Staging ---------------------------------------------------------------------------------------


def _slots(columns: ColumnMap) -> list[int]:
    """The file's columns the import reads, in order."""
    return sorted({index for indexes in columns.columns.values() for index in indexes})


def _stage(cursor: Any, table: Table, columns: ColumnMap, progress: Progress, total: int) -> int | None:
    """Every non-blank row's number, whether it has values past the header, and the cells the
    import reads, COPY-ed into ROWS. Reports progress as ``planning`` does. The number of rows, or
    None when PostgreSQL refuses the data."""
    slots = _slots(columns)
    width = columns.width
    needed = max(slots) + 1
    count = 0
    chunk = planning.CHUNK
    cursor.execute(
        f"CREATE TEMPORARY TABLE {ROWS} (row integer, extra boolean, "
        + ", ".join(f"c{index} text" for index in slots)
        + ") ON COMMIT DROP"
    )
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spill:
        writer = csv.writer(spill, lineterminator="\n")
        write = writer.writerow
        for number, cells in table.rows():
            if not "".join(cells).strip():
                continue
            length = len(cells)
            extra = length > width and any(cell.strip() for cell in cells[width:])
            if length < needed:
                cells = cells + [""] * (needed - length)
            write([number, "t" if extra else "f", *[cells[index] for index in slots]])
            count += 1
            if count % chunk == 0:
                progress.update(phase=CHECKING, done=count, total=max(total, count))
        if count % chunk:
            progress.update(phase=CHECKING, done=count, total=max(total, count))
        spill.flush()
        spill.seek(0)
        not_null = ", ".join(f"c{index}" for index in slots)
        try:
            with transaction.atomic():
                cursor.cursor.copy_expert(
                    f"COPY {ROWS} FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))",
                    spill,
                    size=1024 * 1024,
                )
        except DataError:
            return None
    return count


def _cells(cursor: Any, columns: ColumnMap) -> None:
    """CELLS: each field's value as ``ColumnMap.value`` reads it (first non-blank cell, stripped)."""
    selects = []
    for name, target in CELL_FIELDS.items():
        indexes = columns.columns.get(target, ())
        if indexes:
            parts = [f"nullif(btrim(c{index}, %(ws)s), '')" for index in indexes]
            selects.append(f"coalesce({', '.join(parts)}, '') AS {name}")
        else:
            selects.append(f"''::text AS {name}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {CELLS} ON COMMIT DROP AS"
        f" SELECT row, extra, {', '.join(selects)} FROM {ROWS}",
        {"ws": WHITESPACE},
    )
    cursor.execute(f"ANALYZE {CELLS}")


# Lookups: Python's reading of each distinct value ---------------------------------------------


def _lookup(
    cursor: Any,
    name: str,
    keys: Sequence[str],
    distinct: str,
    results: Sequence[tuple[str, str]],
    read: Callable[..., tuple[Any, ...]],
    params: Sequence[Any] = (),
) -> None:
    """A temporary table ``name`` of each distinct value (``distinct`` selects them, as ``keys``)
    with what ``read`` makes of it (``results``: column and type)."""
    cursor.execute(distinct, params)
    found = cursor.fetchall()
    rows = [(*key, *read(*key)) for key in found]
    definition = [f"{key} text" for key in keys] + [f"{column} {kind}" for column, kind in results]
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ({', '.join(definition)}) ON COMMIT DROP")
    if rows:
        kinds = ["text"] * len(keys) + [kind for _, kind in results]
        arrays = [[row[i] for row in rows] for i in range(len(kinds))]
        unnest = ", ".join(f"%s::{kind}[]" for kind in kinds)
        cursor.execute(f"INSERT INTO {name} SELECT * FROM unnest({unnest})", arrays)
    cursor.execute(f"ANALYZE {name}")


MODEL_KEYS = ("maker", "model", "aue", "firmware", "platform", "cpu")
MODEL_FIELDS = (Field.MANUFACTURER, Field.MODEL, Field.AUE, Field.FIRMWARE, Field.PLATFORM_VERSION, Field.CPU)


LOOKUPS = ("import_lk_model", "import_lk_location", "import_lk_status", "import_lk_boot", "import_lk_date")
LOOKUPS += ("import_lk_day",)


def _lookups(cursor: Any, catalogue: Catalogue) -> None:
    """The lookup tables CHECK joins: what Python reads each distinct value as."""
    aue = "CASE WHEN aue_current <> '' THEN aue_current ELSE aue_legacy END"
    _lookup(
        cursor,
        "import_lk_model",
        MODEL_KEYS,
        f"SELECT DISTINCT maker, model, {aue}, firmware, platform, cpu FROM {CELLS}",
        (("ok", "boolean"), ("manufacturer_id", "bigint"), ("model_id", "bigint"), ("aue_date", "date")),
        lambda *key: _model(catalogue, *key),
    )
    _lookup(
        cursor,
        "import_lk_location",
        ("location", "org_unit"),
        f"SELECT DISTINCT location, org_unit FROM {CELLS} WHERE location <> '' OR org_unit <> ''",
        (("location_id", "bigint"),),
        lambda text, org_unit: (catalogue.locations.match(text, org_unit),),
    )
    _lookup(
        cursor,
        "import_lk_status",
        ("value",),
        f"SELECT DISTINCT status FROM {CELLS} WHERE status <> ''",
        (("ok", "boolean"), ("google_status", "text"), ("status", "text")),
        _status,
    )
    _lookup(
        cursor,
        "import_lk_boot",
        ("value",),
        f"SELECT DISTINCT boot_mode FROM {CELLS} WHERE boot_mode <> ''",
        (("mode", "text"),),
        lambda value: (values.parse_boot_mode(value),),
    )
    _lookup(
        cursor,
        "import_lk_date",
        ("value",),
        f"SELECT purchase_date FROM {CELLS} WHERE purchase_date <> ''"
        f" UNION SELECT warranty_end FROM {CELLS} WHERE warranty_end <> ''",
        (("ok", "boolean"), ("day", "date")),
        _date,
    )
    _lookup(
        cursor,
        "import_lk_day",
        ("value",),
        f"SELECT DISTINCT substr(last_sync, 1, 10) FROM {CELLS} WHERE last_sync ~ %s",
        (("ok", "boolean"),),
        _iso_day,
        [TIMESTAMP],
    )


def _model(catalogue: Catalogue, *key: str) -> tuple[Any, ...]:
    draft = model_of(dict(zip(MODEL_FIELDS, key, strict=True)), catalogue)
    ambiguous = draft.match is not None and draft.match.model is None
    return (not draft.problems and not ambiguous, draft.manufacturer_id, draft.model_id, draft.aue)


def _status(value: str) -> tuple[Any, ...]:
    try:
        google_status, status = values.parse_status(value)
    except values.BadValue:
        return (False, "", "")
    return (True, google_status, status)


def _date(value: str) -> tuple[Any, ...]:
    try:
        return (True, values.parse_date(value))
    except values.BadValue:
        return (False, None)


def _iso_day(value: str) -> tuple[Any, ...]:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return (False,)
    return (True,)


# The check -------------------------------------------------------------------------------------


def _serial_ok(cursor: Any, catalogue: Catalogue) -> tuple[str, dict[str, Any]]:
    """SQL true when the serial is one of its maker's (the pattern and at most 40 characters);
    false for a maker whose pattern PostgreSQL might read otherwise (those rows go to Python)."""
    cases, params = [], {}
    for maker_id, maker in catalogue.makers.by_id.items():
        pattern = maker.serial_regex
        if not pattern:
            cases.append(f"WHEN {int(maker_id)} THEN true")
            continue
        if SAFE_PATTERN.fullmatch(pattern) is None:
            continue
        translated = "^(?:" + pattern.replace("\\d", "[0-9]").replace("\\w", "[A-Za-z0-9_]") + ")$"
        try:
            with transaction.atomic():
                cursor.execute("SELECT '' ~ %s", [translated])
        except DataError:
            continue
        params[f"serial_{maker_id}"] = translated
        cases.append(f"WHEN {int(maker_id)} THEN c.serial ~ %(serial_{maker_id})s")
    if not cases:
        return "false", params
    return (
        f"(char_length(c.serial) <= 40 AND CASE m.manufacturer_id {' '.join(cases)} ELSE false END)",
        params,
    )


def _check(cursor: Any, catalogue: Catalogue, default_id: int | None) -> None:
    """CHECK: each row's values as the import stores them and its ``outcome``: 'new' (a device to
    create), 'same' (a stored device it leaves as it is), or NULL (for ``planning`` to check)."""
    devices = Device._meta.db_table
    serial_ok, params = _serial_ok(cursor, catalogue)
    params |= {
        "ws": WHITESPACE,
        "timestamp": TIMESTAMP,
        "student": STUDENT,
        "default_id": default_id,
        "in_use": list(values.GOOGLE_IN_USE),
        "deprovisioned": values.DEPROVISIONED,
        "deployed": DeviceStatus.DEPLOYED.value,
        "in_stock": DeviceStatus.IN_STOCK.value,
        "new_statuses": [status.value for status in values.NEW_DEVICE_STATUSES],
        "student_kind": AssigneeKind.STUDENT.value,
        "tag_max": ASSET_TAG_MAX,
    }
    ascii_keys = (
        "octet_length(c.serial) = char_length(c.serial)"
        " AND octet_length(c.asset_tag) = char_length(c.asset_tag)"
    )
    sync_ok = "c.last_sync ~ %(timestamp)s AND sd.ok"
    synced = f"CASE WHEN {sync_ok} THEN c.last_sync::timestamptz END"
    user_ok = (
        "(c.annotated_user ~ %(student)s AND octet_length(c.annotated_user) = char_length(c.annotated_user)"
        " AND (position('@' in c.annotated_user) = 0 OR c.annotated_user ~ '^[sS]'"
        " OR lower(substr(c.annotated_user, position('@' in c.annotated_user) + 1)) LIKE '%%student%%'))"
    )
    # A row whose cells have no problem on their own (drafts.read_draft).
    cells_ok = f"""
        NOT c.extra AND {ascii_keys} AND c.serial <> '' AND char_length(c.asset_tag) <= %(tag_max)s
        AND m.ok AND m.model_id IS NOT NULL AND {serial_ok}
        AND char_length(c.device_id) <= 64 AND char_length(c.org_unit) <= 255
        AND char_length(c.os_version) <= 40 AND char_length(c.po_number) <= 40
        AND (c.last_sync = '' OR ({sync_ok}))
        AND (c.purchase_date = '' OR pd.ok) AND (c.warranty_end = '' OR we.ok)
        AND (c.status = '' OR (s.ok AND s.google_status <> %(deprovisioned)s))
        AND (c.annotated_user = '' OR {user_ok})
        AND c.assignee_kind = '' AND c.assignee_id = ''
    """
    status = (
        "CASE WHEN coalesce(s.status, '') <> '' THEN s.status"
        " WHEN s.google_status = ANY(%(in_use)s) THEN %(deployed)s ELSE %(in_stock)s END"
    )
    student = "CASE WHEN c.annotated_user <> '' THEN substring(c.annotated_user from %(student)s) END"
    located = "(c.location <> '' OR c.org_unit <> '')"
    new_ok = f"""
        c.asset_tag <> '' AND t.id IS NULL AND (c.device_id = '' OR g.id IS NULL)
        AND coalesce(l.location_id, %(default_id)s) IS NOT NULL
        AND (coalesce(s.status, '') = '' OR s.status = ANY(%(new_statuses)s))
        AND (c.annotated_user = '' OR {status} = %(deployed)s)
    """
    same = f"""
        (c.asset_tag = '' OR c.asset_tag = d.asset_tag) AND (t.id IS NULL OR t.id = d.id)
        AND (c.device_id = '' OR (g.id = d.id AND c.device_id = d.google_device_id))
        AND m.model_id = d.model_id AND d.variant_confirmed
        AND (c.org_unit = '' OR c.org_unit = d.org_unit_path)
        AND (c.os_version = '' OR c.os_version = d.os_version)
        AND (c.po_number = '' OR c.po_number = d.purchase_order_number)
        AND (c.last_sync = '' OR {synced} = d.last_sync)
        AND (m.aue_date IS NULL OR m.aue_date = d.aue_override)
        AND (c.purchase_date = '' OR pd.day = d.purchase_date)
        AND (c.warranty_end = '' OR we.day = d.warranty_end)
        AND (coalesce(b.mode, '') = '' OR b.mode = d.boot_mode)
        AND (NOT {located} OR l.location_id = d.location_id)
        AND (c.annotated_user = '' OR (d.assignee_kind = %(student_kind)s AND {student} = d.assignee_id))
        AND (coalesce(s.status, '') = '' OR s.status = d.status)
    """
    aue = "CASE WHEN c.aue_current <> '' THEN c.aue_current ELSE c.aue_legacy END"
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {CHECK} ON COMMIT DROP AS
        SELECT c.row,
            upper(c.serial) AS serial, upper(c.asset_tag) AS asset_tag, m.manufacturer_id, m.model_id,
            CASE WHEN char_length(c.device_id) <= 64 THEN nullif(c.device_id, '') END AS device_id,
            {status} AS status, coalesce(l.location_id, %(default_id)s) AS location_id,
            CASE WHEN {student} IS NOT NULL THEN %(student_kind)s ELSE '' END AS assignee_kind,
            coalesce({student}, '') AS assignee_id,
            c.org_unit, c.os_version, coalesce(b.mode, '') AS boot_mode,
            {synced} AS last_sync,
            m.aue_date, pd.day AS purchase_date, c.po_number, we.day AS warranty_end,
            CASE WHEN NOT ({cells_ok}) THEN NULL
                WHEN d.id IS NULL THEN CASE WHEN {new_ok} THEN 'new' END
                WHEN {same} THEN 'same' END AS outcome,
            ({ascii_keys}) AS ascii_keys, c.serial AS serial_cell, c.asset_tag AS tag_cell
        FROM {CELLS} c
        LEFT JOIN import_lk_model m
            ON (m.maker, m.model, m.aue, m.firmware, m.platform, m.cpu)
            = (c.maker, c.model, {aue}, c.firmware, c.platform, c.cpu)
        LEFT JOIN import_lk_location l ON (l.location, l.org_unit) = (c.location, c.org_unit)
        LEFT JOIN import_lk_status s ON s.value = c.status
        LEFT JOIN import_lk_boot b ON b.value = c.boot_mode
        LEFT JOIN import_lk_date pd ON pd.value = c.purchase_date
        LEFT JOIN import_lk_date we ON we.value = c.warranty_end
        LEFT JOIN import_lk_day sd ON sd.value = substr(c.last_sync, 1, 10)
        LEFT JOIN {devices} d ON d.manufacturer_id = m.manufacturer_id AND d.serial = upper(c.serial)
            AND {ascii_keys}
        LEFT JOIN {devices} t ON t.asset_tag = upper(c.asset_tag) AND c.asset_tag <> '' AND {ascii_keys}
        LEFT JOIN {devices} g ON g.google_device_id = c.device_id AND c.device_id <> ''
        """,
        params,
    )
    # Keys Python upper-cases otherwise ("ß" is "SS"): its own reading, for the repeated keys.
    cursor.execute(f"SELECT row, serial_cell, tag_cell FROM {CHECK} WHERE NOT ascii_keys")
    fixed = [(row, normalise_identifier(serial), normalise_identifier(tag)) for row, serial, tag in cursor]
    if fixed:
        cursor.execute(
            f"UPDATE {CHECK} SET serial = fixed.serial, asset_tag = fixed.tag"
            " FROM unnest(%s::integer[], %s::text[], %s::text[]) AS fixed (row, serial, tag)"
            f" WHERE {CHECK}.row = fixed.row",
            [[row for row, _, _ in fixed], [serial for _, serial, _ in fixed], [tag for _, _, tag in fixed]],
        )


def _repeated(cursor: Any) -> dict[int, list[tuple[RowProblem, str]]]:
    """What ``planning._flag_duplicates`` finds: every row of a repeated serial (with its maker),
    asset tag or device ID. Those rows are left to Python."""
    queries = (
        (
            RowProblem.DUPLICATE_SERIAL,
            "serial <> '' AND manufacturer_id IS NOT NULL",
            "manufacturer_id, serial",
        ),
        (RowProblem.DUPLICATE_ASSET_TAG, "asset_tag <> ''", "asset_tag"),
        (RowProblem.DUPLICATE_DEVICE_ID, "device_id IS NOT NULL", "device_id"),
    )
    findings: dict[int, list[tuple[RowProblem, str]]] = defaultdict(list)
    for problem, where, key in queries:
        cursor.execute(
            f"SELECT array_agg(row ORDER BY row) FROM {CHECK} WHERE {where}"
            f" GROUP BY {key} HAVING count(*) > 1"
        )
        for (group,) in cursor.fetchall():
            listed = ", ".join(map(str, group[: planning.DUPLICATE_ROWS_LISTED]))
            if len(group) > planning.DUPLICATE_ROWS_LISTED:
                listed += f" and {len(group) - planning.DUPLICATE_ROWS_LISTED:,} more"
            for row in group:
                findings[row].append((problem, f"rows {listed}"))
    if findings:
        cursor.execute(f"UPDATE {CHECK} SET outcome = NULL WHERE row = ANY(%s)", [sorted(findings)])
    return findings


def _planned(cursor: Any, catalogue: Catalogue) -> list[PlannedDevice]:
    """The first new devices settled here, as the preview lists them."""
    cursor.execute(
        f"SELECT row, asset_tag, serial, model_id, location_id, status FROM {CHECK}"
        f" WHERE outcome = 'new' ORDER BY row LIMIT %s",
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
) -> None:
    """The rows not settled set-based, read again from the file and checked by ``planning``."""
    wanted = set(others)
    if not wanted:
        return
    chunk: list[Draft] = []
    kept: dict[int, tuple[str, str]] = {}
    for number, cells in table.rows():
        if number not in wanted:
            continue
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


def stage_clean_new(cursor: Any, staging: str) -> None:
    """Copy the new devices settled set-based into the writing's staging table."""
    columns = [name for name, _ in STAGED]
    selected = {
        "row": "row",
        "variant_confirmed": "true",
        "google_device_id": "device_id",
        "org_unit_path": "org_unit",
        "aue_override": "aue_date",
        "purchase_order_number": "po_number",
        "candidate_ids": "NULL::bigint[]",
    }
    cursor.execute(
        f"INSERT INTO {staging} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected.get(name, name) for name in columns)} FROM {CHECK} WHERE outcome = 'new'"
    )
