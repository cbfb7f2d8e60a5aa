"""On PostgreSQL the import settles clean rows set-based (fleet.services.importing.setbased) and
leaves the rest to the row-by-row check: whatever a file holds, the report and what is written
must be exactly what the row-by-row check alone gives."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from fleet.choices import DeviceStatus
from fleet.models import CustodyEvent, Device
from fleet.services import importing
from fleet.services.importing import service, setbased
from tests.fleet.factories import DeviceFactory
from tests.fleet.import_support import model
from tests.fleet.test_importing import GAM_HEADER, csv_bytes, gam_row, ref, run

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
__all__ = ["ref"]  # the fixture, imported for these tests

HEADER = [*GAM_HEADER, "osVersion", "bootMode", "firmwareVersion"]
ACER = "NXHKDAA00123{n:02d}F3A27600"
LENOVO_300E = "Lenovo 300e Chromebook 2nd Gen (Intel)"


def row(
    serial: str, tag: str, *, os: str = "133.0.1", boot: str = "Verified", firmware: str = "", **cells: str
):
    return [*gam_row(serial, tag, **cells), os, boot, firmware]  # type: ignore[arg-type]


def clean(n: int, **cells: str) -> list[str]:
    cells.setdefault("model_name", LENOVO_300E)
    return row(f"PF1{n:05d}", f"CB-{n:05d}", **cells)


class _Rollback(Exception):
    pass


def _written() -> dict[str, Any]:
    devices = {
        device["serial"]: {k: v for k, v in device.items() if k not in ("id", "created_at", "updated_at")}
        for device in Device.objects.values()
    }
    candidates = {
        device.serial: sorted(device.variant_candidates.values_list("name", flat=True))
        for device in Device.objects.prefetch_related("variant_candidates")
    }
    events = sorted(
        [
            (
                event.device.serial,
                event.kind,
                event.from_location_id,
                event.to_location_id,
                event.from_status,
                event.to_status,
                event.from_assignee_id,
                event.to_assignee_id,
                event.reason,
            )
            for event in CustodyEvent.objects.select_related("device")
        ],
        key=repr,
    )
    return {"devices": devices, "candidates": candidates, "events": events}


def _import(
    data: bytes, *, setbased_on: bool, monkeypatch: Any, **options: Any
) -> tuple[Any, Any, list[bool]]:
    """The report, what was written (None when refused), undone afterwards, and whether the
    set-based check made the plan."""
    calls: list[bool] = []
    real = setbased.plan_import_setbased

    def spy(*args: Any, **kwargs: Any) -> Any:
        plan = real(*args, **kwargs) if setbased_on else None
        calls.append(plan is not None)
        return plan

    with monkeypatch.context() as patch:
        patch.setattr(service, "plan_import_setbased", spy)
        try:
            with transaction.atomic():
                report = run(data, **options)
                written = _written()
                raise _Rollback
        except _Rollback:
            pass
        except importing.ImportRejected as exc:
            report, written = exc.report, None
    return report, written, calls


def assert_same(data: bytes, monkeypatch: Any, **options: Any) -> Any:
    fast = _import(data, setbased_on=True, monkeypatch=monkeypatch, **options)
    slow = _import(data, setbased_on=False, monkeypatch=monkeypatch, **options)
    assert (fast[2], slow[2]) == ([True], [False])
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
    return fast[0]


def test_a_clean_file_is_settled_set_based_like_row_by_row(ref, monkeypatch):
    data = csv_bytes(HEADER, *(clean(n, user=f"s{1000000 + n}@students.example.org") for n in range(30)))

    report = assert_same(data, monkeypatch)

    assert (report.created, report.error_rows, len(report.to_create)) == (30, 0, 20)
    report = assert_same(data, monkeypatch, dry_run=True)
    assert report.created == 30


def _awkward_rows() -> list[list[str]]:
    return [
        clean(1),
        clean(2, status="DISABLED", user="s2000002@students.example.org"),  # assignee not kept
        clean(3, status="DEPROVISIONED"),
        clean(4, status="BROKEN"),
        clean(5, status="in repair"),
        clean(6, status="loaner pool"),
        clean(7, user="teacher@district.example.org"),
        clean(8, user="1234567@district.example.org"),
        clean(9, user="s\u0661\u0662\u0663\u0664\u0665@students.example.org"),  # Arabic-Indic digits
        clean(10, last_sync="2025-03-11 09:42 AM"),
        clean(11, last_sync="2025-03-11T13:42:17.1234567Z"),
        clean(12, last_sync="2025-02-30T13:42:17Z"),
        clean(13, last_sync="2025-03-11T13:42:17+05:30"),
        clean(14, last_sync="yesterday"),
        clean(15, aue="2031-13"),
        clean(16, model_name="Nope 3000"),
        clean(17, location="Nowhere", org_unit="/Surplus"),
        clean(18, location="", org_unit=""),
        row("PF100019", "", model_name=LENOVO_300E),  # no asset tag for a new device
        row("pf100020", "cb-00020", model_name=LENOVO_300E),
        row("\u00a0PF100021\u00a0", "CB-00021 ", model_name=LENOVO_300E),
        row("PF10002", "CB-00022", model_name=LENOVO_300E),  # malformed serial
        row("PFß10023", "CB-00023", model_name=LENOVO_300E),
        row("PF100024", "CB-" + "9" * 40, model_name=LENOVO_300E),
        row("PF100025", "CB-00025", device_id="x" * 65, model_name=LENOVO_300E),
        row("", "CB-00026", model_name=LENOVO_300E),
        row("PF100001", "CB-00027", model_name=LENOVO_300E),  # serial of row 2
        row("PF100028", "CB-00001", model_name=LENOVO_300E),  # asset tag of row 2
        row("PF100029", "CB-00029", device_id="dup-id", model_name=LENOVO_300E),
        row("PF100030", "CB-00030", device_id="dup-id", model_name=LENOVO_300E),
        row(ACER.format(n=31), "CB-00031", model_name="Acer Chromebook 311", aue=""),  # variant to confirm
        row(ACER.format(n=32), "CB-00032", model_name="Acer Chromebook 511", firmware="Google_Voxel.1"),
        row("PF100033", "CB-00033", model_name="Lenovo 100e Chromebook Gen 3", firmware="Google_Dedede.1"),
        row("PF100034", "CB-00034", model_name=LENOVO_300E, org_unit="/Students/Elem\\entary\tx"),
        row("PF100035", "CB-00035", model_name=LENOVO_300E, boot="dev", os="1" * 41),
        row("PF100036", "CB-00036", model_name=LENOVO_300E, location="Clarksburg ES\n/ Cart 2"),
        [],
        row("PF100038", "CB-00038", model_name=LENOVO_300E)[:5],
        [*row("PF100039", "CB-00039", model_name=LENOVO_300E), "", "surplus"],
        [*row("PF100040", "CB-00040", model_name=LENOVO_300E), "  "],
        row("PF100041", "CB-00041", model_name="Dell Chromebook 3100"),
    ]


def test_awkward_rows_are_reported_and_written_exactly_as_row_by_row(ref, monkeypatch):
    data = csv_bytes(HEADER, *_awkward_rows())

    refused = assert_same(data, monkeypatch)
    assert refused.error_rows
    report = assert_same(data, monkeypatch, valid_only=True)
    assert report.created and report.notices
    assert_same(data, monkeypatch, dry_run=True, default_location="DEPOT")
    assert_same(data, monkeypatch, valid_only=True, default_location="DEPOT")


def test_stored_devices_unchanged_changed_or_held_match_row_by_row(ref, monkeypatch):
    base = [clean(n, user=f"s{3000000 + n}@students.example.org") for n in range(1, 13)]
    run(csv_bytes(HEADER, *base), valid_only=True)
    lenovo = model(ref, LENOVO_300E)
    DeviceFactory.create(model=lenovo, serial="PF200001", asset_tag="TAKEN-1", google_device_id="taken-id")
    DeviceFactory.create(
        model=lenovo,
        serial="PF200002",
        asset_tag="CB-R-2",
        location=ref.locations["DEPOT"],
        status=DeviceStatus.IN_REPAIR,
    )
    DeviceFactory.create(model=lenovo, serial="PF200003", asset_tag="CB-R-3", variant_confirmed=False)
    rows = [
        *base[:4],  # unchanged
        clean(5, user="s3000005@students.example.org", location="Scotland MS / Cart 1", org_unit=""),
        clean(6, user="s3999999@students.example.org"),
        clean(7, user="s3000007@students.example.org", last_sync="2025-04-01T00:00:00.000Z"),
        clean(8, user="s3000008@students.example.org", os="134.0.1", boot="Dev"),
        clean(9, user="s3000009@students.example.org", status="DEPROVISIONED"),
        clean(10, user="s3000010@students.example.org", status="in repair"),
        row("PF100011", "", model_name=LENOVO_300E, user="s3000011@students.example.org"),
        row("PF100012", "TAKEN-1", model_name=LENOVO_300E, user="s3000012@students.example.org"),
        row("PF100013", "CB-00013", device_id="taken-id", model_name=LENOVO_300E),
        row("PF200002", "CB-R-2", model_name=LENOVO_300E),
        row("PF200003", "CB-R-3", model_name=LENOVO_300E, location="", org_unit=""),
        row("PF200004", "CB-R-4", model_name=LENOVO_300E),
    ]
    data = csv_bytes(HEADER, *rows)

    report = assert_same(data, monkeypatch, valid_only=True)

    assert report.unchanged > 4 and report.updated and report.errors
    assert_same(data, monkeypatch, dry_run=True)
    assert_same(data, monkeypatch)


def test_the_file_is_read_again_when_too_many_rows_are_left_to_python(ref, monkeypatch):
    monkeypatch.setattr(setbased, "KEPT_ROWS", 2)
    data = csv_bytes(HEADER, *(clean(n, user="teacher@district.example.org") for n in range(6)))

    report = assert_same(data, monkeypatch)

    assert report.notices_total == 6


def test_a_value_postgresql_refuses_falls_back_to_row_by_row(ref, monkeypatch):
    # Past the first 64 KB, where the reading looks for binary data.
    rows = [clean(n) for n in range(600)]
    data = csv_bytes(HEADER, *rows, clean(600, org_unit="/Students/\x00Elementary/Clarksburg ES"))

    # A dry run: writing such a row fails in the writing's own COPY, as it did before.
    report, _, calls = _import(data, setbased_on=True, monkeypatch=monkeypatch, dry_run=True)

    assert calls == [False]
    assert report.rows == 601


def test_a_field_the_file_lacks_reads_blank_whatever_the_columns_after_the_last_field_hold(ref, monkeypatch):
    # GAM has no manufacturer, assignee or purchase columns: none of them may read "notes".
    header = [*HEADER, "notes"]
    notes = ["", "Lenovo", "s1234567", "2024-01-31", "staff", "  "]
    data = csv_bytes(header, *([*clean(n), note] for n, note in enumerate(notes)))

    report = assert_same(data, monkeypatch, valid_only=True)

    assert report.created == len(notes)
    assert_same(data, monkeypatch, dry_run=True)
