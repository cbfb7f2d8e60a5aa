"""Live sync from Google Admin: read every Chromebook from the Directory API into the inventory.

A run reads ``chromeosdevices.list`` (projection FULL, 300 a page, paged by ``nextPageToken``)
with a service account acting for an admin through domain-wide delegation (read-only ChromeOS
device scope), writes each device as a row of GAM's ``print cros`` format to a temporary file,
and hands that file to the device import (``fleet.services.importing.devices_import``, valid rows
only). Matching, variant resolution, org-unit and model mappings, custody events and idempotency
are therefore the file import's: a second sync of the same answers changes nothing.

Google answering 429 or 5xx (and a dropped connection) is retried with exponential backoff
(1, 2, 4, 8, 16 s) before the run fails. A device the inventory links to Google (it has a Google
device ID) that a complete sync no longer saw is listed on the run, never retired or changed:
removal from Google is a person's decision to follow up. A run goes pending -> running ->
succeeded or failed; only one is pending or running at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from core import tasks as core_tasks
from core.exceptions import ConflictError, DomainError, ServiceUnavailable
from fleet import permissions
from fleet.choices import DeviceStatus, GoogleSyncStatus, GoogleSyncTrigger
from fleet.models import Device, GoogleSyncRun
from fleet.services.importing import ImportFormat, ImportReport, devices_import

logger = logging.getLogger(__name__)

SCOPE = "https://www.googleapis.com/auth/admin.directory.device.chromeos.readonly"
SOURCE = "Google Admin sync"
PAGE_SIZE = 300  # the most chromeosdevices.list returns per page
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRIES = 5
BACKOFF_SECONDS = 1.0
# A run with no end this long after it started lost its worker: it no longer blocks a new one.
STALE_AFTER = dt.timedelta(hours=2)
LISTED = 200  # removed devices and row problems kept on a run
ACTIVE_STATUSES = (GoogleSyncStatus.PENDING, GoogleSyncStatus.RUNNING)
GONE = (DeviceStatus.RETIRED, DeviceStatus.E_WASTE)
NOT_QUEUED_MESSAGE = "Not started: the task queue was unreachable."
_START_LOCK_KEY = 5_000_612

# The GAM ``print cros`` columns a row is written with, each from a ChromeOsDevice field.
GAM_COLUMNS = (
    "deviceId",
    "serialNumber",
    "annotatedAssetId",
    "annotatedUser",
    "annotatedLocation",
    "orgUnitPath",
    "model",
    "status",
    "osVersion",
    "platformVersion",
    "firmwareVersion",
    "cpuInfo.0.model",
    "bootMode",
    "lastSync",
    "autoUpdateThrough",
    "autoUpdateExpiration",
)
# Partial response: only what the columns need, not the usage reports FULL carries.
LIST_FIELDS = "nextPageToken,chromeosdevices({})".format(
    ",".join(name for name in GAM_COLUMNS if name != "cpuInfo.0.model") + ",cpuInfo/model"
)


@dataclass(frozen=True)
class GoogleSyncConfig:
    """The sync's settings (environment: GOOGLE_SERVICE_ACCOUNT_FILE, GOOGLE_ADMIN_SUBJECT,
    GOOGLE_CUSTOMER_ID)."""

    service_account_file: str
    subject: str
    customer_id: str

    @property
    def missing(self) -> list[str]:
        """What is not set up, one sentence each; empty when the sync can run."""
        missing = []
        if not self.service_account_file:
            missing.append("GOOGLE_SERVICE_ACCOUNT_FILE is not set.")
        elif not Path(self.service_account_file).is_file():
            name = self.service_account_file
            missing.append(f"GOOGLE_SERVICE_ACCOUNT_FILE names no readable file ({name}).")
        if not self.subject:
            missing.append("GOOGLE_ADMIN_SUBJECT is not set.")
        return missing

    @property
    def ready(self) -> bool:
        return not self.missing


def google_sync_config() -> GoogleSyncConfig:
    return GoogleSyncConfig(
        service_account_file=str(getattr(settings, "GOOGLE_SERVICE_ACCOUNT_FILE", "") or ""),
        subject=str(getattr(settings, "GOOGLE_ADMIN_SUBJECT", "") or ""),
        customer_id=str(getattr(settings, "GOOGLE_CUSTOMER_ID", "") or "my_customer"),
    )


# Starting ---------------------------------------------------------------------------------------


def google_sync_start(*, actor: User | None, trigger: str = GoogleSyncTrigger.MANUAL) -> GoogleSyncRun:
    """Create a pending run and queue its job once the transaction commits.

    ``actor`` None is the schedule; a person needs ``can_import_devices``. Raises PermissionDenied,
    DomainError when the sync is not configured, ConflictError while another run is pending or
    running, and ServiceUnavailable when the job cannot be queued (that run is then already
    failed, so the caller may try again at once).
    """
    if actor is not None and not permissions.can_import_devices(actor):
        raise PermissionDenied
    config = google_sync_config()
    if not config.ready:
        raise DomainError("Google sync is not set up: " + " ".join(config.missing))
    run = _create_run(actor=actor, trigger=trigger)
    run_id = run.pk
    transaction.on_commit(lambda: _enqueue(run_id))
    return run


def google_sync_nightly() -> GoogleSyncRun | None:
    """Tonight's run, created for the calling worker to execute; None (logged) when the sync is
    not configured or another run is still going."""
    config = google_sync_config()
    if not config.ready:
        logger.info("Nightly Google sync skipped: %s", " ".join(config.missing))
        return None
    try:
        return _create_run(actor=None, trigger=GoogleSyncTrigger.NIGHTLY)
    except ConflictError as exc:
        logger.warning("Nightly Google sync skipped: %s", exc)
        return None


@transaction.atomic
def _create_run(*, actor: User | None, trigger: str) -> GoogleSyncRun:
    if trigger not in GoogleSyncTrigger.values:
        raise ValueError(f"Unknown Google sync trigger {trigger!r}.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_START_LOCK_KEY])
    now = timezone.now()
    GoogleSyncRun.objects.filter(status__in=ACTIVE_STATUSES, created_at__lt=now - STALE_AFTER).update(
        status=GoogleSyncStatus.FAILED,
        finished_at=now,
        error_message="Worker stopped: the run never finished.",
    )
    active = GoogleSyncRun.objects.filter(status__in=ACTIVE_STATUSES).order_by("pk").first()
    if active is not None:
        raise ConflictError(f"Google sync {active.pk} is still {active.get_status_display().lower()}.")
    return GoogleSyncRun.objects.create(trigger=trigger, requested_by=actor)


def _enqueue(run_id: int) -> None:
    try:
        core_tasks.enqueue("fleet.tasks.google_sync_task", run_id)
    except ServiceUnavailable as exc:
        _fail(run_id, NOT_QUEUED_MESSAGE)
        raise ServiceUnavailable(
            "The task queue is unreachable, so the sync could not start. Try again in a minute."
        ) from exc


def _fail(run_id: int, message: str) -> None:
    GoogleSyncRun.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(
        status=GoogleSyncStatus.FAILED, finished_at=timezone.now(), error_message=message[:2000]
    )


# Running ----------------------------------------------------------------------------------------


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _authorized_http(config: GoogleSyncConfig) -> Any:
    """An HTTP client that signs requests as the service account acting for the admin."""
    import httplib2
    from google.oauth2 import service_account
    from google_auth_httplib2 import AuthorizedHttp

    credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
        config.service_account_file, scopes=[SCOPE], subject=config.subject
    )
    return AuthorizedHttp(credentials, http=httplib2.Http(timeout=60))


def directory_client(*, config: GoogleSyncConfig, http: Any = None) -> Any:
    """The Directory API client, from the discovery document shipped with google-api-python-client
    (no request to fetch it)."""
    from googleapiclient.discovery import build

    return build(
        "admin",
        "directory_v1",
        http=http if http is not None else _authorized_http(config),
        static_discovery=True,
        cache_discovery=False,
    )


@dataclass
class Fetched:
    pages: int = 0
    retries: int = 0
    device_ids: set[str] | None = None

    @property
    def devices(self) -> int:
        return len(self.device_ids or ())


def _execute(request: Any, *, sleep: Callable[[float], None]) -> tuple[dict[str, Any], int]:
    """The request's JSON answer and how many times it was retried."""
    from googleapiclient.errors import HttpError

    for attempt in range(MAX_RETRIES + 1):
        try:
            return request.execute(num_retries=0), attempt
        except HttpError as exc:
            if exc.resp.status not in RETRY_STATUSES or attempt == MAX_RETRIES:
                raise
            reason = f"HTTP {exc.resp.status}"
        except (ConnectionError, TimeoutError) as exc:
            if attempt == MAX_RETRIES:
                raise
            reason = type(exc).__name__
        delay = BACKOFF_SECONDS * 2**attempt
        logger.warning("Google answered %s; retrying in %.0f s.", reason, delay)
        sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def gam_row(device: dict[str, Any]) -> list[str]:
    """A ChromeOsDevice resource as a row of ``GAM_COLUMNS``."""
    cpus = device.get("cpuInfo") or []
    cpu = str(cpus[0].get("model", "")) if cpus and isinstance(cpus[0], dict) else ""
    return [cpu if name == "cpuInfo.0.model" else str(device.get(name) or "") for name in GAM_COLUMNS]


