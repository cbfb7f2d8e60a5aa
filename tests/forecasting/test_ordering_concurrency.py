"""Two buyers ordering the same suggestions at the same moment: one order, not two (PostgreSQL only).

Each thread has its own connection, so the row locks really race; SQLite serialises writers.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.choices import Role
from core.exceptions import ConflictError
from forecasting.choices import ForecastRunStatus
from forecasting.services import ordering
from repairs.models import PurchaseOrder, PurchaseOrderLine
from tests.accounts.factories import UserFactory
from tests.forecasting.factories import ForecastRunFactory, ReorderSuggestionFactory
from tests.repairs.factories import PartFactory, StockLocationFactory, VendorFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 6


def test_ordering_the_same_suggestions_concurrently_makes_one_order():
    run = ForecastRunFactory.create(status=ForecastRunStatus.SUCCEEDED, finished_at=timezone.now())
    depot, vendor = StockLocationFactory.create(), VendorFactory.create()
    ids = [
        ReorderSuggestionFactory.create(
            run=run,
            stock_location=depot,
            part=PartFactory.create(
                part_number=f"REAL-{n}", is_demo=False, vendor=vendor, unit_cost=Decimal("9.00")
            ),
        ).pk
        for n in range(3)
    ]
    buyers = [UserFactory.create(roles=[Role.PROCUREMENT]) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            # Each buyer ticks the lines in a different order; the service locks them in pk order.
            chosen = ids[i % 3 :] + ids[: i % 3]
            results[i] = ordering.purchase_orders_from_suggestions(actor=buyers[i], suggestion_ids=chosen)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [r for r in results if isinstance(r, list)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert (len(winners), len(losers)) == (1, THREADS - 1), results
    assert PurchaseOrder.objects.count() == 1
    assert PurchaseOrderLine.objects.count() == 3
