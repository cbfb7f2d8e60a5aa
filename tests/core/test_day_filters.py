"""``|day`` and ``|day_time`` must print exactly what ``|date:"Y-m-d"`` and ``|date:"Y-m-d H:i"``
print, local time included, for whatever a template hands them."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import engines
from django.utils import timezone

VALUES = [
    dt.date(2026, 12, 5),
    dt.date(5, 1, 9),  # a year with fewer than four digits
    dt.datetime(2026, 12, 5, 23, 59, 59),  # naive
    dt.datetime(2026, 12, 5, 3, 4, tzinfo=dt.UTC),  # the previous day in the district's time zone
    dt.datetime(2026, 6, 30, 22, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata")),
    dt.datetime.max.replace(tzinfo=None),
    None,
    "",
    "2026-12-05",
    "not a date",
    0,
]


def render(source: str, value: object) -> str:
    """The output, or the error's type (``date`` refuses a time format for a date object)."""
    try:
        return engines["django"].from_string(source).render({"value": value})
    except TypeError as error:
        return type(error).__name__


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Pacific/Kiritimati"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_day_filters_print_what_the_date_filter_prints(value, zone):
    with timezone.override(zone):
        assert render("{{ value|day }}", value) == render('{{ value|date:"Y-m-d" }}', value)
        assert render("{{ value|day_time }}", value) == render('{{ value|date:"Y-m-d H:i" }}', value)
        assert render('{{ value|day|default:"—" }}', value) == render(
            '{{ value|date:"Y-m-d"|default:"—" }}', value
        )


def test_an_aware_time_prints_in_the_current_time_zone():
    moment = dt.datetime(2026, 12, 5, 3, 4, tzinfo=dt.UTC)
    with timezone.override("America/New_York"):
        assert (render("{{ value|day }}", moment), render("{{ value|day_time }}", moment)) == (
            "2026-12-04",
            "2026-12-04 22:04",
        )
