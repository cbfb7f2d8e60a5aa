"""``manage.py seed_demo``: the demo district is consistent, private and reproducible.

The small district is built once for the module (about a second on SQLite) and removed after
its last test; each test reads it inside its own rolled-back transaction. Tests that need an
empty database clear it inside their transaction, so the shared district comes back afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import io
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import Count, Min, Sum
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from accounts.models import StaffProfile, User
from demo.services.builder import clear_demo_data
from fleet.models import CustodyEvent, Device, Location, Manufacturer
from repairs.choices import OPEN_TICKET_STATUSES, StockMovementKind, TicketEventKind
from repairs.models import Part, StockLevel, StockMovement, Ticket, TicketEvent
from staff.models import OvertimeRequest, OvertimeRequestEvent

# One worker seeds the demo once for the whole module (pytest-xdist's --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo")]

DEMO_LOGINS = {
    "tech.intern": ("technician", 18),
    "tech.itss1": ("technician", 20),
    "tech.itss2": ("technician", 23),
    "tech.itss3": ("technician", 25),
    "supervisor": ("supervisor", None),
    "procurement": ("procurement", None),
    "schooladmin": ("school_admin", None),
    "admin": ("admin", None),
}


@pytest.fixture(scope="module")
def small_demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The small demo district (seed 1), committed for this module; returns the command output."""
    with django_db_blocker.unblock():
        output = io.StringIO()
        call_command("seed_demo", size="small", seed=1, stdout=output)
        yield output.getvalue()
        clear_demo_data()


def _fresh_database() -> None:
    """An empty database as after ``migrate``: flush, then reinstall migration 0003's roles and rules."""
    call_command("flush", interactive=False, verbosity=0)
    migration = ("accounts", "0003_roles_grades_rules")
    state_apps = MigrationLoader(connection).project_state(migration).apps
    importlib.import_module("accounts.migrations.0003_roles_grades_rules").forwards(state_apps, None)


def _fingerprint() -> str:
    """A digest of what a seed decides, free of primary keys and wall-clock creation times."""
    digest = hashlib.sha256()
    rows = [
        Device.objects.order_by("asset_tag").values_list(
            "asset_tag", "serial", "status", "model__name", "location__code", "assignee_id", "purchase_date"
        ),
        Ticket.objects.order_by("device__asset_tag", "opened_at").values_list(
            "device__asset_tag", "opened_at", "symptom", "status", "assignee__username", "closed_at"
        ),
        StockMovement.objects.values_list("part__part_number", "stock_location__code", "kind")
        .annotate(total=Sum("quantity"), moves=Count("id"))
        .order_by("part__part_number", "stock_location__code", "kind"),
        User.objects.order_by("username").values_list("username", "profile__grade__grade"),
    ]
    for query in rows:
        for row in query:
            digest.update(repr(row).encode())
    digest.update(repr((TicketEvent.objects.count(), CustodyEvent.objects.count())).encode())
    return digest.hexdigest()


def test_seed_demo_small_creates_demo_logins_in_their_groups_with_grades(small_demo: str) -> None:
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_LOGINS)}

    assert set(users) == set(DEMO_LOGINS)
    for username, (group, grade) in DEMO_LOGINS.items():
        user = users[username]
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.profile.grade_id is None if grade is None else user.profile.grade.grade == grade
        assert user.check_password("demo-pass")
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert users["tech.intern"].profile.supervisor == users["supervisor"]
    assert users["schooladmin"].profile.locations.count() == 1
    assert "http://127.0.0.1:8000/" in small_demo and "tech.itss3" in small_demo


def test_seed_demo_small_has_the_planned_district_shape(small_demo: str) -> None:
    assert Device.objects.count() == 1_500
    assert User.objects.count() == 15
    assert Ticket.objects.count() == 3_000
    assert StaffProfile.objects.filter(
        licence_expires_on__lte=timezone.localdate() + dt.timedelta(days=30)
    ).exists()


def test_seed_demo_serials_match_their_manufacturer_format_and_tags_are_unique(small_demo: str) -> None:
    for maker in Manufacturer.objects.all():
        pattern = re.compile(maker.serial_regex)
        serials = list(maker.devices.values_list("serial", flat=True))
        assert serials
        assert all(pattern.fullmatch(serial) for serial in serials), maker.name
        assert len(set(serials)) == len(serials)
    tags = list(Device.objects.values_list("asset_tag", flat=True))
    assert len(set(tags)) == len(tags)


