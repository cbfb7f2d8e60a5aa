"""Hand-out of a device and its accessories to a student, and collection back.

Each is one transaction: the device's custody through ``fleet.services.devices`` (an *assigned*
event at hand-out, *returned by a person* or *lost* at collection), the accessory counters of
the school, and the ``Handout`` row with the agreement signed. Nothing is half-written: any
refusal rolls everything back. A device assigned to a student outside the app (a Google Admin
import) is collected too: its hand-out is recorded from the assignment and closed at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.exceptions import DomainError
from fleet import permissions as fleet_permissions
from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent, Device, Location
from fleet.services import devices as fleet_services
from repairs.choices import DamageCause, Symptom
from repairs.models import Ticket
from repairs.services import tickets as ticket_services
from students import permissions, selectors
from students.choices import AccessoryKind, Condition, HandoutOrigin, SignedBy
from students.models import AccessoryStock, Handout, HandoutAccessory, Student
from students.services import agreements, holds
from students.services import charges as charge_services

# At most this many of one accessory go with one device (a spare charger for a second home).
ACCESSORY_MAX = 3
# A device goes out new or in working order; a damaged one goes to repair first.
CONDITIONS_OUT = (Condition.NEW, Condition.GOOD, Condition.FAIR)
# Returned accessories in these states go back on the shelf.
RESTOCKED = frozenset({Condition.NEW, Condition.GOOD, Condition.FAIR})
# A device back in one of these is damage: a cause is asked and a charge proposed.
DAMAGE = frozenset({Condition.DAMAGED, Condition.MISSING})


def _decrease_accessory(*, location: Location, kind: str, quantity: int) -> None:
    """Take ``quantity`` off the shelf, or refuse naming how many are left (field: the kind).

    The conditional UPDATE only matches while enough is on hand; on PostgreSQL a concurrent
    taker waits for the row lock and re-checks against the committed count.
    """
    updated = AccessoryStock.objects.filter(location=location, kind=kind, on_hand__gte=quantity).update(
        on_hand=F("on_hand") - quantity
    )
    if updated != 1:
        on_hand = (
            AccessoryStock.objects.filter(location=location, kind=kind)
            .values_list("on_hand", flat=True)
            .first()
        ) or 0
        label = AccessoryKind(kind).label.lower()
        raise DomainError(
            f"Not enough {label}s at {location.name}: {on_hand} on hand, {quantity} asked. "
            f"Hand it out without, or restock first.",
            field=kind,
        )


def _increase_accessory(*, location: Location, kind: str, quantity: int) -> None:
    stock, _ = AccessoryStock.objects.get_or_create(location=location, kind=kind)
    AccessoryStock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)


def _clean_accessories(accessories: Mapping[str, int]) -> dict[str, int]:
    wanted = {}
    for kind, quantity in accessories.items():
        if kind not in AccessoryKind.values:
            raise DomainError(f"Unknown accessory “{kind}”.", field="accessories")
        if not 0 <= quantity <= ACCESSORY_MAX:
            raise DomainError(f"Give between 0 and {ACCESSORY_MAX}.", field=kind)
        if quantity:
            wanted[kind] = quantity
    return wanted


def _signature(*, signed_by: str, signature_png: bytes | None) -> tuple[str, bytes | None]:
    """The agreement's acceptance, checked: drawn on screen (a real PNG) or on paper."""
    if signed_by not in SignedBy.values:
        raise DomainError(
            "The agreement must be accepted: the student or parent signs on the screen, or tick "
            "signed on paper.",
            field="signature",
        )
    if signed_by == SignedBy.PAPER:
        return signed_by, None
    if not signature_png:
        raise DomainError(
            f"The {SignedBy(signed_by).label.lower()} has not signed: sign in the box, or tick "
            "signed on paper.",
            field="signature",
        )
    return signed_by, agreements.signature_png_clean(signature_png)


def _last_event(device: Device, kind: str) -> CustodyEvent:
    return CustodyEvent.objects.filter(device=device, kind=kind).latest("pk")


