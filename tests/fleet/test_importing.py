"""The device importer as a service: real sample files, every row problem, every file problem."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.exceptions import DomainError
from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent, Device
from fleet.services import importing
from fleet.services.importing import columns, uploads, values
from fleet.services.importing.report import ImportFormat
from tests.fleet.factories import DeviceFactory, DeviceModelFactory
from tests.fleet.import_support import CONSOLE_SAMPLE, GAM_SAMPLE, ImportReference, import_reference, model

pytestmark = pytest.mark.django_db

GAM_HEADER = [
    "deviceId",
    "serialNumber",
    "annotatedAssetId",
    "annotatedUser",
    "annotatedLocation",
    "orgUnitPath",
    "status",
    "lastSync",
    "model",
    "autoUpdateThrough",
]


@pytest.fixture
def ref() -> ImportReference:
    return import_reference()


def csv_bytes(header: list[str], *rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def gam_row(
    serial: str = "PF0AAA01",
    tag: str = "CB-1000001",
    *,
    device_id: str = "",
    user: str = "",
    location: str = "Clarksburg ES / Cart 1",
    org_unit: str = "/Students/Elementary/Clarksburg ES",
    status: str = "ACTIVE",
    last_sync: str = "2025-03-11T13:42:17.000Z",
    model_name: str = "Lenovo 100e Chromebook Gen 3",
    aue: str = "2031-06-30T00:00:00.000Z",
) -> list[str]:
    return [device_id, serial, tag, user, location, org_unit, status, last_sync, model_name, aue]


def gam(*rows: list[str]) -> bytes:
    return csv_bytes(GAM_HEADER, *rows)


def run(data: bytes, **options: object) -> importing.ImportReport:
    return importing.devices_import(data=data, actor=None, source="test.csv", **options)  # type: ignore[arg-type]


def problems(report: importing.ImportReport) -> list[tuple[int, str]]:
    return [(issue.row, issue.code) for issue in report.errors]


# The real sample files -------------------------------------------------------------------------


def test_gam_sample_creates_every_device_with_googles_fields(ref):
    report = run(GAM_SAMPLE.read_bytes(), default_location="DEPOT")

    assert report.format == ImportFormat.GAM
    assert (report.rows, report.created, report.updated, report.error_rows) == (5, 5, 0, 0)
    assert report.written
    first = Device.objects.get(serial="PF3K7Q2M")
    assert first.asset_tag == "CB-0104512"
    # GAM's row carries no firmware or CPU: Intel and AMD stay candidates, to confirm.
    variants = {
        model(ref, "Lenovo 100e Chromebook Gen 3 (Intel"),
        model(ref, "Lenovo 100e Chromebook Gen 3 (AMD"),
    }
    assert set(first.variant_candidates.all()) == variants
    assert first.model in variants
    assert not first.variant_confirmed
    assert first.manufacturer == ref.makers["Lenovo"]
    assert first.location == ref.locations["CLES"]
    assert first.status == DeviceStatus.DEPLOYED
    assert first.google_device_id == "bdd640fb-0667-4ad1-9c80-317fa3b1799d"
    assert first.org_unit_path == "/Students/Elementary/Clarksburg ES"
    assert first.os_version == "133.0.6943.137"
    assert first.last_sync == dt.datetime(2025, 3, 11, 13, 42, 17, tzinfo=dt.UTC)
    assert first.aue_override == dt.date(2031, 6, 30)


def test_gam_sample_keeps_student_ids_only(ref):
    run(GAM_SAMPLE.read_bytes(), default_location="DEPOT")

    assigned = Device.objects.exclude(assignee_id="").order_by("asset_tag")
    assert [(d.assignee_kind, d.assignee_id) for d in assigned] == [
        (AssigneeKind.STUDENT, "1234567"),
        (AssigneeKind.STUDENT, "2345678"),
        (AssigneeKind.STUDENT, "3456789"),
    ]
    stored = " ".join(str(value) for d in Device.objects.values() for value in d.values())
    assert "@" not in stored
    assert "example.org" not in " ".join(CustodyEvent.objects.values_list("to_assignee_id", flat=True))


def test_gam_sample_matches_locations_and_models_by_aue(ref):
    run(GAM_SAMPLE.read_bytes(), default_location="DEPOT")

    devices = {d.asset_tag: d for d in Device.objects.select_related("model", "location")}
    assert devices["CB-0207781"].location == ref.locations["SCMS"]  # "Silver Creek MS"
    assert devices["CB-0311209"].location == ref.locations["RMHS"]  # "Richard Montgomery HS"
    assert devices["CB-0098765"].location == ref.locations["DEPOT"]  # "Central Repair Depot"
    assert devices["CB-0055510"].location == ref.locations["DEPOT"]  # "Surplus": the default
    # "Acer Chromebook 511" names the C734, the C741L (AUE 2031-06) and the C736 (2033-06): the
    # date leaves two, so the device comes in under the first with its variant to confirm.
    assert devices["CB-0207781"].model == model(ref, "Acer Chromebook 511 (C734")
    assert not devices["CB-0207781"].variant_confirmed
    assert devices["CB-0311209"].model == model(ref, "Acer Chromebook Spin 511 (R752T")


def test_gam_sample_statuses_and_deprovisioned_is_only_reported(ref):
    report = run(GAM_SAMPLE.read_bytes(), default_location="DEPOT")

    statuses = dict(Device.objects.values_list("asset_tag", "status"))
    assert statuses["CB-0098765"] == DeviceStatus.IN_STOCK  # DISABLED
    assert statuses["CB-0055510"] == DeviceStatus.IN_STOCK  # DEPROVISIONED: never retired
    assert [(n.row, n.code) for n in report.notices] == [
        (2, "variant_to_confirm"),  # Lenovo 100e Chromebook Gen 3: Intel or AMD
        (3, "variant_to_confirm"),  # Acer Chromebook 511: C734 or C741L
        (6, "deprovisioned"),
    ]


def test_gam_sample_writes_one_imported_event_per_new_device(ref):
    run(GAM_SAMPLE.read_bytes(), default_location="DEPOT")

    events = CustodyEvent.objects.all()
    assert events.count() == 5
    assert {e.kind for e in events} == {CustodyEventKind.IMPORTED}
    event = events.get(device__asset_tag="CB-0104512")
    assert (event.to_location, event.to_status, event.to_assignee_id) == (
        ref.locations["CLES"],
        DeviceStatus.DEPLOYED,
        "1234567",
    )
    assert event.reason == "Imported from test.csv"


def test_importing_the_same_file_twice_changes_nothing(ref):
    run(GAM_SAMPLE.read_bytes(), default_location="DEPOT")
    before = list(Device.objects.order_by("pk").values())

    report = run(GAM_SAMPLE.read_bytes(), default_location="DEPOT")

    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert list(Device.objects.order_by("pk").values()) == before
    assert CustodyEvent.objects.count() == 5


def test_console_sample_is_detected_and_read_despite_repeated_headers(ref):
    report = run(CONSOLE_SAMPLE.read_bytes(), default_location="DEPOT")

    assert report.format == ImportFormat.ADMIN_CONSOLE
    assert (report.created, report.error_rows) == (3, 0)
    device = Device.objects.get(serial="PF3K7Q2M")
    assert device.aue_override == dt.date(2031, 6, 30)  # "2031-06": the last day of the month
    # "2025-03-11 09:42 AM" is district time (EDT), 13:42 UTC.
    assert device.last_sync == dt.datetime(2025, 3, 11, 13, 42, tzinfo=dt.UTC)
    assert device.google_device_id == "9a1de644-815e-46d1-bb8f-aa1837f8a88b"
    assert (device.assignee_kind, device.assignee_id) == (AssigneeKind.STUDENT, "1234567")
    assert device.status == DeviceStatus.DEPLOYED  # PROVISIONED
    # "Google_Dedede.…": the Intel board (bookem is a dedede board; the AMD one is zork's vilboz).
    assert device.model == model(ref, "Lenovo 100e Chromebook Gen 3 (Intel")
    assert device.variant_confirmed
    assert not report.to_confirm


def test_console_export_after_gam_updates_only_what_differs(ref):
    run(GAM_SAMPLE.read_bytes(), default_location="DEPOT")
    tags_before = dict(Device.objects.values_list("serial", "asset_tag"))

    report = run(CONSOLE_SAMPLE.read_bytes())

    assert (report.created, report.updated) == (0, 3)
    device = Device.objects.get(serial="PF3K7Q2M")
    assert device.google_device_id == "9a1de644-815e-46d1-bb8f-aa1837f8a88b"
    assert device.version == 1  # no change of place or holder
    assert dict(Device.objects.values_list("serial", "asset_tag")) == tags_before
    assert Device.objects.get(serial="7K2QX93").location == ref.locations["DEPOT"]  # "Surplus" kept
    assert CustodyEvent.objects.count() == 5
    # The console's firmware settles the variant GAM left to confirm.
    assert device.model == model(ref, "Lenovo 100e Chromebook Gen 3 (Intel")
    assert device.variant_confirmed
    assert not device.variant_candidates.exists()


# Headers ---------------------------------------------------------------------------------------


def test_headers_match_case_insensitively_and_unknown_columns_are_ignored(ref):
    header = ["SERIALNUMBER", "AnnotatedAssetID", "Model", "Wifi Signal", "orgunitpath"]
    data = csv_bytes(
        header, ["pf0aaa01", "cb-1000001", "lenovo 100e chromebook gen 3", "-58 dBm", "/Students/x/CLES"]
    )

    report = run(data, file_format="gam")

    assert report.created == 1
    device = Device.objects.get()
    assert (device.serial, device.asset_tag, device.location) == (
        "PF0AAA01",
        "CB-1000001",
        ref.locations["CLES"],
    )


def test_repeated_headers_take_the_first_non_empty_value(ref):
    header = ["serial number", "model", "asset id", "org unit path", "boot mode", "asset id"]
    data = csv_bytes(
        header,
        ["PF0AAA01", "Lenovo 100e Chromebook Gen 3", "", "/Students/Elementary/Clarksburg ES", "", "CB-7"],
        [
            "PF0AAA02",
            "Lenovo 100e Chromebook Gen 3",
            "CB-8",
            "/Students/Elementary/Clarksburg ES",
            "",
            "CB-9",
        ],
    )

    run(data)

    assert sorted(Device.objects.values_list("asset_tag", flat=True)) == ["CB-7", "CB-8"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["deviceId", "serialNumber", "model"], ImportFormat.GAM),
        (["deviceId", "serial number", "model", "org unit path"], ImportFormat.ADMIN_CONSOLE),
        (["asset_tag", "serial", "model"], ImportFormat.CSV),
        (["deviceId", "serial", "model"], ImportFormat.CSV),
    ],
)
def test_detect_format(header, expected):
    assert columns.detect_format(header) == expected


# Bad rows --------------------------------------------------------------------------------------


def test_unknown_model_is_a_row_error(ref):
    report = run(gam(gam_row(model_name="Chromebook 9000")), dry_run=True)

    assert problems(report) == [(2, "unknown_model")]
    assert "Chromebook 9000" in report.errors[0].detail


def test_shared_google_name_is_resolved_by_the_devices_aue(ref):
    # "Acer Chromebook 311" is the C721 and the C733 (2029-06) and the C722 (2030-06).
    data = gam(
        gam_row(
            "NXHKDAA0012340F3A27600",
            model_name="Acer Chromebook 311",
            aue="2030-06-30T00:00:00.000Z",
        )
    )

    run(data)

    assert Device.objects.get().model == model(ref, "Acer Chromebook 311 (C722")


def test_shared_google_name_still_ambiguous_after_aue_imports_with_the_variant_to_confirm(ref):
    data = gam(
        gam_row("NXHKDAA0012340F3A27600", model_name="Acer Chromebook 311", aue="2029-06-30T00:00:00.000Z")
    )

    report = run(data)

    assert problems(report) == []
    (notice,) = [n for n in report.notices if n.code == "variant_to_confirm"]
    assert notice.reason == "variant to confirm"
    assert "Acer Chromebook 311 (C721)" in notice.detail
    assert "Acer Chromebook 311 (C733, C733U, C733T)" in notice.detail
    assert "C722" not in notice.detail
    device = Device.objects.get()
    assert not device.variant_confirmed
    assert set(device.variant_candidates.all()) == {
        model(ref, "Acer Chromebook 311 (C721)"),
        model(ref, "Acer Chromebook 311 (C733"),
    }
    assert device.model in device.variant_candidates.all()


def test_ambiguous_name_keeps_an_existing_devices_model_among_the_candidates(ref):
    c733 = model(ref, "Acer Chromebook 311 (C733")
    DeviceFactory.create(model=c733, serial="NXHKDAA0012340F3A27600", asset_tag="CB-1000001")
    data = gam(gam_row("NXHKDAA0012340F3A27600", model_name="Acer Chromebook 311", aue=""))

    report = run(data)

    assert report.error_rows == 0
    assert Device.objects.get().model == c733


def test_malformed_serial_is_a_row_error(ref):
    report = run(gam(gam_row("PF-12")), dry_run=True)

    assert problems(report) == [(2, "malformed_serial")]
    assert "Lenovo" in report.errors[0].detail


def test_duplicate_serial_in_the_file_flags_every_copy(ref):
    report = run(gam(gam_row("PF0AAA01", "CB-1"), gam_row("pf0aaa01", "CB-2")), dry_run=True)

    assert problems(report) == [(2, "duplicate_serial"), (3, "duplicate_serial")]
    assert report.errors[0].detail == "rows 2, 3"


def test_a_value_repeated_on_many_rows_lists_ten_of_them_and_counts_the_rest(ref):
    rows = [gam_row(f"PF0AAB{n:02d}", "CB-SAME") for n in range(25)]
    report = run(gam(*rows), dry_run=True)

    assert report.error_rows == 25
    assert report.errors[0].detail == "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 15 more"


def test_duplicate_asset_tag_in_the_file_flags_every_copy(ref):
    report = run(gam(gam_row("PF0AAA01", "CB-1"), gam_row("PF0AAA02", "cb-1")), dry_run=True)

    assert problems(report) == [(2, "duplicate_asset_tag"), (3, "duplicate_asset_tag")]


def test_asset_tag_of_another_device_is_a_row_error(ref):
    DeviceFactory.create(
        model=model(ref, "Lenovo 100e Chromebook Gen 3 (Intel"), asset_tag="CB-1", serial="PF0ZZZ99"
    )

    report = run(gam(gam_row("PF0AAA01", "CB-1")), dry_run=True)

    assert problems(report) == [(2, "asset_tag_taken")]


def test_device_id_of_another_device_is_a_row_error(ref):
    DeviceFactory.create(
        model=model(ref, "Lenovo 100e Chromebook Gen 3 (Intel"), serial="PF0ZZZ99", google_device_id="abc"
    )

    report = run(gam(gam_row("PF0AAA01", device_id="abc")), dry_run=True)

    assert problems(report) == [(2, "device_id_taken")]


def test_unknown_location_without_default_is_a_row_error(ref):
    report = run(gam(gam_row(location="Moon Base", org_unit="/Devices/Elsewhere")), dry_run=True)

    assert problems(report) == [(2, "unknown_location")]
    assert "Moon Base" in report.errors[0].detail


def test_unknown_location_takes_the_default(ref):
    run(gam(gam_row(location="Moon Base", org_unit="")), default_location="depot")

    assert Device.objects.get().location == ref.locations["DEPOT"]


@pytest.mark.parametrize(
    ("location", "org_unit", "code"),
    [
        ("SCMS", "", "SCMS"),  # a code
        ("silver creek middle school", "", "SCMS"),  # a name, any case
        ("Silver Creek MS / Library cart", "", "SCMS"),  # before " / ", shortened suffix
        ("Room 12", "/Students/High/Richard Montgomery HS", "RMHS"),  # the org unit's last segment
    ],
)
def test_location_matching_rule(ref, location, org_unit, code):
    run(gam(gam_row(location=location, org_unit=org_unit)))

    assert Device.objects.get().location == ref.locations[code]


def test_unknown_default_location_code_is_refused(ref):
    with pytest.raises(DomainError, match="NOPE"):
        run(gam(gam_row()), default_location="NOPE")


def test_inactive_default_location_is_refused_naming_location(ref):
    ref.locations["DEPOT"].is_active = False
    ref.locations["DEPOT"].save(update_fields=["is_active"])

    with pytest.raises(DomainError, match="no longer active") as excinfo:
        run(gam(gam_row(location="Moon Base", org_unit="")), default_location="DEPOT")

    assert excinfo.value.field == "location"
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("last_sync", "yesterday"), ("aue", "2031-13"), ("aue", "soon")],
)
def test_bad_date_is_a_row_error(ref, field, value):
    report = run(gam(gam_row(**{field: value})), dry_run=True)

    assert problems(report) == [(2, "bad_date")]


def test_new_device_without_asset_tag_is_a_row_error(ref):
    report = run(gam(gam_row(tag="")), dry_run=True)

    assert problems(report) == [(2, "no_asset_tag")]


def test_existing_device_without_asset_tag_in_the_file_is_updated(ref):
    device = DeviceFactory.create(
        model=model(ref, "Lenovo 100e Chromebook Gen 3 (Intel"), serial="PF0AAA01", asset_tag="CB-5"
    )

    report = run(gam(gam_row("PF0AAA01", tag="")))

    assert (report.error_rows, report.updated) == (0, 1)
    device.refresh_from_db()
    assert device.asset_tag == "CB-5"
    assert device.aue_override == dt.date(2031, 6, 30)


def test_row_with_more_values_than_columns_is_reported(ref):
    misaligned = ",".join([*gam_row("PF0AAA02", "CB-2"), "EXTRA"])
    data = gam(gam_row()) + misaligned.encode() + b"\n"

    report = run(data, dry_run=True)

    assert problems(report) == [(3, "extra_values")]


# Whole-file errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \r\n\n", "empty"),
        ("serial,model\nPF0AAA01,Caf\u00e9\n".encode("cp1252"), "not UTF-8"),
        (codecs.BOM_UTF16_LE + "serial,model\n".encode("utf-16-le"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"serial\nPF0AAA01\n", "single column"),
        (b"asset_tag,location\nCB-1,CLES\n", "no serial and model column"),
        (b"serial,model\n", "no devices"),
    ],
)
def test_whole_file_errors(ref, data, message):
    with pytest.raises(importing.ImportFileError, match=message):
        run(data)
    assert not Device.objects.exists()


def test_utf8_with_byte_order_mark_is_read(ref):
    run(codecs.BOM_UTF8 + gam(gam_row()))

    assert Device.objects.count() == 1


def test_forcing_the_wrong_format_reports_missing_columns(ref):
    data = csv_bytes(["asset_tag", "serial", "model"], ["CB-1", "PF0AAA01", "Lenovo 100e Chromebook Gen 3"])

    with pytest.raises(importing.ImportFileError, match="no serial column"):
        run(data, file_format="gam")


# All or nothing, valid only, dry run -----------------------------------------------------------


def test_one_bad_row_refuses_the_whole_file_by_default(ref):
    data = gam(gam_row("PF0AAA01", "CB-1"), gam_row("PF0AAA02", "CB-2", model_name="Nope"))

    with pytest.raises(importing.ImportRejected) as caught:
        run(data)

    assert caught.value.report.error_rows == 1
    assert problems(caught.value.report) == [(3, "unknown_model")]
    assert not Device.objects.exists()
    assert not CustodyEvent.objects.exists()


def test_valid_only_imports_the_good_rows_and_reports_the_rest(ref):
    data = gam(gam_row("PF0AAA01", "CB-1"), gam_row("PF0AAA02", "CB-2", model_name="Nope"))

    report = run(data, valid_only=True)

    assert (report.created, report.error_rows, report.written) == (1, 1, True)
    assert list(Device.objects.values_list("asset_tag", flat=True)) == ["CB-1"]


def test_dry_run_writes_nothing_and_reports_what_would_happen(ref):
    report = run(GAM_SAMPLE.read_bytes(), default_location="DEPOT", dry_run=True)

    assert (report.created, report.written, report.dry_run) == (5, False, True)
    assert [planned.asset_tag for planned in report.to_create][:2] == ["CB-0104512", "CB-0207781"]
    assert not Device.objects.exists()
    assert not CustodyEvent.objects.exists()


# Existing devices ------------------------------------------------------------------------------


def test_existing_device_moves_with_an_imported_custody_event(ref):
    device = DeviceFactory.create(
        model=model(ref, "Lenovo 100e Chromebook Gen 3 (Intel"),
        serial="PF0AAA01",
        asset_tag="CB-1",
        location=ref.locations["SCMS"],
        status=DeviceStatus.DEPLOYED,
    )

    report = run(gam(gam_row("PF0AAA01", "CB-1", user="s7654321@students.example.org")))

    assert report.updated == 1
    device.refresh_from_db()
    assert (device.location, device.assignee_id, device.version) == (ref.locations["CLES"], "7654321", 2)
    event = CustodyEvent.objects.get(device=device)
    assert (event.kind, event.from_location, event.to_location) == (
        CustodyEventKind.IMPORTED,
        ref.locations["SCMS"],
        ref.locations["CLES"],
    )
    assert (event.from_assignee_id, event.to_assignee_id) == ("", "7654321")


def test_existing_device_in_repair_keeps_its_place_and_status(ref):
    device = DeviceFactory.create(
        model=model(ref, "Lenovo 100e Chromebook Gen 3 (Intel"),
        serial="PF0AAA01",
        asset_tag="CB-1",
        location=ref.locations["DEPOT"],
        status=DeviceStatus.IN_REPAIR,
    )

    report = run(gam(gam_row("PF0AAA01", "CB-1", status="DEPROVISIONED")))

    device.refresh_from_db()
    assert (device.location, device.status) == (ref.locations["DEPOT"], DeviceStatus.IN_REPAIR)
    assert {n.code for n in report.notices} == {"location_kept", "deprovisioned"}
    assert not CustodyEvent.objects.exists()


def test_staff_email_is_never_stored_nor_echoed(ref):
    report = run(gam(gam_row(user="jane.doe@example.org")))

    device = Device.objects.get()
    assert (device.assignee_kind, device.assignee_id) == ("", "")
    assert [n.code for n in report.notices] == ["user_not_stored", "variant_to_confirm"]
    assert "jane" not in " ".join(n.detail for n in report.notices)


def test_generic_csv_imports_dell_laptops(ref):
    header = [
        "Asset Tag",
        "Service Tag",
        "Manufacturer",
        "Model",
        "Location",
        "Status",
        "Purchase Date",
        "PO Number",
        "Warranty End",
        "assignee_kind",
        "assignee_id",
    ]
    first_row = "LT-0001,7k2qx94,Dell,Latitude 3140,DEPOT,in stock,2024-07-15,PO-1,,,"
    second_row = "LT-0002,7K2QX95,dell,Latitude 3140,RMHS,deployed,7/15/2024,PO-1,2028-07-14,staff,E1234"
    data = csv_bytes(header, first_row.split(","), second_row.split(","))

    report = run(data)

    assert (report.format, report.created) == (ImportFormat.CSV, 2)
    first, second = Device.objects.order_by("asset_tag")
    assert first.model == model(ref, "Dell Latitude 3140")
    assert (first.serial, first.status, first.purchase_date) == (
        "7K2QX94",
        DeviceStatus.IN_STOCK,
        dt.date(2024, 7, 15),
    )
    assert (second.location, second.status, second.warranty_end) == (
        ref.locations["RMHS"],
        DeviceStatus.DEPLOYED,
        dt.date(2028, 7, 14),
    )
    assert (second.assignee_kind, second.assignee_id, second.purchase_order_number) == (
        "staff",
        "E1234",
        "PO-1",
    )


def test_generic_csv_rejects_a_status_a_new_device_cannot_start_in(ref):
    data = csv_bytes(
        ["asset_tag", "serial", "manufacturer", "model", "location", "status"],
        ["LT-1", "7K2QX94", "Dell", "Latitude 3140", "DEPOT", "e-waste"],
        ["LT-2", "7K2QX95", "Dell", "Latitude 3140", "DEPOT", "sold"],
        ["LT-3", "7K2QX96", "Acme", "Latitude 3140", "DEPOT", ""],
    )

    report = run(data, dry_run=True)

    assert problems(report) == [(2, "bad_status"), (3, "bad_status"), (4, "unknown_manufacturer")]


def test_import_by_a_technician_is_refused(ref, technician):
    with pytest.raises(PermissionDenied):
        importing.devices_import(data=gam(gam_row()), actor=technician)


def test_import_by_a_supervisor_records_them_on_the_events(ref, supervisor):
    importing.devices_import(data=gam(gam_row()), actor=supervisor)

    assert CustodyEvent.objects.get().actor == supervisor


# Cells and kept uploads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2031-06-30T00:00:00.000Z", dt.date(2031, 6, 30)),
        ("2031-06", dt.date(2031, 6, 30)),
        ("2030-02", dt.date(2030, 2, 28)),
        ("2031-06-30", dt.date(2031, 6, 30)),
        ("1940544000000", dt.date(2031, 6, 30)),
    ],
)
def test_parse_aue(value, expected):
    assert values.parse_aue(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("s1234567@students.example.org", "1234567"),
        ("1234567@students.example.org", "1234567"),
        ("S1234567", "1234567"),
        ("1234567@example.org", None),
        ("jane.doe@example.org", None),
        ("Jane Doe", None),
    ],
)
def test_student_id(value, expected):
    assert values.student_id(value) == expected


def test_preview_keeps_the_file_for_its_own_user_only(ref, supervisor, admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    preview = importing.device_import_preview(actor=supervisor, data=gam(gam_row()), filename="a.csv")
    assert not Device.objects.exists()

    with pytest.raises(DomainError, match="someone else"):
        importing.device_import_confirm(actor=admin_user, token=preview.token)
    report = importing.device_import_confirm(actor=supervisor, token=preview.token)

    assert report.created == 1
    assert not list((tmp_path / uploads.UPLOAD_DIR).iterdir())
    with pytest.raises(DomainError, match="no longer here"):
        importing.device_import_confirm(actor=supervisor, token=preview.token)


def test_preview_token_expires(ref, supervisor, settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    preview = importing.device_import_preview(actor=supervisor, data=gam(gam_row()), filename="a.csv")
    time_machine.move_to(timezone.now() + uploads.MAX_AGE + dt.timedelta(minutes=1))

    with pytest.raises(DomainError, match="expired"):
        importing.device_import_confirm(actor=supervisor, token=preview.token)
    assert uploads.uploads_sweep() == 1


def test_forged_token_is_refused(ref, supervisor):
    with pytest.raises(DomainError, match="not valid"):
        importing.device_import_confirm(actor=supervisor, token="forged:token")


def test_existing_model_factory_device_is_untouched_by_other_rows(ref):
    other = DeviceFactory.create(model=DeviceModelFactory.create(), asset_tag="CB-OTHER")

    run(gam(gam_row()))

    assert Device.objects.get(pk=other.pk).version == 1
