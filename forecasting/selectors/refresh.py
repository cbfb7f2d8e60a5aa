"""The device refresh plan: devices to replace per school year, for AUE and for failures, and
what that costs against a yearly budget.

Two reasons to buy a device:

- **AUE**: an active Chromebook reaches its Auto Update Expiration date. The counts come from
  ``fleet.selectors.reports.aue_devices_by_model`` (the AUE plan's, called, not copied); devices
  already past AUE and still active are overdue and counted in the plan's first school year.
- **Failure**: a device is retired beyond economical repair. History: a custody event into
  *retired* that belongs to a ticket ending *beyond economical repair* (``repairs.domain.workflow``
  retires the device through ``fleet.domain.lifecycle``), for a device still retired, e-waste or lost.
  Planned retirements (no ticket) are not failures: they are the AUE refresh itself.

Each model's annual failure rate is its failure retirements over the last ``HISTORY_YEARS``
complete school years divided by its device-years in service over them (the average of the
devices in the fleet on each 1 July boundary, counted from the purchase date, else the date
the record was created, until the first move into retired, e-waste or lost). The rate is
district-wide even when the plan is narrowed to one school: one school is too few devices.

The projection follows the active devices of each model in cohorts by the school year they
reach AUE. Each school year, a cohort reaching AUE that year is replaced for AUE (whatever of
it is still in service) and is not exposed to failure; every other cohort loses ``rate`` of its
survivors to failure (only the remaining share of the current school year counts for it). So
a device is replaced once, and the base shrinks year by year. Counts are expected values made
whole per model by rounding the running total half up: a year gets the rounded total to date
less the rounded total to the year before, so small fractions add up over the years.

Reads: the AUE plan (four queries), then the active devices (an aggregate of fleet's device
tally), the model-year tally (``forecasting.services.summaries``: acquisitions, exits and
failures per model and school year, a few hundred rows), the models and the two tallies'
refresh times; none per row. The figures are those of the tallies' last rebuild.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from fleet.models import DEVICE_TALLY, DeviceModel, DeviceTally, SummaryRefresh
from fleet.selectors import reports
from fleet.selectors.reports import UserLike, school_year_label, school_year_of
from forecasting.models import MODEL_YEAR_TALLY, ModelYearTally

HISTORY_YEARS = 3
DEFAULT_YEARS = 5
MAX_YEARS = 10
# The earliest AUE school year asked of the AUE plan: everything before the plan's first year
# that is still active is overdue.
OVERDUE_SINCE = 2000

ZERO = Decimal("0.00")


# Pure computation --------------------------------------------------------------------------------


def annual_failure_rate(*, failures: int, in_service_by_boundary: list[int]) -> float:
    """Failures per device-year: ``failures`` over the years between consecutive boundaries,
    each year's devices in service being the average of its two boundaries. 0 without devices."""
    device_years = device_years_between(in_service_by_boundary)
    return failures / device_years if device_years > 0 else 0.0


def device_years_between(in_service_by_boundary: list[int]) -> float:
    return sum((start + end) / 2 for start, end in itertools.pairwise(in_service_by_boundary))


def share_of_school_year_left(today: dt.date) -> float:
    """The share of today's school year still to come, today included: 1.0 on 1 July."""
    start = dt.date(school_year_of(today), 7, 1)
    end = dt.date(start.year + 1, 7, 1)
    return (end - today).days / (end - start).days


@dataclass(frozen=True)
class Projection:
    """One model in one school year, as expected values."""

    reaching_aue: int  # active devices today whose AUE falls in the year (overdue in the first)
    aue_replacements: float  # those of them still in service when they reach it
    failures: float  # devices not reaching AUE that year, expected to fail beyond repair


