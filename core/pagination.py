"""Paging big tables: a count that stops at a cap, keyset pages over (occurred_at, id), and a
page's rows read as columns.

At district size an exact ``COUNT(*)`` over a million tickets costs 100 ms on every page, and an
``OFFSET`` deep into 850,000 ledger rows reads every row it skips. Lists count at most ``COUNT_CAP``
rows and say "more than 10,000"; ledgers page by the last row's ``(occurred_at, id)``, which an
index on those two columns answers in a few reads at any depth.

A serializer reads ``ticket.device.model.name``: as model instances a page of 50 tickets with
their device, model, location, reporter and assignee was 300 objects, several milliseconds at
district scale. ``rows_by_id`` reads the page's columns in one query and nests them as the
instances would be, so the same serializer writes the same JSON from a fraction of the work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

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
    """One page of a ledger or history and the cursors of its neighbours, if any.

    ``newest_first`` pages run newest to oldest and ``next_cursor`` leads to older rows; otherwise
    they run oldest to newest and ``next_cursor`` leads to later rows. ``prev_cursor`` goes back
    the other way; ``is_first`` is the page a list opens on.
    """

    object_list: Sequence[M]
    next_cursor: str | None
    is_first: bool
    count: int  # rows matching in all, at most COUNT_CAP
    is_capped: bool  # more than COUNT_CAP match
    prev_cursor: str | None = None
    newest_first: bool = True

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _cursor(row: Model) -> str:
    occurred_at: dt.datetime = row.occurred_at  # type: ignore[attr-defined]
    return f"{occurred_at.isoformat()}_{row.pk}"


def parse_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    """``(occurred_at, id)`` from a cursor, or None for the first page or a malformed cursor
    (a time without an offset is read as UTC; an id outside a bigint is malformed)."""
    if not cursor or "_" not in cursor:
        return None
    when, _, pk = cursor.rpartition("_")
    try:
        occurred_at, key = parse_datetime(when), int(pk)
    except (ValueError, OverflowError):
        return None
    if occurred_at is None or not 0 < key < 2**63:
        return None
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at, dt.UTC)
    try:
        return occurred_at.astimezone(dt.UTC), key
    except OverflowError:  # a time the database cannot store (year 1 east of UTC, say)
        return None


def _beyond(rows: QuerySet[M], key: tuple[dt.datetime, int], *, older: bool) -> QuerySet[M]:
    """Rows strictly older (or newer) than ``key`` in ``(occurred_at, id)`` order.

    ``occurred_at <= t AND NOT (occurred_at = t AND id >= pk)`` rather than an OR, so the index on
    ``(occurred_at, id)`` is read as one range from the cursor on.
    """
    occurred_at, pk = key
    if older:
        return rows.filter(occurred_at__lte=occurred_at).exclude(Q(occurred_at=occurred_at, pk__gte=pk))
    return rows.filter(occurred_at__gte=occurred_at).exclude(Q(occurred_at=occurred_at, pk__lte=pk))


def keyset_page(
    rows: QuerySet[M],
    *,
    cursor: str | None,
    per_page: int,
    before: str | None = None,
    newest_first: bool = True,
    count: bool = True,
) -> KeysetPage[M]:
    """The page of ``rows`` after ``cursor`` (or, given ``before``, the page before that cursor),
    in ``(occurred_at, id)`` order, newest first unless ``newest_first`` is False.

    Each page reads ``per_page + 1`` rows from one index range, at any depth. ``count`` adds the
    capped count (one more query). A malformed cursor gives the first page.
    """
    order = ("-occurred_at", "-pk") if newest_first else ("occurred_at", "pk")
    reverse = ("occurred_at", "pk") if newest_first else ("-occurred_at", "-pk")
    counted = rows.order_by()[: COUNT_CAP + 1].count() if count else 0
    after, until = parse_cursor(cursor), parse_cursor(before)
    if until is not None and after is None:
        # Walk back from the cursor in the opposite order, then turn the page round.
        fetched = list(_beyond(rows, until, older=not newest_first).order_by(*reverse)[: per_page + 1])
        more_back = len(fetched) > per_page
        fetched = fetched[:per_page][::-1]
        if not more_back:  # back at the start: the first page proper, which may hold more rows
            return keyset_page(rows, cursor=None, per_page=per_page, newest_first=newest_first, count=count)
        return KeysetPage(
            object_list=fetched,
            next_cursor=_cursor(fetched[-1]) if fetched else None,
            prev_cursor=_cursor(fetched[0]) if fetched else None,
            is_first=False,
            count=min(counted, COUNT_CAP),
            is_capped=counted > COUNT_CAP,
            newest_first=newest_first,
        )
    rows = rows.order_by(*order)
    if after is not None:
        rows = _beyond(rows, after, older=newest_first)
    fetched = list(rows[: per_page + 1])
    more = len(fetched) > per_page
    fetched = fetched[:per_page]
    return KeysetPage(
        object_list=fetched,
        next_cursor=_cursor(fetched[-1]) if more and fetched else None,
        prev_cursor=_cursor(fetched[0]) if after is not None and fetched else None,
        is_first=after is None,
        count=min(counted, COUNT_CAP),
        is_capped=counted > COUNT_CAP,
        newest_first=newest_first,
    )


class KeysetCursorPagination(BasePagination):
    """The API's keyset paging for ledgers and histories: newest first by ``(occurred_at, id)``.

    The response keeps the page-number shape (``count`` capped at 10,000, ``count_is_capped``,
    ``next``, ``previous``, ``results``), but ``next`` and ``previous`` carry ``after`` or ``before``
    cursors instead of page numbers, so page 17,000 of the stock ledger costs what page 1 does.
    """

    page_size = api_settings.PAGE_SIZE or 50
    after_query_param = "after"
    before_query_param = "before"
    newest_first = True

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        self.request = request
        self.page = keyset_page(
            queryset,
            cursor=request.query_params.get(self.after_query_param),
            before=request.query_params.get(self.before_query_param),
            per_page=self.page_size,
            newest_first=self.newest_first,
        )
        return list(self.page.object_list)

    def _link(self, cursor: str | None, param: str) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.after_query_param)
        url = remove_query_param(url, self.before_query_param)
        return replace_query_param(url, param, cursor)

    def get_next_link(self) -> str | None:
        return self._link(self.page.next_cursor, self.after_query_param)

    def get_previous_link(self) -> str | None:
        if self.page.is_first:
            return None
        if self.page.prev_cursor is None:  # past the end: back to the first page
            url = remove_query_param(self.request.build_absolute_uri(), self.after_query_param)
            return remove_query_param(url, self.before_query_param)
        return self._link(self.page.prev_cursor, self.before_query_param)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.page.count,
                "count_is_capped": self.page.is_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "count_is_capped", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "example": 123,
                    "description": f"Rows matching, at most {COUNT_CAP:,}.",
                },
                "count_is_capped": {
                    "type": "boolean",
                    "description": f"True when more than {COUNT_CAP:,} rows match: count stops there.",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "http://api.example.org/accounts/?after=2026-03-01T09:30:00%2B00:00_4123",
                    "description": "The next (older) page, or null on the last page.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "http://api.example.org/accounts/?before=2026-03-01T09:25:00%2B00:00_4170",
                    "description": "The previous (newer) page, or null on the first page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        cursor = {"type": "string", "pattern": r"^\S+_\d+$"}
        return [
            {
                "name": self.after_query_param,
                "required": False,
                "in": "query",
                "description": "Rows older than this cursor (`<occurred_at ISO 8601>_<id>`, from `next`).",
                "schema": cursor,
            },
            {
                "name": self.before_query_param,
                "required": False,
                "in": "query",
                "description": "Rows newer than this cursor (from `previous`).",
                "schema": cursor,
            },
        ]


def rows_by_id(queryset: QuerySet[Any], ids: Sequence[int], columns: Sequence[str]) -> list[SimpleNamespace]:
    """The rows of ``queryset`` whose ids are ``ids``, in that order, one query of ``columns``
    (which include ``"id"``). A column ``a__b`` becomes ``row.a.b``; a relation whose own id
    column (``a_id``) is also read and is None becomes ``row.a = None``, as on the instance."""
    shape = _shape([name.split("__") for name in columns], prefix="")
    rows = {}
    for values in queryset.filter(pk__in=ids).values_list(*columns, named=False):
        row = _build(shape, dict(zip(columns, values, strict=True)))
        rows[row.id] = row
    return [rows[pk] for pk in ids if pk in rows]


# A shape: each attribute with the column it reads, or the shape of the relation it nests, and the
# column that says whether that relation is there at all.
_Shape = list[tuple[str, "str | tuple[_Shape, str | None]"]]


def _shape(paths: list[list[str]], prefix: str) -> _Shape:
    shape: _Shape = []
    seen: dict[str, list[list[str]]] = {}
    for path in paths:
        if len(path) == 1:
            shape.append((path[0], prefix + path[0]))
        else:
            seen.setdefault(path[0], []).append(path[1:])
    plain = {name for name, _ in shape}
    for key, rest in seen.items():
        present = prefix + f"{key}_id" if f"{key}_id" in plain else None
        shape.append((key, (_shape(rest, f"{prefix}{key}__"), present)))
    return shape


def _build(shape: _Shape, values: dict[str, Any]) -> SimpleNamespace:
    shaped = {}
    for key, source in shape:
        if isinstance(source, str):
            shaped[key] = values[source]
        else:
            inner, present = source
            shaped[key] = None if present is not None and values[present] is None else _build(inner, values)
    return SimpleNamespace(**shaped)
