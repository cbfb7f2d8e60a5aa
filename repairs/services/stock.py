"""Stock services: every change of on-hand quantity is one ledger row plus one counter update.

Invariant: for every StockLevel, ``on_hand`` equals the sum of its StockMovement quantities and is
never negative. Decrements use a conditional UPDATE (``on_hand >= n``) and check the row count, so
two technicians taking the last unit at once cannot both succeed; the CheckConstraint on
StockLevel is the backstop. Each service runs in one transaction: the movement and the counter
commit together or not at all.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from fleet.choices import DeviceStatus
from fleet.models import Device
from fleet.selectors import devices as fleet_selectors
from repairs import permissions
from repairs.choices import OPEN_TICKET_STATUSES, StockMovementKind, TicketEventKind
from repairs.models import (
    Part,
    PurchaseOrderLine,
    StockLevel,
    StockLocation,
    StockMovement,
    Ticket,
    TicketEvent,
)

HARVESTABLE_DEVICE_STATUSES = (DeviceStatus.RETIRED, DeviceStatus.E_WASTE)
# One ticket repairs one device: 20 of a part covers any real repair (a keyboard's worth of keys)
# while a slip of the thumb cannot empty a depot onto one ticket. The form and the API use it too.
MAX_ISSUE_QUANTITY = 20


def _check_quantity(quantity: int) -> None:
    if quantity < 1:
        raise DomainError("Quantity must be at least 1.", field="quantity")


def _level(*, part: Part, stock_location: StockLocation) -> StockLevel:
    level, _ = StockLevel.objects.get_or_create(part=part, stock_location=stock_location)
    return level


def _increase(*, part: Part, stock_location: StockLocation, quantity: int) -> None:
    level = _level(part=part, stock_location=stock_location)
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)


def _decrease(*, part: Part, stock_location: StockLocation, quantity: int) -> None:
    """Take ``quantity`` out, or raise ConflictError naming what is left.

    The UPDATE only matches while enough is on hand; on PostgreSQL a concurrent taker waits for
    the row lock and then re-checks the condition against the committed count.
    """
    updated = StockLevel.objects.filter(
        part=part, stock_location=stock_location, on_hand__gte=quantity
    ).update(on_hand=F("on_hand") - quantity)
    if updated != 1:
        on_hand = (
            StockLevel.objects.filter(part=part, stock_location=stock_location)
            .values_list("on_hand", flat=True)
            .first()
        ) or 0
        raise ConflictError(
            f"Not enough {part.part_number} at {stock_location}: {on_hand} on hand.", field="quantity"
        )


def _record(
    *, part: Part, stock_location: StockLocation, kind: str, quantity: int, actor: User, **fields: object
) -> StockMovement:
    movement = StockMovement(
        part=part,
        stock_location=stock_location,
        kind=kind,
        quantity=quantity,
        actor=actor,
        occurred_at=timezone.now(),
        **fields,
    )
    movement.full_clean()
    movement.save()
    return movement


@transaction.atomic
def stock_receive(
    *,
    part: Part,
    stock_location: StockLocation,
    quantity: int,
    actor: User,
    unit_cost: Decimal | None = None,
    purchase_order_line: PurchaseOrderLine | None = None,
) -> StockMovement:
    """Book goods in (internal: purchase order receiving checks who may do it)."""
    _check_quantity(quantity)
    _increase(part=part, stock_location=stock_location, quantity=quantity)
    return _record(
        part=part,
        stock_location=stock_location,
        kind=StockMovementKind.RECEIVED,
        quantity=quantity,
        actor=actor,
        unit_cost=unit_cost,
        purchase_order_line=purchase_order_line,
    )


def part_fits_model(*, part: Part, model_id: int) -> bool:
    return part.compatible_models.filter(pk=model_id).exists()


@transaction.atomic
def stock_issue_to_ticket(
    *,
    ticket: Ticket,
    part: Part,
    stock_location: StockLocation,
    actor: User,
    quantity: int = 1,
    override_reason: str = "",
) -> StockMovement:
    """Issue parts from a stock location to an open ticket.

    The part must be active (a discontinued part is no longer issued, even from stock left on a
    shelf; naming ``part``) and fit the ticket's device model unless ``override_reason`` says why
    it is used anyway. For a device whose variant is to confirm, the part must fit every
    candidate variant; one that fits only some is refused (naming ``part``) until the variant is
    confirmed; at most ``MAX_ISSUE_QUANTITY`` at a time (naming ``quantity``). Raises
    PermissionDenied for roles that do not move stock, DomainError for a closed ticket or a
    misfit without a reason, and ConflictError when not enough is on hand (including when
    someone else just took the last unit).
    """
    if not permissions.can_move_stock(actor):
        raise PermissionDenied
    _check_quantity(quantity)
    if quantity > MAX_ISSUE_QUANTITY:
        raise DomainError(f"Issue at most {MAX_ISSUE_QUANTITY} at a time to one ticket.", field="quantity")
    if not part.is_active:
        raise DomainError(f"{part.part_number} is no longer active: it is not issued.", field="part")
    override_reason = override_reason.strip()
    if ticket.status not in OPEN_TICKET_STATUSES:
        raise DomainError(
            f"Ticket {ticket.pk} is {ticket.get_status_display().lower()}: parts go to open tickets."
        )
    device_model_id = Device.objects.filter(pk=ticket.device_id).values_list("model_id", flat=True).get()
    candidates = fleet_selectors.device_variant_candidate_ids(device_id=ticket.device_id)
    if candidates:
        # The variant is to confirm: a part that fits every candidate fits; one that fits only
        # some would be a guess, so the technician reads the label first (no override for that).
        fitting = set(part.compatible_models.filter(pk__in=candidates).values_list("pk", flat=True))
        if fitting and fitting != candidates:
            raise DomainError(
                f"{part.part_number} fits only some of the variants this device may be: confirm the "
                "device's variant from the label on the device (on its page) before issuing it.",
                field="part",
            )
        fits = bool(fitting)
    else:
        fits = part_fits_model(part=part, model_id=device_model_id)
    if not fits and not override_reason:
        raise DomainError(
            f"{part.part_number} does not fit this device's model: give an override reason to use it anyway.",
            field="override_reason",
        )
    _decrease(part=part, stock_location=stock_location, quantity=quantity)
    movement = _record(
        part=part,
        stock_location=stock_location,
        kind=StockMovementKind.ISSUED,
        quantity=-quantity,
        actor=actor,
        ticket=ticket,
        unit_cost=part.unit_cost,
        reason="" if fits else f"Override: {override_reason}"[:255],
    )
    note = f"{quantity} x {part.part_number} from {stock_location}"
    if not fits:
        note += f" (does not fit the model; override: {override_reason})"
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEventKind.PART_ISSUED,
        actor=actor,
        occurred_at=movement.occurred_at,
        note=note,
    )
    return movement


def ticket_net_issued(*, ticket: Ticket, part: Part) -> int:
    """Units of ``part`` issued to ``ticket`` and not yet returned."""
    total = StockMovement.objects.filter(
        ticket=ticket, part=part, kind__in=[StockMovementKind.ISSUED, StockMovementKind.RETURNED]
    ).aggregate(total=Sum("quantity"))["total"]
    return -(total or 0)


@transaction.atomic
def stock_return_from_ticket(
    *, ticket: Ticket, part: Part, stock_location: StockLocation, actor: User, quantity: int = 1
) -> StockMovement:
    """Take unused parts back from a ticket into a stock location.

    At most what was issued to that ticket and not yet returned. Raises DomainError beyond that.
    """
    if not permissions.can_move_stock(actor):
        raise PermissionDenied
    _check_quantity(quantity)
    # Lock the ticket so two returns of the same part cannot both pass the limit.
    Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
    outstanding = ticket_net_issued(ticket=ticket, part=part)
    if quantity > outstanding:
        raise DomainError(
            f"Only {outstanding} x {part.part_number} issued to ticket {ticket.pk} can be returned.",
            field="quantity",
        )
    _increase(part=part, stock_location=stock_location, quantity=quantity)
    movement = _record(
        part=part,
        stock_location=stock_location,
        kind=StockMovementKind.RETURNED,
        quantity=quantity,
        actor=actor,
        ticket=ticket,
        unit_cost=part.unit_cost,
    )
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEventKind.PART_RETURNED,
        actor=actor,
        occurred_at=movement.occurred_at,
        note=f"{quantity} x {part.part_number} to {stock_location}",
    )
    return movement


@transaction.atomic
def stock_transfer(
    *,
    part: Part,
    from_location: StockLocation,
    to_location: StockLocation,
    actor: User,
    quantity: int = 1,
    reason: str = "",
) -> tuple[StockMovement, StockMovement]:
    """Move parts between two stock locations: a TRANSFER_OUT and a TRANSFER_IN row.

    Both levels are locked in primary-key order so opposite transfers cannot deadlock. Raises
    DomainError for the same location and ConflictError when the source has too few.
    """
    if not permissions.can_move_stock(actor):
        raise PermissionDenied
    _check_quantity(quantity)
    if from_location.pk == to_location.pk:
        raise DomainError("Choose two different stock locations.", field="to_location")
    source = _level(part=part, stock_location=from_location)
    target = _level(part=part, stock_location=to_location)
    list(StockLevel.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    _decrease(part=part, stock_location=from_location, quantity=quantity)
    StockLevel.objects.filter(pk=target.pk).update(on_hand=F("on_hand") + quantity)
    out = _record(
        part=part,
        stock_location=from_location,
        kind=StockMovementKind.TRANSFER_OUT,
        quantity=-quantity,
        actor=actor,
        transfer_peer=to_location,
        reason=reason,
    )
    into = _record(
        part=part,
        stock_location=to_location,
        kind=StockMovementKind.TRANSFER_IN,
        quantity=quantity,
        actor=actor,
        transfer_peer=from_location,
        reason=reason,
    )
    return out, into


@transaction.atomic
def stock_adjust(
    *, part: Part, stock_location: StockLocation, quantity: int, reason: str, actor: User
) -> StockMovement:
    """Correct a count by a signed ``quantity`` (a stocktake found more or fewer).

    Raises PermissionDenied unless supervisor or admin, DomainError without a reason or for zero,
    ConflictError when it would take the count below zero.
    """
    if not permissions.can_adjust_stock(actor):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise DomainError("An adjustment needs a reason.", field="reason")
    if quantity == 0:
        raise DomainError("An adjustment changes the count: give a non-zero quantity.", field="quantity")
    if quantity > 0:
        _increase(part=part, stock_location=stock_location, quantity=quantity)
    else:
        _level(part=part, stock_location=stock_location)
        _decrease(part=part, stock_location=stock_location, quantity=-quantity)
    return _record(
        part=part,
        stock_location=stock_location,
        kind=StockMovementKind.ADJUSTED,
        quantity=quantity,
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def stock_harvest(
    *, part: Part, stock_location: StockLocation, source_device: Device, actor: User, quantity: int = 1
) -> StockMovement:
    """Book a part taken from a retired (or e-waste) device into stock.

    Raises DomainError when the device is still in service or the part does not fit its model.
    """
    if not permissions.can_move_stock(actor):
        raise PermissionDenied
    _check_quantity(quantity)
    if source_device.status not in HARVESTABLE_DEVICE_STATUSES:
        raise DomainError(
            f"{source_device.asset_tag} is not retired: parts are harvested from retired devices only.",
            field="source_device",
        )
    if not part_fits_model(part=part, model_id=source_device.model_id):
        raise DomainError(f"{part.part_number} does not fit {source_device.asset_tag}'s model.", field="part")
    _increase(part=part, stock_location=stock_location, quantity=quantity)
    return _record(
        part=part,
        stock_location=stock_location,
        kind=StockMovementKind.HARVESTED,
        quantity=quantity,
        actor=actor,
        source_device=source_device,
    )