@transaction.atomic
def handout_create(
    *,
    student: Student,
    device: Device,
    actor: User,
    accessories: Mapping[str, int] | None = None,
    condition_out: str = Condition.GOOD,
    signed_by: str = "",
    signature_png: bytes | None = None,
    hold_override_reason: str = "",
) -> Handout:
    """Hand ``device`` and ``accessories`` (kind → quantity) to ``student``.

    Writes the device's *assigned* custody event to the student's ID (after moving it to the
    student's school when a device worker brings it from elsewhere), takes the accessories off
    that school's shelf, and records the hand-out with the agreement accepted.

    Raises PermissionDenied for roles that do not hand out devices; DomainError naming the field
    at fault for: a student of another school (``student``), inactive (``student``); a device
    already handed out or assigned (naming the holder by ID), a loaner, or not on the shelf
    (``device``); a device in a damaged state (``condition_out``); the hold
    (``hold_override_reason``); no acceptance while an agreement is active or a signature that is
    not a real PNG of the pad's size (``signature``); too few accessories on hand (the kind).
    """
    if not permissions.can_hand_out_devices(actor):
        raise PermissionDenied
    locked_student = Student.objects.select_for_update().get(pk=student.pk)
    if not Student.objects.visible_to(actor).filter(pk=student.pk).exists():
        raise DomainError(
            f"Student {student.identifier} is at a school you do not hand out for.", field="student"
        )
    if not locked_student.is_active:
        raise DomainError(
            f"Student {locked_student.identifier} is not active on the roster: no device goes to them.",
            field="student",
        )
    if not fleet_permissions.can_hand_over_device(actor, device):
        raise DomainError(f"{device.asset_tag} is not at one of your schools.", field="device")
    locked = Device.objects.select_for_update().select_related("location").get(pk=device.pk)
    refusal = selectors.device_handout_refusal(device=locked)
    if refusal:
        raise DomainError(refusal, field="device")
    if condition_out not in CONDITIONS_OUT:
        raise DomainError(
            "Only a device in working order goes out: send a damaged one to repair.", field="condition_out"
        )
    override = holds.hold_check(student=locked_student, actor=actor, override_reason=hold_override_reason)
    agreement = agreements.agreement_current()
    signed_at = None
    if agreement is not None:
        signed_by, signature_png = _signature(signed_by=signed_by, signature_png=signature_png)
        signed_at = timezone.now()
    else:
        signed_by, signature_png = "", None
    wanted = _clean_accessories(accessories or {})
    location = selectors.handout_location(student=locked_student, device=locked)
    for kind in sorted(wanted):  # one order for every hand-out: no two wait on each other's rows
        _decrease_accessory(location=location, kind=kind, quantity=wanted[kind])

    if locked.location_id != location.pk and fleet_permissions.can_change_device(actor):
        locked = fleet_services.device_move(
            device=locked, actor=actor, to_location=location, reason=f"Handed out at {location.name}"
        )
    locked = fleet_services.device_assign(
        device=locked,
        actor=actor,
        assignee_kind=AssigneeKind.STUDENT,
        assignee_id=locked_student.identifier,
        reason="One-to-one hand-out",
    )
    handout = Handout(
        student=locked_student,
        device=locked,
        handed_out_at=timezone.now(),
        handed_out_by=actor,
        handout_event=_last_event(locked, CustodyEventKind.ASSIGNED),
        condition_out=condition_out,
        agreement=agreement,
        signed_by=signed_by,
        signature_png=signature_png,
        signed_at=signed_at,
        hold_override_reason=override,
    )
    handout.full_clean(exclude=["signature_png"], validate_constraints=False)
    handout.save()
    HandoutAccessory.objects.bulk_create(
        HandoutAccessory(handout=handout, kind=kind, quantity=quantity)
        for kind, quantity in sorted(wanted.items())
    )
    return handout


@dataclass(frozen=True)
class AccessoryReturn:
    """What came back of one accessory handed out: how many, and in what state."""

    kind: str
    returned_quantity: int
    condition: str


