"""Reads for the fleet reports: readiness per school, and the AUE refresh plan.

Each report is one aggregate query whatever the number of schools; school administrators see
their own schools only (``visible_to``). They count the device tally (devices per location,
model, status and own AUE date, a few thousand rows at district scale) rather than every device,
so their figures are those of the tally's last rebuild, which they carry as ``refreshed_at``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db.models import DecimalField, F, Func, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from fleet.choices import SCHOOL_KINDS, BootMode, DeviceStatus, ReadinessFlag
from fleet.models import DEVICE_TALLY, Device, DeviceModel, DeviceTally, Location, SummaryRefresh

UserLike = User | AnonymousUser

GONE_FOR_GOOD = frozenset({DeviceStatus.RETIRED, DeviceStatus.E_WASTE, DeviceStatus.LOST_STOLEN})
# The complement of Device.objects.active(), spelled positively: a negated condition on a
# joined table inside an aggregate filter would turn into a subquery.
ACTIVE_STATUSES = tuple(status for status in DeviceStatus if status not in GONE_FOR_GOOD)
IN_SERVICE_STATUSES = (DeviceStatus.DEPLOYED, DeviceStatus.LOANER_POOL, DeviceStatus.IN_STOCK)
IN_REPAIR_STATUSES = (DeviceStatus.IN_REPAIR, DeviceStatus.AT_VENDOR)
# Readiness from Google's data: a device silent this long, or this many Chrome OS milestones
# behind the newest one in the district, is not ready for online testing.
NOT_SYNCED_DAYS = 30
MILESTONES_BEHIND = 2


def school_year_of(day: dt.date) -> int:
    """The starting year of the July-June school year holding ``day``."""
    return day.year if day.month >= 7 else day.year - 1


class SchoolYear(Func):
    """``school_year_of`` in SQL: the year of the date six months earlier, as an integer.

    One date_part (double precision) a row: a CASE on the month over EXTRACT, which is numeric
    in PostgreSQL, cost two and a half times as much over the district's 11,000 tally rows."""

    output_field = IntegerField()
    template = "CAST(date_part('year', %(expressions)s - INTERVAL '6 months') AS integer)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # The format and the shift as parameters, as Django's Cast does: a literal % in the SQL
        # would meet Python's % formatting on its way to the database.
        template = "CAST(strftime(%%s, %(expressions)s, %%s) AS integer)"
        sql, params = self.as_sql(compiler, connection, template=template, **extra_context)
        return sql, ["%Y", *params, "-6 months"]


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def summary_refreshed_at(*, name: str = DEVICE_TALLY) -> dt.datetime | None:
    """When the summary table ``name`` was last rebuilt; None before its first rebuild."""
    return SummaryRefresh.objects.filter(name=name).values_list("refreshed_at", flat=True).first()


# Readiness ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadinessRow:
    location_id: int | None
    code: str
    name: str
    active: int
    deployed: int
    in_service: int
    in_repair: int
    past_aue: int
    loaners_out: int
    not_synced: int = 0
    os_behind: int = 0
    dev_mode: int = 0
    flagged: int = 0

    def flag_count(self, flag: str) -> int:
        return int(getattr(self, flag))

    @property
    def share_in_service(self) -> float | None:
        """Deployed, loaner pool and in stock over all active devices; None without devices."""
        return self.in_service / self.active if self.active else None

    @property
    def share_in_service_percent(self) -> str:
        share = self.share_in_service
        return "—" if share is None else f"{share:.1%}"


@dataclass(frozen=True)
class ReadinessReport:
    today: dt.date
    rows: list[ReadinessRow]
    total: ReadinessRow
    refreshed_at: dt.datetime | None = None
    newest_milestone: int | None = None


def os_milestone(version: str) -> int | None:
    """The Chrome OS milestone of an ``osVersion``: "126.0.6478.132" is 126; None when unreadable."""
    major = version.strip().partition(".")[0]
    return int(major) if major.isdigit() else None


@dataclass(frozen=True)
class Milestones:
    """The newest milestone among active devices, and the OS versions more than two behind it."""

    newest: int | None
    behind: tuple[str, ...]


def district_milestones() -> Milestones:
    """One query over the district's distinct OS versions (a few hundred at most)."""
    versions = (
        Device.objects.filter(status__in=ACTIVE_STATUSES)
        .exclude(os_version="")
        .order_by()
        .values_list("os_version", flat=True)
        .distinct()
    )
    majors = {version: os_milestone(version) for version in versions}
    known = [major for major in majors.values() if major is not None]
    if not known:
        return Milestones(newest=None, behind=())
    newest = max(known)
    behind = tuple(
        sorted(v for v, major in majors.items() if major is not None and major < newest - MILESTONES_BEHIND)
    )
    return Milestones(newest=newest, behind=behind)


