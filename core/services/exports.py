"""CSV exports: the one writer every download goes through.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and some
strip a leading tab or carriage return first), so text from users (an asset tag, a vendor name,
a scanned code) could run a command on whoever opens the export. Following OWASP's CSV injection
guidance, such a cell is written with a leading single quote, which makes the spreadsheet show it
as text.

Numbers are told apart from text by their Python type, not by their look: an ``int``, a finite
``float`` or a finite ``Decimal`` is written as it is, so a negative quantity stays a number a
spreadsheet can sum. Anything else is text (a ``str``, a choice, a date) and is checked, even
text that looks like a number: ``"-5"`` from a user is quoted. An export that means a number must
pass the number, not its formatted string.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CONTENT_TYPE = "text/csv"
# OWASP's list: the four formula prefixes, tab and carriage return.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """One cell as the writer emits it: numbers untouched, text a spreadsheet would run quoted.

    None is an empty cell; a non-finite number (NaN, -inf) is text, as a spreadsheet reads it.
    """
    if value is None:
        return ""
    if isinstance(value, int) or (isinstance(value, float | Decimal) and math.isfinite(value)):
        return value
    text = value if isinstance(value, str) else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    """A file that hands back what is written, so csv.writer produces one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Each row as one CSV line (with its line ending), every cell through ``csv_cell``."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_streaming_response(rows: Iterable[Iterable[object]], *, filename: str) -> StreamingHttpResponse:
    """The rows as a streamed CSV download: for long lists, rows are read as they are sent.

    ``rows`` is iterated lazily (pass a generator over ``QuerySet.iterator()``), so a
    250,000-row list never sits in memory.
    """
    response = StreamingHttpResponse(csv_lines(rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def csv_response(rows: Iterable[Iterable[object]], *, filename: str) -> HttpResponse:
    """The rows as one CSV download, built in memory: for short reports."""
    response = HttpResponse("".join(csv_lines(rows)), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
