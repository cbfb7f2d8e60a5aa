"""The label layouts (fleet.domain.labels): every barcode printed reads back, with a scanner's
decoder, as its tag, in order, on every stock; ZPL says what a Zebra printer needs."""

from __future__ import annotations

import re

import pytest
from reportlab.lib.units import inch

from core.exceptions import DomainError
from fleet.domain import labels
from tests.fleet.label_support import DPI, decode_pages, page_text, symbol_boxes

DISTRICT = "Montgomery County Public Schools"


def _records(count: int, start: int = 101, model: str = "100e Chromebook Gen 3") -> list[labels.LabelRecord]:
    return [
        labels.LabelRecord(tag=f"CB-{n:06d}", district=DISTRICT, model=model)
        for n in range(start, start + count)
    ]


def test_avery_5160_sheet_of_30_labels_reads_back_as_the_30_tags_in_order():
    records = _records(30)

    pdf = labels.pdf_labels(records, stock=labels.AVERY_5160)

    assert decode_pages(pdf) == [[record.tag for record in records]]
    text = page_text(pdf)
    assert text.count(DISTRICT) == 30 and text.count("100e Chromebook Gen 3") == 30
    assert all(record.tag in text for record in records)


def test_avery_5160_label_sits_in_its_slot_with_quiet_zones_inside_the_label():
    pdf = labels.pdf_labels(_records(3), stock=labels.AVERY_5160)

    boxes = symbol_boxes(pdf)
    # Columns start at 3/16 in and every 2.75 in; rows at 1/2 in and every inch (300 px).
    for column, (_, left, top) in enumerate(boxes):
        label_left = (0.1875 + 2.75 * column) * DPI
        assert label_left + 10 * 0.0075 * DPI < left < label_left + 2.625 * DPI / 2
        assert 0.5 * DPI < top < 1.5 * DPI


def test_skip_leaves_the_first_labels_of_the_first_sheet_blank():
    records = _records(30)

    pdf = labels.pdf_labels(records, stock=labels.AVERY_5160, skip=4)

    first_page, second_page = decode_pages(pdf)
    assert first_page == [record.tag for record in records[:26]]
    assert second_page == [record.tag for record in records[26:]]
    # The first label is in the fifth slot: second row, second column.
    _, left, top = symbol_boxes(pdf)[0]
    assert 2.9375 * DPI < left < 5.5625 * DPI and 1.5 * DPI < top < 2.5 * DPI


@pytest.mark.parametrize("stock", [labels.AVERY_5163, labels.AVERY_L7160], ids=lambda s: s.key)
def test_other_sheets_read_back_in_order(stock: labels.LabelStock):
    records = _records(25)

    pages = decode_pages(labels.pdf_labels(records, stock=stock))

    assert len(pages) == labels.sheet_count(labels=25, stock=stock)
    assert [tag for page in pages for tag in page] == [record.tag for record in records]


def test_roll_prints_one_label_a_page_each_reading_back():
    records = _records(5, model="")

    pdf = labels.pdf_labels(records, stock=labels.ROLL_225X125)

    assert decode_pages(pdf) == [[record.tag] for record in records]


def test_barcode_bars_are_at_least_7_5_mil_and_on_the_600_dpi_grid():
    for tag in ("CB-000101", "LAPTOP-ABCDEFGHIJ"):
        width = labels.module_width(tag=tag, available=2.465 * inch, stock_name="Avery 5160")
        assert width >= labels.MIN_MODULE
        assert abs(width / labels.SNAP - round(width / labels.SNAP)) < 1e-6


def test_tag_too_long_to_scan_on_5160_is_refused_by_name_and_prints_on_5163():
    tag = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCD"  # 30 letters: no digit pairs to pack
    record = labels.LabelRecord(tag=tag, district=DISTRICT)

    with pytest.raises(DomainError, match=f"{tag} is too long"):
        labels.pdf_labels([record], stock=labels.AVERY_5160)
    assert decode_pages(labels.pdf_labels([record], stock=labels.AVERY_5163)) == [[tag]]


def test_tag_outside_printable_ascii_is_refused():
    with pytest.raises(DomainError, match="printable ASCII"):
        labels.pdf_labels([labels.LabelRecord(tag="CB-ÅÄÖ", district=DISTRICT)], stock=labels.AVERY_5160)


def test_long_district_and_model_names_are_cut_to_the_label_and_odd_letters_print_as_question_marks():
    record = labels.LabelRecord(
        tag="CB-000001", district="Łódź " + "Very Long District Name " * 5, model="X" * 80
    )

    pdf = labels.pdf_labels([record], stock=labels.AVERY_5160)

    text = page_text(pdf)
    assert "?ód?" in text and "…" in text and "X" * 80 not in text
    assert decode_pages(pdf) == [["CB-000001"]]


