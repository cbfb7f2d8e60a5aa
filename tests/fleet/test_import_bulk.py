"""A first import that outnumbers the devices already stored loads them in bulk on PostgreSQL
(core.services.bulk): keys, indexes and the history trigger set aside and rebuilt once. What it
writes, history included, must be what the everyday path writes; the schema must come back
exactly as it was, on success and on failure."""

from __future__ import annotations

from typing import Any

import pghistory
import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from core.services import bulk
from fleet.models import CustodyEvent, Device
from fleet.services.importing import writing
from tests.fleet.factories import DeviceFactory
from tests.fleet.test_import_setbased import HEADER, _awkward_rows, clean
from tests.fleet.test_importing import csv_bytes, ref, run

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
__all__ = ["ref"]  # the fixture, imported for these tests

DeviceHistory = apps.get_model("fleet", "DeviceHistory")
TABLES = ("fleet_device", "fleet_custodyevent", "fleet_devicehistory", "fleet_custodyeventhistory")


def schema() -> dict[str, Any]:
    """Every index, constraint and trigger (with its on/off state) of the tables a load touches."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1, 2",
            [list(TABLES)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable,"
            " convalidated FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [list(TABLES)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger"
            " WHERE tgrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [list(TABLES)],
        )
        triggers = cursor.fetchall()
    return {"indexes": indexes, "constraints": constraints, "triggers": triggers}


class _Rollback(Exception):
    pass


def written(data: bytes, *, bulk_rows: int, monkeypatch: Any, **options: Any) -> tuple[Any, list[list[Any]]]:
    """What an import of ``data`` writes, history included, then undone; and the models it loaded
    in bulk."""
    loaded: list[list[Any]] = []
    real = writing.bulk_load

    def spy(models_: Any, *args: Any, **kwargs: Any) -> Any:
        loaded.append(list(models_))
        return real(models_, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(writing, "BULK_ROWS", bulk_rows)
        patch.setattr(writing, "bulk_load", spy)
        try:
            with transaction.atomic(), pghistory.context(source="bulk test"):
                report = run(data, **options)
                devices = {
                    device["serial"]: {
                        k: v for k, v in device.items() if k not in ("id", "created_at", "updated_at")
                    }
                    for device in Device.objects.values()
                }
                events = sorted(
                    CustodyEvent.objects.values_list(
                        "device__serial", "kind", "to_location_id", "to_status", "reason"
                    ),
                    key=repr,
                )
                history = sorted(
                    (
                        entry.pgh_label,
                        entry.serial,
                        entry.asset_tag,
                        entry.status,
                        entry.location_id,
                        entry.pgh_context.metadata if entry.pgh_context else None,
                    )
                    for entry in DeviceHistory.objects.select_related("pgh_context")
                )
                result = {
                    "report": (report.created, report.updated, report.error_rows, len(report.notices)),
                    "devices": devices,
                    "events": events,
                    "history": history,
                    "candidates": sorted(
                        Device.variant_candidates.through.objects.values_list(
                            "device__serial", "devicemodel_id"
                        )
                    ),
                }
                raise _Rollback
        except _Rollback:
            pass
    return result, loaded


def test_a_first_import_loads_in_bulk_and_writes_what_the_everyday_path_writes(ref, monkeypatch):
    data = csv_bytes(HEADER, *_awkward_rows(), *(clean(100 + n) for n in range(40)))
    before = schema()

    in_bulk, loaded = written(data, bulk_rows=1, monkeypatch=monkeypatch, valid_only=True)
    everyday, not_loaded = written(data, bulk_rows=10**9, monkeypatch=monkeypatch, valid_only=True)

    assert loaded == [[Device, CustodyEvent]] and not_loaded == [[]]
    assert in_bulk["report"][0] > 40 and in_bulk["report"][3] > 0  # created, and some notices
    assert in_bulk == everyday
    # Every device has its one 'insert' snapshot, with the import's context.
    assert len(in_bulk["history"]) == len(in_bulk["devices"])
    assert {(label, context["source"]) for label, *_, context in in_bulk["history"]} == {
        ("insert", "bulk test")
    }
    assert schema() == before


def test_a_table_holding_more_devices_than_the_file_is_written_row_by_row(ref, monkeypatch):
    DeviceFactory.create_batch(3)
    data = csv_bytes(HEADER, *(clean(n) for n in range(2)))

    _, loaded = written(data, bulk_rows=1, monkeypatch=monkeypatch)

    # Two new devices against three stored: the devices' table keeps its keys and indexes; the
    # custody events' table, empty (factories write no event), is loaded in bulk.
    assert loaded == [[CustodyEvent]]


def test_a_failed_bulk_load_leaves_nothing_and_the_schema_whole(ref, monkeypatch):
    before = schema()
    monkeypatch.setattr(writing, "BULK_ROWS", 1)

    def fail_after_insert(*args: Any, **kwargs: Any) -> None:
        real_apply(*args, **kwargs)
        raise RuntimeError("disk full")

    real_apply = writing._apply_new
    monkeypatch.setattr(writing, "_apply_new", fail_after_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        run(csv_bytes(HEADER, *(clean(n) for n in range(5))))

    assert Device.objects.count() == CustodyEvent.objects.count() == DeviceHistory.objects.count() == 0
    assert schema() == before


def test_a_repeated_key_fails_the_rebuilt_unique_index_and_rolls_everything_back(ref):
    device = DeviceFactory.create()
    before = schema()
    columns = [str(f.column) for f in Device._meta.concrete_fields if f.column != "id"]
    quote = connection.ops.quote_name
    targets = ", ".join(quote(c) for c in columns)
    sources = ", ".join(f"{quote(c)} || %s" if c == "serial" else quote(c) for c in columns)

    # A second device with the first one's asset tag (another serial): no index stops it while the
    # load runs; the rebuilt unique constraint does.
    with (
        pytest.raises(IntegrityError, match="asset_tag"),
        transaction.atomic(),
        bulk.bulk_load([Device]),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO fleet_device ({targets}) SELECT {sources} FROM fleet_device WHERE id = %s",
            ["-2", device.pk],
        )

    assert list(Device.objects.values_list("asset_tag", flat=True)) == [device.asset_tag]
    assert schema() == before


def test_holds_fewer_rows_reads_no_more_than_it_needs(ref):
    DeviceFactory.create_batch(3)

    assert [bulk.holds_fewer_rows(Device, rows) for rows in (0, 1, 3, 4)] == [False, False, False, True]
