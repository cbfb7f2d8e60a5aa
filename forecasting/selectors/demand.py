"""What the forecast reads: weekly net consumption per part, exposure, the school calendar.

Weeks run Monday to Sunday in ``settings.TIME_ZONE``. A run sees up to 260 weeks ending with the
last full week before it starts (``history_end`` is the Monday of the run's own week, the first
forecast week).

- Consumption: units ISSUED to tickets minus units RETURNED from tickets, per part and week,
  clipped at zero (a week with more returns than issues is a week with no net use). Transfers,
  receipts, adjustments and harvests are stock movements, not demand.
- Exposure: devices that can use the part (active devices of its compatible models) in each
  week of history and horizon. A device counts from its purchase date (always, when unknown)
  until its AUE date (the device's own date, else its model's; forever for Windows models);
  devices already retired, lost or scrapped are left out of every week, past ones too -- the
  ledger does not say when they left service, so the past is a little under-counted. A part
  with no compatible devices gets exposure 1 throughout (the engine then ignores it), and weeks
  before any compatible device existed are "no data" (NaN) rather than zero demand.
- Calendar covariate: the share of the week's weekdays that are school days (SCHOOL_CALENDAR).
- Warranty share: of the units issued over the history, the share issued to tickets covered by
  the manufacturer's warranty (the vendor replaces those parts; the district does not stock them).
- Location consumption: net units per stock location over the last 52 weeks (see reorder for
  how kits and shares are handled).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek

from fleet.models import Device, DeviceModel
from repairs.choices import Coverage, StockMovementKind
from repairs.models import Part, StockMovement

WEEK = dt.timedelta(days=7)
LOCATION_SHARE_WEEKS = 52

# The US school year the calendar covariate assumes (month, day), inclusive. Weekdays inside the
# school year and outside winter break are school days; summer is zero. Holidays such as
# Thanksgiving and spring break vary by district and are left to the engine's seasonality.
SCHOOL_CALENDAR = {
    "year_starts": (8, 15),
    "year_ends": (6, 15),
    "winter_break_starts": (12, 22),
    "winter_break_ends": (1, 1),
}


@dataclass(frozen=True)
class DemandData:
    """One chunk's inputs for the engine, rows in the order of ``parts``."""

    parts: list[Part]
    history_start: dt.date  # Monday of the first history week
    history: np.ndarray  # (parts, weeks) net consumption, NaN where there was no data
    exposure: np.ndarray  # (parts, weeks + horizon) devices that can use the part
    covariates: np.ndarray  # (weeks + horizon, 1) share of school days
    warranty_share: np.ndarray  # (parts,)
    location_consumption: dict[int, dict[int, float]]  # part id -> stock location id -> units