def tally_milestones() -> Milestones:
    """The milestones the device tally's flags were counted against at its last rebuild (the
    district's newest, and the versions more than MILESTONES_BEHIND below it); read from the
    devices when the tally was never rebuilt."""
    facts = SummaryRefresh.objects.filter(name=DEVICE_TALLY).values_list("facts", flat=True).first()
    if not facts or "behind" not in facts:
        return district_milestones()
    return Milestones(newest=facts["newest_milestone"], behind=tuple(facts["behind"]))


def not_synced_before(today: dt.date) -> dt.datetime:
    """Devices whose last sync is before this moment have not synced for NOT_SYNCED_DAYS days."""
    day = today - dt.timedelta(days=NOT_SYNCED_DAYS)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def readiness_condition(
    flag: ReadinessFlag, *, today: dt.date, milestones: Milestones, prefix: str = ""
) -> Q:
    """One flag as a condition on devices (``prefix`` "devices__" from a location).

    Not synced: a last sync known and older than NOT_SYNCED_DAYS (a device Google never reported,
    such as a Windows laptop, is not flagged). OS behind: a milestone more than MILESTONES_BEHIND
    below the district's newest. Developer mode: Google's boot mode "Dev". Past AUE: the
    effective AUE date (the device's own from Google, else its model's month) before today.
    """
    if flag == ReadinessFlag.NOT_SYNCED:
        return Q(**{f"{prefix}last_sync__lt": not_synced_before(today)})
    if flag == ReadinessFlag.OS_BEHIND:
        return Q(**{f"{prefix}os_version__in": milestones.behind})
    if flag == ReadinessFlag.DEV_MODE:
        return Q(**{f"{prefix}boot_mode": BootMode.DEV})
    # The few models' ids themselves, not a subquery: with a subquery inside the OR PostgreSQL
    # scanned every device (59 ms for the district's past-AUE devices); with the ids it combines
    # the AUE-override and model indexes (3 ms).
    past_models = list(
        DeviceModel.objects.filter(aue_month__lt=today.replace(day=1)).values_list("pk", flat=True)
    )
    return Q(**{f"{prefix}aue_override__lt": today}) | Q(
        **{f"{prefix}aue_override__isnull": True, f"{prefix}model__in": past_models}
    )


def readiness_conditions(
    *, today: dt.date, milestones: Milestones, prefix: str = ""
) -> dict[ReadinessFlag, Q]:
    """Every flag's ``readiness_condition``."""
    return {
        flag: readiness_condition(flag, today=today, milestones=milestones, prefix=prefix)
        for flag in ReadinessFlag
    }


def readiness_report(*, user: UserLike, today: dt.date | None = None, sort: str = "name") -> ReadinessReport:
    """Per school: deployed, share in service, in repair, loaners out, and the active devices not
    ready for online testing by each ``ReadinessFlag`` (and by any of them): one aggregate query
    over the device tally, whatever the number of devices.

    Active devices are all but retired, e-waste and lost or stolen. ``readiness_conditions`` says
    what each flag means; Google's flags (and "any") are those counted at the tally's last
    rebuild, nightly and after every import or sync, which the page shows. ``sort="share"`` puts
    the least ready schools first.
    """
    today = today or timezone.localdate()
    active = Q(device_tallies__status__in=ACTIVE_STATUSES)
    # The last day of the model's AUE month is before today exactly when that month is before
    # today's month. A subquery on the few models rather than a join.
    past_models = DeviceModel.objects.filter(aue_month__lt=today.replace(day=1)).values("pk")
    past_aue = Q(device_tallies__aue_override__lt=today) | Q(
        device_tallies__aue_override__isnull=True, device_tallies__model__in=past_models
    )

    def devices(condition: Q) -> Coalesce:
        return Coalesce(Sum("device_tallies__devices", filter=condition), 0)

    def flagged(column: str) -> Coalesce:
        return Coalesce(Sum(f"device_tallies__{column}", filter=active), 0)

    milestones = tally_milestones()
    schools = (
        Location.objects.visible_to(user)
        .filter(kind__in=SCHOOL_KINDS, is_active=True)
        .annotate(
            active_count=devices(active),
            deployed_count=devices(Q(device_tallies__status=DeviceStatus.DEPLOYED)),
            in_service_count=devices(Q(device_tallies__status__in=IN_SERVICE_STATUSES)),
            in_repair_count=devices(Q(device_tallies__status__in=IN_REPAIR_STATUSES)),
            past_aue_count=devices(active & past_aue),
            loaners_out_count=devices(Q(device_tallies__status=DeviceStatus.LOANED_OUT)),
            # Google's flags, counted at the tally's rebuild (see DeviceTally).
            not_synced_count=flagged("not_synced"),
            os_behind_count=flagged("os_behind"),
            dev_mode_count=flagged("dev_mode"),
            flagged_count=flagged("flagged"),
        )
        .order_by("name")
        .values_list(
            "pk",
            "code",
            "name",
            "active_count",
            "deployed_count",
            "in_service_count",
            "in_repair_count",
            "past_aue_count",
            "loaners_out_count",
            "not_synced_count",
            "os_behind_count",
            "dev_mode_count",
            "flagged_count",
        )
    )
    rows = [ReadinessRow(*values) for values in schools]
    if sort == "share":
        rows.sort(key=lambda row: (row.share_in_service is None, row.share_in_service or 0, row.name))
    figures = [f.name for f in dataclasses.fields(ReadinessRow) if f.type == "int"]
    total = ReadinessRow(
        None, "", "All schools", **{name: sum(getattr(row, name) for row in rows) for name in figures}
    )
    return ReadinessReport(
        today=today,
        rows=rows,
        total=total,
        refreshed_at=summary_refreshed_at(),
        newest_milestone=milestones.newest,
    )


