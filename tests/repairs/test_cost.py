"""Cost of ownership: a device's repair cost to date, what it is still worth, and the
repair-or-replace advice on its tickets, in exact cents, on the device and ticket pages and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from fleet.models import District
from repairs import selectors
from repairs.choices import StockMovementKind, TicketStatus
from repairs.domain import cost
from repairs.models import Ticket
from tests.fleet.factories import DeviceFactory, DeviceModelFactory
from tests.repairs.factories import PartFactory, StockMovementFactory, TicketFactory

Login = Callable[[User], Client]
TODAY = dt.date(2027, 7, 15)


# Arithmetic (no database) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "rate", "expected"),
    [
        (90, "45.00", "67.50"),
        (7, "45.00", "5.25"),
        (10, "47.50", "7.92"),  # 7.9166… rounds half up to the cent
        (1, "0.10", "0.00"),
        (0, "45.00", "0.00"),
    ],
)
def test_labour_cost_is_minutes_at_the_hourly_rate_to_the_cent(
    minutes: int, rate: str, expected: str
) -> None:
    assert cost.labour_cost(minutes=minutes, rate_per_hour=Decimal(rate)) == Decimal(expected)


def _value(today: dt.date, **overrides: object) -> cost.RemainingValue:
    arguments: dict[str, object] = {
        "replacement_price": Decimal("329.00"),
        "aue_date": dt.date(2030, 6, 30),
        "life_start": dt.date(2024, 7, 15),
        "today": today,
    }
    return cost.remaining_value(**(arguments | overrides))  # type: ignore[arg-type]


def test_remaining_value_of_a_new_device_is_its_full_price() -> None:
    value = _value(dt.date(2024, 7, 15))
    assert (value.amount, value.months_left, value.supported_months) == (Decimal("329.00"), 71, 71)
    assert value.describe() == "$329.00 new \N{MULTIPLICATION SIGN} 71 of 71 months of updates left"


def test_remaining_value_mid_life_is_prorated_by_months_of_updates_left() -> None:
    value = _value(TODAY)
    # 329.00 x 35 / 71 = 162.183…
    assert (value.amount, value.months_left, value.supported_months) == (Decimal("162.18"), 35, 71)
    assert value.basis == cost.ValueBasis.PRORATED


def test_remaining_value_in_the_last_month_before_aue() -> None:
    value = _value(dt.date(2030, 5, 30))
    # 329.00 x 1 / 71 = 4.6338…
    assert (value.amount, value.months_left) == (Decimal("4.63"), 1)


def test_remaining_value_past_aue_is_nothing() -> None:
    value = _value(dt.date(2030, 7, 1))
    assert (value.amount, value.basis) == (Decimal("0.00"), cost.ValueBasis.PAST_AUE)
    assert value.describe() == "past its AUE date"


def test_remaining_value_without_an_aue_date_is_the_full_price() -> None:
    value = _value(TODAY, aue_date=None)
    assert (value.amount, value.basis) == (Decimal("329.00"), cost.ValueBasis.NO_AUE)


def test_remaining_value_without_a_start_date_is_the_full_price() -> None:
    value = _value(TODAY, life_start=None)
    assert (value.amount, value.months_left, value.basis) == (Decimal("329.00"), 35, cost.ValueBasis.NO_START)


def test_remaining_value_with_no_replacement_price_is_unknown() -> None:
    value = _value(TODAY, replacement_price=Decimal("0.00"))
    assert (value.amount, value.basis) == (None, cost.ValueBasis.NO_PRICE)


def test_life_starts_at_purchase_else_at_the_warranty_start() -> None:
    purchase, warranty_end = dt.date(2024, 7, 15), dt.date(2027, 7, 14)
    assert cost.life_start(purchase_date=purchase, warranty_end=warranty_end, warranty_months=36) == purchase
    assert cost.life_start(purchase_date=None, warranty_end=warranty_end, warranty_months=36) == dt.date(
        2024, 7, 14
    )
    assert cost.life_start(purchase_date=None, warranty_end=dt.date(2027, 3, 31), warranty_months=13) == (
        dt.date(2026, 2, 28)
    )
    assert cost.life_start(purchase_date=None, warranty_end=None, warranty_months=36) is None


def _advice(
    this_parts: str, this_minutes: int, other_parts: str, value: cost.RemainingValue
) -> cost.RepairAdvice:
    rate = Decimal("45.00")
    return cost.RepairAdvice(
        this_repair=cost.RunningCost(
            parts=Decimal(this_parts), labour_minutes=this_minutes, labour_rate=rate
        ),
        labour_estimated=False,
        other_repairs=cost.RunningCost(
            parts=Decimal(other_parts), labour_minutes=60, labour_rate=rate, tickets=2
        ),
        value=value,
    )


def test_advice_says_repairing_is_cheaper_with_the_figures() -> None:
    advice = _advice("40.00", 30, "20.00", _value(TODAY))
    # This repair 40.00 + 22.50; before 20.00 + 45.00: 127.50 against 162.18.
    assert advice.total == Decimal("127.50")
    assert advice.verdict == cost.Verdict.REPAIR
    assert advice.sentence == (
        "Repairing is cheaper: this repair ($62.50) plus $65.00 on its other repairs comes to $127.50, "
        "no more than the $162.18 it is still worth "
        "($329.00 new \N{MULTIPLICATION SIGN} 35 of 71 months of updates left)."
    )


def test_advice_says_replacing_is_cheaper_with_the_figures() -> None:
    advice = _advice("75.00", 30, "20.00", _value(TODAY))
    assert advice.total == Decimal("162.50")
    assert advice.verdict == cost.Verdict.REPLACE
    assert advice.sentence == (
        "Replacing is cheaper: this repair ($97.50) plus $65.00 on its other repairs comes to $162.50, "
        "more than the $162.18 it is still worth "
        "($329.00 new \N{MULTIPLICATION SIGN} 35 of 71 months of updates left)."
    )


def test_advice_at_exactly_the_remaining_value_is_to_repair() -> None:
    assert _advice("74.68", 30, "20.00", _value(TODAY)).verdict == cost.Verdict.REPAIR


def test_advice_past_aue_replaces_any_paid_repair() -> None:
    advice = _advice("0.00", 1, "0.00", _value(dt.date(2030, 7, 1)))
    assert advice.verdict == cost.Verdict.REPLACE
    assert advice.sentence.endswith("more than the $0.00 it is still worth (past its AUE date).")


def test_advice_without_a_price_compares_nothing() -> None:
    advice = _advice("40.00", 30, "20.00", _value(TODAY, replacement_price=Decimal("0.00")))
    assert advice.verdict is None
    assert advice.sentence == (
        "No replacement price is set for its model, so there is nothing to compare: "
        "this repair ($62.50) plus $65.00 on its other repairs comes to $127.50."
    )


# Reading the figures ----------------------------------------------------------------------------------


def _consume(ticket: Ticket, quantity: int, unit_cost: str, *, fitting: int | None = None) -> None:
    """Issue ``quantity`` parts to the ticket (a negative quantity returns them)."""
    StockMovementFactory.create(
        ticket=ticket,
        part=PartFactory.create(labour_minutes=fitting),
        kind=StockMovementKind.ISSUED if quantity > 0 else StockMovementKind.RETURNED,
        quantity=-quantity,
        unit_cost=Decimal(unit_cost),
    )


@pytest.fixture
def repaired_device(db: None) -> Ticket:
    """A device with two earlier tickets (parts 2 x 40.00 - 1 x 40.00 + 12.35, 50 minutes of
    labour) and an open one (one 30.00 part that takes 25 minutes to fit, no labour recorded)."""
    District.objects.update_or_create(pk=1, defaults={"labour_rate_per_hour": Decimal("60.00")})
    device = DeviceFactory.create(
        model=DeviceModelFactory.create(aue_month=dt.date(2030, 6, 1), unit_price=Decimal("329.00")),
        purchase_date=dt.date(2024, 7, 15),
    )
    first = TicketFactory.create(device=device, status=TicketStatus.CLOSED, labour_minutes=30)
    _consume(first, 2, "40.00")
    _consume(first, -1, "40.00")
    second = TicketFactory.create(device=device, status=TicketStatus.CLOSED, labour_minutes=20)
    _consume(second, 1, "12.35")
    # Neither another device's parts nor stock received or transferred count.
    _consume(TicketFactory.create(labour_minutes=600), 1, "99.00")
    StockMovementFactory.create(kind=StockMovementKind.RECEIVED, quantity=5, unit_cost=Decimal("9.00"))
    current = TicketFactory.create(device=device, status=TicketStatus.IN_PROGRESS)
    _consume(current, 1, "30.00", fitting=25)
    return current


def test_device_repair_cost_sums_every_ticket_in_one_query(
    repaired_device: Ticket, django_assert_num_queries: Callable[[int], object]
) -> None:
    with django_assert_num_queries(1):  # type: ignore[attr-defined]
        running = selectors.device_repair_cost(device=repaired_device.device)
    # Parts 40.00 + 12.35 + 30.00; labour 50 minutes at 60.00 an hour.
    assert (running.parts, running.labour_minutes, running.tickets) == (Decimal("82.35"), 50, 3)
    assert (running.labour, running.total) == (Decimal("50.00"), Decimal("132.35"))


def test_device_repair_cost_of_a_device_never_repaired_is_zero_at_the_default_rate(db: None) -> None:
    running = selectors.device_repair_cost(device=DeviceFactory.create())
    assert (running.total, running.tickets, running.labour_rate) == (Decimal("0.00"), 0, Decimal("45.00"))


@time_machine.travel(dt.datetime(2027, 7, 15, 12, tzinfo=dt.UTC))
def test_ticket_advice_splits_this_repair_from_the_others_with_estimated_labour(
    repaired_device: Ticket, django_assert_num_queries: Callable[[int], object]
) -> None:
    ticket = Ticket.objects.select_related("device__model").get(pk=repaired_device.pk)
    with django_assert_num_queries(1):  # type: ignore[attr-defined]
        advice = selectors.ticket_repair_advice(ticket=ticket)
    # This repair: 30.00 + 25 fitting minutes at 60.00 (25.00); before: 52.35 + 50.00.
    assert (advice.this_repair.total, advice.labour_estimated) == (Decimal("55.00"), True)
    assert (advice.other_repairs.total, advice.other_repairs.tickets) == (Decimal("102.35"), 2)
    assert advice.value.amount == Decimal("162.18")
    assert advice.sentence.startswith("Repairing is cheaper: this repair ($55.00) plus $102.35")


@time_machine.travel(dt.datetime(2027, 7, 15, 12, tzinfo=dt.UTC))
def test_ticket_advice_uses_recorded_labour_once_there_is_some(repaired_device: Ticket) -> None:
    Ticket.objects.filter(pk=repaired_device.pk).update(labour_minutes=9)
    repaired_device.refresh_from_db()
    advice = selectors.ticket_repair_advice(ticket=repaired_device)
    assert (advice.this_repair.labour, advice.labour_estimated) == (Decimal("9.00"), False)
    assert advice.total == Decimal("141.35")


@time_machine.travel(dt.datetime(2030, 8, 1, 12, tzinfo=dt.UTC))
def test_ticket_advice_past_aue_says_replace(repaired_device: Ticket) -> None:
    advice = selectors.ticket_repair_advice(ticket=repaired_device)
    assert advice.verdict == cost.Verdict.REPLACE
    assert advice.value.amount == Decimal("0.00")


# Pages and API -----------------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2027, 7, 15, 12, tzinfo=dt.UTC))
def test_ticket_page_shows_the_advice_and_costs(
    login: Login, technician: User, repaired_device: Ticket
) -> None:
    html = login(technician).get(reverse("repairs:ticket_detail", args=[repaired_device.pk])).content.decode()
    assert (
        "<strong>Repairing is cheaper: this repair ($55.00) plus $102.35 on its other repairs comes to "
        "$157.35, "
        "no more than the $162.18 it is still worth "
        "($329.00 new \N{MULTIPLICATION SIGN} 35 of 71 months of updates left).</strong>"
    ) in html
    assert "<dt>Labour rate</dt><dd>$60.00 an hour</dd>" in html
    assert "(25 min estimated from the parts' fitting times)" in html


def test_device_page_shows_the_repair_cost_to_date(
    login: Login, technician: User, repaired_device: Ticket
) -> None:
    url = reverse("fleet:device_detail", args=[repaired_device.device_id])
    html = login(technician).get(url).content.decode()
    assert "Repair cost to date: <strong>$132.35</strong>" in html
    assert "labour $50.00 at $60.00 an hour, over 3 tickets" in html


def test_device_page_queries_do_not_grow_with_its_tickets(
    login: Login, technician: User, repaired_device: Ticket
) -> None:
    client = login(technician)
    url = reverse("fleet:device_detail", args=[repaired_device.device_id])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(3):
        _consume(TicketFactory.create(device=repaired_device.device, labour_minutes=5), 1, "1.00")
    with CaptureQueriesContext(connection) as after:
        assert "Repair cost to date: <strong>$150.35</strong>" in client.get(url).content.decode()
    assert len(before) == len(after) == 12  # +1: the ticket ids its loans are found by


def test_school_admin_sees_the_cost_of_a_device_at_their_school_only(
    login: Login, school_admin: User, repaired_device: Ticket
) -> None:
    client = login(school_admin)
    url = reverse("fleet:device_detail", args=[repaired_device.device_id])
    assert client.get(url).status_code == 404
    assert client.get(reverse("repairs:ticket_detail", args=[repaired_device.pk])).status_code == 404
    school = school_admin.profile.locations.get()
    own = TicketFactory.create(device=DeviceFactory.create(location=school), labour_minutes=60)
    html = client.get(reverse("fleet:device_detail", args=[own.device_id])).content.decode()
    assert "Repair cost to date: <strong>$60.00</strong>" in html


@time_machine.travel(dt.datetime(2027, 7, 15, 12, tzinfo=dt.UTC))
def test_ticket_api_gives_the_rate_costs_and_advice(
    token_api_client: Callable[[User], object], technician: User, repaired_device: Ticket
) -> None:
    client = token_api_client(technician)
    body = client.get(f"/api/tickets/{repaired_device.pk}/").json()  # type: ignore[attr-defined]
    flags = body["flags"]
    assert flags["labour_rate_per_hour"] == "60.00"
    assert (flags["this_repair_cost"], flags["labour_estimated"], flags["other_repairs_cost"]) == (
        "55.00",
        True,
        "102.35",
    )
    assert (flags["remaining_value"], flags["advice"]) == ("162.18", "repair")
    assert flags["advice_sentence"].startswith("Repairing is cheaper")
