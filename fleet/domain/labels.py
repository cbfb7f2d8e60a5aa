"""Asset labels: layout of a Code 128 barcode, the tag and the district's name on label sheets, a
label printer's roll, or as ZPL for Zebra printers. Pure functions over label records; no
database, no HTTP.

A handheld scanner reads a Code 128 symbol when its narrowest bar (the X dimension) is wide
enough for the print and the symbol has a quiet zone of ten modules each side. So each label
gets the widest X that fits its width (snapped to whole dots of a 600 dpi printer, so a laser
prints every bar the same width), and a tag too long for a scannable symbol on the chosen label
is refused by name rather than printed unreadable.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core.exceptions import DomainError

# Most labels one request prints: 100 sheets of Avery 5160. Above it, narrow the list.
MAX_LABELS = 3000
QUIET_MODULES = 10  # ISO/IEC 15417: a clear space of ten X dimensions each side of the bars
MIN_MODULE = 0.0075 * inch  # 7.5 mil: what ordinary handheld scanners resolve
MAX_MODULE = 0.02 * inch  # wider only adds ink; 20 mil already reads from a foot away
SNAP = inch / 600  # bars in whole dots of a 600 dpi laser (and so of 300 dpi pairs)
# Code 128 subset B holds printable ASCII: a tag outside it cannot be a barcode a scanner types.
PRINTABLE = frozenset(chr(code) for code in range(32, 127))

TEXT_FONT, TAG_FONT = "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class LabelRecord:
    """What one label shows: the asset tag (also as the barcode), the district, the model."""

    tag: str
    district: str
    model: str = ""


@dataclass(frozen=True)
class LabelStock:
    """A label sheet (or a roll, one label a page): sizes in points, labels filled row by row."""

    key: str
    name: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    left: float = 0.0
    top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def is_sheet(self) -> bool:
        return self.per_page > 1

    def origin(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner of the label in ``slot`` (0 = top left) on its page."""
        row, column = divmod(slot, self.columns)
        x = self.left + column * self.pitch_x
        y = self.page_height - self.top - row * self.pitch_y - self.label_height
        return x, y


# Avery's published templates (the same layouts as their Word and PDF templates).
AVERY_5160 = LabelStock(
    key="avery5160",
    name="Sheet: Avery 5160 (Letter, 30 labels, 2-5/8 x 1 in)",
    page_width=LETTER[0],
    page_height=LETTER[1],
    label_width=2.625 * inch,
    label_height=1 * inch,
    columns=3,
    rows=10,
    left=0.1875 * inch,
    top=0.5 * inch,
    pitch_x=2.75 * inch,
    pitch_y=1 * inch,
)
AVERY_5163 = LabelStock(
    key="avery5163",
    name="Sheet: Avery 5163 (Letter, 10 labels, 4 x 2 in)",
    page_width=LETTER[0],
    page_height=LETTER[1],
    label_width=4 * inch,
    label_height=2 * inch,
    columns=2,
    rows=5,
    left=0.15625 * inch,
    top=0.5 * inch,
    pitch_x=4.1875 * inch,
    pitch_y=2 * inch,
)
AVERY_L7160 = LabelStock(
    key="averyl7160",
    name="Sheet: Avery L7160 (A4, 21 labels, 63.5 x 38.1 mm)",
    page_width=A4[0],
    page_height=A4[1],
    label_width=63.5 * mm,
    label_height=38.1 * mm,
    columns=3,
    rows=7,
    left=7.21 * mm,
    top=15.15 * mm,
    pitch_x=66.04 * mm,
    pitch_y=38.1 * mm,
)
ROLL_225X125 = LabelStock(
    key="roll",
    name="Label printer: PDF, 2.25 x 1.25 in, one label a page",
    page_width=2.25 * inch,
    page_height=1.25 * inch,
    label_width=2.25 * inch,
    label_height=1.25 * inch,
)
STOCKS: dict[str, LabelStock] = {
    stock.key: stock for stock in (AVERY_5160, AVERY_5163, AVERY_L7160, ROLL_225X125)
}


# Tags ------------------------------------------------------------------------------------------