def readiness_devices(
    *, user: UserLike, flag: str, location_id: int | None = None, today: dt.date | None = None
) -> QuerySet[Device]:
    """The active devices of the schools the user sees that carry ``flag`` (a ReadinessFlag),
    optionally of one school, by school then asset tag: the devices behind a readiness count."""
    today = today or timezone.localdate()
    # Only "OS behind" needs the district's OS versions (a scan of the active devices' versions).
    behind = flag == ReadinessFlag.OS_BEHIND
    milestones = district_milestones() if behind else Milestones(newest=None, behind=())
    condition = readiness_condition(ReadinessFlag(flag), today=today, milestones=milestones)
    devices = (
        Device.objects.visible_to(user)
        .filter(
            condition, status__in=ACTIVE_STATUSES, location__kind__in=SCHOOL_KINDS, location__is_active=True
        )
        .select_related("model", "location")
        .order_by("location__name", "asset_tag")
    )
    if location_id is not None:
        devices = devices.filter(location_id=location_id)
    return devices


# AUE refresh plan -----------------------------------------------------------------------------


class AuePlanRow(NamedTuple):
    """One school year x school x model of the plan (a line of its CSV): a district's plan has
    about 5,000, so a tuple (a frozen dataclass took three times as long)."""

    school_year: int
    location_id: int
    location_name: str
    model_id: int
    model_name: str
    unit_price: Decimal
    devices: int

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)

    @property
    def cost(self) -> Decimal:
        return self.unit_price * self.devices


@dataclass
class AueModelTotal:
    model_name: str
    unit_price: Decimal
    devices: int = 0

    @property
    def cost(self) -> Decimal:
        return self.unit_price * self.devices


@dataclass
class AueYearSummary:
    school_year: int
    devices: int = 0
    cost: Decimal = Decimal("0.00")
    models: list[AueModelTotal] = field(default_factory=list)

    @property
    def label(self) -> str:
        return school_year_label(self.school_year)


@dataclass(frozen=True)
class AueSchoolLine:
    """One school across the plan: devices reaching AUE in each of the plan's school years."""

    location_id: int
    location_name: str
    devices_by_year: list[int]
    devices: int
    cost: Decimal


@dataclass(frozen=True)
class AuePlan:
    from_year: int
    to_year: int
    years: list[AueYearSummary]
    schools: list[AueSchoolLine]
    devices: int
    cost: Decimal
    refreshed_at: dt.datetime | None = None


