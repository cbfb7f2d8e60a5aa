"""Which damage is charged, the school year incidents are counted in, and money in cents: rules
that touch neither the database nor HTTP, shared by the charge services, selectors and forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.exceptions import DomainError
from repairs.choices import DamageCause

CHARGEABLE_CAUSES = frozenset(
    {DamageCause.ACCIDENTAL, DamageCause.INTENTIONAL, DamageCause.LIQUID, DamageCause.LOST}
)
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999.99")  # what DecimalField(max_digits=8, decimal_places=2) holds


def is_chargeable(damage_cause: str) -> bool:
    return damage_cause in CHARGEABLE_CAUSES


def school_year_start(day: dt.date) -> dt.date:
    """The 1 July that starts the school year holding ``day``."""
    return dt.date(day.year if day.month >= 7 else day.year - 1, 7, 1)


def money(value: Decimal, *, field: str) -> Decimal:
    """``value`` as dollars and cents; DomainError naming ``field`` when it is not a finite amount
    in whole cents that the amount columns hold."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError("Enter an amount in dollars and cents.", field=field)
    if value != value.quantize(CENT):
        raise DomainError("Enter the amount to the cent (two decimal places at most).", field=field)
    if value > MAX_AMOUNT:
        raise DomainError(f"The amount can be at most {MAX_AMOUNT}.", field=field)
    return value.quantize(CENT)