def project(
    *,
    first_year: int,
    years: int,
    first_year_share: float,
    rates: Mapping[int, float],
    active: Mapping[int, int],
    reaching_aue: Mapping[int, Mapping[int, int]],
) -> dict[tuple[int, int], Projection]:
    """Per (school year, model): devices reaching AUE, expected AUE and failure replacements.

    ``active`` is the active devices per model today; ``reaching_aue[model][year]`` those of them
    reaching AUE in each school year (years before ``first_year`` are overdue: replaced in the
    first year). The rest never reach AUE within the plan (or have none: Windows laptops).
    A cohort is replaced for AUE in its year and exposed to failure only in the years before.
    """
    last_year = first_year + years - 1
    result: dict[tuple[int, int], Projection] = {}
    for model_id in sorted(set(active) | set(reaching_aue)):
        rate = rates.get(model_id, 0.0)
        counts: dict[int, int] = {}
        for year, n in reaching_aue.get(model_id, {}).items():
            if year <= last_year:
                counts[max(year, first_year)] = counts.get(max(year, first_year), 0) + n
        # None: devices that do not reach AUE within the plan.
        cohorts: dict[int | None, float] = {year: float(n) for year, n in counts.items()}
        cohorts[None] = float(max(active.get(model_id, 0) - sum(counts.values()), 0))
        for year in range(first_year, last_year + 1):
            share = first_year_share if year == first_year else 1.0
            risk = min(1.0, rate * share)
            replaced = cohorts.pop(year, 0.0)
            failed = 0.0
            for key, survivors in cohorts.items():
                failed += survivors * risk
                cohorts[key] = survivors * (1 - risk)
            if counts.get(year) or replaced or failed:
                result[(year, model_id)] = Projection(
                    reaching_aue=counts.get(year, 0), aue_replacements=replaced, failures=failed
                )
    return result


def whole(expected: float) -> int:
    """An expected count rounded half up (the epsilon absorbs float error such as 2.4999999)."""
    return math.floor(expected + 0.5 + 1e-9)


# The plan ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelHistory:
    """One model's failure history over the history school years."""

    model_id: int
    model_name: str
    failures_by_year: list[int]
    in_service_by_boundary: list[int]
    rate: float

    @property
    def failures(self) -> int:
        return sum(self.failures_by_year)

    @property
    def average_in_service(self) -> float:
        years = len(self.in_service_by_boundary) - 1
        return device_years_between(self.in_service_by_boundary) / years if years else 0.0

    @property
    def rate_percent(self) -> str:
        return f"{self.rate:.1%}"


@dataclass
class RefreshLine:
    """One model in one school year: whole devices to buy and their cost."""

    school_year: int
    model_id: int
    model_name: str
    unit_price: Decimal
    aue_month: dt.date | None
    reaching_aue: int
    aue_replacements: int
    failures: int
    deferred: int = 0

    @property
    def devices(self) -> int:
        return self.aue_replacements + self.failures

    @property
    def cost(self) -> Decimal:
        return self.unit_price * self.devices

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)


@dataclass
class RefreshYear:
    school_year: int
    budget: Decimal | None
    lines: list[RefreshLine] = field(default_factory=list)
    deferred: int = 0

    @property
    def label(self) -> str:
        return school_year_label(self.school_year)

    @property
    def reaching_aue(self) -> int:
        return sum(line.reaching_aue for line in self.lines)

    @property
    def aue_replacements(self) -> int:
        return sum(line.aue_replacements for line in self.lines)

    @property
    def failures(self) -> int:
        return sum(line.failures for line in self.lines)

    @property
    def devices(self) -> int:
        return sum(line.devices for line in self.lines)

    @property
    def cost(self) -> Decimal:
        return sum((line.cost for line in self.lines), ZERO)

    @property
    def fits(self) -> bool | None:
        """None without a budget."""
        return None if self.budget is None else self.cost <= self.budget

    @property
    def over_budget(self) -> Decimal:
        return max(self.cost - self.budget, ZERO) if self.budget is not None else ZERO

    @property
    def funded_cost(self) -> Decimal:
        return self.cost - sum((line.unit_price * line.deferred for line in self.lines), ZERO)


@dataclass(frozen=True)
class RefreshPlan:
    today: dt.date
    first_year: int
    last_year: int
    first_year_share: float
    history_years: list[int]
    histories: list[ModelHistory]
    years: list[RefreshYear]
    budget: Decimal | None
    location_id: int | None
    refreshed_at: dt.datetime | None = None

    @property
    def lines(self) -> list[RefreshLine]:
        return [line for year in self.years for line in year.lines]

    @property
    def devices(self) -> int:
        return sum(year.devices for year in self.years)

    @property
    def aue_replacements(self) -> int:
        return sum(year.aue_replacements for year in self.years)

    @property
    def failures(self) -> int:
        return sum(year.failures for year in self.years)

    @property
    def cost(self) -> Decimal:
        return sum((year.cost for year in self.years), ZERO)

    @property
    def deferred(self) -> int:
        return sum(year.deferred for year in self.years)

    @property
    def history_labels(self) -> list[str]:
        return [school_year_label(year) for year in self.history_years]