def aue_plan(*, user: UserLike, from_year: int, to_year: int, location_id: int | None = None) -> AuePlan:
    """Active devices reaching AUE in each school year (July-June) from ``from_year`` to
    ``to_year`` (starting years), per model and per school, with their replacement cost at the
    model's unit price. Two aggregate queries over the device tally (per school year and model,
    about a hundred rows; per school year and school with its cost, about a thousand), the
    names, and the tally's refresh time; ``aue_plan_rows`` has the school x model lines behind
    them (about 5,000 at district scale), which only the CSV needs. Windows laptops (no AUE
    date) are not in it.

    The effective AUE date is the device's own date from Google, else its model's AUE month;
    only the month decides the school year, so the model's first-of-month stands for it.
    """
    counts = partial(_aue_counts, user=user, from_year=from_year, to_year=to_year, location_id=location_id)
    models = {
        pk: (name, price) for pk, name, price in DeviceModel.objects.values_list("pk", "name", "unit_price")
    }
    years: dict[int, AueYearSummary] = {}
    for year, model_id, devices in counts(by=("model_id",)):
        total = AueModelTotal(*models[model_id], devices=devices)
        summary = years.setdefault(year, AueYearSummary(school_year=year))
        summary.models.append(total)
        summary.devices += devices
        summary.cost += total.cost
    ordered = [years[year] for year in sorted(years)]
    for summary in ordered:
        summary.models.sort(key=lambda total: total.model_name)
    index = {year: i for i, year in enumerate(sorted(years))}
    by_year: dict[int, list[int]] = {}
    costs: dict[int, Decimal] = {}
    for year, school_id, devices, cost in counts(by=("location_id",), cost=True):
        by_year.setdefault(school_id, [0] * len(index))[index[year]] = devices
        costs[school_id] = costs.get(school_id, Decimal("0.00")) + cost
    names = dict(Location.objects.values_list("pk", "name"))
    schools = sorted(
        (
            AueSchoolLine(school_id, names[school_id], per_year, sum(per_year), costs[school_id])
            for school_id, per_year in by_year.items()
        ),
        key=lambda line: (line.location_name, line.location_id),
    )
    return AuePlan(
        from_year=from_year,
        to_year=to_year,
        years=ordered,
        schools=schools,
        devices=sum(year.devices for year in ordered),
        cost=sum((year.cost for year in ordered), Decimal("0.00")),
        refreshed_at=summary_refreshed_at(),
    )


def aue_plan_rows(
    *, user: UserLike, from_year: int, to_year: int, location_id: int | None = None
) -> list[AuePlanRow]:
    """``aue_plan``'s devices per school year x school x model, ordered so (the CSV's lines)."""
    counts = _aue_counts(
        user=user,
        from_year=from_year,
        to_year=to_year,
        location_id=location_id,
        by=("location_id", "model_id"),
    )
    names = dict(Location.objects.values_list("pk", "name"))
    models = {
        pk: (name, price) for pk, name, price in DeviceModel.objects.values_list("pk", "name", "unit_price")
    }
    return sorted(
        (
            AuePlanRow(year, school_id, names[school_id], model_id, *models[model_id], devices)
            for year, school_id, model_id, devices in counts
        ),
        key=lambda row: (row.school_year, row.location_name, row.model_name, row.location_id, row.model_id),
    )


def _aue_counts(
    *,
    user: UserLike,
    from_year: int,
    to_year: int,
    location_id: int | None,
    by: tuple[str, ...],
    cost: bool = False,
) -> list[tuple[Any, ...]]:
    """(school year, *``by``, devices[, their cost at the model's unit price]) of the active
    devices reaching AUE in those school years: one aggregate query over the device tally,
    grouped on ids only. The school year is the one whose July the effective date follows."""
    devices = (
        DeviceTally.objects.visible_to(user)
        .filter(status__in=ACTIVE_STATUSES)
        .annotate(effective_aue=Coalesce("aue_override", "model__aue_month"))
        .filter(effective_aue__gte=dt.date(from_year, 7, 1), effective_aue__lte=dt.date(to_year + 1, 6, 30))
    )
    if location_id is not None:
        devices = devices.filter(location_id=location_id)
    figures: dict[str, Any] = {"device_count": Sum("devices")}
    if cost:
        figures["cost"] = Sum(F("devices") * F("model__unit_price"), output_field=DecimalField())
    grouped = (
        devices.annotate(school_year=SchoolYear("effective_aue"))
        .values("school_year", *by)
        .annotate(**figures)
        .order_by()
        .values_list("school_year", *by, *figures)
    )
    return list(grouped)


def aue_devices_by_model(
    *, user: UserLike, from_year: int, to_year: int, location_id: int | None = None
) -> dict[int, dict[int, int]]:
    """{model id: {school year: devices}} of ``aue_plan``'s devices, without its schools: what
    the refresh plan needs, a hundred rows rather than the plan's five thousand."""
    reaching: dict[int, dict[int, int]] = {}
    for year, model_id, devices in _aue_counts(
        user=user, from_year=from_year, to_year=to_year, location_id=location_id, by=("model_id",)
    ):
        reaching.setdefault(model_id, {})[year] = devices
    return reaching


def aue_plan_default_years(*, today: dt.date | None = None) -> tuple[int, int]:
    """This school year and the four after it."""
    start = school_year_of(today or timezone.localdate())
    return start, start + 4


def aue_plan_schools(*, user: UserLike) -> list[Location]:
    """The schools the plan may be narrowed to."""
    return list(
        Location.objects.visible_to(user).filter(kind__in=SCHOOL_KINDS, is_active=True).order_by("name")
    )