def week_start(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def history_weeks_since(first: dt.datetime | None, *, history_end: dt.date, limit: int) -> int:
    """Full weeks from the week of the first movement up to ``history_end``, between 1 and limit."""
    if first is None:
        return 1
    first_day = first.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    weeks = (history_end - week_start(first_day)).days // 7
    return max(1, min(limit, weeks))


def is_school_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    md = (day.month, day.day)
    cal = SCHOOL_CALENDAR
    in_year = md >= cal["year_starts"] or md <= cal["year_ends"]
    in_break = md >= cal["winter_break_starts"] or md <= cal["winter_break_ends"]
    return in_year and not in_break


def school_day_share(week_starts: Sequence[dt.date]) -> np.ndarray:
    """For each week (given by its Monday), the share of its five weekdays that are school days."""
    return np.array(
        [sum(is_school_day(monday + dt.timedelta(days=d)) for d in range(5)) / 5 for monday in week_starts],
        dtype=float,
    )


def demand_load(*, part_ids: Sequence[int], history_end: dt.date, weeks: int, horizon: int) -> DemandData:
    """Read the chunk's consumption, warranty share, location use and exposure (six queries)."""
    parts = list(Part.objects.filter(pk__in=part_ids).order_by("pk"))
    row = {part.pk: i for i, part in enumerate(parts)}
    history_start = history_end - weeks * WEEK
    consumption, issued, warranty = _weekly_consumption(row, history_start, history_end, weeks)
    warranty_share = np.divide(warranty, issued, out=np.zeros_like(issued), where=issued > 0)
    week_starts = [history_start + i * WEEK for i in range(weeks + horizon)]
    exposure = exposure_matrix(parts=parts, week_starts=week_starts)
    history = consumption.copy()
    for i in range(len(parts)):
        past = exposure[i, :weeks]
        if not past.any() and not exposure[i].any():
            exposure[i] = 1.0  # no compatible devices recorded: exposure says nothing
            continue
        # Weeks before the first compatible device (and its first use) are "no data".
        started = (past > 0) | (consumption[i] > 0)
        if started.any():
            history[i, : int(np.argmax(started))] = np.nan
        exposure[i, :weeks] = np.where((past == 0) & (consumption[i] > 0), 1.0, past)
    return DemandData(
        parts=parts,
        history_start=history_start,
        history=history,
        exposure=exposure,
        covariates=school_day_share(week_starts)[:, None],
        warranty_share=np.clip(warranty_share, 0.0, 1.0),
        location_consumption=_location_consumption(list(row), history_end),
    )


def _demand_movements() -> Q:
    return Q(kind=StockMovementKind.ISSUED) | Q(kind=StockMovementKind.RETURNED, ticket__isnull=False)


def _weekly_consumption(
    row: dict[int, int], history_start: dt.date, history_end: dt.date, weeks: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (parts, weeks) net consumption matrix and each part's issued and warranty units: one query."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    consumption = np.zeros((len(row), weeks))
    issued = np.zeros(len(row))
    warranty = np.zeros(len(row))
    rows = (
        StockMovement.objects.filter(
            _demand_movements(),
            part_id__in=list(row),
            occurred_at__gte=local_midnight(history_start),
            occurred_at__lt=local_midnight(history_end),
        )
        .annotate(week=TruncWeek("occurred_at", tzinfo=tz))
        .values("part_id", "week")
        .annotate(
            net=Sum("quantity"),
            issued=Sum("quantity", filter=Q(kind=StockMovementKind.ISSUED)),
            warranty=Sum(
                "quantity", filter=Q(kind=StockMovementKind.ISSUED, ticket__coverage=Coverage.WARRANTY)
            ),
        )
        .order_by()
    )
    for values in rows:
        week = values["week"]
        day = week.astimezone(tz).date() if isinstance(week, dt.datetime) and week.tzinfo else week
        if isinstance(day, dt.datetime):
            day = day.date()
        col = (day - history_start).days // 7
        i = row[values["part_id"]]
        if 0 <= col < weeks:
            consumption[i, col] += -(values["net"] or 0)
        issued[i] += -(values["issued"] or 0)
        warranty[i] += -(values["warranty"] or 0)
    return np.clip(consumption, 0.0, None), issued, warranty


def _location_consumption(part_ids: list[int], history_end: dt.date) -> dict[int, dict[int, float]]:
    since = history_end - LOCATION_SHARE_WEEKS * WEEK
    rows = (
        StockMovement.objects.filter(
            _demand_movements(),
            part_id__in=part_ids,
            occurred_at__gte=local_midnight(since),
            occurred_at__lt=local_midnight(history_end),
        )
        .values("part_id", "stock_location_id")
        .annotate(net=Sum("quantity"))
        .order_by()
    )
    out: dict[int, dict[int, float]] = {}
    for values in rows:
        units = -(values["net"] or 0)
        if units > 0:
            out.setdefault(values["part_id"], {})[values["stock_location_id"]] = float(units)
    return out


def exposure_matrix(*, parts: Sequence[Part], week_starts: Sequence[dt.date]) -> np.ndarray:
    """Active compatible devices per part and week (three queries; see the module docstring)."""
    n_weeks = len(week_starts)
    out = np.zeros((len(parts), n_weeks))
    if not parts or not n_weeks:
        return out
    through = Part.compatible_models.through
    fits: dict[int, list[int]] = {}
    for part_id, model_id in through.objects.filter(part_id__in=[p.pk for p in parts]).values_list(
        "part_id", "devicemodel_id"
    ):
        fits.setdefault(part_id, []).append(model_id)
    model_ids = sorted({m for models in fits.values() for m in models})
    if not model_ids:
        return out
    model_aue = {
        pk: DeviceModel(aue_month=aue_month).aue_date
        for pk, aue_month in DeviceModel.objects.filter(pk__in=model_ids).values_list("pk", "aue_month")
    }
    first = week_starts[0]
    per_model = {m: np.zeros(n_weeks + 1) for m in model_ids}
    groups = (
        Device.objects.active()
        .filter(model_id__in=model_ids)
        .values("model_id", "purchase_date", "aue_override")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for values in groups:
        purchased: dt.date | None = values["purchase_date"]
        aue: dt.date | None = values["aue_override"] or model_aue.get(values["model_id"])
        # In service in week w when purchased by its Sunday and AUE not before its Monday.
        start = 0 if purchased is None else max(0, (week_start(purchased) - first).days // 7)
        stop = n_weeks if aue is None else min(n_weeks, (week_start(aue) - first).days // 7 + 1)
        if start < stop:
            diff = per_model[values["model_id"]]
            diff[start] += values["n"]
            diff[stop] -= values["n"]
    counts = {m: np.cumsum(diff)[:n_weeks] for m, diff in per_model.items()}
    for i, part in enumerate(parts):
        for model_id in fits.get(part.pk, []):
            out[i] += counts[model_id]
    return out
