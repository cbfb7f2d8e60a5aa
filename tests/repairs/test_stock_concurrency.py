"""Two technicians taking the last unit at the same moment: exactly one gets it (PostgreSQL only).

Each thread has its own database connection, so the conditional UPDATE really races; SQLite
serialises writers and would prove nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from core.exceptions import DomainError
from repairs import selectors
from repairs.choices import StockMovementKind
from repairs.models import Part, StockLevel, StockLocation, StockMovement, Ticket
from repairs.services import stock
from tests.accounts.factories import UserFactory
from tests.repairs.factories import PartFactory, StockLocationFactory, TicketFactory

# serialized_rollback restores the role groups that migrations install, which a flush removes.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 8


def _race(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``count`` threads released together; return each result or exception."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _last_unit(technician: User) -> tuple[Part, StockLocation, list[Ticket]]:
    part = PartFactory.create()
    depot = StockLocationFactory.create(name="Central depot")
    stock.stock_receive(part=part, stock_location=depot, quantity=1, actor=technician)
    tickets = [TicketFactory.create() for _ in range(THREADS)]
    for ticket in tickets:
        part.compatible_models.add(ticket.device.model)
    return part, depot, tickets


def test_stock_issue_last_unit_concurrently_exactly_one_succeeds(technician: User):
    part, depot, tickets = _last_unit(technician)

    results = _race(
        THREADS,
        lambda i: stock.stock_issue_to_ticket(
            ticket=tickets[i], part=part, stock_location=depot, actor=technician
        ),
    )

    winners = [r for r in results if isinstance(r, StockMovement)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1, results
    assert len(losers) == THREADS - 1, results
    assert all(str(exc) == f"Not enough {part.part_number} at Central depot: 0 on hand." for exc in losers)
    assert StockLevel.objects.get(part=part, stock_location=depot).on_hand == 0
    assert StockMovement.objects.filter(part=part, kind=StockMovementKind.ISSUED).count() == 1
    assert not selectors.stock_ledger_mismatches().exists()


def test_stock_issue_last_unit_through_the_api_one_gets_201_the_other_409(technician: User):
    part, depot, tickets = _last_unit(technician)
    other = UserFactory.create(username="technician2", roles=["technician"])
    tokens = [AuthToken.objects.create(user=user)[1] for user in (technician, other)]

    def post(i: int) -> tuple[int, dict[str, object]]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}")
        response = client.post(
            f"/api/tickets/{tickets[i].pk}/parts/",
            {"action": "issue", "part": part.pk, "stock_location": depot.pk},
            format="json",
        )
        return response.status_code, response.json()

    results = _race(2, post)

    statuses = sorted(result[0] for result in results)  # type: ignore[index]
    assert statuses == [201, 409], results
    loser = next(result for result in results if result[0] == 409)  # type: ignore[index]
    assert loser[1] == {"quantity": [f"Not enough {part.part_number} at Central depot: 0 on hand."]}  # type: ignore[index]
    assert StockLevel.objects.get(part=part, stock_location=depot).on_hand == 0
    assert StockMovement.objects.filter(part=part, kind=StockMovementKind.ISSUED).count() == 1
