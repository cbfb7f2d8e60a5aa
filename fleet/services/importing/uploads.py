"""Keep an uploaded file between the browser's preview and its confirmation.

The file goes to Django's default storage under a random name (a 250,000-row export is tens of
megabytes: too big for the session), and the browser gets a signed token naming it, the options
previewed and the user. The token expires after ``MAX_AGE``; files left behind by previews
nobody confirmed are swept whenever a new one is kept, and hourly by Celery beat. Files are
written in chunks (never read whole into memory), after their size is checked against
``DEVICE_IMPORT_MAX_BYTES``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils import timezone

from core.exceptions import DomainError

UPLOAD_DIR = "device-imports"
SALT = "fleet.services.importing.uploads"
MAX_AGE = dt.timedelta(hours=2)


@dataclass(frozen=True)
class PendingImport:
    """An upload waiting for confirmation, with the options its preview used."""

    name: str
    filename: str
    file_format: str
    valid_only: bool
    default_location: str
    user_id: int


def upload_check_size(*, size: int) -> None:
    """Refuse a file over DEVICE_IMPORT_MAX_BYTES (DomainError naming ``file``) before it is read."""
    limit = settings.DEVICE_IMPORT_MAX_BYTES
    if size > limit:
        raise DomainError(
            f"The file is {_megabytes(size)}, more than the {_megabytes(limit)} an import takes. "
            "Split it and import the parts.",
            field="file",
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB" if size < 10 * 1024 * 1024 else f"{size // (1024 * 1024):,} MB"


def upload_keep(*, data: bytes | File, pending: PendingImport) -> str:
    """Store the file (in chunks) and return the signed token for it; ``pending.name`` is replaced.

    Raises DomainError naming ``file`` for a file over the size cap; nothing is then kept.
    """
    upload = ContentFile(data) if isinstance(data, bytes) else data
    upload_check_size(size=upload.size)
    uploads_sweep(keep=_job_files())
    upload.seek(0)
    name = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.csv", upload)
    return signing.dumps({**asdict(pending), "name": name}, salt=SALT)


def _job_files() -> set[str]:
    """Files of import jobs still to run or running: never swept, however old."""
    from fleet.models import ImportJob

    return set(ImportJob.objects.active().values_list("storage_name", flat=True))


def upload_pending(*, token: str, user_id: int) -> PendingImport:
    """The pending import a token names, its file still kept. Raises DomainError for a bad or
    stale token, one of another user, and a file no longer kept."""
    try:
        pending = PendingImport(**signing.loads(token, salt=SALT, max_age=MAX_AGE))
    except signing.SignatureExpired as exc:
        raise DomainError("This preview has expired. Upload the file again.") from exc
    except (signing.BadSignature, TypeError) as exc:
        raise DomainError("This preview is not valid. Upload the file again.") from exc
    if pending.user_id != user_id:
        raise DomainError("This preview belongs to someone else. Upload the file again.")
    if not default_storage.exists(pending.name):
        raise DomainError("The uploaded file is no longer here (already imported?). Upload it again.")
    return pending


def upload_path(*, name: str) -> Path | None:
    """Where a kept file is on disk, for reading it as a stream; None once it is gone."""
    if not name or not default_storage.exists(name):
        return None
    return Path(default_storage.path(name))


def upload_discard(*, name: str) -> None:
    if name:
        default_storage.delete(name)


def uploads_sweep(*, older_than: dt.timedelta = MAX_AGE, keep: Collection[str] = ()) -> int:
    """Delete kept uploads older than ``older_than``, except the names in ``keep`` (files of
    import jobs still to run); returns how many went."""
    try:
        _, names = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    for filename in names:
        name = f"{UPLOAD_DIR}/{filename}"
        if name in keep:
            continue
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
                removed += 1
        except (FileNotFoundError, NotImplementedError):
            continue
    return removed
