"""The importer at scale: streamed from a path, checked a chunk at a time, bounded findings, and on
PostgreSQL new devices through COPY and set-based SQL with their history and its context."""

from __future__ import annotations

import io

import pghistory
import pytest

from fleet.models import CustodyEvent, Device
from fleet.services import importing
from fleet.services.importing import planning, reading
from fleet.services.importing.progress import CHECKING, WRITING, Progress
from tests.fleet.test_importing import gam, gam_row, problems, ref, run

pytestmark = pytest.mark.django_db
__all__ = ["ref"]  # the fixture, imported for these tests


class Recorder(Progress):
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def update(self, *, phase: str, done: int, total: int) -> None:
        self.calls.append((phase, done, total))


def many(count: int, serial: str = "PF0B{n:04d}", **options: str) -> bytes:
    """``count`` GAM rows; ``serial`` is formatted with the row's index ``n``."""
    return gam(*(gam_row(serial.format(n=n), f"CB-{n:04d}", **options) for n in range(count)))  # type: ignore[arg-type]


def test_a_path_is_streamed_and_imports_like_its_bytes(ref, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "BLOCK", 64)  # many blocks, characters split between them
    monkeypatch.setattr(planning, "CHUNK", 2)
    path = tmp_path / "cros.csv"
    path.write_bytes(many(5, location="Clarksburg ES / Cart 1 ééé"))

    report = importing.devices_import(data=path, actor=None, source=path.name)

    assert (report.rows, report.created, report.error_rows, report.written) == (5, 5, 0, True)
    assert Device.objects.count() == 5
    assert CustodyEvent.objects.count() == 5


def test_a_bad_byte_past_the_first_block_is_refused_naming_its_position(ref, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "BLOCK", 16)
    data = many(3)
    path = tmp_path / "cros.csv"
    path.write_bytes(data + "é".encode() + b"\xff\n")

    with pytest.raises(importing.ImportFileError, match=f"byte 0xff at position {len(data) + 2}"):
        importing.devices_import(data=path, actor=None)
    assert not Device.objects.exists()


def test_repeated_serial_found_across_chunks_is_not_written_with_valid_only(ref, monkeypatch):
    monkeypatch.setattr(planning, "CHUNK", 2)
    data = gam(
        gam_row("PF0AAA01", "CB-1"),
        gam_row("PF0AAA02", "CB-2"),
        gam_row("PF0AAA03", "CB-3"),
        gam_row("pf0aaa01", "CB-4"),
    )

    report = run(data, valid_only=True)

    assert problems(report) == [(2, "duplicate_serial"), (5, "duplicate_serial")]
    assert report.errors[0].detail == "rows 2, 5"
    assert (report.created, report.error_rows, report.written) == (2, 2, True)
    assert [planned.row for planned in report.to_create] == [3, 4]
    assert sorted(Device.objects.values_list("asset_tag", flat=True)) == ["CB-2", "CB-3"]
    assert CustodyEvent.objects.count() == 2


def test_findings_beyond_the_kept_number_are_counted_not_listed(ref, monkeypatch):
    monkeypatch.setattr(planning, "ISSUES_KEPT", 2)
    acer = "NXHKDAA001234{n}F3A27600"
    data = many(5, acer, user="teacher@district.example.org", model_name="Acer Chromebook 311", aue="")

    report = run(data, dry_run=True)

    assert [issue.row for issue in report.notices if issue.code == "user_not_stored"] == [2, 3]
    assert report.issue_counts["user_not_stored"] == 5
    assert report.to_confirm == 5
    assert report.notices_total == 10
    assert report.errors_total == 0


def test_bad_rows_beyond_the_kept_number_still_refuse_the_file(ref, monkeypatch):
    monkeypatch.setattr(planning, "ISSUES_KEPT", 1)
    data = many(4, model_name="Nope")

    with pytest.raises(importing.ImportRejected) as caught:
        run(data)

    report = caught.value.report
    assert (report.error_rows, report.errors_total, len(report.errors)) == (4, 4, 1)
    assert not Device.objects.exists()


def test_progress_reports_each_chunk_checked_and_the_rows_written(ref, monkeypatch):
    monkeypatch.setattr(planning, "CHUNK", 2)
    progress = Recorder()

    importing.devices_import(data=many(5), actor=None, progress=progress)

    checking = [call for call in progress.calls if call[0] == CHECKING]
    assert checking == [(CHECKING, 2, 5), (CHECKING, 4, 5), (CHECKING, 5, 5)]
    assert progress.calls[-1] == (WRITING, 5, 5)


def test_dry_run_of_a_path_writes_nothing(ref, tmp_path):
    path = tmp_path / "cros.csv"
    path.write_bytes(many(3))

    report = importing.devices_import(data=path, actor=None, dry_run=True)

    assert (report.created, report.written) == (3, False)
    assert not Device.objects.exists()


@pytest.mark.postgres
def test_set_based_import_records_history_with_the_callers_context(ref, supervisor):
    with pghistory.context(user=supervisor.pk):
        report = importing.devices_import(data=many(3), actor=supervisor, source="cros.csv")

    assert report.created == 3
    history = Device.history.rel.related_model.objects.filter(pgh_label="insert")  # type: ignore[attr-defined]
    assert history.count() == 3
    assert {event.pgh_context.metadata["user"] for event in history} == {supervisor.pk}
    # The custody events are a ledger: each row is its own record (actor, reason), no snapshot.
    assert not CustodyEvent.history.rel.related_model.objects.exists()  # type: ignore[attr-defined]
    assert set(CustodyEvent.objects.values_list("actor", "reason")) == {
        (supervisor.pk, "Imported from cros.csv")
    }


@pytest.mark.postgres
def test_set_based_import_writes_variant_candidates_and_leaves_no_staging_table(ref):
    from django.db import connection

    run(many(2, "NXHKDAA001234{n}F3A27600", model_name="Acer Chromebook 311", aue="2029-06-30T00:00:00.000Z"))

    device = Device.objects.order_by("asset_tag").first()
    assert device is not None and not device.variant_confirmed
    assert device.variant_candidates.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_temp.import_new_device')")
        assert cursor.fetchone() == (None,)


def test_two_imports_in_one_transaction_both_write(ref):
    run(gam(gam_row("PF0AAA01", "CB-1")))
    run(gam(gam_row("PF0AAA02", "CB-2")))

    assert sorted(Device.objects.values_list("asset_tag", flat=True)) == ["CB-1", "CB-2"]
    assert CustodyEvent.objects.count() == 2


def test_command_counts_every_finding_beyond_those_kept(ref, tmp_path, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setattr(planning, "ISSUES_KEPT", 2)
    path = tmp_path / "cros.csv"
    path.write_bytes(many(4, user="teacher@district.example.org"))
    out = io.StringIO()

    call_command("import_devices", str(path), "--dry-run", stdout=out)

    assert "Notes (8):" in out.getvalue()  # a note on the user and one on the variant, per row
    assert "... and 4 more (--verbosity 2 lists up to 1,000 of each kind)" in out.getvalue()
