"""Paging big tables: a count that stops at a cap, and keyset pages over (occurred_at, id).

At district size an exact ``COUNT(*)`` over a million tickets costs 100 ms on every page, and an
``OFFSET`` deep into 850,000 ledger rows reads every row it skips. Lists count at most ``COUNT_CAP``
rows and say "more than 10,000"; ledgers page by the last row's ``(occurred_at, id)``, which an
index on those two columns answers in a few reads at any depth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

COUNT_CAP = 10_000

M = TypeVar("M", bound=Model)


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``COUNT_CAP`` (``is_capped`` says it did).

    Counts ``SELECT COUNT(*) FROM (... LIMIT cap + 1)``: at most cap + 1 rows are read, however
    many match. Pages past the cap are not offered; a list that long is narrowed by its filters.
    """

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        # No ORDER BY in the count: sorting every match (by a joined name, say) only to count it.
        found = rows.order_by()[: self.cap + 1].count() if isinstance(rows, QuerySet) else len(rows)
        self.is_capped = found > self.cap
        return min(found, self.cap)

    is_capped = False


class CappedPageNumberPagination(PageNumberPagination):
    """The API's page-number paging with a capped count: ``count`` is at most 10,000 and
    ``count_is_capped`` says when more rows match."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data: Any) -> Any:
        response = super().get_paginated_response(data)
        assert self.page is not None
        paginator = self.page.paginator
        response.data["count_is_capped"] = bool(getattr(paginator, "is_capped", False))
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_is_capped"] = {
            "type": "boolean",
            "description": f"True when more than {COUNT_CAP:,} rows match: count stops there.",
        }
        return response


@dataclass
class KeysetPage(Generic[M]):
    """One page of a ledger, newest first, and the cursor of the next (older) page, if any."""

    object_list: Sequence[M]
    next_cursor: str | None
    is_first: bool
    count: int  # rows matching in all, at most COUNT_CAP
    is_capped: bool  # more than COUNT_CAP match

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _cursor(row: Model) -> str:
    occurred_at: dt.datetime = row.occurred_at  # type: ignore[attr-defined]
    return f"{occurred_at.isoformat()}_{row.pk}"


def parse_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    """``(occurred_at, id)`` from a cursor, or None for the first page or a malformed cursor."""
    if not cursor or "_" not in cursor:
        return None
    when, _, pk = cursor.rpartition("_")
    try:
        occurred_at = parse_datetime(when)
        return (occurred_at, int(pk)) if occurred_at else None
    except ValueError:
        return None


def keyset_page(rows: QuerySet[M], *, cursor: str | None, per_page: int) -> KeysetPage[M]:
    """The page after ``cursor`` of ``rows`` ordered ``-occurred_at, -id``, with a capped count.

    ``occurred_at <= t AND NOT (occurred_at = t AND id >= pk)`` rather than an OR, so the index on
    ``(occurred_at, id)`` is read as one range from the cursor down. A malformed cursor gives the
    first page.
    """
    rows = rows.order_by("-occurred_at", "-pk")
    counted = rows.order_by()[: COUNT_CAP + 1].count()
    after = parse_cursor(cursor)
    if after is not None:
        occurred_at, pk = after
        rows = rows.filter(occurred_at__lte=occurred_at).exclude(Q(occurred_at=occurred_at, pk__gte=pk))
    fetched = list(rows[: per_page + 1])
    more = len(fetched) > per_page
    fetched = fetched[:per_page]
    return KeysetPage(
        object_list=fetched,
        next_cursor=_cursor(fetched[-1]) if more and fetched else None,
        is_first=after is None,
        count=min(counted, COUNT_CAP),
        is_capped=counted > COUNT_CAP,
    )
