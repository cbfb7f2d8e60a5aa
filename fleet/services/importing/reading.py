"""Turn uploaded bytes into a header and rows, refusing files that are not CSV text.

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

from fleet.services.importing.report import ImportFileError

DELIMITERS = (",", "\t", ";")
SNIFF_BYTES = 64 * 1024
SAVE_AS_UTF8 = 'In Excel choose "Save as" and "CSV UTF-8 (Comma delimited)".'

# GAM output with long recentUsers or activeTimeRanges columns passes csv's 128 KiB default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Table:
    header: list[str]
    delimiter: str
    data: bytes

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows with their record number in the file (the header is record 1)."""
        text = io.TextIOWrapper(io.BytesIO(self.data), encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        try:
            next(reader)
            yield from enumerate(reader, start=2)
        except csv.Error as exc:
            raise ImportFileError(
                f"This is not a readable CSV file: {exc} (line {reader.line_num})."
            ) from exc


def read_table(source: bytes | Path) -> Table:
    """The header and a way to iterate the rows. Raises ImportFileError for a file that is not CSV."""
    data = source.read_bytes() if isinstance(source, Path) else source
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(f"The file is UTF-16 text, not UTF-8. {SAVE_AS_UTF8}")
    if b"\x00" in data[:SNIFF_BYTES]:
        raise ImportFileError("This is not a CSV file: it contains binary data.")
    try:
        # Decoding the whole file once up front finds a bad byte anywhere before a row is used.
        codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 (byte 0x{data[exc.start]:02x} at position {exc.start}). {SAVE_AS_UTF8}"
        ) from exc
    first_line = data.lstrip(codecs.BOM_UTF8).split(b"\n", 1)[0].decode("utf-8")
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise ImportFileError(
            "This is not a CSV file: the first line has a single column (no commas, tabs or semicolons)."
        )
    table = Table(header=[], delimiter=delimiter, data=data)
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        table.header = next(csv.reader(text, delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise ImportFileError(f"This is not a readable CSV file: {exc}.") from exc
    if sum(1 for name in table.header if name.strip()) < 2:
        raise ImportFileError("This is not a device list: the header row names fewer than two columns.")
    return table