def defer_to_budget(year: RefreshYear) -> None:
    """Set ``deferred`` on the year's lines so that what is left fits the budget.

    The rule: AUE replacements are deferred before failure replacements (a broken device cannot
    wait); within each, the model with the latest AUE month goes first (a model without one, a
    Windows laptop, counts as the latest), then by model name; whole devices, as few as will do.
    Each year stands alone: a deferred device is not added to the next year's count.
    """
    year.deferred = 0
    for line in year.lines:
        line.deferred = 0
    excess = year.over_budget
    if excess <= 0:
        return

    def latest_first(line: RefreshLine) -> tuple[int, str]:
        return (-line.aue_month.toordinal() if line.aue_month else -dt.date.max.toordinal(), line.model_name)

    order = sorted(year.lines, key=latest_first)
    steps = [(line, line.aue_replacements) for line in order] + [(line, line.failures) for line in order]
    for line, available in steps:
        if excess <= 0:
            break
        if available == 0 or line.unit_price <= 0:
            continue
        n = min(available, math.ceil(excess / line.unit_price))
        line.deferred += n
        year.deferred += n
        excess -= line.unit_price * n


def refresh_plan(
    *,
    user: UserLike,
    years: int = DEFAULT_YEARS,
    budget: Decimal | None = None,
    location_id: int | None = None,
    today: dt.date | None = None,
) -> RefreshPlan:
    """The refresh plan for ``years`` school years from today's, with ``budget`` dollars a year
    (None: no budget check), for one school or all the user may see.

    See the module docstring for the rate and the projection, and ``defer_to_budget`` for what
    is deferred when a year does not fit.
    """
    today = today or timezone.localdate()
    budget = budget.quantize(ZERO) if budget is not None else None
    first_year = school_year_of(today)
    last_year = first_year + years - 1
    history_years = list(range(first_year - HISTORY_YEARS, first_year))
    boundaries = [dt.date(year, 7, 1) for year in [*history_years, first_year]]

    reaching = reports.aue_devices_by_model(
        user=user, from_year=OVERDUE_SINCE, to_year=last_year, location_id=location_id
    )
    active = _active_devices(user=user, location_id=location_id)
    tallies = _model_years()
    acquired = _acquired_before(tallies, boundaries)
    exited, failures = _retirements(tallies, boundaries)
    models = {
        pk: (name, price, aue_month)
        for pk, name, price, aue_month in DeviceModel.objects.order_by().values_list(
            "pk", "name", "unit_price", "aue_month"
        )
    }

    histories: dict[int, ModelHistory] = {}
    for model_id in set(acquired) | set(failures):
        before = acquired.get(model_id, [0] * len(boundaries))
        gone = exited.get(model_id, [0] * len(boundaries))
        in_service = [max(a - e, 0) for a, e in zip(before, gone, strict=True)]
        failed = failures.get(model_id, [0] * len(history_years))
        histories[model_id] = ModelHistory(
            model_id=model_id,
            model_name=models[model_id][0],
            failures_by_year=failed,
            in_service_by_boundary=in_service,
            rate=annual_failure_rate(failures=sum(failed), in_service_by_boundary=in_service),
        )

    share = share_of_school_year_left(today)
    projections = project(
        first_year=first_year,
        years=years,
        first_year_share=share,
        rates={pk: history.rate for pk, history in histories.items()},
        active=active,
        reaching_aue=reaching,
    )
    plan_years = {
        year: RefreshYear(school_year=year, budget=budget) for year in range(first_year, last_year + 1)
    }
    # Running totals per model, so that small expected counts add up to whole devices over the
    # years instead of each rounding to nothing.
    expected: dict[int, tuple[float, float]] = {}
    for year, model_id in sorted(projections, key=lambda key: (key[1], key[0])):
        projection = projections[(year, model_id)]
        aue_before, failed_before = expected.get(model_id, (0.0, 0.0))
        aue_after = aue_before + projection.aue_replacements
        failed_after = failed_before + projection.failures
        expected[model_id] = (aue_after, failed_after)
        name, price, aue_month = models[model_id]
        line = RefreshLine(
            school_year=year,
            model_id=model_id,
            model_name=name,
            unit_price=price,
            aue_month=aue_month,
            reaching_aue=projection.reaching_aue,
            aue_replacements=whole(aue_after) - whole(aue_before),
            failures=whole(failed_after) - whole(failed_before),
        )
        if line.reaching_aue or line.devices:
            plan_years[year].lines.append(line)
    for plan_year in plan_years.values():
        plan_year.lines.sort(key=lambda line: (line.model_name, line.model_id))
        defer_to_budget(plan_year)

    planned = set(active) | set(reaching)
    shown = [h for pk, h in histories.items() if pk in planned or h.failures]
    return RefreshPlan(
        today=today,
        first_year=first_year,
        last_year=last_year,
        first_year_share=share,
        history_years=history_years,
        histories=sorted(shown, key=lambda history: (history.model_name, history.model_id)),
        years=[plan_years[year] for year in sorted(plan_years)],
        budget=budget,
        location_id=location_id,
        refreshed_at=refreshed_at(),
    )


