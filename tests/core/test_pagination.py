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
from tests.fleet.factories import CustodyEventFactory, DeviceFactory
from tests.repairs.factories import (
    PartFactory,
    StockLocationFactory,
    StockMovementFactory,
    TicketEventFactory,
    TicketFactory,
)

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


def _walk(step: Callable[[str | None, str | None], pagination.KeysetPage]) -> tuple[list[int], list[int]]:
    """Every row forward by next cursors, then back from the last page by previous cursors."""
    forward: list[list[int]] = []
    page = step(None, None)
    forward.append([m.pk for m in page])
    while page.next_cursor:
        page = step(page.next_cursor, None)
        forward.append([m.pk for m in page])
    back: list[list[int]] = []
    while not page.is_first:
        assert page.prev_cursor
        page = step(None, page.prev_cursor)
        back.append([m.pk for m in page])
    return [pk for rows in forward for pk in rows], [pk for rows in reversed(back) for pk in rows]


@pytest.mark.parametrize("newest_first", [True, False])
def test_keyset_pages_walk_back_by_previous_cursors_to_the_first_page(
    movements: list[StockMovement], newest_first: bool
):
    def step(after: str | None, before: str | None) -> pagination.KeysetPage:
        return keyset_page(
            StockMovement.objects.all(), cursor=after, before=before, per_page=2, newest_first=newest_first
        )

    forward, back = _walk(step)

    expected = [m.pk for m in sorted(movements, key=lambda m: (m.occurred_at, m.pk), reverse=newest_first)]
    assert forward == expected
    # Back from the last page of 1 row: pages of 2 ending where the last page began, then the first.
    assert back == expected[:2] + expected[2:6]


def test_keyset_page_without_count_reads_one_query(movements: list[StockMovement], django_assert_num_queries):
    with django_assert_num_queries(1):
        page = keyset_page(StockMovement.objects.all(), cursor=None, per_page=3, count=False)
    assert len(page) == 3 and page.next_cursor


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "nonsense",
        "2026-13-45T00:00:00_4",
        "2026-01-01T00:00:00+00:00_x",
        "2026-01-01T00:00:00+00:00_99999999999999999999",
        "2026-01-01T00:00:00+00:00_0",
        "0001-01-01T00:00:00+05:00_3",
    ],
)
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


def test_stock_movement_api_pages_by_cursor_links_both_ways(
    movements: list[StockMovement], procurement: User, token_api_client, monkeypatch
):
    monkeypatch.setattr(pagination.KeysetCursorPagination, "page_size", 3)
    client = token_api_client(procurement)
    expected = [m.pk for m in sorted(movements, key=lambda m: (m.occurred_at, m.pk), reverse=True)]

    first = client.get("/api/stock-movements/").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()

    assert (first["count"], first["count_is_capped"], first["previous"]) == (7, False, None)
    assert "after=" in first["next"] and "page=" not in first["next"]
    pages = [[row["id"] for row in body["results"]] for body in (first, second, third)]
    assert pages == [expected[:3], expected[3:6], expected[6:]]
    assert third["next"] is None and "before=" in third["previous"]
    assert [row["id"] for row in back["results"]] == expected[3:6]


def test_stock_movement_api_cursor_keeps_the_filters(
    movements: list[StockMovement], procurement: User, token_api_client, monkeypatch
):
    monkeypatch.setattr(pagination.KeysetCursorPagination, "page_size", 2)
    other = StockMovementFactory.create()
    client = token_api_client(procurement)

    first = client.get("/api/stock-movements/", {"part": movements[0].part_id}).json()
    rest = client.get(first["next"]).json()

    assert f"part={movements[0].part_id}" in first["next"]
    assert other.pk not in {row["id"] for row in first["results"] + rest["results"]}


def test_stock_movement_api_with_a_malformed_cursor_gives_the_first_page(
    movements: list[StockMovement], procurement: User, token_api_client
):
    body = token_api_client(procurement).get("/api/stock-movements/", {"after": "x_1"}).json()

    assert body["results"][0]["id"] == movements[-1].pk and body["previous"] is None


def test_device_custody_api_pages_by_cursor(technician: User, token_api_client, monkeypatch):
    monkeypatch.setattr(pagination.KeysetCursorPagination, "page_size", 2)
    device = DeviceFactory.create()
    start = timezone.now() - dt.timedelta(days=3)
    events = [
        CustodyEventFactory.create(device=device, occurred_at=start + dt.timedelta(hours=n)) for n in range(3)
    ]
    client = token_api_client(technician)

    first = client.get(f"/api/devices/{device.pk}/custody/").json()
    older = client.get(first["next"]).json()

    assert [row["id"] for row in first["results"]] == [events[2].pk, events[1].pk]
    assert [row["id"] for row in older["results"]] == [events[0].pk] and older["next"] is None


def test_device_page_pages_its_custody_timeline(
    technician: User, login: Callable[[User], Client], monkeypatch
):
    monkeypatch.setattr("fleet.views.devices.TIMELINE_PER_PAGE", 2)
    device = DeviceFactory.create()
    start = timezone.now() - dt.timedelta(days=3)
    events = [
        CustodyEventFactory.create(
            device=device, occurred_at=start + dt.timedelta(hours=n), reason=f"move {n}"
        )
        for n in range(3)
    ]
    client = login(technician)
    url = reverse("fleet:device_detail", args=[device.pk])

    first = client.get(url)
    older = client.get(url, {"after": first.context["timeline"].next_cursor})

    assert [e.pk for e in first.context["timeline"]] == [events[2].pk, events[1].pk]
    assert 'rel="next">Older' in first.content.decode() and "move 0" not in first.content.decode()
    assert [e.pk for e in older.context["timeline"]] == [events[0].pk]
    assert ">Newest</a>" in older.content.decode() and 'rel="prev">Newer' in older.content.decode()


def test_ticket_page_pages_its_timeline_oldest_first(
    technician: User, login: Callable[[User], Client], monkeypatch
):
    monkeypatch.setattr("repairs.views.tickets.TIMELINE_PER_PAGE", 2)
    ticket = TicketFactory.create()
    start = timezone.now() - dt.timedelta(days=3)
    events = [
        TicketEventFactory.create(ticket=ticket, occurred_at=start + dt.timedelta(hours=n), note=f"note {n}")
        for n in range(3)
    ]
    client = login(technician)
    url = reverse("repairs:ticket_detail", args=[ticket.pk])

    first = client.get(url)
    later = client.get(url, {"after": first.context["events"].next_cursor})

    assert [e.pk for e in first.context["events"]] == [events[0].pk, events[1].pk]
    assert 'rel="next">Later' in first.content.decode() and "note 2" not in first.content.decode()
    assert [e.pk for e in later.context["events"]] == [events[2].pk]
    assert ">Earliest</a>" in later.content.decode()
