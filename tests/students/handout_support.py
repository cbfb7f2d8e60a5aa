"""A signature as the hand-out screen's pad sends it: a real PNG, drawn or blank."""

from __future__ import annotations

import base64
import struct
import zlib


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def signature_png(width: int = 400, height: int = 150, *, drawn: bool = True) -> bytes:
    """An RGBA PNG the size of the pad; ``drawn`` puts a black stroke across its middle."""
    rows = []
    for y in range(height):
        row = bytearray(width * 4)
        if drawn and y == height // 2:
            for x in range(width // 4, 3 * width // 4):
                row[x * 4 + 3] = 255
        rows.append(b"\x00" + bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + _chunk(b"IEND", b"")
    )


def signature_data_url(**kwargs: object) -> str:
    return "data:image/png;base64," + base64.b64encode(signature_png(**kwargs)).decode()  # type: ignore[arg-type]