def chromeos_devices_fetch(
    *, client: Any, customer_id: str, path: Path, sleep: Callable[[float], None] = _sleep
) -> Fetched:
    """Every page of ``chromeosdevices.list`` written to ``path`` as a GAM ``print cros`` file.

    Rows go to disk page by page, so a district's 250,000 devices are never held in memory.
    Raises googleapiclient's HttpError when Google refuses, or still fails after the retries.
    """
    fetched = Fetched(device_ids=set())
    assert fetched.device_ids is not None
    token = ""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GAM_COLUMNS)
        while True:
            params: dict[str, Any] = {
                "customerId": customer_id,
                "projection": "FULL",
                "maxResults": PAGE_SIZE,
                "fields": LIST_FIELDS,
            }
            if token:
                params["pageToken"] = token
            body, retries = _execute(client.chromeosdevices().list(**params), sleep=sleep)
            fetched.pages += 1
            fetched.retries += retries
            for device in body.get("chromeosdevices") or []:
                writer.writerow(gam_row(device))
                if device.get("deviceId"):
                    fetched.device_ids.add(str(device["deviceId"]))
            token = body.get("nextPageToken") or ""
            if not token:
                return fetched


def google_sync_execute(
    *, run_id: int, http: Any = None, sleep: Callable[[float], None] | None = None
) -> GoogleSyncRun | None:
    """Run a pending sync: read Google, import, list devices gone from Google, record the counts.

    Returns the finished run, or None when it is no longer pending (an earlier delivery of the
    same job ran it). Any failure (Google refusing, the key unreadable, the import raising) ends
    the run failed with its message; nothing of the import is then written.
    """
    with transaction.atomic():
        run = (
            GoogleSyncRun.objects.select_for_update()
            .filter(pk=run_id, status=GoogleSyncStatus.PENDING)
            .first()
        )
        if run is None:
            return None
        run.status, run.started_at = GoogleSyncStatus.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    config = google_sync_config()
    try:
        client = directory_client(config=config, http=http)
        with tempfile.TemporaryDirectory(prefix="google-sync-") as folder:
            path = Path(folder) / "chromeosdevices.csv"
            fetched = chromeos_devices_fetch(
                client=client, customer_id=config.customer_id, path=path, sleep=sleep or _sleep
            )
            report = None
            if fetched.devices:
                report = devices_import(
                    data=path, actor=None, file_format=ImportFormat.GAM, valid_only=True, source=SOURCE
                )
    except Exception as exc:  # every failure must end the run, or it would block the next one
        logger.exception("Google sync %s failed", run_id)
        _fail(run_id, _explain(exc))
        run.refresh_from_db()
        return run
    _record(run, fetched=fetched, report=report, removed=_removed(fetched.device_ids or set()))
    return run