@transaction.atomic
def handout_collect(
    *,
    handout: Handout,
    actor: User,
    condition_in: str,
    accessories: Sequence[AccessoryReturn] = (),
    damage_cause: str = "",
    symptom: str = Symptom.OTHER,
    notes: str = "",
) -> Handout:
    """Close a hand-out: the device (and accessories) back from the student.

    The device leaves the student (*returned by a person*) and is recorded at the hand-out's
    school (``fleet.services.devices.device_collect``: moved only if it is elsewhere). A device
    that came back damaged opens a repair ticket with the damage cause (or links the open one);
    a missing one is recorded lost or stolen; either way the fee schedule's charge is proposed
    (``charges.charge_propose``). Returned accessories in working order go back on the school's
    shelf.

    Raises PermissionDenied for roles that do not collect; DomainError for a hand-out already
    collected, naming ``condition_in`` for an unknown state (or a lost device recorded by a role
    that cannot), ``damage_cause`` when damage has no cause or a cause comes without damage, and
    ``<kind>_returned`` for a returned quantity outside 0 to what was handed out.
    """
    if not permissions.can_hand_out_devices(actor):
        raise PermissionDenied
    locked = (
        Handout.objects.select_for_update()
        .select_related("student", "device", "device__location")
        .get(pk=handout.pk)
    )
    if not Student.objects.visible_to(actor).filter(pk=locked.student_id).exists():
        raise PermissionDenied
    if locked.collected_at is not None:
        raise DomainError(
            f"{locked.device.asset_tag} was already collected on {locked.collected_at:%Y-%m-%d}."
        )
    if condition_in not in Condition.values:
        raise DomainError("Choose the device's condition.", field="condition_in")
    damaged = condition_in in DAMAGE
    if damaged and damage_cause not in DamageCause.values:
        raise DomainError("Choose what caused the damage or loss.", field="damage_cause")
    if not damaged and damage_cause:
        raise DomainError(
            "A damage cause is only for a device that came back damaged or is missing.", field="damage_cause"
        )
    if condition_in == Condition.MISSING and not fleet_permissions.can_change_device(actor):
        raise DomainError(
            "Only IT staff record a device as lost or stolen: tell your technician.", field="condition_in"
        )
    returns = _clean_returns(locked, accessories)
    device = locked.device
    location = selectors.handout_location(student=locked.student, device=device)
    with_student = (
        device.assignee_kind == AssigneeKind.STUDENT and device.assignee_id == locked.student.identifier
    )
    event = None
    if condition_in == Condition.MISSING:
        if device.status != DeviceStatus.LOST_STOLEN:
            device = fleet_services.device_change_status(
                device=device,
                actor=actor,
                to_status=DeviceStatus.LOST_STOLEN,
                reason=f"Not returned at collection from student {locked.student.identifier}",
            )
            event = _last_event(device, CustodyEventKind.STATUS_CHANGED)
    else:
        if with_student:
            device = fleet_services.device_unassign(
                device=device, actor=actor, reason=f"Collected from student {locked.student.identifier}"
            )
            event = _last_event(device, CustodyEventKind.UNASSIGNED)
        device, _ = fleet_services.device_collect(
            device=device, actor=actor, to_location=location, reason="One-to-one collection"
        )

    missing = []
    for item, (returned, condition) in returns.items():
        item.returned_quantity, item.condition_in = returned, condition
        item.full_clean(validate_constraints=False)
        item.save(update_fields=["returned_quantity", "condition_in"])
        if returned and condition in RESTOCKED:
            _increase_accessory(location=location, kind=item.kind, quantity=returned)
        if returned < item.quantity:
            missing.append(f"{item.quantity - returned} {item.get_kind_display().lower()}")

    if condition_in == Condition.DAMAGED:
        locked.ticket = _repair_ticket(
            locked, actor=actor, damage_cause=damage_cause, symptom=symptom, notes=notes
        )
    summary = notes.strip()
    if missing:
        summary = "; ".join(filter(None, [summary, "Missing: " + ", ".join(missing)]))
    locked.collected_at = timezone.now()
    locked.collected_by = actor
    locked.collection_event = event
    locked.condition_in = condition_in
    locked.collection_notes = summary[:500]
    locked.full_clean(exclude=["signature_png"], validate_constraints=False)
    locked.save(
        update_fields=[
            "collected_at",
            "collected_by",
            "collection_event",
            "condition_in",
            "collection_notes",
            "ticket",
            "updated_at",
        ]
    )
    if damaged:
        # The fee schedule's charge (or a waived one saying why), on the ticket for damage and on
        # the hand-out alone for a lost device; someone who manages charges confirms it.
        charge_services.charge_propose(
            student=locked.student,
            device=device,
            damage_cause=damage_cause,
            actor=actor,
            ticket=locked.ticket,
            handout=locked,
        )
    return locked


