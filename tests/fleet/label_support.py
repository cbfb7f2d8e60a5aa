"""Reading printed labels back as a scanner would: render each PDF page at 300 dpi (pypdfium2)
and decode its Code 128 symbols (zxing-cpp), in the order they sit on the page."""

from __future__ import annotations

import pypdfium2
import zxingcpp
from PIL import Image

DPI = 300


def decode_pages(pdf: bytes) -> list[list[str]]:
    """Per page, the text of every Code 128 symbol found, row by row from the top, left to right."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        image = page.render(scale=DPI / 72, grayscale=True).to_pil()
        found = _code128(image)
        pages.append([symbol.text for symbol in _reading_order(found)])
    return pages


def _code128(image: Image.Image) -> list[zxingcpp.Barcode]:
    return [s for s in zxingcpp.read_barcodes(image) if s.format == zxingcpp.BarcodeFormat.Code128]


def _reading_order(found: list[zxingcpp.Barcode]) -> list[zxingcpp.Barcode]:
    """Symbols within a third of an inch of each other vertically are one row."""
    rows: list[list[zxingcpp.Barcode]] = []
    for symbol in sorted(found, key=lambda s: s.position.top_left.y):
        if rows and symbol.position.top_left.y - rows[-1][0].position.top_left.y < DPI // 3:
            rows[-1].append(symbol)
        else:
            rows.append([symbol])
    return [symbol for row in rows for symbol in sorted(row, key=lambda s: s.position.top_left.x)]


def symbol_boxes(pdf: bytes, page_number: int = 0) -> list[tuple[str, int, int]]:
    """(text, left, top) in pixels at DPI of each symbol on one page, in reading order."""
    page = pypdfium2.PdfDocument(pdf)[page_number]
    image = page.render(scale=DPI / 72, grayscale=True).to_pil()
    found = _code128(image)
    return [(s.text, s.position.top_left.x, s.position.top_left.y) for s in _reading_order(found)]


def page_text(pdf: bytes, page_number: int = 0) -> str:
    page = pypdfium2.PdfDocument(pdf)[page_number]
    return str(page.get_textpage().get_text_range())
