"""Eight hand-outs at one school racing for its last charger: exactly one gets it, the others are
refused naming the chargers, and no custody event or hand-out is left half-written
(PostgreSQL only: each thread has its own connection, so the conditional UPDATE really races)."""

from __future__ import annotations

import pytest

from accounts.models import User
from core.exceptions import DomainError
from fleet.choices import DeviceStatus
from fleet.models import CustodyEvent
from students.choices import AccessoryKind
from students.models import AccessoryStock, Handout
from students.services import handouts
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.repairs.test_stock_concurrency import _race
from tests.students.factories import StudentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 8


def test_handout_of_the_last_charger_concurrently_exactly_one_gets_it(technician: User):
    school = LocationFactory.create(name="Elm High")
    AccessoryStock.objects.create(location=school, kind=AccessoryKind.CHARGER, on_hand=1)
    students = StudentFactory.create_batch(THREADS, school=school)
    devices = DeviceFactory.create_batch(THREADS, location=school, status=DeviceStatus.IN_STOCK)

    results = _race(
        THREADS,
        lambda i: handouts.handout_create(
            student=students[i], device=devices[i], actor=technician, accessories={"charger": 1}
        ),
    )

    winners = [r for r in results if isinstance(r, Handout)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1 and len(losers) == THREADS - 1, results
    assert all(
        exc.field == "charger" and "Not enough chargers at Elm High: 0 on hand" in str(exc) for exc in losers
    )
    assert AccessoryStock.objects.get(location=school).on_hand == 0
    assert Handout.objects.count() == 1 and CustodyEvent.objects.count() == 1
