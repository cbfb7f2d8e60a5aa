"""The report summary tables (fleet's device tally, repairs' parts usage tally, forecasting's
model-year tally) against a full recomputation from the underlying rows, after a random series
of writes through the services: imports, moves, status changes and retirements, tickets ending
beyond repair, parts issued and returned, over months and school years.

The recomputation here walks the rows in Python, so it shares no query with the rebuilds; the
parts usage report is also compared, for date ranges that cut months, with the grouped query
over the movements that the report ran before the tally existed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.exceptions import DomainError
from fleet.choices import BootMode, DeviceStatus
from fleet.domain import lifecycle
from fleet.models import DEVICE_TALLY, CustodyEvent, Device, DeviceTally, Location, SummaryRefresh
from fleet.selectors.reports import GONE_FOR_GOOD, school_year_of
from fleet.services import devices as device_services
from fleet.services import importing
from fleet.tasks import device_tally_refresh_task
from forecasting.models import ModelYearTally
from forecasting.tasks import model_year_tally_refresh_task
from repairs import selectors as repairs_selectors
from repairs.choices import StockMovementKind, Symptom, TicketStatus
from repairs.models import PartUsageTally, StockMovement, Ticket
from repairs.services import stock, tickets
from repairs.tasks import part_usage_tally_refresh_task
from tests.fleet.factories import DeviceFactory
from tests.fleet.import_support import GAM_SAMPLE, import_reference
from tests.repairs.factories import PartFactory, StockLevelFactory, StockLocationFactory

pytestmark = pytest.mark.django_db

logger = logging.getLogger(__name__)

GAM_HEADER = [
    "deviceId",
    "serialNumber",
    "annotatedAssetId",
    "annotatedUser",
    "annotatedLocation",
    "orgUnitPath",
    "status",
    "lastSync",
    "model",
    "autoUpdateThrough",
]
SCHOOLS = (
    ("Clarksburg ES", "/Students/Elementary/Clarksburg ES"),
    ("Silver Creek MS", "/Students/Middle/Silver Creek MS"),
    ("Richard Montgomery HS", "/Students/High/Richard Montgomery HS"),
)
AUE_DATES = ("", "2026-06-30T00:00:00.000Z", "2027-01-31T00:00:00.000Z", "2031-06-30T00:00:00.000Z")
STEPS = 45


class World:
    """The random writer: one seeded generator, the clock it moves, and the actors."""

    def __init__(self, seed: int, actor: User) -> None:
        self.rng = random.Random(seed)
        self.actor = actor
        self.now = dt.datetime(2022, 5, 20, 10, 0, tzinfo=dt.UTC)
        self.serial = 0
        self.parts = [PartFactory.create(unit_cost=Decimal(cost)) for cost in ("12.50", "39.99", "80.00")]
        self.depot = StockLocationFactory.create()
        for part in self.parts:
            StockLevelFactory.create(part=part, stock_location=self.depot, on_hand=10_000)
        self.applied: Counter[str] = Counter()

    def tick(self) -> dt.datetime:
        """Move the clock on by up to two months, so writes land in many months and school years."""
        self.now += dt.timedelta(days=self.rng.randint(0, 60), hours=self.rng.randint(0, 23))
        return self.now

    def devices(self) -> list[Device]:
        return list(Device.objects.order_by("pk"))

    def open_tickets(self) -> list[Ticket]:
        return list(Ticket.objects.exclude(status__in=[TicketStatus.CLOSED, TicketStatus.BEYOND_REPAIR]))

    # The writes ------------------------------------------------------------------------------

    def import_devices(self) -> None:
        rows = []
        for _ in range(self.rng.randint(1, 6)):
            self.serial += 1
            school, org_unit = self.rng.choice(SCHOOLS)
            rows.append(
                [
                    "",
                    f"PF9{self.serial:05d}",
                    f"CB-9{self.serial:06d}",
                    "",
                    school,
                    org_unit,
                    "ACTIVE",
                    "2025-03-11T13:42:17.000Z",
                    "Lenovo 100e Chromebook Gen 3",
                    self.rng.choice(AUE_DATES),
                ]
            )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([GAM_HEADER, *rows])
        importing.devices_import(data=out.getvalue().encode(), actor=None, source="random.csv")

    def sync(self) -> None:
        """What a Google sync writes on a device: its last sync, OS version and boot mode."""
        device = self.rng.choice(self.devices())
        Device.objects.filter(pk=device.pk).update(
            last_sync=timezone.now() - dt.timedelta(days=self.rng.choice([0, 12, 29, 31, 400])),
            os_version=self.rng.choice(["", "120.0.6099.235", "128.0.6613.133", "131.0.6778.191", "beta"]),
            boot_mode=self.rng.choice(["", BootMode.VERIFIED, BootMode.DEV]),
        )

    def move(self) -> None:
        device = self.rng.choice(self.devices())
        to = self.rng.choice(list(Location.objects.exclude(pk=device.location_id)))
        device_services.device_move(device=device, actor=self.actor, to_location=to)

    def change_status(self) -> None:
        device = self.rng.choice(self.devices())
        allowed = sorted(lifecycle.ALLOWED_TRANSITIONS.get(device.status, frozenset()))
        # Retirements (and the other ways out of service) twice as often as the rest.
        gone = [status for status in allowed if status in GONE_FOR_GOOD]
        device_services.device_change_status(
            device=device, actor=self.actor, to_status=self.rng.choice(allowed + gone)
        )

    def open_ticket(self) -> None:
        device = self.rng.choice([d for d in self.devices() if d.status not in GONE_FOR_GOOD])
        tickets.ticket_open(device=device, reporter=self.actor, symptom=Symptom.SCREEN, start_repair=True)

    def issue(self) -> None:
        ticket = self.rng.choice(self.open_tickets())
        stock.stock_issue_to_ticket(
            ticket=ticket,
            part=self.rng.choice(self.parts),
            stock_location=self.depot,
            actor=self.actor,
            quantity=self.rng.randint(1, 3),
            override_reason="Any part will do for this test",
        )

    def give_back(self) -> None:
        issued = list(
            StockMovement.objects.filter(kind=StockMovementKind.ISSUED, ticket__in=self.open_tickets())
            .select_related("ticket", "part")
            .order_by("pk")
        )
        movement = self.rng.choice(issued)
        assert movement.ticket is not None
        stock.stock_return_from_ticket(
            ticket=movement.ticket, part=movement.part, stock_location=self.depot, actor=self.actor
        )

    def beyond_repair(self) -> None:
        ticket = self.rng.choice(self.open_tickets())
        tickets.ticket_transition(
            ticket=ticket,
            actor=self.actor,
            to_status=TicketStatus.BEYOND_REPAIR,
            resolution_summary="Board failed",
        )

    def step(self) -> None:
        writes: dict[str, Callable[[], None]] = {
            "import": self.import_devices,
            "sync": self.sync,
            "move": self.move,
            "status": self.change_status,
            "ticket": self.open_ticket,
            "issue": self.issue,
            "return": self.give_back,
            "beyond repair": self.beyond_repair,
        }
        name = self.rng.choice([*writes, "issue", "issue", "status", "ticket", "sync"])
        with time_machine.travel(self.tick(), tick=False):
            try:
                writes[name]()
            except (DomainError, IndexError) as exc:
                # A refused write (a move the lifecycle forbids, nothing to return) writes nothing.
                logger.debug("%s refused: %s", name, exc)
            else:
                self.applied[name] += 1


# Full recomputations in Python ---------------------------------------------------------------


def devices_recomputed() -> Counter[tuple[Any, ...]]:
    counts: Counter[tuple[Any, ...]] = Counter()
    for device in Device.objects.all():
        counts[(device.location_id, device.model_id, device.status, device.aue_override)] += 1
    return counts


def flags_recomputed(today: dt.date) -> Counter[tuple[Any, ...]]:
    """Per tally group: (not synced, OS behind, developer mode, any flag), from the rules as the
    readiness report states them, in Python."""
    majors = {
        device.os_version: int(device.os_version.split(".")[0])
        for device in Device.objects.exclude(status__in=GONE_FOR_GOOD)
        if device.os_version.split(".")[0].isdigit()
    }
    newest = max(majors.values(), default=None)
    stale_before = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=30), dt.time.min))
    counts: Counter[tuple[Any, ...]] = Counter()
    for device in Device.objects.select_related("model"):
        group = (device.location_id, device.model_id, device.status, device.aue_override)
        not_synced = device.last_sync is not None and device.last_sync < stale_before
        behind = newest is not None and device.os_version in majors and majors[device.os_version] < newest - 2
        dev_mode = device.boot_mode == BootMode.DEV
        month = device.model.aue_month
        aue = device.aue_override or (_last_day(month) if month else None)
        past_aue = aue is not None and aue < today
        for position, flag in enumerate(
            (not_synced, behind, dev_mode, not_synced or behind or dev_mode or past_aue)
        ):
            counts[(*group, position)] += int(flag)
    return +counts  # groups without the flag drop out, as zero columns do below


def _last_day(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def usage_recomputed() -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    usage: dict[tuple[Any, ...], tuple[int, Decimal]] = {}
    movements = StockMovement.objects.filter(
        kind__in=[StockMovementKind.ISSUED, StockMovementKind.RETURNED], ticket__isnull=False
    ).select_related("ticket__device__model", "ticket__location")
    for movement in movements:
        assert movement.ticket is not None
        local = timezone.localtime(movement.occurred_at)
        month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        key = (month, movement.ticket.device.model.name, movement.ticket.location.name)
        parts, cost = usage.get(key, (0, Decimal("0")))
        usage[key] = (
            parts - movement.quantity,
            cost - movement.quantity * (movement.unit_cost or Decimal("0")),
        )
    return usage


def model_years_recomputed() -> dict[tuple[int, int], tuple[int, int, int]]:
    figures: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for device in Device.objects.all():
        acquired = device.purchase_date or timezone.localtime(device.created_at).date()
        figures[(device.model_id, school_year_of(acquired))][0] += 1
        if device.status not in GONE_FOR_GOOD:
            continue
        events = CustodyEvent.objects.filter(device=device, to_status__in=GONE_FOR_GOOD).select_related(
            "ticket"
        )
        moments = sorted(event.occurred_at for event in events)
        if moments:
            figures[(device.model_id, school_year_of(timezone.localtime(moments[0]).date()))][1] += 1
        failure_years = {
            school_year_of(timezone.localtime(event.occurred_at).date())
            for event in events
            if event.to_status == DeviceStatus.RETIRED
            and event.ticket is not None
            and event.ticket.status == TicketStatus.BEYOND_REPAIR
        }
        for year in failure_years:
            figures[(device.model_id, year)][2] += 1
    return {key: (a, g, f) for key, (a, g, f) in figures.items()}


def usage_from_movements(date_from: dt.date | None, date_to: dt.date | None) -> list[dict[str, Any]]:
    """The parts usage report as it was computed before the tally: grouped over the movements."""
    zone = timezone.get_current_timezone()
    movements = repairs_selectors.parts_used_on_tickets()
    if date_from:
        movements = movements.filter(occurred_at__gte=dt.datetime.combine(date_from, dt.time.min, zone))
    if date_to:
        next_day = date_to + dt.timedelta(days=1)
        movements = movements.filter(occurred_at__lt=dt.datetime.combine(next_day, dt.time.min, zone))
    rows = (
        movements.annotate(month=TruncMonth("occurred_at"))
        .values("month", model=F("ticket__device__model__name"), school=F("ticket__location__name"))
        .annotate(parts=Sum(-F("quantity")), cost=repairs_selectors.parts_net_cost())
        .order_by("-month", "model", "school")
    )
    return [dict(row) for row in rows]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_tables_equal_a_full_recomputation_after_random_writes(
    seed: int, supervisor: User, refresh_summaries: Callable[[], None]
):
    import_reference()
    world = World(seed, supervisor)
    for _ in range(STEPS):
        world.step()
    logger.info("seed %s: writes applied %s", seed, dict(world.applied))
    # The series wrote what the tallies count, not only refusals.
    assert world.applied["import"] and world.applied["issue"]
    assert StockMovement.objects.filter(kind=StockMovementKind.ISSUED).exists()
    assert Device.objects.filter(status__in=GONE_FOR_GOOD).exists()

    refresh_summaries()

    tallied_devices = Counter(
        {(t.location_id, t.model_id, t.status, t.aue_override): t.devices for t in DeviceTally.objects.all()}
    )
    assert tallied_devices == devices_recomputed()
    assert sum(tallied_devices.values()) == Device.objects.count()
    tallied_flags = +Counter(
        {
            (t.location_id, t.model_id, t.status, t.aue_override, position): count
            for t in DeviceTally.objects.all()
            for position, count in enumerate((t.not_synced, t.os_behind, t.dev_mode, t.flagged))
        }
    )
    assert tallied_flags == flags_recomputed(timezone.localdate())
    assert world.applied["sync"] and any(
        count for (*_, position), count in tallied_flags.items() if position < 3
    )

    tallied_usage = {
        (timezone.localtime(t.month), t.model, t.school): (t.parts, t.cost)
        for t in PartUsageTally.objects.all()
    }
    assert tallied_usage == usage_recomputed()

    tallied_years = {
        (t.model_id, t.school_year): (t.acquired, t.gone, t.failures) for t in ModelYearTally.objects.all()
    }
    assert tallied_years == model_years_recomputed()

    # The report, for ranges of whole months, of cut months and of days within one month.
    rng = random.Random(seed)
    ranges: list[tuple[dt.date | None, dt.date | None]] = [(None, None), (dt.date(2022, 7, 1), None)]
    for _ in range(6):
        start = dt.date(2022, 5, 1) + dt.timedelta(days=rng.randint(0, 700))
        ranges.append((start, start + dt.timedelta(days=rng.randint(0, 300))))
    ranges.append((dt.date(2023, 3, 5), dt.date(2023, 3, 20)))
    for date_from, date_to in ranges:
        assert list(
            repairs_selectors.parts_usage(date_from=date_from, date_to=date_to)
        ) == usage_from_movements(date_from, date_to), (date_from, date_to)


# Refreshing: when, by whom, and what the reports say about it -----------------------------------


def test_reports_say_when_their_figures_were_computed(
    supervisor: User,
    procurement: User,
    login: Callable[[User], Client],
    refresh_summaries: Callable[[], None],
):
    urls = [reverse("fleet:readiness_report"), reverse("fleet:aue_plan"), reverse("repairs:stock_usage")]
    for url in urls:
        assert "have not been computed yet" in login(supervisor).get(url).content.decode()
    with time_machine.travel(dt.datetime(2026, 3, 2, 6, 30, tzinfo=dt.UTC), tick=False):
        refresh_summaries()
    for url in urls:
        assert "Figures as of 2026-03-02 01:30" in login(supervisor).get(url).content.decode()
    refresh_page = login(procurement).get(reverse("forecasting:refresh_plan")).content.decode()
    assert "Figures as of 2026-03-02 01:30" in refresh_page


def test_summary_rebuild_twice_keeps_one_copy_of_each_row(refresh_summaries: Callable[[], None]):
    import_reference()
    importing.devices_import(data=GAM_SAMPLE, actor=None, source="sample.csv", valid_only=True)

    refresh_summaries()
    first = sorted(DeviceTally.objects.values_list("location_id", "model_id", "status", "devices"))
    refresh_summaries()

    assert sorted(DeviceTally.objects.values_list("location_id", "model_id", "status", "devices")) == first
    assert sum(devices for *_, devices in first) == Device.objects.count() > 0
    assert SummaryRefresh.objects.get(name=DEVICE_TALLY).rows == len(first)


def test_summary_tasks_rebuild_their_table_and_return_its_rows():
    DeviceFactory.create_batch(3)

    devices = device_tally_refresh_task.delay().get()
    usage = part_usage_tally_refresh_task.delay().get()
    model_years = model_year_tally_refresh_task.delay().get()

    assert devices == DeviceTally.objects.count() > 0
    assert usage == PartUsageTally.objects.count() == 0  # no parts issued
    assert model_years == ModelYearTally.objects.count() > 0


def test_summary_tasks_run_every_night():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "fleet.tasks.device_tally_refresh_task",
        "repairs.tasks.part_usage_tally_refresh_task",
        "forecasting.tasks.model_year_tally_refresh_task",
    } <= tasks


def test_device_import_rebuilds_the_device_tally_once_it_commits(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    import_reference()

    with django_capture_on_commit_callbacks(execute=True):
        importing.devices_import(data=GAM_SAMPLE, actor=None, source="sample.csv", valid_only=True)

    assert DeviceTally.objects.aggregate(n=Sum("devices"))["n"] == Device.objects.count() > 0


def test_refused_device_import_leaves_the_device_tally_alone(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    refresh_summaries: Callable[[], None],
):
    import_reference()
    refresh_summaries()
    bad = b"serialNumber,annotatedAssetId,model\nNOT-A-SERIAL,CB-1,Unknown model\n"

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(importing.ImportRejected),
    ):
        importing.devices_import(data=bad, actor=None, source="bad.csv")

    assert callbacks == []
    assert not DeviceTally.objects.exists()
