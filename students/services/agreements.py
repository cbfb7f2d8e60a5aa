"""The device agreement: versions the district writes, and the signature a student or parent
draws at hand-out.

A version is never edited: a change is a new version, so every hand-out keeps the exact text it
was signed against. The newest active version is the one shown at hand-out.
"""

from __future__ import annotations

import struct
import zlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from accounts.models import User
from core.exceptions import DomainError
from students import permissions
from students.models import Agreement

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A signature pad at phone to tablet size, drawn at up to 2x pixel density: a few kilobytes of
# strokes. Anything far outside is not a signature from our pad.
SIGNATURE_MAX_BYTES = 300_000
SIGNATURE_MIN_SIDE, SIGNATURE_MAX_SIDE = 50, 3000


def agreement_current() -> Agreement | None:
    """The version shown at hand-out: the newest active one (None when the district has none)."""
    return Agreement.objects.filter(is_active=True).order_by("-version").first()


@transaction.atomic
def agreement_create(*, actor: User, title: str, body: str) -> Agreement:
    """Write a new version of the agreement; it becomes the one shown at hand-out.

    Raises PermissionDenied unless the actor may edit the one-to-one policy, DomainError naming
    ``title`` or ``body`` when one is empty.
    """
    if not permissions.can_edit_one_to_one_policy(actor):
        raise PermissionDenied
    title, body = title.strip(), body.strip()
    if not title:
        raise DomainError("Give the agreement a title.", field="title")
    if not body:
        raise DomainError("Write the agreement's text.", field="body")
    # Serialises two people writing a version at once; the unique version is the backstop.
    list(Agreement.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    latest = Agreement.objects.aggregate(latest=Max("version"))["latest"] or 0
    agreement = Agreement(version=latest + 1, title=title, body=body, is_active=True, created_by=actor)
    agreement.full_clean()
    agreement.save()
    return agreement


def signature_png_clean(data: bytes) -> bytes:
    """Check ``data`` is one whole PNG image of a signature pad's size; return it unchanged.

    Reads the chunks (each CRC checked) without decoding pixels: the IHDR first with a sane width
    and height, at least one IDAT, and IEND last. Raises DomainError naming ``signature``.
    """
    bad = DomainError("The signature is not a readable drawing: clear it and sign again.", field="signature")
    if len(data) > SIGNATURE_MAX_BYTES:
        raise DomainError("The signature drawing is too large: clear it and sign again.", field="signature")
    if not data.startswith(PNG_MAGIC):
        raise bad
    offset, chunks = len(PNG_MAGIC), []
    while offset < len(data):
        if offset + 12 > len(data):
            raise bad
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        end = offset + 8 + length
        if end + 4 > len(data):
            raise bad
        payload = data[offset + 8 : end]
        (crc,) = struct.unpack(">I", data[end : end + 4])
        if zlib.crc32(kind + payload) != crc:
            raise bad
        chunks.append((kind, payload))
        offset = end + 4
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND" or offset != len(data):
        raise bad
    if not any(kind == b"IDAT" for kind, _ in chunks) or len(chunks[0][1]) != 13:
        raise bad
    width, height = struct.unpack(">II", chunks[0][1][:8])
    if not (
        SIGNATURE_MIN_SIDE <= width <= SIGNATURE_MAX_SIDE
        and SIGNATURE_MIN_SIDE <= height <= SIGNATURE_MAX_SIDE
    ):
        raise DomainError(
            f"The signature drawing is {width} by {height} pixels, not the signature pad's: sign again.",
            field="signature",
        )
    # A blank pad encodes as all zero bytes (the filter bytes and transparent pixels): a drawn
    # stroke leaves non-zero ones. Decompress no more than the image can hold.
    raw_limit = (width * 8 + 1) * height
    try:
        raw = zlib.decompressobj().decompress(b"".join(p for k, p in chunks if k == b"IDAT"), raw_limit)
    except zlib.error as exc:
        raise bad from exc
    if len(raw.strip(b"\x00\x01\x02\x03\x04")) == 0:
        raise DomainError(
            "The signature box is empty: sign in it, or tick signed on paper.", field="signature"
        )
    return data