# Queries -----------------------------------------------------------------------------------------


def _active_devices(*, user: UserLike, location_id: int | None) -> dict[int, int]:
    """Active devices per model: the base the projection starts from (from the device tally)."""
    devices = DeviceTally.objects.visible_to(user).filter(status__in=reports.ACTIVE_STATUSES)
    if location_id is not None:
        devices = devices.filter(location_id=location_id)
    rows = devices.values("model_id").annotate(n=Sum("devices")).order_by().values_list("model_id", "n")
    return dict(rows)


def _model_years() -> dict[int, dict[int, ModelYearTally]]:
    """The model-year tally, per model and school year."""
    tallies: dict[int, dict[int, ModelYearTally]] = {}
    for tally in ModelYearTally.objects.order_by():
        tallies.setdefault(tally.model_id, {})[tally.school_year] = tally
    return tallies


def _acquired_before(
    tallies: Mapping[int, Mapping[int, ModelYearTally]], boundaries: list[dt.date]
) -> dict[int, list[int]]:
    """Per model, the devices acquired before each boundary (1 July), district-wide; models with
    none before the last boundary are left out."""
    result: dict[int, list[int]] = {}
    for model_id, years in tallies.items():
        before = [sum(t.acquired for year, t in years.items() if year < day.year) for day in boundaries]
        if before[-1]:
            result[model_id] = before
    return result


def _retirements(
    tallies: Mapping[int, Mapping[int, ModelYearTally]], boundaries: list[dt.date]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Per model, district-wide: devices gone (retired, e-waste, lost) before each boundary, and
    failure retirements (beyond economical repair) between consecutive boundaries; models with
    no device gone before the last boundary are left out."""
    exited: dict[int, list[int]] = {}
    failures: dict[int, list[int]] = {}
    for model_id, years in tallies.items():
        gone = [sum(t.gone for year, t in years.items() if year < day.year) for day in boundaries]
        if gone[-1]:
            exited[model_id] = gone
            failures[model_id] = [
                years[start.year].failures if start.year in years else 0 for start in boundaries[:-1]
            ]
    return exited, failures


def refreshed_at() -> dt.datetime | None:
    """When the older of the plan's two tallies (devices, model years) was rebuilt; None until
    both have been."""
    times = list(
        SummaryRefresh.objects.filter(name__in=[DEVICE_TALLY, MODEL_YEAR_TALLY]).values_list(
            "refreshed_at", flat=True
        )
    )
    return min(times) if len(times) == 2 else None


def csv_rows(plan: RefreshPlan) -> Iterable[list[object]]:
    """The plan as CSV rows: a header, one row per school year and model, one total per year."""
    yield [
        "school_year",
        "model",
        "annual_failure_rate",
        "reaching_aue",
        "aue_replacements",
        "failure_replacements",
        "devices",
        "unit_price",
        "cost",
        "budget",
        "fits_budget",
        "deferred_devices",
    ]
    rates = {history.model_id: f"{history.rate:.4f}" for history in plan.histories}
    for year in plan.years:
        for line in year.lines:
            yield [
                year.label,
                line.model_name,
                rates.get(line.model_id, "0.0000"),
                line.reaching_aue,
                line.aue_replacements,
                line.failures,
                line.devices,
                line.unit_price,
                line.cost,
                "",
                "",
                line.deferred if year.budget is not None else "",
            ]
        fits = "" if year.fits is None else ("yes" if year.fits else "no")
        yield [
            year.label,
            "All models",
            "",
            year.reaching_aue,
            year.aue_replacements,
            year.failures,
            year.devices,
            "",
            year.cost,
            "" if year.budget is None else year.budget,
            fits,
            year.deferred if year.budget is not None else "",
        ]
