"""Reads of repairs for screens and endpoints."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone
from pghistory.models import Events

from accounts.choices import Role
from accounts.models import User
from core import selectors as history
from core.choices import choice_label
from core.filters import filtered
from core.pagination import rows_by_id
from fleet.choices import SCHOOL_KINDS, CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent, Device, DeviceModel, District, Location, visible_location_ids
from fleet.selectors import reports as fleet_reports
from fleet.selectors.devices import device_life_facts, device_variant_candidate_ids
from repairs.choices import (
    OPEN_PURCHASE_ORDER_STATUSES,
    Priority,
    StockMovementKind,
    SupportTier,
    Symptom,
    TicketStatus,
)
from repairs.domain import cost
from repairs.filters.tickets import TicketFilterSet
from repairs.models import (
    PART_USAGE_TALLY,
    Loan,
    Part,
    PartUsageTally,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockLocation,
    StockMovement,
    Ticket,
    TicketEvent,
    TicketQuerySet,
    Vendor,
)


def ticket_list_for_device(*, user: User | AnonymousUser, device: Device) -> QuerySet[Ticket]:
    """A device's tickets, newest first, for a user already allowed to see the device."""
    return Ticket.objects.filter(device=device).select_related("assignee").order_by("-opened_at", "-pk")


# Parts, stock and purchase orders --------------------------------------------------------------
# Views and API check repairs.permissions (can_view_stock, can_view_purchase_orders) first; these
# return every row to a caller already allowed to see stock.


def part_list(*, filters: Mapping[str, Any] | None = None, with_model_ids: bool = False) -> QuerySet[Part]:
    """The catalogue with total on hand across locations, filtered by PartFilterSet.

    ``with_model_ids`` prefetches each part's compatible models as ids alone (the API gives them).
    The list page and the CSV show none: prefetched as whole models they cost the page 5 ms of its
    21 at district scale."""
    from repairs.filters.stock import PartFilterSet

    parts = (
        Part.objects.select_related("vendor")
        .annotate(total_on_hand=Coalesce(Sum("stock_levels__on_hand"), 0))
        .order_by("part_number")
    )
    if with_model_ids:
        models_as_ids = Prefetch("compatible_models", queryset=DeviceModel.objects.only("pk"))
        parts = parts.prefetch_related(models_as_ids)
    return filtered(PartFilterSet, filters, parts)


def part_get(*, part_id: int) -> Part:
    """One part; Http404 when it does not exist."""
    part = (
        Part.objects.select_related("vendor").prefetch_related("compatible_models").filter(pk=part_id).first()
    )
    if part is None:
        raise Http404("No such part.")
    return part


def part_stock_by_location(*, part: Part) -> QuerySet[StockLevel]:
    return (
        StockLevel.objects.filter(part=part).select_related("stock_location").order_by("stock_location__name")
    )


def stock_location_list() -> QuerySet[StockLocation]:
    return StockLocation.objects.select_related("technician").order_by("name")


def stock_location_get(*, stock_location_id: int) -> StockLocation:
    location = StockLocation.objects.filter(pk=stock_location_id).first()
    if location is None:
        raise Http404("No such stock location.")
    return location


def stock_levels(
    *, location: StockLocation | None = None, filters: Mapping[str, Any] | None = None
) -> QuerySet[StockLevel]:
    """Stock levels (of one location when given), by location then part number."""
    from repairs.filters.stock import StockLevelFilterSet

    levels = StockLevel.objects.select_related("part", "stock_location").order_by(
        "stock_location__name", "part__part_number"
    )
    if location is not None:
        levels = levels.filter(stock_location=location)
    return filtered(StockLevelFilterSet, filters, levels)


def low_stock(*, location: StockLocation | None = None) -> QuerySet[StockLevel]:
    """Levels at or below their reorder point; a reorder point of 0 means "not stocked here"
    (``StockLevel.is_low``, the same rule for one level)."""
    return stock_levels(location=location).filter(reorder_point__gt=0, on_hand__lte=F("reorder_point"))


def stock_movement_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[StockMovement]:
    """The ledger, newest first, filtered by StockMovementFilterSet."""
    from repairs.filters.stock import StockMovementFilterSet

    # The other end of a transfer and a harvested part's device, mostly empty, come by prefetch
    # (no query when a page has none): joined too, PostgreSQL spent 4.8 ms planning the page's
    # query against 0.8 ms running it, as joins (and the device table's 15 indexes) multiply
    # the plans it weighs.
    movements = (
        StockMovement.objects.select_related("part", "stock_location", "actor")
        .prefetch_related("transfer_peer", "source_device")
        .order_by("-occurred_at", "-pk")
    )
    return filtered(StockMovementFilterSet, filters, movements)