def tag_range(*, prefix: str, first: int, last: int, digits: int, max_length: int = 30) -> list[str]:
    """The tags ``prefix`` + each number from ``first`` to ``last``, zero-padded to ``digits``
    (``CB-``, 101, 130, 6 → CB-000101 … CB-000130), upper-case as tags are stored.

    Raises DomainError naming the field at fault: a range backwards, longer than MAX_LABELS,
    a number wider than ``digits``, a tag longer than ``max_length`` or not printable.
    """
    prefix = prefix.strip().upper()
    bad = sorted({char for char in prefix if char not in PRINTABLE})
    if bad:
        raise DomainError(
            f"The prefix may hold letters, digits and punctuation only, not {bad[0]!r}.", "prefix"
        )
    if first < 0:
        raise DomainError("The first number cannot be negative.", "first")
    if last < first:
        raise DomainError(f"The last number comes before the first ({first}).", "last")
    count = last - first + 1
    if count > MAX_LABELS:
        raise DomainError(
            f"That is {count:,} labels; print at most {MAX_LABELS:,} at a time "
            f"(up to {first + MAX_LABELS - 1} from {first}).",
            "last",
        )
    if len(str(last)) > digits:
        raise DomainError(
            f"{last} has more than {digits} digits: raise the digits or lower the number.", "digits"
        )
    longest = len(prefix) + digits
    if longest > max_length:
        raise DomainError(
            f"The tags would be {longest} characters; an asset tag holds at most {max_length}.", "prefix"
        )
    return [f"{prefix}{number:0{digits}d}" for number in range(first, last + 1)]


def short_model_name(model: str, manufacturer: str = "") -> str:
    """The model without its maker's name in front ("Lenovo 100e Gen 3" → "100e Gen 3")."""
    name = model.strip()
    maker = manufacturer.strip()
    if maker and name.lower().startswith(maker.lower() + " "):
        name = name[len(maker) + 1 :].strip()
    return name


def _check_tag(tag: str) -> None:
    if not tag or any(char not in PRINTABLE for char in tag):
        raise DomainError(f"{tag!r} cannot be a Code 128 barcode: a tag must be printable ASCII.")


def code128_modules(tag: str) -> int:
    """How many modules (X dimensions) wide the bars of ``tag`` are, quiet zones not included.

    reportlab's encoder packs runs of digits two to a symbol (subset C), as a scanner expects.
    """
    _check_tag(tag)
    return round(Code128(tag, barWidth=1, quiet=0).width)


def module_width(*, tag: str, available: float, stock_name: str) -> float:
    """The X dimension in points for ``tag`` in ``available`` points, quiet zones included.

    Raises DomainError when the narrowest bar would be under MIN_MODULE: no scanner reads it.
    """
    modules = code128_modules(tag) + 2 * QUIET_MODULES
    width = min(MAX_MODULE, available / modules)
    width = math.floor(width / SNAP + 1e-9) * SNAP
    if width < MIN_MODULE:
        raise DomainError(
            f"{tag} is too long ({len(tag)} characters) for a barcode that scans on {stock_name}: "
            "choose a larger label."
        )
    return width


# PDF -------------------------------------------------------------------------------------------


