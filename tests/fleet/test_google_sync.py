"""The Google Admin sync on recorded Directory API answers: only the HTTP is mocked.

The client is built from the discovery document google-api-python-client ships
(``static_discovery=True``) over ``HttpMockSequence``, which answers the recorded
``chromeosdevices.list`` pages in ``google_responses/`` in order and keeps every request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from googleapiclient.http import HttpMockSequence

from core.exceptions import ConflictError, DomainError, ServiceUnavailable
from fleet.choices import BootMode, CustodyEventKind, DeviceStatus, GoogleSyncStatus, GoogleSyncTrigger
from fleet.models import CustodyEvent, Device, GoogleSyncRun, ImportMapping
from fleet.services import google_sync
from fleet.tasks import google_sync_task
from tests.fleet.import_support import ImportReference, import_reference, model

pytestmark = pytest.mark.django_db
logger = logging.getLogger(__name__)

RESPONSES = Path(__file__).parent / "google_responses"
PAGES = ("chromeosdevices_page1.json", "chromeosdevices_page2.json", "chromeosdevices_page3.json")
OK = {"status": "200", "content-type": "application/json; charset=UTF-8"}


def answer(name: str, status: int = 200) -> tuple[dict[str, str], str]:
    return {**OK, "status": str(status)}, (RESPONSES / name).read_text()


def pages(*names: str) -> list[tuple[dict[str, str], str]]:
    return [answer(name) for name in names or PAGES]


def queries(http: HttpMockSequence) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(uri).query) for uri, *_ in http.request_sequence]


@pytest.fixture
def ref() -> ImportReference:
    return import_reference()


@pytest.fixture
def configured(settings: Any, tmp_path: Path) -> Path:
    key = tmp_path / "service-account.json"
    key.write_text(json.dumps({"type": "service_account"}))
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(key)
    settings.GOOGLE_ADMIN_SUBJECT = "it-admin@district.example.org"
    settings.GOOGLE_CUSTOMER_ID = "C01abcd2e"
    return key


def run_sync(http: HttpMockSequence, slept: list[float] | None = None) -> GoogleSyncRun:
    run = GoogleSyncRun.objects.create(trigger=GoogleSyncTrigger.MANUAL)
    done = google_sync.google_sync_execute(
        run_id=run.pk, http=http, sleep=(slept if slept is not None else []).append
    )
    assert done is not None
    return done


def snapshot() -> list[tuple[Any, ...]]:
    return list(Device.objects.order_by("pk").values_list())


# Reading Google ---------------------------------------------------------------------------------


def test_sync_reads_every_page_with_projection_full_and_the_customer(ref, configured):
    http = HttpMockSequence(pages())

    run = run_sync(http)

    asked = queries(http)
    assert [q.get("pageToken") for q in asked] == [
        None,
        ["AKhXXfWp2s7Ol1r6kPmQxj2rY0aR1GTwHfVz9oSa0Qv8HOiIrE"],
        ["AKhXXfWq8w1zVjTbQ3XlN5m0cPu7sYe6dR4kFg2iHo9JnLpMtU"],
    ]
    assert all(q["projection"] == ["FULL"] and q["maxResults"] == ["300"] for q in asked)
    assert all("/customer/C01abcd2e/devices/chromeos" in uri for uri, *_ in http.request_sequence)
    assert (run.status, run.pages, run.devices_seen, run.retries) == (GoogleSyncStatus.SUCCEEDED, 3, 5, 0)


def test_sync_imports_through_the_device_import_with_google_fields(ref, configured):
    run = run_sync(HttpMockSequence(pages()))

    # Four devices placed; the Dell's "Surplus" names no location, so it is refused and listed.
    assert (run.created, run.updated, run.unchanged, run.refused) == (4, 0, 0, 1)
    assert [p["serial"] for p in run.problems if p["refused"]] == ["7K2QX93"]
    lenovo = Device.objects.get(serial="PF3K7Q2M")
    # firmwareVersion (Vilboz) and cpuInfo (AMD) settle the variant Google's name leaves open.
    assert lenovo.model == model(ref, "Lenovo 100e Chromebook Gen 3 (AMD)")
    assert lenovo.variant_confirmed
    assert lenovo.location == ref.locations["CLES"]
    assert lenovo.google_device_id == "bdd640fb-0667-4ad1-9c80-317fa3b1799d"
    assert lenovo.os_version == "133.0.6943.137"
    assert lenovo.boot_mode == BootMode.VERIFIED
    assert lenovo.last_sync == dt.datetime(2025, 3, 11, 13, 42, 17, tzinfo=dt.UTC)
    assert lenovo.aue_override == dt.date(2031, 6, 30)
    acer = Device.objects.get(serial="NXATHAA0022370A3F57600")
    assert acer.model == model(ref, "Acer Chromebook 511 (C734")
    assert acer.boot_mode == BootMode.DEV
    assert CustodyEvent.objects.filter(kind=CustodyEventKind.IMPORTED).count() == 4


def test_sync_uses_an_org_unit_mapping_learnt_by_an_earlier_import(ref, configured):
    holding = ref.locations["DEPOT"]
    ImportMapping.objects.create(kind="location", key="Surplus", key_normalised="surplus", location=holding)

    run = run_sync(HttpMockSequence(pages()))

    assert (run.created, run.refused) == (5, 0)
    dell = Device.objects.get(serial="7K2QX93")
    assert (dell.location, dell.status) == (holding, DeviceStatus.IN_STOCK)
    # Deprovisioned in Google: imported in stock and reported, never retired by the sync.
    assert any(p["serial"] == "7K2QX93" and not p["refused"] for p in run.problems)


def test_second_sync_of_the_same_answers_changes_nothing_and_writes_no_events(ref, configured):
    run_sync(HttpMockSequence(pages()))
    before, events = snapshot(), CustodyEvent.objects.count()

    second = run_sync(HttpMockSequence(pages()))

    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert snapshot() == before
    assert CustodyEvent.objects.count() == events


def test_changed_org_unit_moves_the_device_with_one_custody_event(ref, configured):
    run_sync(HttpMockSequence(pages()))
    spin = Device.objects.get(serial="NXHKDAA0012340F3A27600")
    assert spin.location == ref.locations["RMHS"]
    version = spin.version

    run = run_sync(HttpMockSequence(pages("chromeosdevices_moved.json")))

    spin.refresh_from_db()
    assert spin.location == ref.locations["SCMS"]
    assert spin.org_unit_path == "/Students/Middle/Silver Creek MS"
    assert spin.version == version + 1
    moves = CustodyEvent.objects.filter(device=spin).exclude(from_location=None)
    rmhs, scms = ref.locations["RMHS"], ref.locations["SCMS"]
    assert [(e.from_location, e.to_location) for e in moves] == [(rmhs, scms)]
    # Only the moved device changed (its lastSync too); the others are as they were.
    assert (run.updated, run.unchanged) == (1, 2)


def test_device_gone_from_google_is_reported_and_left_as_it_is(ref, configured):
    run_sync(HttpMockSequence(pages()))
    acer = Device.objects.get(serial="NXATHAA0022370A3F57600")
    before = Device.objects.filter(pk=acer.pk).values_list().get()

    run = run_sync(HttpMockSequence(pages("chromeosdevices_moved.json")))

    assert run.removed_count == 1
    assert run.removed == [
        {
            "id": acer.pk,
            "asset_tag": "CB-0207781",
            "serial": "NXATHAA0022370A3F57600",
            "google_device_id": "23b8c1e9-3924-46de-beb1-3b9046685257",
        }
    ]
    assert Device.objects.filter(pk=acer.pk).values_list().get() == before
    assert not CustodyEvent.objects.filter(device=acer).exclude(kind=CustodyEventKind.IMPORTED).exists()


def test_retired_device_missing_from_google_is_not_reported(ref, configured):
    run_sync(HttpMockSequence(pages()))
    Device.objects.filter(serial="NXATHAA0022370A3F57600").update(status=DeviceStatus.RETIRED)

    run = run_sync(HttpMockSequence(pages("chromeosdevices_moved.json")))

    assert (run.removed_count, run.removed) == (0, [])


# Retries and failures ---------------------------------------------------------------------------


def test_429_then_503_are_retried_with_exponential_backoff(ref, configured):
    http = HttpMockSequence(
        [
            answer("chromeosdevices_page1.json"),
            answer("error_429.json", 429),
            answer("error_503.json", 503),
            *pages(*PAGES[1:]),
        ]
    )
    slept: list[float] = []

    run = run_sync(http, slept)

    assert slept == [1.0, 2.0]
    assert (run.status, run.pages, run.retries, run.devices_seen) == (GoogleSyncStatus.SUCCEEDED, 3, 2, 5)
    # The retried request asked for the same page.
    tokens = [q.get("pageToken") for q in queries(http)]
    assert tokens[1] == tokens[2] == tokens[3] == ["AKhXXfWp2s7Ol1r6kPmQxj2rY0aR1GTwHfVz9oSa0Qv8HOiIrE"]


def test_google_failing_past_the_retries_fails_the_run_and_writes_nothing(ref, configured):
    http = HttpMockSequence([answer("chromeosdevices_page1.json")] + [answer("error_503.json", 503)] * 6)
    slept: list[float] = []

    run = run_sync(http, slept)

    assert slept == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert run.status == GoogleSyncStatus.FAILED
    assert "HTTP 503" in run.error_message
    assert not Device.objects.exists()


def test_forbidden_is_not_retried_and_says_which_scope_to_grant(ref, configured):
    slept: list[float] = []

    run = run_sync(HttpMockSequence([answer("error_403.json", 403)]), slept)

    assert slept == []
    assert run.status == GoogleSyncStatus.FAILED
    assert "HTTP 403" in run.error_message
    assert google_sync.SCOPE in run.error_message
    assert run.finished_at is not None


def test_execute_twice_runs_once(ref, configured):
    run = run_sync(HttpMockSequence(pages()))

    assert google_sync.google_sync_execute(run_id=run.pk, http=HttpMockSequence([])) is None


# Starting ---------------------------------------------------------------------------------------


def test_start_without_configuration_names_what_is_missing(supervisor, settings):
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.GOOGLE_ADMIN_SUBJECT = ""

    with pytest.raises(DomainError) as raised:
        google_sync.google_sync_start(actor=supervisor)

    assert "GOOGLE_SERVICE_ACCOUNT_FILE is not set" in str(raised.value)
    assert "GOOGLE_ADMIN_SUBJECT is not set" in str(raised.value)
    assert not GoogleSyncRun.objects.exists()


def test_start_with_a_key_file_that_is_not_there_says_so(supervisor, configured, settings):
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(configured.with_name("missing.json"))

    with pytest.raises(DomainError, match="names no readable file"):
        google_sync.google_sync_start(actor=supervisor)


def test_start_by_technician_is_denied(technician, configured):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        google_sync.google_sync_start(actor=technician)
    assert not GoogleSyncRun.objects.exists()


def test_start_while_a_run_is_going_is_a_conflict(supervisor, configured):
    GoogleSyncRun.objects.create(status=GoogleSyncStatus.RUNNING)

    with pytest.raises(ConflictError):
        google_sync.google_sync_start(actor=supervisor)
    assert GoogleSyncRun.objects.count() == 1


def test_start_sweeps_a_run_whose_worker_died(supervisor, configured, monkeypatch):
    stale = GoogleSyncRun.objects.create(status=GoogleSyncStatus.RUNNING)
    GoogleSyncRun.objects.filter(pk=stale.pk).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    monkeypatch.setattr(google_sync, "_enqueue", lambda run_id: None)

    run = google_sync.google_sync_start(actor=supervisor)

    stale.refresh_from_db()
    assert stale.status == GoogleSyncStatus.FAILED
    assert run.status == GoogleSyncStatus.PENDING


def test_start_queues_the_task_on_commit_and_it_syncs(
    ref, supervisor, configured, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(google_sync, "_authorized_http", lambda config: HttpMockSequence(pages()))
    monkeypatch.setattr(google_sync, "_sleep", lambda seconds: None)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = google_sync.google_sync_start(actor=supervisor)

    # The sync's own task, once (its import then queues the device tally's rebuild too).
    assert len([c for c in callbacks if "device_tally" not in repr(c)]) == 1
    run.refresh_from_db()
    assert (run.status, run.requested_by, run.created) == (GoogleSyncStatus.SUCCEEDED, supervisor, 4)


def test_start_with_the_queue_down_fails_the_run_and_raises(
    supervisor, configured, monkeypatch, django_capture_on_commit_callbacks
):
    def down(name: str, *args: object) -> None:
        raise ServiceUnavailable("queue down")

    monkeypatch.setattr(google_sync.core_tasks, "enqueue", down)

    with pytest.raises(ServiceUnavailable), django_capture_on_commit_callbacks(execute=True):
        google_sync.google_sync_start(actor=supervisor)

    run = GoogleSyncRun.objects.get()
    assert (run.status, run.error_message) == (GoogleSyncStatus.FAILED, google_sync.NOT_QUEUED_MESSAGE)


# The nightly task -------------------------------------------------------------------------------


def test_nightly_task_without_configuration_does_nothing(settings):
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""

    assert google_sync_task.delay().get() is None
    assert not GoogleSyncRun.objects.exists()


def test_nightly_task_creates_and_runs_a_nightly_sync(ref, configured, monkeypatch):
    monkeypatch.setattr(google_sync, "_authorized_http", lambda config: HttpMockSequence(pages()))

    run_id = google_sync_task.delay().get()

    run = GoogleSyncRun.objects.get(pk=run_id)
    assert run.trigger == GoogleSyncTrigger.NIGHTLY
    assert (run.status, run.devices_seen) == (GoogleSyncStatus.SUCCEEDED, 5)


def test_nightly_task_is_in_the_beat_schedule(settings):
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]

    assert "fleet.tasks.google_sync_task" in entries


def test_gam_row_takes_the_first_cpu_and_leaves_absent_fields_blank():
    row = google_sync.gam_row({"deviceId": "x", "serialNumber": "S1", "cpuInfo": [{"model": "AMD 3015Ce"}]})

    by_column = dict(zip(google_sync.GAM_COLUMNS, row, strict=True))
    assert by_column["deviceId"] == "x"
    assert (by_column["cpuInfo.0.model"], by_column["bootMode"]) == ("AMD 3015Ce", "")
