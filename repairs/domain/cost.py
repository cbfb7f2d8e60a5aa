"""Cost of ownership: what a device's repairs have cost, what it is still worth, and whether this
repair is worth making.

- Parts are counted at the unit cost on the stock movement (issued net of returned), labour at the
  district's hourly rate over the minutes recorded on the tickets, rounded to the cent once per sum.
- A device's remaining value is the replacement price (its model's ``unit_price``) times the
  months of updates it has left over its supported life. The model records no release date, so
  the supported life runs from the device's purchase date (or, without one, its warranty end less
  the model's warranty term: warranties start at purchase) to its AUE date. Without an AUE date
  (Windows laptops) or a start date the value is not prorated: a new one's full price is the cap.
  Past AUE it is worth nothing.
- Repairing is the cheaper choice while this repair plus everything spent on its other repairs
  comes to no more than that remaining value.

No database or HTTP here; ``repairs.selectors.device_repair_cost`` and ``ticket_flags`` read the
figures.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.templatetags.ui import money

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def labour_cost(*, minutes: int, rate_per_hour: Decimal) -> Decimal:
    """Minutes of labour at an hourly rate, to the cent (half up)."""
    return to_cents(Decimal(minutes) * rate_per_hour / 60)


def whole_months(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is not after ``start``); a month
    counts once its day is reached, as the device page counts months of updates left."""
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(0, months)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class RunningCost:
    """Parts and labour spent on a device's repairs (or one repair)."""

    parts: Decimal
    labour_minutes: int
    labour_rate: Decimal
    tickets: int = 0

    @property
    def labour(self) -> Decimal:
        return labour_cost(minutes=self.labour_minutes, rate_per_hour=self.labour_rate)

    @property
    def total(self) -> Decimal:
        return to_cents(self.parts) + self.labour


class ValueBasis(StrEnum):
    PRORATED = "prorated"
    PAST_AUE = "past_aue"
    NO_AUE = "no_aue"
    NO_START = "no_start"
    NO_PRICE = "no_price"


@dataclass(frozen=True)
class RemainingValue:
    """What the device is still worth; ``amount`` is None when its model has no price."""

    amount: Decimal | None
    replacement_price: Decimal
    months_left: int | None
    supported_months: int | None
    basis: ValueBasis

    def describe(self) -> str:
        """How the amount was reached, for the advice sentence."""
        if self.basis == ValueBasis.PRORATED:
            return (
                f"{money(self.replacement_price)} new \N{MULTIPLICATION SIGN} {self.months_left} of "
                f"{self.supported_months} months of updates left"
            )
        if self.basis == ValueBasis.PAST_AUE:
            return "past its AUE date"
        if self.basis == ValueBasis.NO_AUE:
            return "no AUE date, so a new one's full price"
        if self.basis == ValueBasis.NO_START:
            return "purchase date unknown, so a new one's full price"
        return "no replacement price set"


def remaining_value(
    *, replacement_price: Decimal, aue_date: dt.date | None, life_start: dt.date | None, today: dt.date
) -> RemainingValue:
    """The replacement price times the months of updates left over the months from ``life_start`` to AUE."""
    if replacement_price <= 0:
        return RemainingValue(None, replacement_price, None, None, ValueBasis.NO_PRICE)
    if aue_date is None:
        return RemainingValue(replacement_price, replacement_price, None, None, ValueBasis.NO_AUE)
    left = whole_months(today, aue_date)
    if left == 0:
        return RemainingValue(ZERO, replacement_price, 0, None, ValueBasis.PAST_AUE)
    if life_start is None:
        return RemainingValue(replacement_price, replacement_price, left, None, ValueBasis.NO_START)
    # Bought this month (or dated after today): the whole life is still ahead.
    supported = max(whole_months(life_start, aue_date), left)
    amount = to_cents(replacement_price * left / supported)
    return RemainingValue(amount, replacement_price, left, supported, ValueBasis.PRORATED)


def life_start(
    *, purchase_date: dt.date | None, warranty_end: dt.date | None, warranty_months: int
) -> dt.date | None:
    """When the device's supported life began: its purchase, else its warranty's start."""
    if purchase_date is not None:
        return purchase_date
    if warranty_end is not None and warranty_months:
        return months_before(warranty_end, warranty_months)
    return None


class Verdict(StrEnum):
    REPAIR = "repair"
    REPLACE = "replace"


@dataclass(frozen=True)
class RepairAdvice:
    """This repair and the device's other repairs against what the device is still worth."""

    this_repair: RunningCost
    labour_estimated: bool
    other_repairs: RunningCost
    value: RemainingValue

    @property
    def total(self) -> Decimal:
        return self.this_repair.total + self.other_repairs.total

    @property
    def verdict(self) -> Verdict | None:
        if self.value.amount is None:
            return None
        return Verdict.REPAIR if self.total <= self.value.amount else Verdict.REPLACE

    @property
    def sentence(self) -> str:
        spent = (
            f"this repair ({money(self.this_repair.total)}) plus {money(self.other_repairs.total)} "
            f"on its other repairs comes to {money(self.total)}"
        )
        worth = f"{money(self.value.amount)} it is still worth ({self.value.describe()})"
        if self.verdict == Verdict.REPAIR:
            return f"Repairing is cheaper: {spent}, no more than the {worth}."
        if self.verdict == Verdict.REPLACE:
            return f"Replacing is cheaper: {spent}, more than the {worth}."
        return f"No replacement price is set for its model, so there is nothing to compare: {spent}."
