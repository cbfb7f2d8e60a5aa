"""Time for the demo: the fixed "today" anchor, local working hours and the school calendar.

Instants are int64 seconds since the Unix epoch (UTC) and dates are int64 days since the epoch,
so whole columns shift and snap at once with NumPy. Local time is the project's TIME_ZONE.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import numpy.typing as npt
from django.conf import settings

from demo.services import reference

EPOCH = dt.date(1970, 1, 1)
DAY = 86_400
HOUR = 3_600
WORKDAY_START = 7 * HOUR + 30 * 60
WORKDAY_END = 16 * HOUR + 30 * 60


def epoch_day(day: dt.date) -> int:
    return (day - EPOCH).days


def to_date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday 0 … Sunday 6 (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ]
    return dt.date(year, month + 1, min(day.day, last[month]))


class Clock:
    """Converts between local wall time and UTC instants around a fixed ``today``.

    ``now`` is local midnight at the start of ``today``: everything the demo records happened
    before it, and a ticket whose next step falls after it is still open.
    """

    def __init__(self, today: dt.date, history_start: dt.date) -> None:
        self.today = today
        self.history_start = history_start
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.first_day = epoch_day(dt.date(history_start.year - 10, 1, 1))
        last_day = epoch_day(today) + 3 * 366
        self.offsets = np.array(
            [self._noon_offset(day) for day in range(self.first_day, last_day + 1)], dtype=np.int64
        )
        self.today_day = epoch_day(today)
        self.start_day = epoch_day(history_start)
        self.now = int(self.at(np.array([self.today_day]), np.array([0]))[0])

    def _noon_offset(self, day: int) -> int:
        """Seconds the local zone is ahead of UTC at noon on ``day`` (days since the epoch)."""
        offset = dt.datetime.combine(to_date(day), dt.time(12), tzinfo=self.tz).utcoffset()
        assert offset is not None  # an aware datetime always has an offset
        return int(offset.total_seconds())

    def offset(self, days: np.ndarray) -> np.ndarray:
        index = np.clip(np.asarray(days, dtype=np.int64) - self.first_day, 0, len(self.offsets) - 1)
        return self.offsets[index]

    def at(self, days: npt.ArrayLike, seconds: npt.ArrayLike) -> np.ndarray:
        """UTC instants for local ``seconds`` after midnight on each local day."""
        days = np.asarray(days, dtype=np.int64)
        return days * DAY + np.asarray(seconds, dtype=np.int64) - self.offset(days)

    def local(self, instants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(local day, local seconds after midnight) for each UTC instant."""
        instants = np.asarray(instants, dtype=np.int64)
        shifted = instants + self.offset(instants // DAY)
        return shifted // DAY, shifted % DAY

    def working(self, instants: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Move each instant forward into working hours (07:30-16:30 local, Monday to Friday)."""
        days, seconds = self.local(instants)
        jitter = rng.integers(0, 75 * 60, size=len(days))
        early = seconds < WORKDAY_START
        late = seconds > WORKDAY_END
        seconds = np.where(early | late, WORKDAY_START + jitter, seconds)
        days = days + late
        day_of_week = weekday(days)
        moved = day_of_week >= 5
        days = days + np.where(moved, 7 - day_of_week, 0)
        seconds = np.where(moved & ~(early | late), WORKDAY_START + jitter, seconds)
        return self.at(days, seconds)

    def school_year_start(self, day: dt.date) -> int:
        return day.year if day.month >= 7 else day.year - 1


def daily_ticket_weights(clock: Clock, first_day: int, last_day: int) -> np.ndarray:
    """Relative ticket volume for each day in [first_day, last_day): season, breaks, weekday.

    The monthly index comes from ``repair_seasonality_assumptions.csv``; inside a month the
    volume surges in the first weeks of school (late August, September) and after winter break,
    and dips in the breaks.
    """
    days = np.arange(first_day, last_day, dtype=np.int64)
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]").astype(np.int64) % 12
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    season = np.asarray(reference.seasonality())[months]
    shape = np.ones(len(days))
    august, september, november, december, january, april = 7, 8, 10, 11, 0, 3
    shape[(months == august) & (day_of_month < 20)] = 0.55
    shape[(months == august) & (day_of_month >= 20)] = 2.6
    shape[(months == september) & (day_of_month <= 14)] = 1.35
    shape[(months == september) & (day_of_month > 14)] = 0.7
    shape[(months == december) & (day_of_month >= 23)] = 0.2
    shape[(months == december) & (day_of_month < 23)] = 1.25
    shape[(months == january) & (day_of_month <= 1)] = 0.2
    shape[(months == january) & (day_of_month > 1) & (day_of_month <= 16)] = 1.45
    shape[(months == january) & (day_of_month > 16)] = 0.65
    shape[(months == november) & (day_of_month >= 24) & (day_of_month <= 28)] = 0.55
    shape[(months == april) & (day_of_month >= 13) & (day_of_month <= 20)] = 0.45
    by_weekday = np.array([1.3, 1.1, 1.0, 1.0, 0.8, 0.04, 0.02])[weekday(days)]
    return season * shape * by_weekday