def _record(
    run: GoogleSyncRun, *, fetched: Fetched, report: ImportReport | None, removed: list[dict[str, Any]]
) -> None:
    run.status, run.finished_at = GoogleSyncStatus.SUCCEEDED, timezone.now()
    run.pages, run.retries, run.devices_seen = fetched.pages, fetched.retries, fetched.devices
    if report is not None:
        run.created, run.updated, run.unchanged = report.created, report.updated, report.unchanged
        run.refused = report.error_rows
        run.problems = [
            {"row": issue.row, "serial": issue.serial, "asset_tag": issue.asset_tag, "reason": issue.reason}
            | {"detail": issue.detail, "refused": refused}
            for refused, issues in ((True, report.errors), (False, report.notices))
            for issue in issues
        ][:LISTED]
    run.removed_count, run.removed = len(removed), removed[:LISTED]
    run.full_clean()
    run.save()


def _removed(seen: set[str]) -> list[dict[str, Any]]:
    """Devices linked to Google (not retired) whose Google device ID the sync did not see."""
    linked = (
        Device.objects.filter(google_device_id__isnull=False)
        .exclude(status__in=GONE)
        .order_by("asset_tag")
        .values_list("pk", "asset_tag", "serial", "google_device_id")
    )
    return [
        {"id": pk, "asset_tag": tag, "serial": serial, "google_device_id": device_id}
        for pk, tag, serial, device_id in linked.iterator(chunk_size=5000)
        if device_id not in seen
    ]


def _explain(exc: Exception) -> str:
    """What went wrong, said so an administrator knows what to fix."""
    from google.auth.exceptions import GoogleAuthError
    from googleapiclient.errors import HttpError

    grant = (
        "In the Admin console (Security > API controls > Domain-wide delegation) the service "
        f"account's client ID must be granted {SCOPE}, and GOOGLE_ADMIN_SUBJECT must be an admin "
        "who may read ChromeOS devices."
    )
    if isinstance(exc, HttpError):
        if exc.resp.status in (401, 403):
            return f"Google refused access (HTTP {exc.resp.status}). {grant}"
        return f"Google answered HTTP {exc.resp.status} (after retries): {exc._get_reason()}"
    if isinstance(exc, GoogleAuthError):
        return f"Google refused the service account's sign-in ({exc}). {grant}"
    if isinstance(exc, OSError | ValueError) and not isinstance(exc, DomainError):
        return f"The service account key could not be used: {exc}"
    return str(exc) or type(exc).__name__
