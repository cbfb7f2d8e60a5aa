"""Capped counts and keyset pages (core.pagination), and the pages that use them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import pagination
from core.pagination import CappedPaginator, keyset_page, parse_cursor
from repairs.models import StockMovement
from tests.repairs.factories import PartFactory, StockLocationFactory, StockMovementFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def movements() -> list[StockMovement]:
    """Seven movements, three of them at the same instant (the id breaks the tie)."""
    part, where = PartFactory.create(), StockLocationFactory.create()
    start = timezone.now() - dt.timedelta(days=1)
    times = [start, start, start, *(start + dt.timedelta(minutes=n) for n in range(1, 5))]
    return [StockMovementFactory.create(part=part, stock_location=where, occurred_at=t) for t in times]


def test_capped_paginator_stops_counting_at_the_cap(movements: list[StockMovement], monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 5)

    paginator = CappedPaginator(StockMovement.objects.all(), 2)

    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (5, True, 3)


def test_capped_paginator_under_the_cap_counts_exactly(movements: list[StockMovement]):
    paginator = CappedPaginator(StockMovement.objects.all(), 2)

    assert (paginator.count, paginator.is_capped) == (7, False)


def test_keyset_pages_walk_every_row_once_newest_first(movements: list[StockMovement]):
    seen: list[int] = []
    cursor = None
    while True:
        page = keyset_page(StockMovement.objects.all(), cursor=cursor, per_page=2)
        seen += [m.pk for m in page]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    expected = sorted(movements, key=lambda m: (m.occurred_at, m.pk), reverse=True)
    assert seen == [m.pk for m in expected]


@pytest.mark.parametrize("cursor", ["", "nonsense", "2026-13-45T00:00:00_4", "2026-01-01T00:00:00+00:00_x"])
def test_keyset_page_with_a_malformed_cursor_gives_the_first_page(
    movements: list[StockMovement], cursor: str
):
    page = keyset_page(StockMovement.objects.all(), cursor=cursor, per_page=3)

    assert parse_cursor(cursor) is None
    assert page.is_first
    assert [m.pk for m in page] == [movements[-1].pk, movements[-2].pk, movements[-3].pk]


def test_stock_ledger_pages_by_older_link_and_says_when_capped(
    movements: list[StockMovement], procurement: User, login: Callable[[User], Client], monkeypatch
):
    monkeypatch.setattr("repairs.views.stock.PER_PAGE", 4)
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    client = login(procurement)
    url = reverse("repairs:stock_movement_list")

    first = client.get(url)
    older = first.context["page"].next_cursor
    second = client.get(url, {"after": older})

    assert "More than 5 movements" in first.content.decode()
    assert 'rel="next">Older' in first.content.decode()
    assert len(first.context["page"]) == 4 and len(second.context["page"]) == 3
    assert not {m.pk for m in first.context["page"]} & {m.pk for m in second.context["page"]}
    assert ">Newest</a>" in second.content.decode()


def test_ticket_list_says_more_than_the_cap(technician: User, login: Callable[[User], Client], monkeypatch):
    TicketFactory.create_batch(4)
    monkeypatch.setattr(CappedPaginator, "cap", 3)

    body = login(technician).get(reverse("repairs:ticket_list")).content.decode()

    assert "More than 3 tickets" in body


def test_ticket_api_says_its_count_is_capped(technician: User, login: Callable[[User], Client], monkeypatch):
    TicketFactory.create_batch(4)
    client = login(technician)

    exact = client.get("/api/tickets/").json()
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    capped = client.get("/api/tickets/").json()

    assert (exact["count"], exact["count_is_capped"]) == (4, False)
    assert (capped["count"], capped["count_is_capped"]) == (3, True)
