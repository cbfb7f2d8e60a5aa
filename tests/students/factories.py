"""Students, hand-outs, agreements, fees, charges and payments with valid defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus
from fleet.models import Device
from repairs.choices import DamageCause
from students.choices import AccessoryKind, ChargeStatus, Condition, PaymentMethod
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
    Student,
)
from tests.accounts.factories import UserFactory
from tests.fleet.factories import CustodyEventFactory, DeviceFactory, DeviceModelFactory, LocationFactory


class StudentFactory(DjangoModelFactory[Student]):
    class Meta:
        model = Student

    identifier = factory.Sequence(lambda n: f"S{n:07d}")
    sourced_id = factory.Sequence(lambda n: f"usr-{n:06d}")
    school = factory.SubFactory(LocationFactory)
    grade = "07"


class AccessoryStockFactory(DjangoModelFactory[AccessoryStock]):
    class Meta:
        model = AccessoryStock

    location = factory.SubFactory(LocationFactory)
    kind = AccessoryKind.CHARGER
    on_hand = 30


class AgreementFactory(DjangoModelFactory[Agreement]):
    class Meta:
        model = Agreement

    version = factory.Sequence(lambda n: n + 1)
    title = "Student device agreement"
    body = "I will take care of the Chromebook lent to me and bring it back when asked."
    created_by = factory.SubFactory(UserFactory)


class HandoutFactory(DjangoModelFactory[Handout]):
    class Meta:
        model = Handout

    student = factory.SubFactory(StudentFactory)
    device = factory.SubFactory(DeviceFactory)
    handed_out_at = factory.LazyFunction(timezone.now)
    handed_out_by = factory.SubFactory(UserFactory)
    condition_out = Condition.GOOD


class HandoutAccessoryFactory(DjangoModelFactory[HandoutAccessory]):
    class Meta:
        model = HandoutAccessory

    handout = factory.SubFactory(HandoutFactory)
    kind = AccessoryKind.CHARGER
    quantity = 1


class FeeRuleFactory(DjangoModelFactory[FeeRule]):
    class Meta:
        model = FeeRule

    damage_cause = DamageCause.ACCIDENTAL
    device_model = factory.SubFactory(DeviceModelFactory)
    amount = Decimal("25.00")


class ChargePolicyFactory(DjangoModelFactory[ChargePolicy]):
    class Meta:
        model = ChargePolicy
        django_get_or_create = ("pk",)

    pk = 1
    hold_threshold = Decimal("0.00")


class ChargeFactory(DjangoModelFactory[Charge]):
    class Meta:
        model = Charge

    student = factory.SubFactory(StudentFactory)
    device = factory.SubFactory(DeviceFactory)
    damage_cause = DamageCause.ACCIDENTAL
    amount = Decimal("25.00")
    status = ChargeStatus.OPEN
    created_by = factory.SubFactory(UserFactory)


class PaymentFactory(DjangoModelFactory[Payment]):
    class Meta:
        model = Payment

    charge = factory.SubFactory(ChargeFactory)
    amount = Decimal("10.00")
    method = PaymentMethod.CASH
    received_at = factory.LazyFunction(timezone.now)
    received_by = factory.SubFactory(UserFactory)
    receipt_number = factory.Sequence(lambda n: f"R-{n:06d}")


class CollectionWindowFactory(DjangoModelFactory[CollectionWindow]):
    class Meta:
        model = CollectionWindow

    name = "Year-end collection"
    school = factory.SubFactory(LocationFactory)
    starts_on = dt.date(2027, 6, 1)
    ends_on = dt.date(2027, 6, 12)


def assigned_by_import(student: Student, **device_kwargs: object) -> Device:
    """A device at the student's school assigned to their ID by a Google Admin import, with the
    import's custody event and no hand-out in the app."""
    device_kwargs.setdefault("location", student.school)
    device = DeviceFactory.create(
        status=DeviceStatus.DEPLOYED,
        assignee_kind=AssigneeKind.STUDENT,
        assignee_id=student.identifier,
        **device_kwargs,
    )
    CustodyEventFactory.create(
        device=device,
        kind=CustodyEventKind.IMPORTED,
        occurred_at=timezone.now() - dt.timedelta(days=200),
        to_assignee_id=student.identifier,
        reason="Google Admin import",
    )
    return device
