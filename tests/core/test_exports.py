"""The one CSV writer: formulas neutralised (OWASP CSV injection), numbers kept, streamed or whole."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest

from core.services import exports

# A cell a spreadsheet would run: the four formula prefixes, and tab and carriage return.
FORMULAS = [
    "=CMD|' /C CALC'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_cell_prefixes_text_a_spreadsheet_would_run_with_a_quote(text: str):
    assert exports.csv_cell(text) == f"'{text}"


@pytest.mark.parametrize("text", ["CB-0001", "Maple Elementary", "a=b", "5-2", "", " =1+1", "'quoted"])
def test_csv_cell_leaves_other_text_alone(text: str):
    assert exports.csv_cell(text) == text


@pytest.mark.parametrize("number", [-3, 0, 12, -1.5, 2.25, Decimal("-24.80"), Decimal("0.00"), True])
def test_csv_cell_writes_numbers_as_numbers_even_negative(number: object):
    assert exports.csv_cell(number) is number


def test_csv_cell_treats_text_that_looks_like_a_negative_number_as_text():
    # The type decides, not the look: a user's "-5" could as well be "-5+cmd|...".
    assert exports.csv_cell("-5") == "'-5"


@pytest.mark.parametrize("value", [float("-inf"), Decimal("-Infinity")])
def test_csv_cell_quotes_non_finite_numbers_as_text(value: object):
    assert exports.csv_cell(value) == f"'{value}"


def test_csv_cell_writes_none_empty_and_dates_as_text():
    assert exports.csv_cell(None) == ""
    assert exports.csv_cell(dt.date(2026, 3, 15)) == "2026-03-15"


def test_csv_lines_quote_cells_and_keep_negative_numbers_summable():
    rows: list[list[object]] = [["part", "quantity"], ["=HYPERLINK(1)", -4], ["\r=1+1", Decimal("-2.50")]]

    text = "".join(exports.csv_lines(rows))

    assert _parse(text) == [["part", "quantity"], ["'=HYPERLINK(1)", "-4"], ["'\r=1+1", "-2.50"]]


def test_csv_response_is_a_named_attachment_with_every_row():
    response = exports.csv_response([["tag"], ["=1+1"]], filename="devices-2026-03-15.csv")

    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="devices-2026-03-15.csv"'
    assert _parse(response.content.decode()) == [["tag"], ["'=1+1"]]


def test_csv_response_escapes_a_quote_in_the_file_name():
    response = exports.csv_response([], filename='audit-"X"-20260315.csv')

    assert response["Content-Disposition"] == 'attachment; filename="audit-\\"X\\"-20260315.csv"'


def test_csv_streaming_response_reads_rows_only_as_they_are_sent():
    read: list[int] = []

    def rows() -> Iterator[list[object]]:
        for n in range(3):
            read.append(n)
            yield [f"@{n}", -n]

    response = exports.csv_streaming_response(rows(), filename="payroll.csv")
    assert read == []  # nothing is read before the body is sent

    chunks = iter(response.streaming_content)  # type: ignore[arg-type]  # a sync iterator here
    first = next(chunks)
    assert read == [0]
    body = first + b"".join(chunks)
    assert response["Content-Disposition"] == 'attachment; filename="payroll.csv"'
    assert _parse(body.decode()) == [["'@0", "0"], ["'@1", "-1"], ["'@2", "-2"]]
