"""Makers, models, places and devices with valid defaults; override only what a test is about."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from fleet.choices import (
    AuditScanOutcome,
    CustodyEventKind,
    DeviceStatus,
    DeviceType,
    ImportMappingKind,
    LocationKind,
)
from fleet.models import (
    CustodyEvent,
    Device,
    DeviceModel,
    ImportMapping,
    Location,
    LocationAudit,
    LocationAuditScan,
    Manufacturer,
)
from repairs.models import Loan
from tests.accounts.factories import UserFactory


def serial_for(manufacturer: Manufacturer, n: int) -> str:
    """A serial in the maker's format: its example serial with the tail replaced by ``n``.

    Raises ValueError when that does not fully match ``serial_regex``: pass ``serial=`` instead.
    """
    example = manufacturer.serial_example or "SN000000"
    width = min(6, len(example))
    digits = f"{n:0{width}d}"[-width:]
    serial = example[: len(example) - width] + digits
    if manufacturer.serial_regex and not re.fullmatch(manufacturer.serial_regex, serial):
        raise ValueError(
            f"No serial for {manufacturer} derives from {example!r} under {manufacturer.serial_regex!r}"
        )
    return serial


class ManufacturerFactory(DjangoModelFactory[Manufacturer]):
    class Meta:
        model = Manufacturer

    name = factory.Sequence(lambda n: f"Maker {n}")
    serial_regex = r"[A-Z0-9]{8}"
    serial_example = "PF2ABCDE"


class DeviceModelFactory(DjangoModelFactory[DeviceModel]):
    class Meta:
        model = DeviceModel

    manufacturer = factory.SubFactory(ManufacturerFactory)
    name = factory.Sequence(lambda n: f"Chromebook {n}")
    device_type = DeviceType.CHROMEBOOK
    aue_month = dt.date(2030, 6, 1)
    warranty_months = 36
    unit_price = Decimal("329.00")


class LocationFactory(DjangoModelFactory[Location]):
    class Meta:
        model = Location

    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"School {n}")
    kind = LocationKind.ELEMENTARY
    cluster = "North"


class DeviceFactory(DjangoModelFactory[Device]):
    """A deployed device whose serial is valid for its model's manufacturer."""

    class Meta:
        model = Device

    asset_tag = factory.Sequence(lambda n: f"CB-{n:06d}")
    model = factory.SubFactory(DeviceModelFactory)
    manufacturer = factory.SelfAttribute("model.manufacturer")
    serial = factory.LazyAttributeSequence(lambda o, n: serial_for(o.manufacturer, n))
    location = factory.SubFactory(LocationFactory)
    status = DeviceStatus.DEPLOYED
    purchase_date = dt.date(2024, 7, 15)
    warranty_end = dt.date(2027, 7, 14)


class CustodyEventFactory(DjangoModelFactory[CustodyEvent]):
    class Meta:
        model = CustodyEvent

    device = factory.SubFactory(DeviceFactory)
    kind = CustodyEventKind.RECEIVED
    occurred_at = factory.LazyFunction(timezone.now)
    to_location = factory.SelfAttribute("device.location")
    to_status = factory.SelfAttribute("device.status")


class LoanFactory(DjangoModelFactory[Loan]):
    class Meta:
        model = Loan

    loaner = factory.SubFactory(DeviceFactory, is_loaner=True, status=DeviceStatus.LOANED_OUT)
    ticket = factory.SubFactory("tests.repairs.factories.TicketFactory")
    borrower_id = factory.Sequence(lambda n: f"S{n:07d}")
    checked_out_by = factory.SubFactory(UserFactory)
    checked_out_at = factory.LazyFunction(timezone.now)


class LocationAuditFactory(DjangoModelFactory[LocationAudit]):
    """An open audit of a school."""

    class Meta:
        model = LocationAudit

    location = factory.SubFactory(LocationFactory)
    started_by = factory.SubFactory(UserFactory)
    started_at = factory.LazyFunction(timezone.now)


class LocationAuditScanFactory(DjangoModelFactory[LocationAuditScan]):
    """A device scanned where the records put it."""

    class Meta:
        model = LocationAuditScan

    audit = factory.SubFactory(LocationAuditFactory)
    device = factory.SubFactory(DeviceFactory, location=factory.SelfAttribute("..audit.location"))
    scanned_code = factory.SelfAttribute("device.asset_tag")
    scanned_at = factory.LazyFunction(timezone.now)
    outcome = AuditScanOutcome.PRESENT


def device_with_variant_to_confirm(**kwargs: object) -> Device:
    """A device imported under a Google name that fits two models of one maker: the first is its
    model until someone confirms the variant from the label."""
    first = DeviceModelFactory.create(name="Lenovo 100e Chromebook Gen 3 (AMD)")
    second = DeviceModelFactory.create(
        name="Lenovo 100e Chromebook Gen 3 (Intel)", manufacturer=first.manufacturer
    )
    device = DeviceFactory.create(model=first, variant_confirmed=False, **kwargs)
    device.variant_candidates.set([first, second])
    return device


class ImportMappingFactory(DjangoModelFactory[ImportMapping]):
    """An answer to an import's question: an org unit mapped to a location."""

    class Meta:
        model = ImportMapping

    kind = ImportMappingKind.LOCATION
    key = factory.Sequence(lambda n: f"/Devices/Holding {n}")
    key_normalised = factory.LazyAttribute(lambda o: ImportMapping.normalise(o.key))
    location = factory.SubFactory(LocationFactory)
