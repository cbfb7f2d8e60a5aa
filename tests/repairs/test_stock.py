"""Stock services: every movement kind, the ledger invariant, fit checks and who may move stock."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from fleet.choices import DeviceStatus
from fleet.services import variants
from repairs import permissions, selectors
from repairs.choices import StockMovementKind, TicketEventKind, TicketStatus
from repairs.models import Part, StockLevel, StockLocation, StockMovement, Ticket
from repairs.services import stock
from tests.fleet.factories import DeviceFactory, device_with_variant_to_confirm
from tests.repairs.factories import PartFactory, StockLocationFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _fitting_ticket(part: Part, **kwargs: object) -> Ticket:
    ticket = TicketFactory.create(**kwargs)
    part.compatible_models.add(ticket.device.model)
    return ticket


def _stocked(part: Part, location: StockLocation, quantity: int, actor: User) -> None:
    stock.stock_receive(part=part, stock_location=location, quantity=quantity, actor=actor)


def _on_hand(part: Part, location: StockLocation) -> int:
    level = StockLevel.objects.filter(part=part, stock_location=location).first()
    return level.on_hand if level else 0


@pytest.fixture
def part() -> Part:
    return PartFactory.create()


@pytest.fixture
def depot() -> StockLocation:
    return StockLocationFactory.create(name="Central depot")


def test_stock_receive_creates_level_and_received_movement(part, depot, procurement):
    movement = stock.stock_receive(
        part=part, stock_location=depot, quantity=4, actor=procurement, unit_cost=Decimal("9.99")
    )

    assert movement.kind == StockMovementKind.RECEIVED and movement.quantity == 4
    assert movement.unit_cost == Decimal("9.99")
    assert _on_hand(part, depot) == 4
    assert not selectors.stock_ledger_mismatches().exists()


def test_stock_issue_to_ticket_takes_one_and_records_event(part, depot, technician):
    _stocked(part, depot, 2, technician)
    ticket = _fitting_ticket(part)

    movement = stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)

    assert movement.kind == StockMovementKind.ISSUED and movement.quantity == -1
    assert movement.ticket == ticket and movement.unit_cost == part.unit_cost
    assert _on_hand(part, depot) == 1
    event = ticket.events.get()
    assert event.kind == TicketEventKind.PART_ISSUED and part.part_number in event.note


def test_stock_issue_to_ticket_when_not_enough_raises_clear_message(part, depot, technician):
    _stocked(part, depot, 1, technician)
    ticket = _fitting_ticket(part)

    with pytest.raises(ConflictError, match=rf"Not enough {part.part_number} at Central depot: 1 on hand\."):
        stock.stock_issue_to_ticket(
            ticket=ticket, part=part, stock_location=depot, actor=technician, quantity=2
        )

    assert _on_hand(part, depot) == 1
    assert not StockMovement.objects.filter(kind=StockMovementKind.ISSUED).exists()
    assert not ticket.events.exists()


def test_stock_issue_to_ticket_without_level_row_says_none_on_hand(part, depot, technician):
    ticket = _fitting_ticket(part)

    with pytest.raises(ConflictError, match="0 on hand"):
        stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)


def test_stock_issue_to_ticket_when_part_does_not_fit_needs_override(part, depot, technician):
    _stocked(part, depot, 2, technician)
    ticket = TicketFactory.create()

    with pytest.raises(DomainError, match="does not fit"):
        stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)
    movement = stock.stock_issue_to_ticket(
        ticket=ticket,
        part=part,
        stock_location=depot,
        actor=technician,
        override_reason="Same panel, other SKU",
    )

    assert movement.reason == "Override: Same panel, other SKU"
    assert "override" in ticket.events.get().note
    assert _on_hand(part, depot) == 1


@pytest.mark.parametrize("status", [TicketStatus.CLOSED, TicketStatus.RETURNED, TicketStatus.BEYOND_REPAIR])
def test_stock_issue_to_closed_ticket_raises(part, depot, technician, status):
    _stocked(part, depot, 1, technician)
    ticket = _fitting_ticket(part, status=status)

    with pytest.raises(DomainError, match="open tickets"):
        stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)
    assert _on_hand(part, depot) == 1


@pytest.mark.parametrize("quantity", [0, -1])
def test_stock_issue_with_non_positive_quantity_raises(part, depot, technician, quantity):
    _stocked(part, depot, 1, technician)
    with pytest.raises(DomainError, match="at least 1"):
        stock.stock_issue_to_ticket(
            ticket=_fitting_ticket(part), part=part, stock_location=depot, actor=technician, quantity=quantity
        )


def test_stock_issue_above_the_cap_raises_naming_quantity(part, depot, technician):
    _stocked(part, depot, 50, technician)
    ticket = _fitting_ticket(part)

    with pytest.raises(DomainError) as refused:
        stock.stock_issue_to_ticket(
            ticket=ticket,
            part=part,
            stock_location=depot,
            actor=technician,
            quantity=stock.MAX_ISSUE_QUANTITY + 1,
        )

    assert refused.value.field == "quantity"
    assert _on_hand(part, depot) == 50


def test_stock_issue_of_an_inactive_part_raises_naming_part_but_it_can_come_back(part, depot, technician):
    _stocked(part, depot, 2, technician)
    ticket = _fitting_ticket(part)
    stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)
    Part.objects.filter(pk=part.pk).update(is_active=False)
    part.refresh_from_db()

    with pytest.raises(DomainError) as refused:
        stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)
    stock.stock_return_from_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)

    assert refused.value.field == "part"
    assert _on_hand(part, depot) == 2


def test_stock_return_from_ticket_up_to_net_issued(part, depot, technician):
    _stocked(part, depot, 3, technician)
    ticket = _fitting_ticket(part)
    stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician, quantity=2)

    movement = stock.stock_return_from_ticket(
        ticket=ticket, part=part, stock_location=depot, actor=technician
    )
    assert movement.kind == StockMovementKind.RETURNED and movement.quantity == 1
    with pytest.raises(DomainError, match="Only 1"):
        stock.stock_return_from_ticket(
            ticket=ticket, part=part, stock_location=depot, actor=technician, quantity=2
        )
    stock.stock_return_from_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)

    with pytest.raises(DomainError, match="Only 0"):
        stock.stock_return_from_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)
    assert _on_hand(part, depot) == 3
    assert ticket.events.filter(kind=TicketEventKind.PART_RETURNED).count() == 2


def test_stock_return_of_part_issued_to_another_ticket_raises(part, depot, technician):
    _stocked(part, depot, 1, technician)
    stock.stock_issue_to_ticket(
        ticket=_fitting_ticket(part), part=part, stock_location=depot, actor=technician
    )

    with pytest.raises(DomainError, match="Only 0"):
        stock.stock_return_from_ticket(
            ticket=_fitting_ticket(part), part=part, stock_location=depot, actor=technician
        )


def test_stock_transfer_moves_between_locations_with_peers(part, depot, technician):
    kit = StockLocationFactory.create()
    _stocked(part, depot, 3, technician)

    out, into = stock.stock_transfer(
        part=part, from_location=depot, to_location=kit, actor=technician, quantity=2
    )

    assert (out.kind, out.quantity, out.transfer_peer) == (StockMovementKind.TRANSFER_OUT, -2, kit)
    assert (into.kind, into.quantity, into.transfer_peer) == (StockMovementKind.TRANSFER_IN, 2, depot)
    assert (_on_hand(part, depot), _on_hand(part, kit)) == (1, 2)


def test_stock_transfer_more_than_on_hand_changes_nothing(part, depot, technician):
    kit = StockLocationFactory.create()
    _stocked(part, depot, 1, technician)

    with pytest.raises(ConflictError, match="1 on hand"):
        stock.stock_transfer(part=part, from_location=depot, to_location=kit, actor=technician, quantity=2)

    assert (_on_hand(part, depot), _on_hand(part, kit)) == (1, 0)
    assert StockMovement.objects.count() == 1


def test_stock_transfer_to_same_location_raises(part, depot, technician):
    with pytest.raises(DomainError, match="two different"):
        stock.stock_transfer(part=part, from_location=depot, to_location=depot, actor=technician)


def test_stock_adjust_up_and_down_with_reason(part, depot, supervisor):
    stock.stock_adjust(
        part=part, stock_location=depot, quantity=5, reason="Found in stocktake", actor=supervisor
    )
    movement = stock.stock_adjust(
        part=part, stock_location=depot, quantity=-2, reason="Damaged", actor=supervisor
    )

    assert movement.kind == StockMovementKind.ADJUSTED and movement.reason == "Damaged"
    assert _on_hand(part, depot) == 3


def test_stock_adjust_below_zero_raises(part, depot, supervisor):
    stock.stock_adjust(part=part, stock_location=depot, quantity=1, reason="Count", actor=supervisor)
    with pytest.raises(ConflictError, match="1 on hand"):
        stock.stock_adjust(part=part, stock_location=depot, quantity=-2, reason="Count", actor=supervisor)
    assert _on_hand(part, depot) == 1


@pytest.mark.parametrize(("quantity", "reason", "message"), [(1, "  ", "reason"), (0, "Count", "non-zero")])
def test_stock_adjust_needs_reason_and_non_zero(part, depot, supervisor, quantity, reason, message):
    with pytest.raises(DomainError, match=message):
        stock.stock_adjust(
            part=part, stock_location=depot, quantity=quantity, reason=reason, actor=supervisor
        )


def test_stock_adjust_by_technician_is_denied(part, depot, technician):
    with pytest.raises(PermissionDenied):
        stock.stock_adjust(part=part, stock_location=depot, quantity=1, reason="Count", actor=technician)


@pytest.mark.parametrize("status", [DeviceStatus.RETIRED, DeviceStatus.E_WASTE])
def test_stock_harvest_from_retired_device(part, depot, technician, status):
    device = DeviceFactory.create(status=status)
    part.compatible_models.add(device.model)

    movement = stock.stock_harvest(part=part, stock_location=depot, source_device=device, actor=technician)

    assert (movement.kind, movement.quantity, movement.source_device) == (
        StockMovementKind.HARVESTED,
        1,
        device,
    )
    assert _on_hand(part, depot) == 1


def test_stock_harvest_from_device_in_service_raises(part, depot, technician):
    device = DeviceFactory.create(status=DeviceStatus.DEPLOYED)
    part.compatible_models.add(device.model)

    with pytest.raises(DomainError, match="not retired"):
        stock.stock_harvest(part=part, stock_location=depot, source_device=device, actor=technician)


def test_stock_harvest_of_part_that_does_not_fit_raises(part, depot, technician):
    device = DeviceFactory.create(status=DeviceStatus.RETIRED)

    with pytest.raises(DomainError, match="does not fit"):
        stock.stock_harvest(part=part, stock_location=depot, source_device=device, actor=technician)


@pytest.mark.parametrize("actor", ["procurement", "school_admin", "no_role_user"])
def test_stock_moves_by_roles_that_do_not_move_stock_are_denied(part, depot, request, actor):
    user = request.getfixturevalue(actor)
    kit = StockLocationFactory.create()
    with pytest.raises(PermissionDenied):
        stock.stock_issue_to_ticket(ticket=_fitting_ticket(part), part=part, stock_location=depot, actor=user)
    with pytest.raises(PermissionDenied):
        stock.stock_transfer(part=part, from_location=depot, to_location=kit, actor=user)


@pytest.mark.parametrize(
    ("actor", "view", "move", "adjust", "buy"),
    [
        ("technician", True, True, False, False),
        ("supervisor", True, True, True, False),
        ("procurement", True, False, False, True),
        ("admin_user", True, True, True, True),
        ("school_admin", False, False, False, False),
        ("no_role_user", False, False, False, False),
    ],
)
def test_stock_permissions_by_role(request, actor, view, move, adjust, buy):
    user = request.getfixturevalue(actor)

    assert permissions.can_view_stock(user) is view
    assert permissions.can_move_stock(user) is move
    assert permissions.can_adjust_stock(user) is adjust
    assert permissions.can_manage_purchase_orders(user) is buy
    assert permissions.can_view_purchase_orders(user) is buy


def test_stock_ledger_mismatch_selector_finds_a_tampered_level(part, depot, technician):
    _stocked(part, depot, 2, technician)
    StockLevel.objects.filter(part=part).update(on_hand=5)

    mismatches = selectors.stock_ledger_mismatches()

    assert [(level.on_hand, level.ledger) for level in mismatches] == [(5, 2)]  # type: ignore[attr-defined]


def test_stock_on_hand_equals_ledger_after_random_operations(supervisor):
    """A seeded random walk over every service: refused operations change nothing."""
    rng = random.Random(20260901)
    parts = PartFactory.create_batch(2)
    locations = StockLocationFactory.create_batch(3)
    tickets = [TicketFactory.create() for _ in range(3)]
    retired = DeviceFactory.create(status=DeviceStatus.RETIRED)
    for part in parts:
        part.compatible_models.add(retired.model, *(ticket.device.model for ticket in tickets))
    refused = 0
    for _ in range(150):
        part, location = rng.choice(parts), rng.choice(locations)
        quantity = rng.randint(1, 4)
        operation = rng.choice(["receive", "issue", "return", "transfer", "adjust", "harvest"])
        try:
            if operation == "receive":
                stock.stock_receive(part=part, stock_location=location, quantity=quantity, actor=supervisor)
            elif operation == "issue":
                stock.stock_issue_to_ticket(
                    ticket=rng.choice(tickets),
                    part=part,
                    stock_location=location,
                    actor=supervisor,
                    quantity=quantity,
                )
            elif operation == "return":
                stock.stock_return_from_ticket(
                    ticket=rng.choice(tickets),
                    part=part,
                    stock_location=location,
                    actor=supervisor,
                    quantity=quantity,
                )
            elif operation == "transfer":
                stock.stock_transfer(
                    part=part,
                    from_location=location,
                    to_location=rng.choice(locations),
                    actor=supervisor,
                    quantity=quantity,
                )
            elif operation == "adjust":
                stock.stock_adjust(
                    part=part,
                    stock_location=location,
                    quantity=rng.choice([-quantity, quantity]),
                    reason="Stocktake",
                    actor=supervisor,
                )
            else:
                stock.stock_harvest(
                    part=part,
                    stock_location=location,
                    source_device=retired,
                    actor=supervisor,
                    quantity=quantity,
                )
        except DomainError:
            refused += 1
        assert not selectors.stock_ledger_mismatches().exists()

    assert refused > 0  # the walk did hit the limits
    assert not StockLevel.objects.filter(on_hand__lt=0).exists()
    for ticket in tickets:
        for part in parts:
            assert stock.ticket_net_issued(ticket=ticket, part=part) >= 0


# Devices whose hardware variant is to confirm ----------------------------------------------------


def test_stock_issue_part_fitting_only_one_variant_asks_to_confirm_it_first(part, depot, technician):
    _stocked(part, depot, 2, technician)
    device = device_with_variant_to_confirm()
    part.compatible_models.add(device.variant_candidates.get(name__endswith="(Intel)"))
    ticket = TicketFactory.create(device=device)

    with pytest.raises(DomainError, match="confirm the device's variant") as refused:
        stock.stock_issue_to_ticket(
            ticket=ticket, part=part, stock_location=depot, actor=technician, override_reason="looks right"
        )

    assert refused.value.field == "part"
    assert _on_hand(part, depot) == 2
    assert not ticket.events.exists()


def test_stock_issue_part_fitting_every_variant_is_issued(part, depot, technician):
    _stocked(part, depot, 2, technician)
    device = device_with_variant_to_confirm()
    part.compatible_models.add(*device.variant_candidates.all())
    ticket = TicketFactory.create(device=device)

    movement = stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)

    assert movement.reason == ""
    assert _on_hand(part, depot) == 1


def test_part_choices_for_a_variant_to_confirm_fit_only_when_they_fit_every_candidate(technician):
    device = device_with_variant_to_confirm()
    intel = device.variant_candidates.get(name__endswith="(Intel)")
    everywhere, intel_only = PartFactory.create(), PartFactory.create()
    everywhere.compatible_models.add(*device.variant_candidates.all())
    intel_only.compatible_models.add(intel)
    ticket = TicketFactory.create(device=device)

    choices: list[Any] = list(selectors.ticket_part_choices(ticket=ticket))  # annotated with fits
    fits = {choice.pk: choice.fits for choice in choices}

    assert fits[everywhere.pk] is True
    assert fits[intel_only.pk] is False


def test_stock_issue_after_the_variant_is_confirmed_uses_the_confirmed_model(part, depot, technician):
    _stocked(part, depot, 2, technician)
    device = device_with_variant_to_confirm()
    intel = device.variant_candidates.get(name__endswith="(Intel)")
    part.compatible_models.add(intel)
    ticket = TicketFactory.create(device=device)
    variants.device_variant_confirm(device=device, actor=technician, model_id=intel.pk)

    stock.stock_issue_to_ticket(ticket=ticket, part=part, stock_location=depot, actor=technician)

    assert _on_hand(part, depot) == 1