@transaction.atomic
def handout_collect_assigned(
    *,
    student: Student,
    device: Device,
    actor: User,
    condition_in: str,
    accessories: Sequence[AccessoryReturn] = (),
    damage_cause: str = "",
    symptom: str = Symptom.OTHER,
    notes: str = "",
) -> Handout:
    """Collect a device assigned to ``student`` outside the hand-out screen (a Google Admin import,
    the device page): there is no open hand-out to close.

    Records the hand-out the app never saw (origin *assignment*: handed out by nobody in the app,
    at the custody event that assigned the device to the student's ID, condition out unknown,
    nothing signed; the accessories that came back are what it records as out) and closes it
    with ``handout_collect`` in the same transaction: the same custody events, restocking, repair
    ticket, lost status and proposed charge as any collection.

    Raises PermissionDenied for roles that do not collect; DomainError naming ``student`` for a
    student of a school the actor does not work with, ``device`` for a device not at one of the
    actor's schools, handed out in the app (collect that hand-out), not assigned to a student or
    assigned to another one, ``<kind>_returned`` / ``<kind>_condition`` for an accessory answer
    out of range, and whatever ``handout_collect`` raises. Nothing is written on any refusal.
    """
    if not permissions.can_hand_out_devices(actor):
        raise PermissionDenied
    if not Student.objects.visible_to(actor).filter(pk=student.pk).exists():
        raise DomainError(
            f"Student {student.identifier} is at a school you do not collect for.", field="student"
        )
    if not fleet_permissions.can_hand_over_device(actor, device):
        raise DomainError(f"{device.asset_tag} is not at one of your schools.", field="device")
    # The device's lock serialises two people collecting it at once: the second finds it
    # unassigned once the first commits.
    locked = Device.objects.select_for_update().get(pk=device.pk)
    refusal = selectors.device_assignment_refusal(device=locked, student=student)
    if refusal:
        raise DomainError(refusal, field="device")
    returned = _clean_assigned_returns(accessories)
    event = (
        CustodyEvent.objects.filter(device=locked, to_assignee_id__iexact=locked.assignee_id)
        .exclude(from_assignee_id__iexact=locked.assignee_id)
        .order_by("-pk")
        .first()
    )
    handout = Handout(
        student=student,
        device=locked,
        origin=HandoutOrigin.ASSIGNMENT,
        # When the assignment was recorded; a device with no such event (assigned before the
        # app kept custody) is recorded as handed out now.
        handed_out_at=event.occurred_at if event else timezone.now(),
        handed_out_by=None,
        handout_event=event,
        condition_out="",
    )
    handout.full_clean(exclude=["signature_png"], validate_constraints=False)
    handout.save()
    HandoutAccessory.objects.bulk_create(
        HandoutAccessory(handout=handout, kind=item.kind, quantity=item.returned_quantity)
        for item in returned
    )
    return handout_collect(
        handout=handout,
        actor=actor,
        condition_in=condition_in,
        accessories=returned,
        damage_cause=damage_cause,
        symptom=symptom,
        notes=notes,
    )


def _clean_assigned_returns(accessories: Sequence[AccessoryReturn]) -> list[AccessoryReturn]:
    """The accessories that came back with an assigned device (none were recorded out): up to
    ``ACCESSORY_MAX`` of each kind, each in a stated condition; kinds with none back dropped."""
    returned = []
    kinds = [item.kind for item in accessories]
    for item in sorted(accessories, key=lambda answer: answer.kind):
        if item.kind not in AccessoryKind.values or kinds.count(item.kind) > 1:
            raise DomainError(f"Unknown or repeated accessory “{item.kind}”.", field="accessories")
        label = AccessoryKind(item.kind).label.lower()
        if not 0 <= item.returned_quantity <= ACCESSORY_MAX:
            raise DomainError(f"Give between 0 and {ACCESSORY_MAX}.", field=f"{item.kind}_returned")
        if not item.returned_quantity:
            continue
        if item.condition not in Condition.values or item.condition == Condition.MISSING:
            raise DomainError(f"Choose the state of the returned {label}.", field=f"{item.kind}_condition")
        returned.append(item)
    return returned


def _clean_returns(
    handout: Handout, accessories: Sequence[AccessoryReturn]
) -> dict[HandoutAccessory, tuple[int, str]]:
    given = {item.kind: item for item in handout.accessories.all()}
    answered = {item.kind: item for item in accessories}
    returns = {}
    for kind, item in given.items():
        answer = answered.get(kind)
        label = item.get_kind_display().lower()
        if answer is None:
            raise DomainError(f"Say how many {label}s came back.", field=f"{kind}_returned")
        if not 0 <= answer.returned_quantity <= item.quantity:
            raise DomainError(
                f"Between 0 and {item.quantity} {label}{'s' if item.quantity != 1 else ''} went out.",
                field=f"{kind}_returned",
            )
        condition = answer.condition if answer.returned_quantity else Condition.MISSING
        if condition not in Condition.values or (answer.returned_quantity and condition == Condition.MISSING):
            raise DomainError(f"Choose the state of the returned {label}.", field=f"{kind}_condition")
        returns[item] = (answer.returned_quantity, condition)
    return returns


def _repair_ticket(handout: Handout, *, actor: User, damage_cause: str, symptom: str, notes: str) -> Ticket:
    """The repair ticket for a device that came back damaged: its open one, or a new one."""
    current = Ticket.objects.open().filter(device=handout.device).first()
    if current is not None:
        return current
    if symptom not in Symptom.values:
        raise DomainError("Choose what is wrong with the device.", field="symptom")
    summary = notes.strip() or f"Came back damaged at collection ({DamageCause(damage_cause).label.lower()})."
    return ticket_services.ticket_open(
        device=Device.objects.get(pk=handout.device_id),
        reporter=actor,
        symptom=symptom,
        damage_cause=damage_cause,
        problem_summary=summary,
    )
