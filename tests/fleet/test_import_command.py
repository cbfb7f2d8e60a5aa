"""``manage.py import_devices``: a thin shell over the importer that fails loudly."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from fleet.choices import CustodyEventKind
from fleet.models import CustodyEvent, Device
from tests.fleet.import_support import GAM_SAMPLE, ImportReference, import_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref() -> ImportReference:
    return import_reference()


def import_devices(*args: str) -> str:
    out = io.StringIO()
    call_command("import_devices", *args, stdout=out)
    return out.getvalue()


def test_gam_sample_imports_end_to_end(ref):
    output = import_devices(str(GAM_SAMPLE), "--location", "DEPOT")

    assert "Imported: gam_print_cros_sample.csv read as GAM print cros, 5 rows." in output
    assert "created 5, updated 0, unchanged 0, rows with errors 0" in output
    assert "row 6 CB-0055510: deprovisioned in Google" in output
    assert Device.objects.count() == 5
    assert set(CustodyEvent.objects.values_list("kind", flat=True)) == {CustodyEventKind.IMPORTED}


def test_gam_sample_second_run_changes_nothing(ref):
    import_devices(str(GAM_SAMPLE), "--location", "DEPOT")

    output = import_devices(str(GAM_SAMPLE), "--location", "DEPOT")

    assert "created 0, updated 0, unchanged 5" in output
    assert CustodyEvent.objects.count() == 5


def test_dry_run_prints_the_report_and_writes_nothing(ref):
    output = import_devices(str(GAM_SAMPLE), "--location", "DEPOT", "--dry-run")

    assert output.startswith("Dry run, nothing written")
    assert "created 5" in output
    assert not Device.objects.exists()


def test_bad_rows_refuse_the_file_with_a_command_error(ref):
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 5 rows have problems"):
        call_command("import_devices", str(GAM_SAMPLE), stdout=out)

    assert "row 6 CB-0055510: unknown location: 'Surplus' matches no location" in out.getvalue()
    assert not Device.objects.exists()


def test_dry_run_with_bad_rows_fails_too(ref):
    with pytest.raises(CommandError, match="would be refused"):
        import_devices(str(GAM_SAMPLE), "--dry-run")


def test_valid_only_imports_the_rest(ref):
    output = import_devices(str(GAM_SAMPLE), "--valid-only")

    assert "created 4, updated 0, unchanged 0, rows with errors 1" in output
    assert Device.objects.count() == 4


def test_a_file_that_is_not_csv_is_a_command_error(ref, tmp_path: Path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(CommandError, match="binary data"):
        import_devices(str(path))


def test_forcing_a_format_reads_only_that_formats_columns(ref):
    out = io.StringIO()
    # Read as a spreadsheet, "annotatedAssetId" is no asset tag column.
    with pytest.raises(CommandError, match="5 of 5 rows have problems"):
        call_command("import_devices", str(GAM_SAMPLE), "--format", "csv", stdout=out)

    assert "row 2 PF3K7Q2M: no asset tag" in out.getvalue()


def test_unknown_default_location_fails(ref):
    with pytest.raises(CommandError, match="no location with the code 'MOON'"):
        import_devices(str(GAM_SAMPLE), "--location", "MOON")


def test_missing_file_exits_with_status_1(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "manage.py", "import_devices", str(tmp_path / "missing.csv")],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "Cannot read" in result.stderr


def test_progress_goes_to_stderr_as_phase_and_rows_done_of_total(ref):
    out, err = io.StringIO(), io.StringIO()

    call_command("import_devices", str(GAM_SAMPLE), "--location", "DEPOT", stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    assert "Checking: 5 of 5 rows checked (100%)" in lines
    assert "Writing: 5 of 5 rows written (100%)" in lines
    assert "Checking" not in out.getvalue()  # the report on stdout stays clean


def test_progress_on_a_log_prints_a_line_every_5_percent_or_2_seconds():
    from django.core.management.base import OutputWrapper

    from fleet.management.commands.import_devices import ConsoleProgress

    stream = io.StringIO()
    now = [0.0]
    progress = ConsoleProgress(OutputWrapper(stream), clock=lambda: now[0])

    for done in range(0, 100_001, 1000):  # 1% a step, 0.1 s apart
        progress.update(phase="checking", done=done, total=100_000)
        now[0] += 0.1
    progress.update(phase="writing", done=1, total=3)

    lines = stream.getvalue().splitlines()
    assert lines[0] == "Checking: 0 of 100,000 rows checked (0%)"
    assert lines[1] == "Checking: 5,000 of 100,000 rows checked (5%)"
    assert len([line for line in lines if line.startswith("Checking")]) == 21  # 0%, 5%, ... 100%
    assert lines[-1] == "Writing: 1 of 3 rows written (33%)"


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(ref, settings):
    settings.DEVICE_IMPORT_MAX_BYTES = 100

    with pytest.raises(CommandError, match=r"gam_print_cros_sample.csv: The file is .* an import takes"):
        import_devices(str(GAM_SAMPLE), "--location", "DEPOT")
    assert not Device.objects.exists()


def test_a_file_over_the_row_cap_is_refused(ref, settings):
    settings.DEVICE_IMPORT_MAX_ROWS = 4

    with pytest.raises(CommandError, match="more than 4 rows"):
        import_devices(str(GAM_SAMPLE), "--location", "DEPOT")
    assert not Device.objects.exists()
