"""Every admin changelist makes a fixed number of queries, whatever the number of rows on the page.

Thirty rows of every model (each with its own related rows, as the factories make them), then each
changelist at 3 and at 30 rows a page: the two counts must be equal (no query per row) and at most
the pinned number, so a new column that reads a relation without ``list_select_related`` fails here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tests.accounts.factories import (
    OvertimeDelegationFactory,
    OvertimeRequestEventFactory,
    StaffProfileFactory,
    TimeEntryFactory,
    TimesheetFactory,
    UserFactory,
)
from tests.core.admin_support import admin_url
from tests.fleet.factories import (
    CustodyEventFactory,
    ImportMappingFactory,
    LoanFactory,
    LocationAuditScanFactory,
    LocationFactory,
)
from tests.forecasting.factories import PartForecastFactory, ReorderSuggestionFactory
from tests.notifications.factories import DeliveryFactory, NotificationPreferenceFactory
from tests.repairs.factories import (
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockLocationFactory,
    StockMovementFactory,
    TicketEventFactory,
    TicketFactory,
)
from tests.students.factories import (
    AccessoryStockFactory,
    AgreementFactory,
    ChargeFactory,
    ChargePolicyFactory,
    CollectionWindowFactory,
    FeeRuleFactory,
    HandoutAccessoryFactory,
    HandoutFactory,
    PaymentFactory,
)

pytestmark = pytest.mark.django_db

log = logging.getLogger(__name__)

ROWS = 30
# Queries for one changelist page (session, user, count, rows, filters' choices...). Raise one
# only with a reason; a count that differs between 3 and 30 rows a page fails regardless.
PINNED: dict[str, int] = {}
DEFAULT_PIN = 8


def _changelists() -> list[type[Model]]:
    return sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


def _queries(client: Client, model: type[Model], per_page: int, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(admin.site._registry[model], "list_per_page", per_page)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200, f"{model._meta.label}: {response.status_code}"
    return len(captured)


def test_admin_changelist_query_count_does_not_grow_with_rows(
    superuser: User, login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
):
    for factory in (
        StaffProfileFactory,
        OvertimeDelegationFactory,
        OvertimeRequestEventFactory,
        TimeEntryFactory,
        TimesheetFactory,
        CustodyEventFactory,
        ImportMappingFactory,
        LoanFactory,
        LocationAuditScanFactory,
        TicketEventFactory,
        StockLevelFactory,
        StockMovementFactory,
        PurchaseOrderLineFactory,
        PartForecastFactory,
        ReorderSuggestionFactory,
        HandoutAccessoryFactory,
        AccessoryStockFactory,
        AgreementFactory,
        FeeRuleFactory,
        PaymentFactory,
        CollectionWindowFactory,
        NotificationPreferenceFactory,
        DeliveryFactory,
    ):
        factory.create_batch(ROWS)
    ChargePolicyFactory.create()
    # Optional relations filled too, so a column that reads one is caught.
    for _ in range(ROWS):
        StockMovementFactory.create(ticket=TicketFactory.create())
        StockLocationFactory.create(location=LocationFactory.create(), technician=UserFactory.create())
        ChargeFactory.create(ticket=TicketFactory.create(), handout=HandoutFactory.create())
    client = login(superuser)
    problems = []
    for model in _changelists():
        label = model._meta.label_lower
        few, many = _queries(client, model, 3, monkeypatch), _queries(client, model, ROWS, monkeypatch)
        rows = model._default_manager.count()
        log.info("%s: %d rows, %d queries at 3 a page, %d at %d", label, rows, few, many, ROWS)
        if few != many:
            problems.append(f"{label}: {few} queries for 3 rows, {many} for {min(rows, ROWS)}")
        if many > PINNED.get(label, DEFAULT_PIN):
            problems.append(f"{label}: {many} queries, pinned at {PINNED.get(label, DEFAULT_PIN)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("model", "factory", "field"),
    [
        ("repairs.ticketevent", TicketEventFactory, "occurred_at"),
        ("fleet.custodyevent", CustodyEventFactory, "occurred_at"),
        ("repairs.stockmovement", StockMovementFactory, "occurred_at"),
        ("repairs.ticket", TicketFactory, "opened_at"),
    ],
)
def test_big_table_date_hierarchy_lists_periods_from_the_range_without_a_distinct_scan(
    superuser: User, login: Callable[[User], Client], model: str, factory: Any, field: str
):
    import datetime as dt

    from django.apps import apps
    from django.utils import timezone

    when = [
        timezone.make_aware(dt.datetime(2024, 3, 10, 12)),
        timezone.make_aware(dt.datetime(2025, 5, 2, 9)),
    ]
    rows = [factory.create(**{field: moment}) for moment in when]
    changelist = admin_url(apps.get_model(model), "changelist")
    client = login(superuser)

    with CaptureQueriesContext(connection) as captured:
        years = client.get(changelist)
    months = client.get(changelist, {f"{field}__year": 2025})
    days = client.get(changelist, {f"{field}__year": 2025, f"{field}__month": 5})

    assert not [q["sql"] for q in captured if "DISTINCT" in q["sql"] or "DATE_TRUNC" in q["sql"].upper()]
    assert [y.year for y in years.context["cl"].queryset.datetimes(field, "year")] == [2024, 2025]
    assert f"{field}__year=2024" in years.content.decode() and f"{field}__year=2025" in years.content.decode()
    assert list(months.context["cl"].result_list) == [rows[1]]
    assert f"{field}__month=5" in months.content.decode()
    assert list(days.context["cl"].result_list) == [rows[1]]
    assert f"{field}__day=2" in days.content.decode()
