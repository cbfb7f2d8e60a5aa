"""Build a demo district in phases, each in its own transaction, and time each phase."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pghistory.models
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.choices import Role
from accounts.models import StaffGrade, StaffProfile, User
from core.exceptions import DomainError
from core.services.bulk import bulk_load, next_id
from demo.services import catalogue as catalogue_phase
from demo.services import custody as custody_phase
from demo.services import devices as devices_phase
from demo.services import district as district_phase
from demo.services import fleet_rows, overtime, stock, ticket_rows, tickets
from demo.services import students as students_phase
from demo.services.clock import Clock
from demo.services.context import DemoContext
from demo.services.district import DEMO_EMAIL_DOMAIN, DEMO_LOGINS, DEMO_PASSWORD, DEMO_TECHNICIANS
from demo.services.sizes import SIZES, DemoSize
from demo.services.writer import RowWriter
from fleet.models import (
    CustodyEvent,
    Device,
    DeviceModel,
    DeviceTally,
    Location,
    Manufacturer,
    SummaryRefresh,
)
from fleet.services.summaries import device_tally_refresh
from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.models import ForecastRun, ModelYearTally, PartForecast, ReorderSuggestion
from forecasting.services import runs as forecast_runs
from forecasting.services.summaries import model_year_tally_refresh
from repairs.models import (
    Loan,
    Part,
    PartUsageTally,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockLocation,
    StockMovement,
    Ticket,
    TicketEvent,
    Vendor,
)
from repairs.services.summaries import part_usage_tally_refresh
from staff.models import OvertimeRequest, OvertimeRequestEvent, TimeEntry, Timesheet
from students.models import (
    AccessoryStock,
    Agreement,
    Charge,
    ChargePolicy,
    CollectionWindow,
    FeeRule,
    Handout,
    HandoutAccessory,
    Payment,
    RosterImportJob,
    RosterSchoolMapping,
    Student,
)

# Sizes whose demo load ends with a forecast run; a district-size run is left to the nightly job.
FORECAST_SIZES = ("tiny", "small")

DEMO_USERNAMES = [*DEMO_LOGINS.values(), *DEMO_TECHNICIANS.values()]

# Children before parents, so plain DELETEs never trip a foreign key.
DEMO_TABLES: list[type[models.Model]] = [
    ModelYearTally,
    PartUsageTally,
    DeviceTally,
    SummaryRefresh,
    ReorderSuggestion,
    PartForecast,
    ForecastRun,
    TimeEntry,
    Timesheet,
    OvertimeRequestEvent,
    OvertimeRequest.tickets.through,
    OvertimeRequest,
    Payment,
    Charge,
    ChargePolicy,
    HandoutAccessory,
    Handout,
    Agreement,
    FeeRule,
    CollectionWindow,
    AccessoryStock,
    RosterSchoolMapping,
    RosterImportJob,
    Student,
    Loan,
    StockMovement,
    StockLevel,
    PurchaseOrderLine,
    PurchaseOrder,
    CustodyEvent,
    TicketEvent,
    Ticket,
    StockLocation,
    Part.compatible_models.through,
    Part,
    Vendor,
    Device,
    StaffProfile.locations.through,
    StaffProfile,
    Location,
    DeviceModel,
    Manufacturer,
]


@dataclass
class DemoResult:
    counts: dict[str, int]
    logins: list[tuple[str, str]]
    timings: list[tuple[str, float]] = field(default_factory=list)
    today: dt.date | None = None


def demo_data_exists() -> bool:
    """True when the database already holds a district (devices, locations or parts)."""
    return Device.objects.exists() or Location.objects.exists() or Part.objects.exists()


def existing_demo_logins() -> list[tuple[str, str]]:
    """The demo logins present in the database, labelled as ``build_demo`` labels them."""
    labels = {username: Role(role).label for role, username in DEMO_LOGINS.items()}
    grades = {g.grade: g.short_title for g in StaffGrade.objects.all()}
    labels |= {
        username: f"{Role.TECHNICIAN.label} ({grades[grade]})" for grade, username in DEMO_TECHNICIANS.items()
    }
    present = set(
        User.objects.filter(username__in=DEMO_USERNAMES, is_active=True).values_list("username", flat=True)
    )
    return [(username, label) for username, label in labels.items() if username in present]


def build_demo(
    *,
    size: str,
    seed: int,
    reset: bool = False,
    today: dt.date | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> DemoResult:
    """Fill an empty database with a demo district; deterministic for a given seed and ``today``.

    Raises DomainError when the database already holds devices, locations or parts (unless
    ``reset``) or lacks the role groups and grades of accounts migration 0003.
    """
    if size not in SIZES:
        raise DomainError(f"Unknown size {size!r}; choose one of {', '.join(SIZES)}.")
    _check_prerequisites()
    has_data = demo_data_exists()
    result = DemoResult(counts={}, logins=[])
    if has_data and not reset:
        raise DomainError("This database already has demo data (devices, locations or parts); use --reset.")
    if has_data:
        with _phase(result, log, "reset"):
            clear_demo_data()

    taken = sorted(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
    if taken:
        raise DomainError(f"Users named {', '.join(taken)} already exist; the demo needs those usernames.")

    today = today or timezone.localdate()
    profile: DemoSize = SIZES[size]
    school_year = today.year if today.month >= 7 else today.year - 1
    clock = Clock(today, dt.date(school_year - profile.school_years, 7, 1))
    ctx = DemoContext(size=profile, seed=seed, clock=clock, writer=RowWriter(), log=log)
    result.today = today
    log(f"Building the {size} demo district (seed {seed}) as of {today}, history from {clock.history_start}.")

    fleet_models = {
        name
        for cohorts in (profile.chromebook_cohorts, profile.staff_cohorts)
        for _, models_ in cohorts.values()
        for name, _ in models_
    }
    with _phase(result, log, "reference data and parts catalogue", ctx.writer):
        catalogue = catalogue_phase.build_catalogue(ctx, fleet_models)
    with _phase(result, log, "locations and staff", ctx.writer):
        district = district_phase.build_locations(ctx)
        staff = district_phase.build_staff(ctx, district)
    with _phase(result, log, "generate fleet, tickets and custody (in memory)", ctx.writer):
        fleet = devices_phase.build_fleet(ctx, catalogue, district, next_id(Device))
        ticket_data = tickets.build_tickets(ctx, fleet, next_id(Ticket))
        plan = ticket_rows.plan_tickets(ctx, ticket_data, fleet, district, staff, catalogue)
        warranty = fleet_rows.warranty_end(fleet, catalogue)
        custody, loans = custody_phase.plan_custody(ctx, fleet, ticket_data, plan, district, staff)
    with _phase(result, log, "devices", ctx.writer), bulk_load([Device], ctx.writer.rebuilt):
        statuses = fleet_rows.write_devices(ctx, fleet, catalogue, district, staff, custody, warranty)
    with _phase(result, log, "tickets", ctx.writer), bulk_load([Ticket], ctx.writer.rebuilt):
        ticket_rows.write_tickets(ctx, ticket_data, plan, fleet, district, staff, catalogue, warranty)
    with _phase(result, log, "ticket events", ctx.writer), bulk_load([TicketEvent], ctx.writer.rebuilt):
        events = ticket_rows.write_ticket_events(ctx, ticket_data, plan, staff, next_id(TicketEvent))
    with (
        _phase(result, log, "custody events and loans", ctx.writer),
        bulk_load([CustodyEvent, Loan], ctx.writer.rebuilt),
    ):
        custody_count = fleet_rows.write_custody(
            ctx, custody, fleet, ticket_data, district, staff, next_id(CustodyEvent)
        )
        loan_count = fleet_rows.write_loans(ctx, loans, fleet, ticket_data, staff, next_id(Loan))
    with _phase(result, log, "students", ctx.writer), bulk_load([Student, Handout], ctx.writer.rebuilt):
        student_count = students_phase.build_students(ctx, next_id(Student))
        handout_count = students_phase.build_one_to_one_policy(ctx)
    with (
        _phase(result, log, "purchase orders and stock ledger", ctx.writer),
        bulk_load([StockMovement], ctx.writer.rebuilt),
    ):
        stock_counts = stock.build_stock(ctx, catalogue, district, staff, ticket_data, plan)
    with _phase(result, log, "overtime, time entries and timesheets", ctx.writer):
        time_counts = overtime.build_overtime(ctx, district, staff)
    with _phase(result, log, "sequences and statistics", ctx.writer):
        ctx.writer.reset_sequences()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    with _phase(result, log, "report summaries"):
        # The reports read these tallies; the loader wrote their rows without the services.
        device_tally_refresh()
        part_usage_tally_refresh()
        model_year_tally_refresh()
    forecast = None
    if size in FORECAST_SIZES:
        # So the forecast pages have something to show at once (seconds for these sizes).
        with _phase(result, log, "parts forecast"):
            forecast = forecast_runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)
    else:
        log("  parts forecast: skipped at this size; run `manage.py run_forecast` or wait for tonight's run.")

    result.counts = {
        "locations": len(district.locations),
        "staff": len(staff.users),
        "parts": len(catalogue.parts),
        "devices": len(fleet),
        **{f"devices {status}": count for status, count in sorted(statuses.items())},
        "tickets": len(ticket_data),
        "open tickets": int(ticket_data.is_open().sum()),
        "ticket events": events,
        "custody events": custody_count,
        "loans": loan_count,
        "students": student_count,
        "hand-outs": handout_count,
        "stock movements": stock_counts["movements"],
        "stock levels": stock_counts["stock_levels"],
        "purchase orders": stock_counts["purchase_orders"],
        **{key.replace("_", " "): value for key, value in time_counts.items()},
    }
    if forecast is not None and forecast.status == ForecastRunStatus.SUCCEEDED:
        result.counts["parts forecast"] = forecast.parts_done
    result.logins = staff.demo_logins
    return result


@contextmanager
def _phase(
    result: DemoResult, log: Callable[[str], None], name: str, writer: RowWriter | None = None
) -> Iterator[None]:
    started = time.perf_counter()
    before = (
        (writer.format_seconds, writer.database_seconds, writer.rebuild_seconds) if writer else (0.0,) * 3
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Check foreign keys per COPY chunk instead of queueing millions until commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield
    elapsed = time.perf_counter() - started
    result.timings.append((name, elapsed))
    detail = ""
    if writer and writer.database_seconds > before[1]:
        formatting, loading = writer.format_seconds - before[0], writer.database_seconds - before[1]
        rebuilding = writer.rebuild_seconds - before[2]
        detail = f" (formatting rows {formatting:.1f}s, inserting {loading:.1f}s"
        detail += f", history rows, indexes and keys {rebuilding:.1f}s)" if rebuilding else ")"
    log(f"  {name}: {elapsed:.1f}s{detail}")


def _check_prerequisites() -> None:
    missing_roles = set(Role.values) - set(Group.objects.values_list("name", flat=True))
    missing_grades = {18, 20, 23, 25} - set(StaffGrade.objects.values_list("grade", flat=True))
    if missing_roles or missing_grades:
        raise DomainError("Role groups or staff grades are missing: run `manage.py migrate` first.")


def clear_demo_data() -> None:
    """Delete the demo district: every row of the fleet, repair, stock, forecast and time tables,
    and the demo users (PostgreSQL truncates, which is much faster at district size)."""
    demo_users = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    tables = [model._meta.db_table for model in DEMO_TABLES]
    # Their change history goes too: ids restart at 1, and old history must not attach to new rows.
    tables += [
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and model.pgh_tracked_model in DEMO_TABLES
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    try:
        demo_users.delete()
    except ProtectedError as exc:
        raise DomainError(f"Demo users are still referenced elsewhere and cannot be removed: {exc}") from exc


__all__ = ["DEMO_PASSWORD", "DemoResult", "build_demo", "clear_demo_data"]
