"""Hand-out and collection: every rule and refusal, the accessory counters, the custody events."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import User
from core.exceptions import DomainError
from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus, LocationKind
from fleet.models import CustodyEvent, Device
from repairs.choices import DamageCause, Symptom, TicketStatus
from repairs.models import Ticket
from repairs.services import tickets
from students.choices import AccessoryKind, ChargeStatus, Condition, HandoutOrigin, SignedBy
from students.models import AccessoryStock, Charge, Handout, HandoutAccessory
from students.services import handouts
from students.services.handouts import AccessoryReturn
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.students.factories import (
    AccessoryStockFactory,
    AgreementFactory,
    ChargeFactory,
    ChargePolicyFactory,
    FeeRuleFactory,
    HandoutAccessoryFactory,
    HandoutFactory,
    StudentFactory,
    assigned_by_import,
)
from tests.students.handout_support import signature_png

pytestmark = pytest.mark.django_db


def _on_hand(location, kind=AccessoryKind.CHARGER) -> int:
    return AccessoryStock.objects.get(location=location, kind=kind).on_hand


def _ready(**student_kwargs):
    school = LocationFactory.create()
    student = StudentFactory.create(school=school, **student_kwargs)
    device = DeviceFactory.create(location=school, status=DeviceStatus.IN_STOCK)
    AccessoryStockFactory.create(location=school, kind=AccessoryKind.CHARGER, on_hand=5)
    return school, student, device


# Hand-out -------------------------------------------------------------------------------------


def test_handout_create_assigns_device_takes_charger_and_records_signature(technician: User):
    school, student, device = _ready()
    agreement = AgreementFactory.create()
    png = signature_png()

    handout = handouts.handout_create(
        student=student,
        device=device,
        actor=technician,
        accessories={AccessoryKind.CHARGER: 1},
        signed_by=SignedBy.PARENT,
        signature_png=png,
    )

    device.refresh_from_db()
    assert (device.status, device.assignee_kind, device.assignee_id) == (
        DeviceStatus.DEPLOYED,
        AssigneeKind.STUDENT,
        student.identifier,
    )
    event = CustodyEvent.objects.get(device=device)
    assert (event.kind, event.to_assignee_id, event.actor) == (
        CustodyEventKind.ASSIGNED,
        student.identifier,
        technician,
    )
    assert handout.handout_event == event
    assert (handout.agreement, handout.signed_by, bytes(handout.signature_png or b"")) == (
        agreement,
        "parent",
        png,
    )
    assert handout.signed_at is not None and handout.is_open
    assert list(handout.accessories.values_list("kind", "quantity")) == [("charger", 1)]
    assert _on_hand(school) == 4


def test_handout_create_from_the_depot_moves_the_device_to_the_students_school_first(technician: User):
    school, student, _ = _ready()
    depot = LocationFactory.create(kind=LocationKind.DEPOT)
    device = DeviceFactory.create(location=depot, status=DeviceStatus.IN_STOCK)

    handouts.handout_create(student=student, device=device, actor=technician)

    device.refresh_from_db()
    assert device.location == school
    kinds = list(CustodyEvent.objects.filter(device=device).order_by("pk").values_list("kind", flat=True))
    assert kinds == [CustodyEventKind.TRANSFERRED, CustodyEventKind.ASSIGNED]


def test_handout_create_by_school_admin_at_own_school(school_admin: User):
    school = school_admin.profile.locations.get()
    student = StudentFactory.create(school=school)
    device = DeviceFactory.create(location=school, status=DeviceStatus.IN_STOCK)

    handout = handouts.handout_create(student=student, device=device, actor=school_admin)

    assert handout.handed_out_by == school_admin
    assert CustodyEvent.objects.get(device=device).kind == CustodyEventKind.ASSIGNED


def test_handout_create_by_school_admin_for_other_school_student_raises_naming_student(school_admin: User):
    student = StudentFactory.create(school=LocationFactory.create())
    device = DeviceFactory.create(location=school_admin.profile.locations.get(), status=DeviceStatus.IN_STOCK)

    with pytest.raises(DomainError, match="school you do not hand out for") as caught:
        handouts.handout_create(student=student, device=device, actor=school_admin)
    assert caught.value.field == "student"
    assert not Handout.objects.exists()


def test_handout_create_by_procurement_is_denied(procurement: User):
    _, student, device = _ready()

    with pytest.raises(PermissionDenied):
        handouts.handout_create(student=student, device=device, actor=procurement)


def test_handout_create_for_inactive_student_raises_naming_student(technician: User):
    _, student, device = _ready(is_active=False)

    with pytest.raises(DomainError, match="not active") as caught:
        handouts.handout_create(student=student, device=device, actor=technician)
    assert caught.value.field == "student"


def test_handout_create_of_device_already_handed_out_names_the_holder_by_id(technician: User):
    school, student, device = _ready()
    holder = StudentFactory.create(identifier="S7777777", school=school)
    HandoutFactory.create(student=holder, device=device)

    with pytest.raises(DomainError, match="already handed out to student S7777777") as caught:
        handouts.handout_create(student=student, device=device, actor=technician)
    assert caught.value.field == "device"
    assert _on_hand(school) == 5


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (DeviceStatus.RETIRED, "retired"),
        (DeviceStatus.IN_REPAIR, "in repair"),
        (DeviceStatus.LOST_STOLEN, "lost or stolen"),
    ],
)
def test_handout_create_of_device_not_on_the_shelf_raises_naming_device(technician: User, status, message):
    _, student, device = _ready()
    Device.objects.filter(pk=device.pk).update(status=status)

    with pytest.raises(DomainError, match=message) as caught:
        handouts.handout_create(student=student, device=device, actor=technician)
    assert caught.value.field == "device"
    assert not CustodyEvent.objects.exists()


def test_handout_create_of_loaner_or_staff_device_raises(technician: User):
    _, student, device = _ready()
    Device.objects.filter(pk=device.pk).update(is_loaner=True)
    with pytest.raises(DomainError, match="loaner"):
        handouts.handout_create(student=student, device=device, actor=technician)

    staffs = DeviceFactory.create(assignee_kind=AssigneeKind.STAFF, assignee_id="E123")
    with pytest.raises(DomainError, match="assigned to staff E123"):
        handouts.handout_create(student=student, device=staffs, actor=technician)


def test_handout_create_of_damaged_condition_raises(technician: User):
    _, student, device = _ready()

    with pytest.raises(DomainError) as caught:
        handouts.handout_create(
            student=student, device=device, actor=technician, condition_out=Condition.DAMAGED
        )
    assert caught.value.field == "condition_out"


def test_handout_create_with_no_charger_on_hand_raises_naming_charger_and_writes_nothing(technician: User):
    school, student, device = _ready()
    AccessoryStock.objects.filter(location=school).update(on_hand=0)

    with pytest.raises(DomainError, match="0 on hand") as caught:
        handouts.handout_create(
            student=student, device=device, actor=technician, accessories={AccessoryKind.CHARGER: 1}
        )
    assert caught.value.field == "charger"
    assert not CustodyEvent.objects.exists() and not Handout.objects.exists()


def test_handout_create_with_a_kind_never_stocked_raises(technician: User):
    _, student, device = _ready()

    with pytest.raises(DomainError) as caught:
        handouts.handout_create(student=student, device=device, actor=technician, accessories={"stylus": 1})
    assert caught.value.field == "stylus"


def test_handout_create_with_too_many_accessories_raises(technician: User):
    _, student, device = _ready()

    with pytest.raises(DomainError) as caught:
        handouts.handout_create(student=student, device=device, actor=technician, accessories={"charger": 4})
    assert caught.value.field == "charger"


def test_handout_create_two_chargers_and_a_case_take_each_counter(technician: User):
    school, student, device = _ready()
    AccessoryStockFactory.create(location=school, kind=AccessoryKind.CASE, on_hand=1)

    handout = handouts.handout_create(
        student=student, device=device, actor=technician, accessories={"charger": 2, "case": 1, "stylus": 0}
    )

    assert _on_hand(school) == 3 and _on_hand(school, AccessoryKind.CASE) == 0
    assert sorted(handout.accessories.values_list("kind", "quantity")) == [("case", 1), ("charger", 2)]


def test_handout_create_without_acceptance_while_agreement_active_raises_naming_signature(technician: User):
    school, student, device = _ready()
    AgreementFactory.create()

    with pytest.raises(DomainError, match="must be accepted") as caught:
        handouts.handout_create(student=student, device=device, actor=technician, accessories={"charger": 1})
    assert caught.value.field == "signature"
    assert _on_hand(school) == 5

    with pytest.raises(DomainError, match="has not signed"):
        handouts.handout_create(student=student, device=device, actor=technician, signed_by=SignedBy.STUDENT)


def test_handout_create_with_a_blank_signature_raises(technician: User):
    _, student, device = _ready()
    AgreementFactory.create()

    with pytest.raises(DomainError, match="empty"):
        handouts.handout_create(
            student=student,
            device=device,
            actor=technician,
            signed_by=SignedBy.STUDENT,
            signature_png=signature_png(drawn=False),
        )


def test_handout_create_signed_on_paper_keeps_no_image(technician: User):
    _, student, device = _ready()
    AgreementFactory.create()

    handout = handouts.handout_create(
        student=student,
        device=device,
        actor=technician,
        signed_by=SignedBy.PAPER,
        signature_png=signature_png(),
    )

    assert (handout.signed_by, handout.signature_png) == ("paper", None)


def test_handout_create_without_agreement_needs_no_signature(technician: User):
    _, student, device = _ready()

    handout = handouts.handout_create(student=student, device=device, actor=technician)

    assert (handout.agreement, handout.signed_by, handout.signed_at) == (None, "", None)


def test_handout_create_on_hold_raises_naming_the_amount(technician: User):
    school, student, device = _ready()
    ChargePolicyFactory.create(hold_threshold=Decimal("0.00"))
    ChargeFactory.create(student=student, amount=Decimal("45.00"))

    with pytest.raises(DomainError, match=r"owes \$45.00") as caught:
        handouts.handout_create(student=student, device=device, actor=technician, accessories={"charger": 1})
    assert caught.value.field == "hold_override_reason"
    assert _on_hand(school) == 5 and not CustodyEvent.objects.exists()


def test_handout_create_on_hold_with_override_by_supervisor_records_the_reason(supervisor: User):
    _, student, device = _ready()
    ChargeFactory.create(student=student, amount=Decimal("45.00"))

    handout = handouts.handout_create(
        student=student, device=device, actor=supervisor, hold_override_reason="State testing this week"
    )

    assert handout.hold_override_reason == "State testing this week"


# Collection -----------------------------------------------------------------------------------


def _handed_out(actor: User, *, chargers: int = 1):
    school, student, device = _ready()
    handout = handouts.handout_create(
        student=student, device=device, actor=actor, accessories={"charger": chargers} if chargers else {}
    )
    return school, handout


def test_handout_collect_in_good_order_unassigns_restocks_and_closes(technician: User):
    school, handout = _handed_out(technician)

    closed = handouts.handout_collect(
        handout=handout,
        actor=technician,
        condition_in=Condition.GOOD,
        accessories=[AccessoryReturn(kind="charger", returned_quantity=1, condition=Condition.GOOD)],
    )

    device = Device.objects.get(pk=handout.device_id)
    assert (device.status, device.assignee_id) == (DeviceStatus.IN_STOCK, "")
    assert closed.collection_event and closed.collection_event.kind == CustodyEventKind.UNASSIGNED
    assert (closed.condition_in, closed.collected_by, closed.is_open, closed.ticket) == (
        Condition.GOOD,
        technician,
        False,
        None,
    )
    assert _on_hand(school) == 5
    item = HandoutAccessory.objects.get(handout=handout)
    assert (item.returned_quantity, item.condition_in) == (1, Condition.GOOD)


def test_handout_collect_of_device_elsewhere_moves_it_back_to_the_school(technician: User):
    school, handout = _handed_out(technician, chargers=0)
    Device.objects.filter(pk=handout.device_id).update(location=LocationFactory.create())

    handouts.handout_collect(handout=handout, actor=technician, condition_in=Condition.FAIR)

    assert Device.objects.get(pk=handout.device_id).location == school


def test_handout_collect_damaged_opens_a_ticket_with_the_cause_and_keeps_a_damaged_charger_off_the_shelf(
    technician: User,
):
    school, handout = _handed_out(technician)

    closed = handouts.handout_collect(
        handout=handout,
        actor=technician,
        condition_in=Condition.DAMAGED,
        damage_cause=DamageCause.LIQUID,
        symptom=Symptom.KEYBOARD,
        notes="Juice in the keyboard",
        accessories=[AccessoryReturn(kind="charger", returned_quantity=1, condition=Condition.DAMAGED)],
    )

    ticket = closed.ticket
    assert ticket is not None
    assert (ticket.damage_cause, ticket.symptom, ticket.problem_summary, ticket.status) == (
        DamageCause.LIQUID,
        Symptom.KEYBOARD,
        "Juice in the keyboard",
        TicketStatus.TRIAGED,
    )
    assert Device.objects.get(pk=handout.device_id).status == DeviceStatus.IN_REPAIR
    assert _on_hand(school) == 4


def test_handout_collect_damaged_links_the_devices_open_ticket(technician: User):
    _, handout = _handed_out(technician, chargers=0)
    open_ticket = tickets.ticket_open(device=handout.device, reporter=technician, symptom=Symptom.SCREEN)
    Device.objects.filter(pk=handout.device_id).update(
        status=DeviceStatus.DEPLOYED,
        assignee_kind=AssigneeKind.STUDENT,
        assignee_id=handout.student.identifier,
    )

    closed = handouts.handout_collect(
        handout=handout, actor=technician, condition_in=Condition.DAMAGED, damage_cause=DamageCause.ACCIDENTAL
    )

    assert closed.ticket == open_ticket and Ticket.objects.count() == 1


def test_handout_collect_missing_records_the_device_lost_without_ticket(technician: User):
    _, handout = _handed_out(technician)

    closed = handouts.handout_collect(
        handout=handout,
        actor=technician,
        condition_in=Condition.MISSING,
        damage_cause=DamageCause.LOST,
        accessories=[AccessoryReturn(kind="charger", returned_quantity=0, condition="")],
    )

    device = Device.objects.get(pk=handout.device_id)
    assert (device.status, device.assignee_id) == (DeviceStatus.LOST_STOLEN, "")
    assert closed.collection_event and closed.collection_event.kind == CustodyEventKind.STATUS_CHANGED
    assert closed.ticket is None and "Missing: 1 charger" in closed.collection_notes
    assert HandoutAccessory.objects.get(handout=handout).condition_in == Condition.MISSING


def test_handout_collect_missing_by_school_admin_raises_naming_condition(school_admin: User):
    school = school_admin.profile.locations.get()
    student = StudentFactory.create(school=school)
    device = DeviceFactory.create(location=school, status=DeviceStatus.IN_STOCK)
    handout = handouts.handout_create(student=student, device=device, actor=school_admin)

    with pytest.raises(DomainError) as caught:
        handouts.handout_collect(
            handout=handout, actor=school_admin, condition_in=Condition.MISSING, damage_cause=DamageCause.LOST
        )
    assert caught.value.field == "condition_in"


def test_handout_collect_by_school_admin_at_own_school(school_admin: User):
    school = school_admin.profile.locations.get()
    student = StudentFactory.create(school=school)
    device = DeviceFactory.create(location=school, status=DeviceStatus.IN_STOCK)
    handout = handouts.handout_create(student=student, device=device, actor=school_admin)

    closed = handouts.handout_collect(handout=handout, actor=school_admin, condition_in=Condition.GOOD)

    assert closed.collected_by == school_admin


@pytest.mark.parametrize(
    ("condition", "cause", "field"),
    [
        (Condition.DAMAGED, "", "damage_cause"),
        (Condition.GOOD, DamageCause.ACCIDENTAL, "damage_cause"),
        ("broken", "", "condition_in"),
    ],
)
def test_handout_collect_with_bad_condition_or_cause_raises_naming_it(
    technician: User, condition, cause, field
):
    _, handout = _handed_out(technician, chargers=0)

    with pytest.raises(DomainError) as caught:
        handouts.handout_collect(
            handout=handout, actor=technician, condition_in=condition, damage_cause=cause
        )
    assert caught.value.field == field
    assert Handout.objects.get(pk=handout.pk).is_open


@pytest.mark.parametrize(
    ("returns", "field"),
    [
        ([], "charger_returned"),
        (
            [AccessoryReturn(kind="charger", returned_quantity=2, condition=Condition.GOOD)],
            "charger_returned",
        ),
        ([AccessoryReturn(kind="charger", returned_quantity=1, condition="")], "charger_condition"),
    ],
)
def test_handout_collect_with_bad_accessory_answer_raises_naming_it(technician: User, returns, field):
    school, handout = _handed_out(technician)

    with pytest.raises(DomainError) as caught:
        handouts.handout_collect(
            handout=handout, actor=technician, condition_in=Condition.GOOD, accessories=returns
        )
    assert caught.value.field == field
    assert _on_hand(school) == 4
    assert Device.objects.get(pk=handout.device_id).assignee_id == handout.student.identifier


def test_handout_collect_twice_raises(technician: User):
    _, handout = _handed_out(technician, chargers=0)
    handouts.handout_collect(handout=handout, actor=technician, condition_in=Condition.GOOD)

    with pytest.raises(DomainError, match="already collected"):
        handouts.handout_collect(handout=handout, actor=technician, condition_in=Condition.GOOD)


def test_handout_collect_by_school_admin_of_other_school_is_denied(school_admin: User):
    handout = HandoutAccessoryFactory.create().handout

    with pytest.raises(PermissionDenied):
        handouts.handout_collect(handout=handout, actor=school_admin, condition_in=Condition.GOOD)


def test_handout_then_collect_then_handout_again_keeps_the_history(technician: User):
    school, handout = _handed_out(technician)
    handouts.handout_collect(
        handout=handout,
        actor=technician,
        condition_in=Condition.GOOD,
        accessories=[AccessoryReturn(kind="charger", returned_quantity=1, condition=Condition.GOOD)],
    )
    other = StudentFactory.create(school=school)

    again = handouts.handout_create(student=other, device=handout.device, actor=technician)

    assert Handout.objects.filter(device=handout.device).count() == 2 and again.is_open
    kinds = list(
        CustodyEvent.objects.filter(device=handout.device).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == [CustodyEventKind.ASSIGNED, CustodyEventKind.UNASSIGNED, CustodyEventKind.ASSIGNED]


def test_handout_collect_damaged_proposes_the_fee_schedule_charge_on_the_ticket(technician: User):
    _, handout = _handed_out(technician, chargers=0)
    FeeRuleFactory.create(damage_cause=DamageCause.ACCIDENTAL, device_model=None, amount=Decimal("40.00"))

    closed = handouts.handout_collect(
        handout=handout, actor=technician, condition_in=Condition.DAMAGED, damage_cause=DamageCause.ACCIDENTAL
    )

    charge = Charge.objects.get()
    assert (
        charge.student,
        charge.device_id,
        charge.ticket,
        charge.handout,
        charge.amount,
        charge.status,
    ) == (
        handout.student,
        handout.device_id,
        closed.ticket,
        closed,
        Decimal("40.00"),
        ChargeStatus.PROPOSED,
    )


def test_handout_collect_missing_proposes_the_lost_fee_on_the_handout(technician: User):
    _, handout = _handed_out(technician, chargers=0)
    FeeRuleFactory.create(damage_cause=DamageCause.LOST, device_model=None, amount=Decimal("250.00"))

    handouts.handout_collect(
        handout=handout, actor=technician, condition_in=Condition.MISSING, damage_cause=DamageCause.LOST
    )

    charge = Charge.objects.get()
    assert (charge.ticket, charge.handout_id, charge.amount) == (None, handout.pk, Decimal("250.00"))


def test_handout_collect_in_good_order_proposes_no_charge(technician: User):
    _, handout = _handed_out(technician, chargers=0)
    FeeRuleFactory.create(damage_cause=DamageCause.ACCIDENTAL, device_model=None)

    handouts.handout_collect(handout=handout, actor=technician, condition_in=Condition.GOOD)

    assert not Charge.objects.exists()


# Collection of a device assigned by import, never handed out in the app -------------------------


def _imported(**student_kwargs):
    school, student, _ = _ready(**student_kwargs)
    return school, student, assigned_by_import(student)


def _nothing_written(device: Device, student_identifier: str, school=None) -> None:
    device.refresh_from_db()
    assert not Handout.objects.exists() and not HandoutAccessory.objects.exists()
    assert (device.status, device.assignee_kind, device.assignee_id) == (
        DeviceStatus.DEPLOYED,
        AssigneeKind.STUDENT,
        student_identifier,
    )
    assert list(CustodyEvent.objects.filter(device=device).values_list("kind", flat=True)) == [
        CustodyEventKind.IMPORTED
    ]
    assert not Ticket.objects.exists() and not Charge.objects.exists()
    if school is not None:
        assert _on_hand(school) == 5


def test_handout_collect_assigned_records_the_assignment_and_closes_it_with_the_return(technician: User):
    school, student, device = _imported()
    imported = CustodyEvent.objects.get(device=device)

    closed = handouts.handout_collect_assigned(
        student=student,
        device=device,
        actor=technician,
        condition_in=Condition.GOOD,
        accessories=[AccessoryReturn("charger", 1, Condition.GOOD), AccessoryReturn("case", 0, "")],
    )

    assert (
        closed.origin,
        closed.handed_out_by,
        closed.condition_out,
        closed.agreement,
        closed.signed_by,
    ) == (
        HandoutOrigin.ASSIGNMENT,
        None,
        "",
        None,
        "",
    )
    assert (closed.handed_out_at, closed.handout_event) == (imported.occurred_at, imported)
    assert (closed.condition_in, closed.collected_by, closed.is_open) == (Condition.GOOD, technician, False)
    assert closed.collection_event and closed.collection_event.kind == CustodyEventKind.UNASSIGNED
    assert list(closed.accessories.values_list("kind", "quantity", "returned_quantity")) == [
        ("charger", 1, 1)
    ]
    assert _on_hand(school) == 6
    device.refresh_from_db()
    assert (device.status, device.assignee_id, device.location) == (DeviceStatus.IN_STOCK, "", school)
    kinds = list(CustodyEvent.objects.filter(device=device).order_by("pk").values_list("kind", flat=True))
    assert kinds == [CustodyEventKind.IMPORTED, CustodyEventKind.UNASSIGNED]


def test_handout_collect_assigned_damaged_opens_a_ticket_and_proposes_the_charge(technician: User):
    _, student, device = _imported()
    FeeRuleFactory.create(damage_cause=DamageCause.ACCIDENTAL, device_model=None, amount=Decimal("40.00"))

    closed = handouts.handout_collect_assigned(
        student=student,
        device=device,
        actor=technician,
        condition_in=Condition.DAMAGED,
        damage_cause=DamageCause.ACCIDENTAL,
        symptom=Symptom.SCREEN,
        notes="Cracked screen",
    )

    ticket = Ticket.objects.get()
    charge = Charge.objects.get()
    assert (closed.ticket, ticket.device_id, ticket.damage_cause) == (
        ticket,
        device.pk,
        DamageCause.ACCIDENTAL,
    )
    assert (charge.student, charge.ticket, charge.handout, charge.amount, charge.status) == (
        student,
        ticket,
        closed,
        Decimal("40.00"),
        ChargeStatus.PROPOSED,
    )


def test_handout_collect_assigned_missing_marks_the_device_lost(technician: User):
    _, student, device = _imported()

    closed = handouts.handout_collect_assigned(
        student=student,
        device=device,
        actor=technician,
        condition_in=Condition.MISSING,
        damage_cause=DamageCause.LOST,
    )

    device.refresh_from_db()
    assert device.status == DeviceStatus.LOST_STOLEN and closed.ticket is None
    assert closed.collection_event and closed.collection_event.kind == CustodyEventKind.STATUS_CHANGED


def test_handout_collect_assigned_by_school_admin_at_own_school(school_admin: User):
    school = school_admin.profile.locations.get()
    student = StudentFactory.create(school=school)
    device = assigned_by_import(student)

    closed = handouts.handout_collect_assigned(
        student=student, device=device, actor=school_admin, condition_in=Condition.FAIR
    )

    assert (closed.origin, closed.collected_by, closed.condition_in) == (
        HandoutOrigin.ASSIGNMENT,
        school_admin,
        Condition.FAIR,
    )


def test_handout_collect_assigned_by_procurement_is_denied_and_writes_nothing(procurement: User):
    school, student, device = _imported()

    with pytest.raises(PermissionDenied):
        handouts.handout_collect_assigned(
            student=student, device=device, actor=procurement, condition_in=Condition.GOOD
        )
    _nothing_written(device, student.identifier, school)


def test_handout_collect_assigned_of_another_schools_student_by_school_admin_raises_naming_student(
    school_admin: User,
):
    student = StudentFactory.create(school=LocationFactory.create())
    device = assigned_by_import(student, location=school_admin.profile.locations.get())

    with pytest.raises(DomainError, match="school you do not collect for") as caught:
        handouts.handout_collect_assigned(
            student=student, device=device, actor=school_admin, condition_in=Condition.GOOD
        )
    assert caught.value.field == "student"
    _nothing_written(device, student.identifier)


def test_handout_collect_assigned_of_a_device_at_another_school_by_school_admin_raises_naming_device(
    school_admin: User,
):
    student = StudentFactory.create(school=school_admin.profile.locations.get())
    device = assigned_by_import(student, location=LocationFactory.create())

    with pytest.raises(DomainError, match="not at one of your schools") as caught:
        handouts.handout_collect_assigned(
            student=student, device=device, actor=school_admin, condition_in=Condition.GOOD
        )
    assert caught.value.field == "device"
    _nothing_written(device, student.identifier)


def test_handout_collect_assigned_of_a_device_assigned_to_another_student_raises_naming_both(
    technician: User,
):
    school, student, device = _imported()
    other = StudentFactory.create(school=school)

    with pytest.raises(DomainError) as caught:
        handouts.handout_collect_assigned(student=other, device=device, actor=technician, condition_in="good")
    assert caught.value.field == "device"
    assert str(caught.value) == (
        f"{device.asset_tag} is assigned to student {student.identifier}, not to student {other.identifier}."
    )
    _nothing_written(device, student.identifier, school)


def test_handout_collect_assigned_of_a_device_not_assigned_raises_naming_device(technician: User):
    school, student, device = _ready()

    with pytest.raises(DomainError, match="nor assigned to one") as caught:
        handouts.handout_collect_assigned(
            student=student, device=device, actor=technician, condition_in=Condition.GOOD
        )
    assert caught.value.field == "device" and not Handout.objects.exists()
    assert not CustodyEvent.objects.filter(device=device).exists() and _on_hand(school) == 5


def test_handout_collect_assigned_of_a_device_handed_out_in_the_app_raises_naming_device(technician: User):
    _, student, device = _ready()
    handout = handouts.handout_create(student=student, device=device, actor=technician)

    with pytest.raises(DomainError, match="in the app: scan it to collect that hand-out") as caught:
        handouts.handout_collect_assigned(
            student=student, device=device, actor=technician, condition_in=Condition.GOOD
        )
    assert caught.value.field == "device"
    assert list(Handout.objects.all()) == [handout] and handout.is_open


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"condition_in": "broken"}, "condition_in"),
        ({"condition_in": Condition.DAMAGED}, "damage_cause"),
        ({"condition_in": Condition.GOOD, "damage_cause": DamageCause.ACCIDENTAL}, "damage_cause"),
        (
            {"condition_in": Condition.GOOD, "accessories": [AccessoryReturn("charger", 4, Condition.GOOD)]},
            "charger_returned",
        ),
        (
            {
                "condition_in": Condition.GOOD,
                "accessories": [AccessoryReturn("charger", 1, Condition.MISSING)],
            },
            "charger_condition",
        ),
        (
            {"condition_in": Condition.GOOD, "accessories": [AccessoryReturn("laptop", 1, "good")]},
            "accessories",
        ),
    ],
)
def test_handout_collect_assigned_with_bad_answers_raises_naming_the_field_and_writes_nothing(
    technician: User, kwargs, field
):
    school, student, device = _imported()

    with pytest.raises(DomainError) as caught:
        handouts.handout_collect_assigned(student=student, device=device, actor=technician, **kwargs)
    assert caught.value.field == field
    _nothing_written(device, student.identifier, school)


def test_handout_collect_assigned_missing_by_school_admin_raises_and_writes_nothing(school_admin: User):
    student = StudentFactory.create(school=school_admin.profile.locations.get())
    device = assigned_by_import(student)

    with pytest.raises(DomainError, match="Only IT staff") as caught:
        handouts.handout_collect_assigned(
            student=student,
            device=device,
            actor=school_admin,
            condition_in=Condition.MISSING,
            damage_cause=DamageCause.LOST,
        )
    assert caught.value.field == "condition_in"
    _nothing_written(device, student.identifier)


def test_handout_collect_assigned_twice_raises_the_second_time(technician: User):
    _, student, device = _imported()
    handouts.handout_collect_assigned(student=student, device=device, actor=technician, condition_in="good")

    with pytest.raises(DomainError, match="nor assigned to one"):
        handouts.handout_collect_assigned(
            student=student, device=device, actor=technician, condition_in="good"
        )
    assert Handout.objects.count() == 1


def test_handout_collect_assigned_then_handout_again_keeps_both_in_the_history(technician: User):
    _, student, device = _imported()
    handouts.handout_collect_assigned(student=student, device=device, actor=technician, condition_in="good")

    again = handouts.handout_create(student=student, device=device, actor=technician)

    assert again.origin == HandoutOrigin.SCAN and again.is_open
    assert list(Handout.objects.order_by("pk").values_list("origin", flat=True)) == ["assignment", "scan"]
