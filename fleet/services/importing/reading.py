"""Turn an uploaded file (its bytes or its path) into a header and rows, refusing files that are not CSV text.

A path is streamed: one cheap pass checks the encoding in 1 MB blocks and counts lines (the total
the progress bar shows), then the rows are parsed as they are read, never the whole file at once.

Encoding: UTF-8, with or without the byte-order mark Excel writes ("CSV UTF-8"). Anything else is
refused with a message saying how to save the file, rather than guessed: a Windows-1252 guess
decodes almost any bytes, so a wrong guess would import mangled names without a word.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fleet.services.importing.report import ImportFileError

DELIMITERS = (",", "\t", ";")
SNIFF_BYTES = 64 * 1024
BLOCK = 1024 * 1024
SAVE_AS_UTF8 = 'In Excel choose "Save as" and "CSV UTF-8 (Comma delimited)".'

# GAM output with long recentUsers or activeTimeRanges columns passes csv's 128 KiB default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Table:
    header: list[str]
    delimiter: str
    source: bytes | Path
    # Lines after the header: the rows, unless a quoted cell spans lines. For progress only.
    lines: int = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows with their record number in the file (the header is record 1); each call reads
        the file again from the start."""
        with self._open() as binary:
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                next(reader)
                yield from enumerate(reader, start=2)
            except csv.Error as exc:
                raise ImportFileError(
                    f"This is not a readable CSV file: {exc} (line {reader.line_num})."
                ) from exc

    def _open(self) -> BinaryIO:
        if isinstance(self.source, Path):
            return self.source.open("rb")
        return io.BytesIO(self.source)


def read_table(source: bytes | Path) -> Table:
    """The header and a way to iterate the rows. Raises ImportFileError for a file that is not CSV."""
    if isinstance(source, Path):
        with source.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    else:
        head = source[:SNIFF_BYTES]
    if not head.strip() and _blank(source):
        raise ImportFileError("The file is empty.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(f"The file is UTF-16 text, not UTF-8. {SAVE_AS_UTF8}")
    if b"\x00" in head:
        raise ImportFileError("This is not a CSV file: it contains binary data.")
    # Decoding the whole file once up front finds a bad byte anywhere before a row is used.
    lines = _check_utf8(source)
    first_line = head.lstrip(codecs.BOM_UTF8).split(b"\n", 1)[0].decode("utf-8", errors="ignore")
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise ImportFileError(
            "This is not a CSV file: the first line has a single column (no commas, tabs or semicolons)."
        )
    table = Table(header=[], delimiter=delimiter, source=source, lines=max(lines - 1, 0))
    with table._open() as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        try:
            table.header = next(csv.reader(text, delimiter=delimiter))
        except (csv.Error, StopIteration) as exc:
            raise ImportFileError(f"This is not a readable CSV file: {exc}.") from exc
    if sum(1 for name in table.header if name.strip()) < 2:
        raise ImportFileError("This is not a device list: the header row names fewer than two columns.")
    return table


def _blocks(source: bytes | Path) -> Iterator[bytes]:
    if isinstance(source, Path):
        with source.open("rb") as handle:
            while block := handle.read(BLOCK):
                yield block
    else:
        view = memoryview(source)
        for start in range(0, len(source), BLOCK):
            yield bytes(view[start : start + BLOCK])


def _blank(source: bytes | Path) -> bool:
    return all(not block.strip() for block in _blocks(source))


def _check_utf8(source: bytes | Path) -> int:
    """The number of lines (newlines, plus one for an unterminated last line). Raises
    ImportFileError naming the first byte that is not UTF-8 and its position in the file."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    position = lines = 0
    last = b""
    for block in _blocks(source):
        # The decoder holds back the first bytes of a character split between blocks.
        held = decoder.getstate()[0]
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            _not_utf8(held + block, exc.start, position - len(held) + exc.start)
        position += len(block)
        lines += block.count(b"\n")
        last = block
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        held = exc.object if isinstance(exc.object, bytes) else last
        _not_utf8(held, exc.start, position - len(held) + exc.start)
    return lines + (1 if last and not last.endswith(b"\n") else 0)


def _not_utf8(block: bytes, index: int, position: int) -> None:
    byte = block[min(max(index, 0), len(block) - 1)]
    raise ImportFileError(f"The file is not UTF-8 (byte 0x{byte:02x} at position {position}). {SAVE_AS_UTF8}")