def test_seed_demo_stock_levels_equal_the_ledger_and_never_go_negative(small_demo: str) -> None:
    ledger = {
        (row["part_id"], row["stock_location_id"]): row["total"]
        for row in StockMovement.objects.values("part_id", "stock_location_id").annotate(
            total=Sum("quantity")
        )
    }
    levels = {(level.part_id, level.stock_location_id): level.on_hand for level in StockLevel.objects.all()}

    assert ledger
    assert all(levels.get(key) == total for key, total in ledger.items())
    assert all(on_hand >= 0 for on_hand in levels.values())
    balance: dict[tuple[int, int], int] = {}
    for part, place, quantity in StockMovement.objects.order_by("occurred_at", "pk").values_list(
        "part_id", "stock_location_id", "quantity"
    ):
        balance[part, place] = balance.get((part, place), 0) + quantity
        assert balance[part, place] >= 0


def test_seed_demo_issued_parts_fit_the_ticket_device_model(small_demo: str) -> None:
    fits = set(Part.compatible_models.through.objects.values_list("part_id", "devicemodel_id"))
    issued = StockMovement.objects.filter(kind=StockMovementKind.ISSUED)

    assert issued.filter(ticket__isnull=True).count() == 0
    assert all(pair in fits for pair in issued.values_list("part_id", "ticket__device__model_id").iterator())
    assert set(issued.values_list("quantity", flat=True)) == {-1}


def test_seed_demo_tickets_open_with_an_event_and_their_history_runs_forward(small_demo: str) -> None:
    assert not Ticket.objects.exclude(events__kind=TicketEventKind.OPENED).exists()
    first_events = TicketEvent.objects.values("ticket_id").annotate(first=Min("occurred_at"))
    opened = dict(Ticket.objects.values_list("pk", "opened_at"))
    assert all(row["first"] == opened[row["ticket_id"]] for row in first_events)
    last_seen: dict[int, dt.datetime] = {}
    for ticket_id, occurred_at in TicketEvent.objects.order_by("ticket_id", "pk").values_list(
        "ticket_id", "occurred_at"
    ):
        assert occurred_at >= last_seen.get(ticket_id, occurred_at)
        last_seen[ticket_id] = occurred_at
    assert max(last_seen.values()) < timezone.now()


def test_seed_demo_devices_in_repair_are_those_with_open_tickets(small_demo: str) -> None:
    open_tickets = Ticket.objects.filter(status__in=OPEN_TICKET_STATUSES)
    in_repair = Device.objects.filter(status__in=["in_repair", "at_vendor"])

    assert open_tickets.exists()
    assert set(open_tickets.values_list("device_id", flat=True)) == set(
        in_repair.values_list("pk", flat=True)
    )
    assert open_tickets.count() == in_repair.count()


def test_seed_demo_students_appear_only_as_numeric_ids(small_demo: str) -> None:
    students = Device.objects.filter(assignee_kind="student")

    assert students.exists()
    assert all(re.fullmatch(r"\d{6,7}", value) for value in students.values_list("assignee_id", flat=True))
    assert not CustodyEvent.objects.filter(to_assignee_id__contains="@").exists()


def test_seed_demo_students_are_the_devices_student_holders_by_id_only(small_demo: str) -> None:
    from students.models import Student

    holders = set(Device.objects.filter(assignee_kind="student").values_list("assignee_id", flat=True))
    students = Student.objects.all()
    assert set(students.values_list("identifier", flat=True)) == holders
    assert not students.exclude(given_name="", family_name="").exists()
    assert not students.filter(school__isnull=True).exists()
    assert students.filter(is_active=False).exists()
    # The roster came in at the start of the demo's school year, not at the epoch.
    assert not students.filter(created_at__year__lt=2000).exists()


def test_seed_demo_is_ready_for_a_hand_out_day_and_a_collection(small_demo: str) -> None:
    from students.models import AccessoryStock, Agreement, ChargePolicy, FeeRule, Handout

    assert Agreement.objects.filter(is_active=True).count() == 1
    assert set(FeeRule.objects.values_list("damage_cause", flat=True)) == {
        "accidental",
        "liquid",
        "intentional",
        "lost",
    }
    assert ChargePolicy.objects.get().hold_enabled
    schools = Location.objects.schools().count()
    assert AccessoryStock.objects.filter(kind="charger", on_hand__gt=0).count() == schools
    # Every device the demo lent to a student is an open hand-out, so it can be collected back,
    # but one in ten, left assigned by import only, as a real district's devices are.
    open_handouts = Handout.objects.filter(collected_at__isnull=True)
    assigned = Device.objects.filter(assignee_kind="student")
    import_only = assigned.exclude(pk__in=open_handouts.values("device_id"))
    assert open_handouts.count() + import_only.count() == assigned.count()
    assert 0 < import_only.count() <= assigned.count() // 10 + 1
    assert set(open_handouts.values_list("device__assignee_id", flat=True)) == set(
        open_handouts.values_list("student__identifier", flat=True)
    )


