"""Which hardware variant a Google row is, when Google's model name covers several.

Google reports one name for boards that differ inside ("Lenovo 100e Chromebook Gen 3" is an Intel
board, bookem, and an AMD one, vilboz; "Acer Chromebook 511" is the C734 and the C741L). The row
often carries more: the firmware names the board or its baseboard (``Google_Vilboz.13606…``,
``Google_Dedede.…``), the Admin console's platform version ends with it ("… stable-channel
dedede"), ``cpuInfo`` names the CPU maker, the model text may hold a model code, and the AUE month
differs between some variants. ``resolve_variants`` applies each signal in turn and keeps a signal
only when it leaves at least one candidate: a clue that contradicts every candidate (a board we do
not know) narrows nothing rather than refusing the row.

The facts about boards (codename, baseboard, CPU maker) come from
``fleet/fixtures/chromeos_boards.csv``, extracted from depthcharge-tools' ``boards.ini``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BOARDS_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "chromeos_boards.csv"

FIRMWARE_BOARD = re.compile(r"^Google_([A-Za-z0-9]+)\.", re.ASCII)
PLATFORM_BOARD = re.compile(r"-channel\s+([a-z0-9_-]+)\s*$", re.ASCII | re.IGNORECASE)
# Words in a CPU description, and the maker they point to; the first hit wins.
CPU_WORDS = (
    ("amd", ("amd", "ryzen", "athlon", "a4-", "a6-", "a4 ", "a6 ")),
    ("intel", ("intel", "celeron", "pentium", "core(tm)", "core i", "genuineintel")),
    ("mediatek", ("mediatek", "mt81")),
    ("qualcomm", ("qualcomm", "snapdragon", "kryo", "sc7180")),
)
# What a model's own name says about its CPU, for models whose board is not in the fixture.
NAME_WORDS = (
    ("amd", ("(amd)", " ast")),
    ("intel", ("(intel)",)),
    ("mediatek", ("mtk", "mediatek", "(mt81")),
)


@dataclass(frozen=True)
class Board:
    codename: str
    baseboard: str
    cpu_vendor: str


@cache
def boards() -> dict[str, Board]:
    with BOARDS_FIXTURE.open(newline="", encoding="utf-8") as handle:
        return {
            row["codename"]: Board(row["codename"], row["baseboard"], row["cpu_vendor"])
            for row in csv.DictReader(handle)
        }


@dataclass(frozen=True)
class Variant:
    """What is known about one candidate model; ``key`` is whatever the caller uses (a pk)."""

    key: int
    name: str
    boards: frozenset[str] = frozenset()
    baseboards: frozenset[str] = frozenset()
    cpu_vendor: str = ""
    model_codes: frozenset[str] = frozenset()
    aue_month: tuple[int, int] | None = None


@dataclass(frozen=True)
class RowClues:
    """What a Google row says beyond the model name (every field optional)."""

    firmware_version: str = ""
    platform_version: str = ""
    cpu: str = ""
    model_text: str = ""
    aue: dt.date | None = None


def variant_of(
    *,
    key: int,
    name: str,
    board_codename: str,
    model_codes: str = "",
    aue_month: dt.date | None = None,
) -> Variant:
    """A catalogue model's facts: its boards ("fleex|grabbiter"), their baseboards and CPU maker."""
    known = boards()
    codenames = frozenset(c.strip().lower() for c in board_codename.split("|") if c.strip())
    facts = [known[c] for c in codenames if c in known]
    vendors = {board.cpu_vendor for board in facts if board.cpu_vendor}
    vendor = vendors.pop() if len(vendors) == 1 else ""
    if not vendor:
        lowered = f" {name.lower()}"
        vendor = next((v for v, words in NAME_WORDS if any(w in lowered for w in words)), "")
    return Variant(
        key=key,
        name=name,
        boards=codenames,
        baseboards=frozenset(board.baseboard for board in facts),
        cpu_vendor=vendor,
        model_codes=frozenset(c.strip().lower() for c in model_codes.split("|") if c.strip()),
        aue_month=(aue_month.year, aue_month.month) if aue_month else None,
    )


def board_from(clues: RowClues) -> str:
    """The board or baseboard codename the firmware or platform version names, lower case; or ""."""
    if match := FIRMWARE_BOARD.match(clues.firmware_version.strip()):
        return match.group(1).lower()
    if match := PLATFORM_BOARD.search(clues.platform_version):
        return match.group(1).lower()
    return ""


def cpu_vendor_from(text: str) -> str:
    lowered = f"{text.lower()} "
    return next((vendor for vendor, words in CPU_WORDS if any(w in lowered for w in words)), "")


def _narrow(variants: Sequence[Variant], keep: Iterable[bool]) -> Sequence[Variant]:
    kept = [variant for variant, ok in zip(variants, keep, strict=True) if ok]
    return kept if kept else variants


def resolve_variants(variants: Sequence[Variant], clues: RowClues) -> tuple[Variant, ...]:
    """The candidates the row's clues leave, best first; one left means the variant is known.

    Order: the board itself, then the baseboard, then the CPU maker, a model code written in the
    model text, and the AUE month. A clue that no candidate agrees with is ignored.
    """
    left: Sequence[Variant] = list(variants)
    if len(left) > 1 and (board := board_from(clues)):
        narrowed = _narrow(left, (board in v.boards for v in left))
        if len(narrowed) == len(left):
            narrowed = _narrow(left, (board in v.baseboards for v in left))
        left = narrowed
    if len(left) > 1 and (vendor := cpu_vendor_from(clues.cpu)):
        left = _narrow(left, (v.cpu_vendor == vendor for v in left))
    if len(left) > 1 and clues.model_text:
        words = set(re.split(r"[\s,()/]+", clues.model_text.lower()))
        left = _narrow(left, (bool(v.model_codes & words) for v in left))
    if len(left) > 1 and clues.aue is not None:
        month = (clues.aue.year, clues.aue.month)
        left = _narrow(left, (v.aue_month == month for v in left))
    return tuple(left)
