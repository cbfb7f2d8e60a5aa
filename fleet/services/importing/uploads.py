"""Keep an uploaded file between the browser's preview and its confirmation.

The file goes to Django's default storage under a random name (a 250,000-row export is tens of
megabytes: too big for the session), and the browser gets a signed token naming it, the options
previewed and the user. The token expires after ``MAX_AGE``; files left behind by previews
nobody confirmed are swept whenever a new one is kept.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass

from django.core import signing
from django.core.files.base import ContentFile
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


def upload_keep(*, data: bytes, pending: PendingImport) -> str:
    """Store the file and return the signed token for it; ``pending.name`` is replaced."""
    uploads_sweep()
    name = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.csv", ContentFile(data))
    return signing.dumps({**asdict(pending), "name": name}, salt=SALT)


def upload_open(*, token: str, user_id: int) -> tuple[PendingImport, bytes]:
    """The pending import a token names and its bytes. Raises DomainError for a bad or stale token."""
    try:
        pending = PendingImport(**signing.loads(token, salt=SALT, max_age=MAX_AGE))
    except signing.SignatureExpired as exc:
        raise DomainError("This preview has expired. Upload the file again.") from exc
    except (signing.BadSignature, TypeError) as exc:
        raise DomainError("This preview is not valid. Upload the file again.") from exc
    if pending.user_id != user_id:
        raise DomainError("This preview belongs to someone else. Upload the file again.")
    try:
        with default_storage.open(pending.name, "rb") as handle:
            return pending, handle.read()
    except OSError as exc:
        raise DomainError(
            "The uploaded file is no longer here (already imported?). Upload it again."
        ) from exc


def upload_discard(*, name: str) -> None:
    default_storage.delete(name)


def uploads_sweep(*, older_than: dt.timedelta = MAX_AGE) -> int:
    """Delete kept uploads older than ``older_than``; returns how many went."""
    try:
        _, names = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - older_than
    removed = 0
    for filename in names:
        name = f"{UPLOAD_DIR}/{filename}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
                removed += 1
        except (FileNotFoundError, NotImplementedError):
            continue
    return removed