def stock_ledger_mismatches() -> QuerySet[StockLevel]:
    """Levels whose on-hand count differs from the sum of their movements (should be none)."""
    ledger = (
        StockMovement.objects.filter(part=OuterRef("part"), stock_location=OuterRef("stock_location"))
        .values("part")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return StockLevel.objects.annotate(ledger=Coalesce(Subquery(ledger), 0)).exclude(on_hand=F("ledger"))


def ticket_for_parts_get(*, user: User | AnonymousUser, ticket_id: int) -> Ticket:
    """A ticket for the parts endpoints; Http404 when missing or the user does not see stock."""
    from repairs import permissions

    if not permissions.can_view_stock(user):
        raise Http404("No such ticket.")
    ticket = Ticket.objects.visible_to(user).select_related("device").filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def ticket_part_movements(*, ticket: Ticket) -> QuerySet[StockMovement]:
    """Parts issued to and returned from a ticket, oldest first."""
    return (
        StockMovement.objects.filter(
            ticket=ticket, kind__in=[StockMovementKind.ISSUED, StockMovementKind.RETURNED]
        )
        .select_related("part", "stock_location", "actor", "transfer_peer", "source_device")
        .order_by("occurred_at", "pk")
    )


MONEY = DecimalField(max_digits=12, decimal_places=2)


def parts_used_on_tickets() -> QuerySet[StockMovement]:
    """The movements parts usage counts: issues to tickets and returns from them."""
    return StockMovement.objects.filter(
        kind__in=[StockMovementKind.ISSUED, StockMovementKind.RETURNED], ticket__isnull=False
    )


def parts_net_cost() -> Coalesce:
    """Issued minus returned, at the unit cost recorded on each movement (0 where none is)."""
    return Coalesce(
        Sum(-F("quantity") * F("unit_cost"), output_field=MONEY), Value(Decimal("0")), output_field=MONEY
    )


def _month_start(moment: dt.datetime) -> dt.datetime:
    """Midnight, district time, on the first day of ``moment``'s month."""
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(month: dt.datetime) -> dt.datetime:
    zone = timezone.get_current_timezone()
    naive = timezone.make_naive(month, zone).replace(day=1)
    following = (naive + dt.timedelta(days=32)).replace(day=1)
    return timezone.make_aware(following, zone)


def parts_usage(
    *, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[Any, Any] | list[dict[str, Any]]:
    """Parts issued to tickets net of returns, per month, device model and school.

    Each row: month, model, school, parts (units), cost (at the part cost recorded on the movement).
    The whole months of the range come from the parts usage tally (figures as of its last
    rebuild, ``parts_usage_refreshed_at``); a month the dates cut in part (a ``date_from`` after
    its first day, a ``date_to`` before its last) is counted from its movements, so the figures
    are those of the dates asked. Over whole months it is a lazy query, so a page of it counts
    and reads one page of groups in the database (a district year is ~53,000 groups); when the
    dates cut months, a list: the tally's groups and those of the cut months merged.
    """
    zone = timezone.get_current_timezone()
    # Whole-day bounds as aware datetimes, so the filter can use the occurred_at index.
    start = dt.datetime.combine(date_from, dt.time.min, zone) if date_from else None
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone) if date_to else None
    whole_from = None if start is None else _month_start(start)
    if whole_from is not None and whole_from != start:
        whole_from = _next_month(whole_from)
    whole_to = None if end is None else _month_start(end)
    if whole_from is not None and whole_to is not None and whole_from >= whole_to:
        return _usage_rows([_movement_usage(start, end)])
    tallies = PartUsageTally.objects.all()
    if whole_from is not None:
        tallies = tallies.filter(month__gte=whole_from)
    if whole_to is not None:
        tallies = tallies.filter(month__lt=whole_to)
    tallied = tallies.values("month", "model", "school", "parts", "cost").order_by(
        "-month", "model", "school"
    )
    edges = []
    if start is not None and whole_from != start:
        edges.append(_movement_usage(start, whole_from))
    if end is not None and whole_to != end:
        edges.append(_movement_usage(whole_to, end))
    if not edges:
        return tallied
    return _usage_rows([tallied, *edges])


def _movement_usage(start: dt.datetime | None, end: dt.datetime | None) -> Iterable[Mapping[str, Any]]:
    """Usage from the movements themselves, between two moments (None: unbounded)."""
    movements = parts_used_on_tickets()
    if start is not None:
        movements = movements.filter(occurred_at__gte=start)
    if end is not None:
        movements = movements.filter(occurred_at__lt=end)
    return parts_usage_groups(movements)


def parts_usage_groups(movements: QuerySet[StockMovement]) -> QuerySet[Any, Any]:
    """``movements`` (issues and returns) grouped per month, model name and school name."""
    return (
        movements.annotate(month=TruncMonth("occurred_at"))
        .values("month", model=F("ticket__device__model__name"), school=F("ticket__location__name"))
        .annotate(parts=Sum(-F("quantity")), cost=parts_net_cost())
        .order_by()
    )


def _usage_rows(parts: Sequence[Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Rows of several usage reads merged on (month, model, school), newest month first, then by
    model and school."""
    merged: dict[tuple[Any, str, str], dict[str, Any]] = {}
    for rows in parts:
        for row in rows:
            key = (row["month"], row["model"], row["school"])
            if key in merged:
                merged[key]["parts"] += row["parts"]
                merged[key]["cost"] += row["cost"]
            else:
                merged[key] = dict(row)
    ordered = sorted(merged.values(), key=lambda row: (row["model"], row["school"]))
    return sorted(ordered, key=lambda row: row["month"], reverse=True)


def parts_usage_refreshed_at() -> dt.datetime | None:
    """When the parts usage tally was last rebuilt; None before its first rebuild."""
    return fleet_reports.summary_refreshed_at(name=PART_USAGE_TALLY)


def on_order_by_part() -> dict[int, int]:
    """Units still to come per part id: ordered minus received over sent or part-received orders."""
    rows = (
        PurchaseOrderLine.objects.filter(order__status__in=OPEN_PURCHASE_ORDER_STATUSES)
        .values("part_id")
        .annotate(outstanding=Sum(F("quantity_ordered") - F("quantity_received")))
    )
    return {row["part_id"]: row["outstanding"] for row in rows if row["outstanding"]}


def purchase_order_list(
    *, filters: Mapping[str, Any] | None = None, with_lines: bool = False
) -> QuerySet[PurchaseOrder]:
    """Orders newest first with line counts and totals, filtered by PurchaseOrderFilterSet.

    Each order carries ``line_count``, ``units_ordered``, ``units_received`` and ``total_cost``
    (ordered quantity times unit cost). They are correlated subqueries over the order's lines,
    not a join grouped by order: PostgreSQL then sums the lines of the 50 orders a page shows,
    after the sort and limit, where a join summed all 18,000 district lines before paging, and a
    count of the orders needs no grouping. ``with_lines`` also fetches every line and its part
    (the API and the order's page show them; the list does not: a page of 50 district orders
    has about 4,500 lines).
    """
    from repairs.filters.stock import PurchaseOrderFilterSet

    money = DecimalField(max_digits=14, decimal_places=2)

    def lines_sum(expression: Any, output_field: Any, zero: Any) -> Coalesce:
        lines = PurchaseOrderLine.objects.filter(order=OuterRef("pk")).order_by().values("order")
        total = lines.annotate(total=Sum(expression, output_field=output_field)).values("total")
        return Coalesce(Subquery(total, output_field=output_field), Value(zero), output_field=output_field)

    orders = (
        PurchaseOrder.objects.select_related("vendor", "ship_to", "created_by")
        .annotate(
            line_count=lines_sum(Value(1), IntegerField(), 0),
            units_ordered=lines_sum(F("quantity_ordered"), IntegerField(), 0),
            units_received=lines_sum(F("quantity_received"), IntegerField(), 0),
            total_cost=lines_sum(F("quantity_ordered") * F("unit_cost"), money, Decimal("0")),
        )
        .order_by("-created_at", "-pk")
    )
    if with_lines:
        orders = orders.prefetch_related("lines__part")
    return filtered(PurchaseOrderFilterSet, filters, orders)


def purchase_order_get(*, order_id: int) -> PurchaseOrder:
    """One order with its lines; Http404 when it does not exist."""
    order = purchase_order_list(with_lines=True).filter(pk=order_id).first()
    if order is None:
        raise Http404("No such purchase order.")
    return order


def vendor_list() -> QuerySet[Vendor]:
    return Vendor.objects.order_by("name")


# Tickets ---------------------------------------------------------------------------------------

PRIORITY_RANK = Case(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    When(priority=Priority.NORMAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
# Months of updates left at or below which a ticket suggests replacing rather than repairing.
CLOSE_TO_AUE_MONTHS = 12


def _tickets(user: User | AnonymousUser) -> TicketQuerySet:
    """Tickets the user sees with what a list row shows. The devices and their models come by
    prefetch (one query for a page): joined with the rest, a six-table select took PostgreSQL
    4.4 ms to plan at district scale for 1.1 ms of work; apart, 0.9 and 0.3 ms."""
    return (
        Ticket.objects.visible_to(user)
        .select_related("location", "assignee", "reporter")
        .prefetch_related(Prefetch("device", queryset=Device.objects.select_related("model")))
    )


def ticket_filterset(
    *, user: User | AnonymousUser, filters: Mapping[str, Any] | None = None
) -> TicketFilterSet:
    """The bound filter set over the tickets the user sees (the list page shows its form)."""
    return TicketFilterSet(filters or {}, queryset=_tickets(user))


def ticket_list(*, user: User | AnonymousUser, filters: Mapping[str, Any] | None = None) -> QuerySet[Ticket]:
    """Tickets the user may see, filtered, newest first; one query for a page whatever its size."""
    return filtered(TicketFilterSet, filters, _tickets(user))


class TicketListRow(NamedTuple):
    """One line of the ticket list: what its table shows, read as a row of columns.

    A page of 50 tickets as model instances with their device, model, location, assignee and
    reporter was 300 instances: 3.6 ms at district scale; as rows, 1.2 ms.
    """

    pk: int
    asset_tag: str
    model_name: str
    opened_at: dt.datetime
    symptom: str
    priority: str
    tier: str
    status: str
    location_name: str
    assignee: str  # as ``User.__str__``; empty when nobody is assigned

    @property
    def symptom_label(self) -> str:
        return choice_label(Symptom, self.symptom)

    @property
    def priority_label(self) -> str:
        return choice_label(Priority, self.priority)

    @property
    def tier_label(self) -> str:
        return choice_label(SupportTier, self.tier)

    @property
    def status_label(self) -> str:
        return choice_label(TicketStatus, self.status)


def ticket_list_rows(*, ticket_ids: Sequence[int]) -> list[TicketListRow]:
    """The tickets of a list page, in the order of ``ticket_ids`` (already filtered for the user
    by ``ticket_filterset``), with what the table shows; one query."""
    columns = Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "pk",
        "device__asset_tag",
        "device__model__name",
        "opened_at",
        "symptom",
        "priority",
        "tier",
        "status",
        "location__name",
        "assignee__first_name",
        "assignee__last_name",
        "assignee__username",
    )
    rows = {}
    for pk, tag, model, opened, symptom, priority, tier, status, location, first, last, username in columns:
        assignee = User.name_of(first, last, username) if username else ""
        rows[pk] = TicketListRow(pk, tag, model, opened, symptom, priority, tier, status, location, assignee)
    return [rows[pk] for pk in ticket_ids if pk in rows]


# The columns of an API list page, as ``TicketOutputSerializer`` reads them (``__`` a relation).
_TICKET_API_COLUMNS = (
    "id",
    "device_id",
    "device__asset_tag",
    "device__serial",
    "device__model__name",
    "location_id",
    "location__code",
    "reporter__username",
    "opened_at",
    "symptom",
    "damage_cause",
    "priority",
    "tier",
    "status",
    "assignee_id",
    "assignee__username",
    "problem_summary",
    "resolution_summary",
    "labour_minutes",
    "vendor_id",
    "vendor_reference",
    "coverage",
    "shipped_at",
    "vendor_returned_at",
    "closed_at",
    "version",
)


def ticket_api_rows(*, ticket_ids: Sequence[int]) -> list[SimpleNamespace]:
    """The tickets of an API list page, in the order of ``ticket_ids`` (already filtered for the
    caller), shaped as ``TicketOutputSerializer`` reads a ticket (``device.model.name``,
    ``assignee.username``, no assignee as None); one query of the columns it shows.

    As model instances a page was 300 of them (ticket, device, model, location, reporter,
    assignee): 5.7 ms at district scale; as columns, 2.5 ms. The JSON is the same
    (``tests/repairs/test_ticket_api.py``)."""
    return rows_by_id(Ticket.objects.all(), ticket_ids, _TICKET_API_COLUMNS)


def ticket_get(*, user: User | AnonymousUser, ticket_id: int) -> Ticket:
    """One ticket the user may see. Raises Http404 otherwise.

    The people and the vendor are fetched apart, by id: with them an eight-table join took
    PostgreSQL 4 ms to plan at district scale, for 0.3 ms of work (two more queries, 3 ms less).
    """
    ticket = (
        Ticket.objects.visible_to(user)
        .select_related("device", "device__model", "device__manufacturer", "location")
        .prefetch_related("assignee", "reporter", "vendor")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def queue_for_technician(*, user: User | AnonymousUser, technician: User) -> QuerySet[Ticket]:
    """A technician's open tickets, most urgent first, then oldest first."""
    return (
        _tickets(user)
        .open()
        .filter(assignee=technician)
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by("priority_rank", "opened_at", "pk")
    )


def queue_for_location(*, user: User | AnonymousUser, location: Location) -> QuerySet[Ticket]:
    """The open tickets reported at a location, most urgent first, then oldest first."""
    return (
        _tickets(user)
        .open()
        .filter(location=location)
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by("priority_rank", "opened_at", "pk")
    )


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's timeline, oldest first."""
    return TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("occurred_at", "pk")


def ticket_assignees() -> QuerySet[User]:
    """People a ticket can be assigned to: technicians and supervisors."""
    roles = [Role.TECHNICIAN, Role.SUPERVISOR]
    return (
        User.objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def device_status_before_ticket(*, ticket: Ticket) -> str | None:
    """The device's status before this ticket first took it into repair, or None when the
    ticket never changed it (it was already in repair)."""
    first = (
        CustodyEvent.objects.filter(ticket_id=ticket.pk, kind=CustodyEventKind.STATUS_CHANGED)
        .order_by("occurred_at", "pk")
        .values_list("from_status", flat=True)
        .first()
    )
    return first or None


def ticket_open_loan(*, ticket: Ticket) -> Loan | None:
    """The loaner currently out against this ticket, if any."""
    return Loan.objects.filter(ticket=ticket, returned_at__isnull=True).select_related("loaner").first()


# Parts consumed by repairs: issued (negative quantities) net of returned, at the movement's cost.
_CONSUMED = [StockMovementKind.ISSUED, StockMovementKind.RETURNED]
_MOVEMENT_COST = ExpressionWrapper(
    -F("quantity") * F("unit_cost"), output_field=DecimalField(max_digits=12, decimal_places=2)
)


def ticket_parts_cost(*, ticket: Ticket) -> Decimal:
    """The cost of the parts used on the ticket so far: issued net of returned, at movement cost."""
    total = StockMovement.objects.filter(
        ticket=ticket, kind__in=[StockMovementKind.ISSUED, StockMovementKind.RETURNED]
    ).aggregate(cost=Sum(_MOVEMENT_COST))["cost"]
    return total or Decimal("0.00")


def _scalar(queryset: QuerySet[Any], group: str, value: Any, empty: Any) -> Coalesce:
    """One summed figure of ``queryset`` as a scalar subquery (grouped by the one ``group``)."""
    summed = queryset.order_by().values(group).annotate(figure=value).values("figure")
    return Coalesce(Subquery(summed), empty)


def _repair_cost_figures(*, device_id: int, ticket_id: int | None) -> Mapping[str, Any]:
    """In one query: the device's repairs other than ``ticket_id`` (parts, labour minutes,
    tickets), that ticket's parts and their fitting minutes, and the district's labour rate."""
    zero_money = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))
    zero = Value(0, output_field=IntegerField())
    movements = StockMovement.objects.filter(kind__in=_CONSUMED, ticket__device=OuterRef("pk"))
    tickets = Ticket.objects.filter(device=OuterRef("pk"))
    if ticket_id is not None:
        movements, tickets = movements.exclude(ticket=ticket_id), tickets.exclude(pk=ticket_id)
    if ticket_id is None:
        # No ticket: nothing to read (``ticket=None`` would scan every movement without one).
        this_parts: Any = zero_money
        this_fitting: Any = zero
    else:
        this = StockMovement.objects.filter(kind__in=_CONSUMED, ticket=ticket_id)
        this_parts = _scalar(this, "ticket", Sum(_MOVEMENT_COST), zero_money)
        this_fitting = _scalar(this, "ticket", Sum(-F("quantity") * F("part__labour_minutes")), zero)
    return (
        Device.objects.filter(pk=device_id)
        .annotate(
            parts=_scalar(movements, "ticket__device", Sum(_MOVEMENT_COST), zero_money),
            labour_minutes=_scalar(tickets, "device", Sum("labour_minutes"), zero),
            ticket_count=_scalar(tickets, "device", Count("pk"), zero),
            this_parts=this_parts,
            this_fitting_minutes=this_fitting,
            rate=Subquery(District.objects.filter(pk=1).values("labour_rate_per_hour")),
        )
        .values("parts", "labour_minutes", "ticket_count", "this_parts", "this_fitting_minutes", "rate")
        .get()
    )


def _rate(figures: Mapping[str, Any]) -> Decimal:
    # District.current() creates the row on first read; until then the field's default applies.
    rate = figures["rate"]
    return Decimal(District._meta.get_field("labour_rate_per_hour").default) if rate is None else rate


def device_repair_cost(*, device: Device) -> cost.RunningCost:
    """What the device's repairs have cost so far, every ticket counted whoever may see it:
    parts consumed at their movement cost plus recorded labour at the district's hourly rate.
    One query."""
    figures = _repair_cost_figures(device_id=device.pk, ticket_id=None)
    return cost.RunningCost(
        parts=figures["parts"],
        labour_minutes=figures["labour_minutes"],
        labour_rate=_rate(figures),
        tickets=figures["ticket_count"],
    )


def ticket_repair_advice(*, ticket: Ticket, today: dt.date | None = None) -> cost.RepairAdvice:
    """Repair or replace, at any age: this repair (its parts so far, and its recorded labour or,
    until that is recorded, the parts' fitting times) plus the device's other repairs against
    what the device is still worth (``repairs.domain.cost``). One query."""
    today = today or timezone.localdate()
    device = ticket.device
    figures = _repair_cost_figures(device_id=device.pk, ticket_id=ticket.pk)
    rate = _rate(figures)
    labour_minutes = ticket.labour_minutes
    estimated = labour_minutes is None
    return cost.RepairAdvice(
        this_repair=cost.RunningCost(
            parts=figures["this_parts"],
            labour_minutes=figures["this_fitting_minutes"] if labour_minutes is None else labour_minutes,
            labour_rate=rate,
            tickets=1,
        ),
        labour_estimated=estimated,
        other_repairs=cost.RunningCost(
            parts=figures["parts"],
            labour_minutes=figures["labour_minutes"],
            labour_rate=rate,
            tickets=figures["ticket_count"],
        ),
        value=cost.remaining_value(
            replacement_price=device.model.unit_price,
            aue_date=device.aue_date,
            life_start=cost.life_start(
                purchase_date=device.purchase_date,
                warranty_end=device.warranty_end,
                warranty_months=device.model.warranty_months,
            ),
            today=today,
        ),
    )


@dataclass(frozen=True)
class TicketFlags:
    """What the person opening or working a ticket should weigh: repair or replace."""

    warranty_active: bool
    months_of_updates_left: int | None
    close_to_aue: bool
    replacement_cost: Decimal
    parts_cost: Decimal
    advice: cost.RepairAdvice


def ticket_flags(*, ticket: Ticket, today: dt.date | None = None) -> TicketFlags:
    """Warranty still running (its end is today or later), the AUE flag (12 months of updates or
    fewer left) and the repair-or-replace advice with this repair's and the device's costs."""
    today = today or timezone.localdate()
    device = ticket.device
    facts = device_life_facts(device=device, today=today)
    months = facts.months_of_updates_left
    advice = ticket_repair_advice(ticket=ticket, today=today)
    return TicketFlags(
        warranty_active=device.warranty_end is not None and device.warranty_end >= today,
        months_of_updates_left=months,
        close_to_aue=months is not None and months <= CLOSE_TO_AUE_MONTHS,
        replacement_cost=device.model.unit_price,
        parts_cost=advice.this_repair.parts,
        advice=advice,
    )


@dataclass(frozen=True)
class Turnaround:
    """Durations measured from the ticket's events; None until the milestone is reached."""

    time_to_triage: dt.timedelta | None
    time_to_repair: dt.timedelta | None
    time_waiting_for_parts: dt.timedelta


def turnaround_from_events(
    *, opened_at: dt.datetime, events: Sequence[TicketEvent], now: dt.datetime | None = None
) -> Turnaround:
    """Time to triage and to repair run from opening to the first event reaching that status;
    waiting for parts adds up every stretch spent waiting (an open stretch counts up to now)."""
    now = now or timezone.now()
    triaged = repaired = None
    waiting = dt.timedelta(0)
    waiting_since = None
    for event in events:
        if not event.to_status:
            continue
        if event.to_status == TicketStatus.TRIAGED and triaged is None:
            triaged = event.occurred_at - opened_at
        if event.to_status == TicketStatus.REPAIRED and repaired is None:
            repaired = event.occurred_at - opened_at
        if waiting_since is not None:
            waiting += event.occurred_at - waiting_since
            waiting_since = None
        if event.to_status == TicketStatus.WAITING_FOR_PARTS:
            waiting_since = event.occurred_at
    if waiting_since is not None:
        waiting += now - waiting_since
    return Turnaround(time_to_triage=triaged, time_to_repair=repaired, time_waiting_for_parts=waiting)


def ticket_turnaround(*, ticket: Ticket) -> Turnaround:
    return turnaround_from_events(opened_at=ticket.opened_at, events=list(ticket_events(ticket=ticket)))


@dataclass(frozen=True)
class TurnaroundStats:
    tickets: int
    mean_time_to_triage: dt.timedelta | None
    mean_time_to_repair: dt.timedelta | None
    mean_time_waiting_for_parts: dt.timedelta | None


def _mean(values: list[dt.timedelta]) -> dt.timedelta | None:
    return sum(values, dt.timedelta(0)) / len(values) if values else None


def turnaround_stats(
    *, user: User | AnonymousUser, filters: Mapping[str, Any] | None = None
) -> TurnaroundStats:
    """Mean turnaround over the filtered tickets the user sees; two queries whatever the count."""
    tickets = {
        t.pk: t
        for t in ticket_list(user=user, filters=filters)
        .select_related(None)
        .prefetch_related(None)
        .only("pk", "opened_at")
    }
    by_ticket: dict[int, list[TicketEvent]] = {pk: [] for pk in tickets}
    events = TicketEvent.objects.filter(ticket_id__in=list(tickets)).exclude(to_status="")
    for event in events.order_by("occurred_at", "pk"):
        by_ticket[event.ticket_id].append(event)
    measured = [
        turnaround_from_events(opened_at=tickets[pk].opened_at, events=evs) for pk, evs in by_ticket.items()
    ]
    return TurnaroundStats(
        tickets=len(measured),
        mean_time_to_triage=_mean([m.time_to_triage for m in measured if m.time_to_triage is not None]),
        mean_time_to_repair=_mean([m.time_to_repair for m in measured if m.time_to_repair is not None]),
        mean_time_waiting_for_parts=_mean([m.time_waiting_for_parts for m in measured]),
    )


def ticket_part_choices(*, ticket: Ticket) -> QuerySet[Part]:
    """The parts a ticket may be issued: every active part (what the service accepts), those that
    fit the device's model first (``fits``; a misfit needs an override reason), each with the
    total on hand everywhere. For a device whose variant is to confirm, a part fits when it fits
    every candidate."""
    through = Part.compatible_models.through
    candidates = device_variant_candidate_ids(device_id=ticket.device_id)
    if candidates:
        # Variant to confirm: only the parts that fit every candidate fit.
        pairs = through.objects.filter(devicemodel__in=candidates).values_list("part_id", flat=True)
        fit_all = [part_id for part_id, fitted in Counter(pairs).items() if fitted == len(candidates)]
        fitting = through.objects.filter(part=OuterRef("pk"), part__in=fit_all)
    else:
        fitting = through.objects.filter(part=OuterRef("pk"), devicemodel=ticket.device.model_id)
    return (
        Part.objects.filter(is_active=True)
        .annotate(fits=Exists(fitting), total_on_hand=Coalesce(Sum("stock_levels__on_hand"), 0))
        .order_by(F("fits").desc(), "category", "part_number")
    )


def device_loans(*, device: Device) -> QuerySet[Loan]:
    """Loans where this device is the loaner, or lent against this device's tickets.

    The device's ticket ids are read first (its ticket index): an OR across the join made
    PostgreSQL scan every ticket (190 ms at district scale), and an OR with a subquery every
    loan, newest first (1.5 ms); with the ids both sides are index lookups (0.1 ms).
    """
    from repairs.models import Ticket

    tickets = list(Ticket.objects.filter(device=device).values_list("pk", flat=True))
    return (
        Loan.objects.filter(Q(loaner=device) | Q(ticket__in=tickets))
        .select_related("loaner", "ticket")
        .order_by("-checked_out_at")
    )


# A loan is due back once the device it stands in for is repaired and on its way back.
LOAN_DUE_TICKET_STATUSES = (TicketStatus.REPAIRED, TicketStatus.RETURNED, TicketStatus.CLOSED)


def _open_loans(user: User | AnonymousUser) -> QuerySet[Loan]:
    """Open loans of loaners at locations the user sees. District staff see every location, so
    no filter: a subquery of every location made PostgreSQL join each loan to its loaner device
    to test it (2 ms of the due list's count at district scale, and again for its ids)."""
    loans = Loan.objects.filter(returned_at__isnull=True)
    location_ids = visible_location_ids(user)
    if location_ids is not None:
        loans = loans.filter(loaner__location_id__in=location_ids)
    return loans.annotate(
        is_due=Case(
            When(ticket__status__in=LOAN_DUE_TICKET_STATUSES, then=True),
            default=False,
            output_field=BooleanField(),
        )
    )


def loans_due(*, user: User | AnonymousUser) -> QuerySet[Loan]:
    """Open loans whose ticket's device is repaired, returned or closed: the loaner is due back.

    Only the loans' ids and order: a page takes its rows from ``loans_due_rows``."""
    return (
        _open_loans(user).filter(ticket__status__in=LOAN_DUE_TICKET_STATUSES).order_by("checked_out_at", "pk")
    )


def loans_due_rows(*, loan_ids: Sequence[int]) -> list[Loan]:
    """The due list's rows for a page of ``loans_due`` ids, in that order, with only the columns
    the row shows. A district page joined five wide tables for 50 rows: 3 ms to plan the join,
    and the model instances built from 120 columns a row cost more than the page's rendering."""
    rows = (
        Loan.objects.filter(pk__in=loan_ids)
        .select_related("loaner__location", "ticket__device")
        .only(
            "loaner_id",
            "ticket_id",
            "checked_out_at",
            "returned_at",
            "loaner__asset_tag",
            "loaner__location_id",
            "loaner__location__name",
            "ticket__status",
            "ticket__device_id",
            "ticket__device__asset_tag",
        )
    )
    by_id = {loan.pk: loan for loan in rows}
    return [by_id[pk] for pk in loan_ids if pk in by_id]


def count_at_location(rows: QuerySet[Any], location_field: str) -> Coalesce:
    """A correlated count of ``rows`` at the outer location (0 when there are none)."""
    counted = (
        rows.filter(**{location_field: OuterRef("pk")})
        .order_by()
        .values(location_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class LoanerPoolSummary:
    location: Location
    available: int
    out: int
    due: int


def loaner_pool_list(*, user: User | AnonymousUser) -> list[LoanerPoolSummary]:
    """The schools the user sees, with loaners available, out and due back; three queries.

    Available and out are one count of the loaners grouped by school and status (5,000 rows at
    district scale, read from the partial index on loaners without visiting the table, 1 ms);
    due back starts from the few open loans.
    A correlated count per school and status made 412 index probes at district scale (5 ms);
    joining every school to all its devices and their loans took over a second.
    """
    schools = Location.objects.visible_to(user).filter(kind__in=SCHOOL_KINDS, is_active=True).order_by("name")
    counts = Counter(
        {
            (row["location"], row["status"]): row["n"]
            # Every loaner, whatever its status: the partial index on loaners then answers alone.
            for row in Device.objects.filter(is_loaner=True)
            .order_by()
            .values("location", "status")
            .annotate(n=Count("location"))
        }
    )
    due = dict(
        Loan.objects.filter(returned_at__isnull=True, ticket__status__in=LOAN_DUE_TICKET_STATUSES)
        .order_by()
        .values("loaner__location")
        .annotate(n=Count("pk"))
        .values_list("loaner__location", "n")
    )
    return [
        LoanerPoolSummary(
            location=school,
            available=counts[school.pk, DeviceStatus.LOANER_POOL],
            out=counts[school.pk, DeviceStatus.LOANED_OUT],
            due=due.get(school.pk, 0),
        )
        for school in schools
    ]


@dataclass(frozen=True)
class LoanerPool:
    location: Location
    available: list[Device]
    out: list[Loan]

    @property
    def due_count(self) -> int:
        return sum(1 for loan in self.out if getattr(loan, "is_due", False))


def loaner_pool(*, user: User | AnonymousUser, location: Location) -> LoanerPool:
    """A school's loaners: those on the shelf and those out (each with its due-back state)."""
    available = (
        Device.objects.filter(location=location, is_loaner=True, status=DeviceStatus.LOANER_POOL)
        .select_related("model")
        .order_by("asset_tag")
    )
    out = (
        _open_loans(user)
        .filter(loaner__location=location)
        .select_related("loaner", "loaner__model", "ticket", "ticket__device", "checked_out_by")
        .order_by(F("is_due").desc(), "checked_out_at", "pk")
    )
    return LoanerPool(location=location, available=list(available), out=list(out))


def loan_get(*, user: User | AnonymousUser, loan_id: int) -> Loan:
    """One loan of a loaner at a location the user sees. Raises Http404 otherwise."""
    loans = Loan.objects.filter(loaner__location__in=Location.objects.visible_to(user))
    try:
        return loans.select_related("loaner", "loaner__location", "ticket").get(pk=loan_id)
    except Loan.DoesNotExist as exc:
        raise Http404("No such loan.") from exc


def ticket_for_loan(*, user: User | AnonymousUser, ticket_id: int) -> Ticket | None:
    """The ticket a loaner is lent against, if it exists at a location the user sees."""
    tickets = Ticket.objects.filter(location__in=Location.objects.visible_to(user))
    return tickets.select_related("device").filter(pk=ticket_id).first()


# History: every recorded change, field by field, newest first (admin edits and QuerySet.update
# included). Fetch the object through its own selector first: these do not check visibility.


def ticket_change_list(*, ticket: Ticket) -> QuerySet[Events]:
    return history.history_of(ticket)


def part_change_list(*, part: Part) -> QuerySet[Events]:
    return history.history_of(part)


def purchase_order_change_list(*, order: PurchaseOrder) -> QuerySet[Events]:
    """The order's changes and its lines' (quantities ordered and received, unit costs)."""
    return history.history_referencing(order, models=[PurchaseOrder, PurchaseOrderLine], where=Q())