def test_seed_demo_invented_part_numbers_are_marked_demo(small_demo: str) -> None:
    invented = Part.objects.filter(part_number__startswith="DEMO-")

    assert invented.exists()
    assert not invented.filter(is_demo=False).exists()
    assert not Part.objects.filter(is_demo=True).exclude(part_number__startswith="DEMO-").exists()


def test_seed_demo_overtime_requests_follow_the_rule_in_force_and_the_supervisor(small_demo: str) -> None:
    requests = OvertimeRequest.objects.select_related("requester__profile__grade", "rule")

    assert requests.exists()
    for request in requests:
        profile_grade = request.requester.profile.grade
        assert profile_grade is not None
        grade = profile_grade.grade
        assert request.rule.grade_min <= grade <= request.rule.grade_max and request.rule.eligible
        if request.decided_by_id:
            assert request.decided_by_id == request.requester.profile.supervisor_id
    events = OvertimeRequestEvent.objects.select_related("request")
    assert all(event.rule_id == event.request.rule_id for event in events)


def test_seed_demo_second_run_without_reset_refuses(small_demo: str) -> None:
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", size="tiny", seed=1, stdout=io.StringIO())

    assert Device.objects.count() == 1_500


def test_seed_demo_if_empty_keeps_existing_data_and_lists_the_logins(small_demo: str) -> None:
    output = io.StringIO()

    call_command("seed_demo", size="tiny", seed=2, if_empty=True, stdout=output)

    assert Device.objects.count() == 1_500
    text = output.getvalue()
    assert "keeping it" in text
    for username in DEMO_LOGINS:
        assert re.search(rf"^  {re.escape(username)} .* demo-pass$", text, re.MULTILINE)


def test_seed_demo_if_empty_loads_an_empty_database() -> None:
    _fresh_database()

    call_command("seed_demo", size="tiny", seed=3, if_empty=True, stdout=io.StringIO())

    assert Device.objects.exists()
    assert User.objects.filter(username__in=DEMO_LOGINS).count() == len(DEMO_LOGINS)


def test_seed_demo_same_seed_on_fresh_databases_gives_same_data() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC), tick=True):
        _fresh_database()
        call_command("seed_demo", size="tiny", seed=7, stdout=io.StringIO())
        first = _fingerprint()
        _fresh_database()
        call_command("seed_demo", size="tiny", seed=7, stdout=io.StringIO())
        second = _fingerprint()
        call_command("seed_demo", size="tiny", seed=8, reset=True, stdout=io.StringIO())
        other = _fingerprint()

    assert first == second
    assert other != first


@pytest.mark.skipif(connection.vendor != "postgresql", reason="history triggers exist on PostgreSQL only")
@pytest.mark.parametrize("model", [TicketEvent, CustodyEvent, StockMovement])
def test_seed_demo_ledgers_have_no_insert_snapshots_and_keep_their_triggers(
    small_demo: str, model: type[TicketEvent | CustodyEvent | StockMovement]
) -> None:
    # A ledger row is its own record of its insert: its history keeps updates and deletes only.
    history = apps.get_model(model._meta.app_label, f"{model.__name__}History")
    assert model.objects.exists()
    assert not history.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE tgenabled = 'D'), count(*) FILTER (WHERE tgtype & 4 = 4),"
            " count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [model._meta.db_table],
        )
        assert cursor.fetchone() == (0, 0, 2)  # none disabled; no insert trigger; update and delete


@pytest.mark.skipif(connection.vendor != "postgresql", reason="history triggers exist on PostgreSQL only")
@pytest.mark.parametrize("model", [Device, Ticket])
def test_seed_demo_bulk_tables_carry_one_insert_snapshot_per_row_as_the_trigger_writes(
    small_demo: str, model: type[Device | Ticket]
) -> None:
    # The loader switches the history triggers off and writes the snapshots in one statement.
    history = apps.get_model(model._meta.app_label, f"{model.__name__}History")
    fields = [f.attname for f in history._meta.concrete_fields if not f.attname.startswith("pgh_")]
    rows = [("insert", row[0], None, *row) for row in model.objects.values_list(*fields)]
    snapshots = history.objects.values_list("pgh_label", "pgh_obj_id", "pgh_context_id", *fields)
    assert rows
    assert sorted(snapshots) == sorted(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgenabled = 'D'",
            [model._meta.db_table],
        )
        assert cursor.fetchone() == (0,)