def _printable_text(text: str) -> str:
    """PDF's standard fonts cover Windows-1252: anything else prints as '?', never as a box."""
    return text.encode("cp1252", errors="replace").decode("cp1252")


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` points."""
    text = _printable_text(text)
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class _Layout:
    pad_x: float
    pad_y: float
    small: float
    tag: float


def _layout(stock: LabelStock) -> _Layout:
    height = stock.label_height
    return _Layout(
        pad_x=0.08 * inch,
        pad_y=height * 0.06,
        small=min(11.0, max(6.0, height * 0.095)),
        tag=min(22.0, max(9.0, height * 0.16)),
    )


def _draw_label(canvas: Canvas, stock: LabelStock, x: float, y: float, record: LabelRecord) -> None:
    """District on top, the barcode, then the tag and the model, centred inside the padding."""
    layout = _layout(stock)
    width, height = stock.label_width, stock.label_height
    inner = width - 2 * layout.pad_x
    centre = x + width / 2
    top = y + height - layout.pad_y
    bottom = y + layout.pad_y

    canvas.setFont(TEXT_FONT, layout.small)
    top -= layout.small * 0.8
    canvas.drawCentredString(centre, top, _fit(record.district, TEXT_FONT, layout.small, inner))
    top -= layout.small * 0.35

    if record.model:
        canvas.drawCentredString(
            centre, bottom + layout.small * 0.2, _fit(record.model, TEXT_FONT, layout.small, inner)
        )
        bottom += layout.small * 1.05
    canvas.setFont(TAG_FONT, layout.tag)
    canvas.drawCentredString(
        centre, bottom + layout.tag * 0.15, _fit(record.tag, TAG_FONT, layout.tag, inner)
    )
    bottom += layout.tag * 1.1  # a clear gap between the digits and the bars

    bar_width = module_width(tag=record.tag, available=width - 2 * layout.pad_x, stock_name=stock.name)
    symbol = Code128(record.tag, barWidth=bar_width, barHeight=top - bottom, quiet=0)
    # On the 600 dpi grid, so each bar edge falls on a printer dot.
    left = math.floor((centre - symbol.width / 2) / SNAP) * SNAP
    symbol.drawOn(canvas, left, bottom)


def pdf_labels(records: Sequence[LabelRecord], *, stock: LabelStock, skip: int = 0) -> bytes:
    """The labels as a PDF for ``stock``, in order, row by row; ``skip`` leaves the first labels
    of the first sheet blank (a sheet already partly used). Print at 100% ("actual size").

    Raises DomainError: no records, ``skip`` outside the sheet, or a tag too long to scan.
    """
    if not records:
        raise DomainError("There are no labels to print.")
    if skip and not stock.is_sheet:
        raise DomainError("Only a sheet has labels to skip; a roll starts at its next label.", "skip")
    if not 0 <= skip < stock.per_page:
        raise DomainError(
            f"Skip between 0 and {stock.per_page - 1} labels of a {stock.per_page}-label sheet.", "skip"
        )
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(stock.page_width, stock.page_height), pageCompression=1)
    canvas.setTitle("Asset labels")
    canvas.setCreator("FleetDesk")
    canvas.setFillGray(0)
    for index, record in enumerate(records):
        slot = (skip + index) % stock.per_page
        if index and slot == 0:
            canvas.showPage()
        x, y = stock.origin(slot)
        _draw_label(canvas, stock, x, y, record)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def sheet_count(*, labels: int, stock: LabelStock, skip: int = 0) -> int:
    """Pages (sheets, or roll labels) ``labels`` labels take after ``skip`` blank ones."""
    return math.ceil((labels + skip) / stock.per_page) if labels else 0


# ZPL -------------------------------------------------------------------------------------------

ZPL_DPI = 203
ZPL_NAME = "Zebra printer: ZPL, 2.25 x 1.25 in at 203 dpi"
ZPL_WIDTH_IN, ZPL_HEIGHT_IN = 2.25, 1.25
ZPL_MIN_DOTS = 2  # 2 dots at 203 dpi: a 9.9 mil bar
ZPL_MAX_DOTS = 4
ZPL_EDGE_DOTS = 6  # slack for the printer's sideways registration of the label


def _zpl_field(text: str) -> str:
    """Field data for ^FH: the characters ZPL reads as commands (^ ~) and the escape itself (_)
    as hexadecimal UTF-8 bytes; ^CI28 makes the rest UTF-8."""
    out = []
    for char in text:
        if char in "^~_" or ord(char) < 32:
            out.append("".join(f"_{byte:02X}" for byte in char.encode()))
        else:
            out.append(char)
    return "".join(out)


def _zpl_cut(text: str, *, dots: int, height: int) -> str:
    """Cut ``text`` to what fits ``dots`` in the scalable font (about 0.6 of its height a char)."""
    most = max(1, int(dots / (height * 0.6)))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def zpl_code128(tag: str) -> tuple[str, int]:
    """``tag`` as ^BC field data in its normal mode, with the subsets spelt out (``>:`` starts
    subset B, ``>;`` subset C, ``>5``/``>6`` switch to C/B), and the symbol's width in modules.

    Runs of four digits or more go two to a symbol in subset C (an odd run leaves its first digit
    in B), as reportlab packs them for the PDF; the printer draws exactly these symbols, so the
    width here is the width printed. Each symbol is 11 modules, the stop 13.
    """
    _check_tag(tag)
    segments: list[tuple[str, str]] = []  # (subset, text)
    for run in re.findall(r"\d{4,}|\D+|\d{1,3}", tag):
        if run.isdigit() and len(run) >= 4:
            if len(run) % 2:
                segments.append(("B", run[0]))
                run = run[1:]
            segments.append(("C", run))
        else:
            segments.append(("B", run))
    merged: list[tuple[str, str]] = []
    for subset, text in segments:
        if merged and merged[-1][0] == subset:
            merged[-1] = (subset, merged[-1][1] + text)
        else:
            merged.append((subset, text))
    data, symbols = [], 2  # the start symbol and the check symbol
    for index, (subset, text) in enumerate(merged):
        if index == 0:
            data.append(">:" if subset == "B" else ">;")
        else:
            data.append(">6" if subset == "B" else ">5")
            symbols += 1
        # In ^BC data '>' starts an invocation code; '><' is a literal '>'.
        data.append(text.replace(">", "><") if subset == "B" else text)
        symbols += len(text) if subset == "B" else len(text) // 2
    return "".join(data), 11 * symbols + 13


def zpl_labels(
    records: Sequence[LabelRecord],
    *,
    dpi: int = ZPL_DPI,
    width_in: float = ZPL_WIDTH_IN,
    height_in: float = ZPL_HEIGHT_IN,
) -> str:
    """One ^XA…^XZ format per label: the district, a Code 128 (^BC, subsets chosen here so the
    width is known, see ``zpl_code128``) of the tag with its quiet zones, the tag and the model
    in text.

    Raises DomainError: no records, or a tag whose narrowest bar would be under two dots.
    """
    if not records:
        raise DomainError("There are no labels to print.")
    width, height = round(width_in * dpi), round(height_in * dpi)
    pad_x, pad_y = round(0.08 * dpi), round(0.06 * dpi)
    inner = width - 2 * pad_x
    small, big = round(height * 0.08), round(height * 0.14)
    formats = []
    for record in records:
        data, bars = zpl_code128(record.tag)
        modules = bars + 2 * QUIET_MODULES
        # The label's own white edge is quiet zone too: all but a few dots of slack each side.
        dots = min(ZPL_MAX_DOTS, (width - 2 * ZPL_EDGE_DOTS) // modules)
        if dots < ZPL_MIN_DOTS:
            raise DomainError(
                f"{record.tag} is too long ({len(record.tag)} characters) for a barcode that scans on a "
                f"{width_in} x {height_in} in label at {dpi} dpi."
            )
        bars_left = (width - modules * dots) // 2 + QUIET_MODULES * dots
        bar_top = pad_y + small + pad_y // 2
        bar_height = height - bar_top - pad_y - big - (small if record.model else 0) - pad_y
        tag_top = bar_top + bar_height + pad_y // 2
        lines = [
            "^XA",
            "^CI28",
            f"^PW{width}",
            f"^LL{height}",
            "^LH0,0",
            f"^FO{pad_x},{pad_y}^A0N,{small},{small}^FB{inner},1,0,C^FH^FD"
            f"{_zpl_field(_zpl_cut(record.district, dots=inner, height=small))}^FS",
            f"^BY{dots}^FO{bars_left},{bar_top}^BCN,{bar_height},N,N,N,N^FH^FD{_zpl_field(data)}^FS",
            f"^FO{pad_x},{tag_top}^A0N,{big},{big}^FB{inner},1,0,C^FH^FD{_zpl_field(record.tag)}^FS",
        ]
        if record.model:
            model = _zpl_field(_zpl_cut(record.model, dots=inner, height=small))
            lines.append(f"^FO{pad_x},{tag_top + big}^A0N,{small},{small}^FB{inner},1,0,C^FH^FD{model}^FS")
        lines.append("^XZ")
        formats.append("\n".join(lines))
    return "\n".join(formats) + "\n"


# Either ------------------------------------------------------------------------------------------

ZPL = "zpl"


@dataclass(frozen=True)
class LabelFile:
    content: bytes
    media_type: str
    extension: str


def label_file(records: Sequence[LabelRecord], *, output: str, skip: int = 0) -> LabelFile:
    """The labels as a PDF for the stock keyed ``output`` (see STOCKS), or as ZPL for ``"zpl"``.

    Raises DomainError naming ``format`` for an unknown output, ``skip`` when skipping on a roll
    or a Zebra printer, and as ``pdf_labels``/``zpl_labels`` do.
    """
    if output == ZPL:
        if skip:
            raise DomainError(
                "Only a sheet has labels to skip; a Zebra printer starts at its next label.", "skip"
            )
        return LabelFile(zpl_labels(records).encode(), "text/plain; charset=utf-8", "zpl")
    stock = STOCKS.get(output)
    if stock is None:
        raise DomainError(f"{output!r} is not a label stock.", "format")
    return LabelFile(pdf_labels(records, stock=stock, skip=skip), "application/pdf", "pdf")