def test_code128_modules_counts_subset_b_and_packs_digit_pairs():
    assert labels.code128_modules("ABCDEF") == 11 * (6 + 2) + 13
    assert labels.code128_modules("CB-000101") < labels.code128_modules("CB-ABCDEF")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"prefix": "CB-", "first": 130, "last": 101, "digits": 6}, "last", "before the first"),
        ({"prefix": "CB-", "first": 1, "last": 3001, "digits": 6}, "last", "at most 3,000"),
        ({"prefix": "CB-", "first": 1, "last": 1000, "digits": 3}, "digits", "more than 3 digits"),
        ({"prefix": "CB-É", "first": 1, "last": 2, "digits": 6}, "prefix", "letters, digits"),
        ({"prefix": "X" * 20, "first": 1, "last": 2, "digits": 12}, "prefix", "at most 30"),
        ({"prefix": "CB-", "first": -1, "last": 2, "digits": 6}, "first", "negative"),
    ],
)
def test_tag_range_refusals_name_their_field(kwargs: dict[str, object], field: str, message: str):
    with pytest.raises(DomainError, match=message) as caught:
        labels.tag_range(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_tag_range_pads_and_upper_cases():
    assert labels.tag_range(prefix=" cb-", first=101, last=103, digits=6) == [
        "CB-000101",
        "CB-000102",
        "CB-000103",
    ]
    assert len(labels.tag_range(prefix="T", first=1, last=3000, digits=4)) == labels.MAX_LABELS


def test_short_model_name_drops_the_makers_name():
    assert labels.short_model_name("Lenovo 100e Chromebook Gen 3", "Lenovo") == "100e Chromebook Gen 3"
    assert labels.short_model_name("Latitude 3120", "Dell") == "Latitude 3120"
    assert labels.short_model_name("Acer", "Acer") == "Acer"


@pytest.mark.parametrize(
    ("output", "skip", "field"),
    [
        ("zpl", 1, "skip"),
        ("roll", 2, "skip"),
        ("avery5160", 30, "skip"),
        ("avery5160", -1, "skip"),
        ("inkjet", 0, "format"),
    ],
)
def test_label_file_refusals_name_their_field(output: str, skip: int, field: str):
    with pytest.raises(DomainError) as caught:
        labels.label_file(_records(1), output=output, skip=skip)
    assert caught.value.field == field


def test_no_records_is_refused():
    with pytest.raises(DomainError, match="no labels"):
        labels.label_file([], output="avery5160")
    with pytest.raises(DomainError, match="no labels"):
        labels.label_file([], output="zpl")


# ZPL -------------------------------------------------------------------------------------------


def _formats(zpl: str) -> list[str]:
    return re.findall(r"\^XA.*?\^XZ", zpl, flags=re.DOTALL)


def test_zpl_has_one_format_per_label_with_a_code128_of_the_tag_and_its_text():
    records = _records(30)

    zpl = labels.label_file(records, output="zpl").content.decode()

    formats = _formats(zpl)
    assert len(formats) == 30 and zpl.count("^XA") == 30 and zpl.count("^XZ") == 30
    for record, block in zip(records, formats, strict=True):
        assert "^PW457" in block and "^LL254" in block and "^CI28" in block  # 2.25 x 1.25 in at 203 dpi
        digits = record.tag.removeprefix("CB-")
        assert re.search(rf"\^BCN,\d+,N,N,N,N\^FH\^FD>:CB->5{digits}\^FS", block)
        assert f"^FD{record.tag}^FS" in block
        assert f"^FD{DISTRICT}^FS" in block and "^FD100e Chromebook Gen 3^FS" in block


@pytest.mark.parametrize(
    ("tag", "data"),
    [
        ("CB-000101", ">:CB->5000101"),
        ("AB12345", ">:AB1>52345"),
        ("1234AB", ">;1234>6AB"),
        ("CB-12", ">:CB-12"),
        ("LAPTOP-2024-000017", ">:LAPTOP->52024>6->5000017"),
    ],
)
def test_zpl_code128_packs_digit_runs_like_the_pdf_encoder(tag: str, data: str):
    encoded, modules = labels.zpl_code128(tag)

    assert encoded == data
    # reportlab's encoder (whose symbols the decoder reads in the PDF tests) is as wide.
    assert modules == labels.code128_modules(tag)


def test_zpl_bars_fit_the_label_with_quiet_zones_at_two_dots_or_more():
    for tag in ("CB-000101", "CB-0000000123456", "ABCDEFGHIJKLMNO"):
        [block] = _formats(labels.zpl_labels([labels.LabelRecord(tag=tag, district=DISTRICT)]))
        match = re.search(r"\^BY(\d+)\^FO(\d+),\d+\^BC", block)
        assert match is not None
        dots, left = int(match[1]), int(match[2])
        _, modules = labels.zpl_code128(tag)
        assert 2 <= dots <= 4
        assert left >= 10 * dots and left + (modules + 10) * dots <= 457


def test_zpl_escapes_command_characters_in_text_and_barcode():
    record = labels.LabelRecord(tag="A^B~C_D>E", district="North ^XZ District", model="")

    [block] = _formats(labels.zpl_labels([record]))

    assert "^FD>:A_5EB_7EC_5FD><E^FS" in block
    assert "North _5EXZ District" in block
    assert block.count("^XZ") == 1


def test_zpl_tag_too_long_for_two_dot_bars_is_refused():
    with pytest.raises(DomainError, match="too long"):
        labels.zpl_labels([labels.LabelRecord(tag="A" * 30, district=DISTRICT)])
