"""Repair tickets, the parts catalogue, the stock ledger and purchase orders."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import F, Q

from core.choices import choice_rank
from core.models import TimeStampedModel, track_history
from repairs.choices import (
    OPEN_TICKET_STATUSES,
    Coverage,
    DamageCause,
    PartCategory,
    Priority,
    PurchaseOrderStatus,
    StockLocationKind,
    StockMovementKind,
    SupportTier,
    Symptom,
    TicketEventKind,
    TicketStatus,
)

if TYPE_CHECKING:
    from accounts.models import User


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_TICKET_STATUSES)

    def visible_to(self, user: User | AnonymousUser) -> TicketQuerySet:
        """District staff see every ticket; school administrators those reported at their schools."""
        from fleet.models import visible_location_ids

        # The school ids as a list, not a subquery: knowing them, PostgreSQL filters tickets by
        # school before joining devices and people; with a subquery of unknown size it joined the
        # district's 10,000 newest tickets first (67 ms, now 14).
        schools = visible_location_ids(user)
        return self if schools is None else self.filter(location_id__in=schools)


@track_history(lean=True)
class Ticket(TimeStampedModel):
    """A repair of one device from report to return. Status changes only through services."""

    device = models.ForeignKey("fleet.Device", on_delete=models.PROTECT, related_name="tickets")
    # No index of its own: ticket_location_opened_idx leads with it.
    location = models.ForeignKey(
        "fleet.Location",
        on_delete=models.PROTECT,
        related_name="tickets",
        help_text="Where it was reported.",
        db_index=False,
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets_reported"
    )
    opened_at = models.DateTimeField()
    symptom = models.CharField(max_length=20, choices=Symptom.choices)
    damage_cause = models.CharField(max_length=20, choices=DamageCause.choices, default=DamageCause.UNKNOWN)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    tier = models.CharField(max_length=10, choices=SupportTier.choices, default=SupportTier.FIRST)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tickets_assigned",
        null=True,
        blank=True,
    )
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    problem_summary = models.TextField(blank=True)
    resolution_summary = models.TextField(blank=True)
    labour_minutes = models.PositiveIntegerField(null=True, blank=True)
    vendor = models.ForeignKey(
        "repairs.Vendor", on_delete=models.PROTECT, related_name="tickets", null=True, blank=True
    )
    vendor_reference = models.CharField("RMA or dispatch reference", max_length=60, blank=True)
    coverage = models.CharField(max_length=20, choices=Coverage.choices, blank=True, default="")
    shipped_at = models.DateTimeField(null=True, blank=True)
    vendor_returned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "location"], name="ticket_status_location_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["device", "opened_at"], name="ticket_device_opened_idx"),
            models.Index(fields=["opened_at"], name="ticket_opened_idx"),
            # A school administrator's list, newest first: their school's tickets from the index,
            # rather than walking every ticket by date until 50 of theirs turn up (10,000 rows).
            models.Index(fields=["location", "opened_at"], name="ticket_location_opened_idx"),
            # The list sorted by priority or status (their declared order, ties by id, as the
            # filter sorts): a page from the top of the index rather than sorting 1 M tickets,
            # and a school administrator's from their school's part (the first walked 30,000
            # other schools' tickets for a page of theirs).
            models.Index(choice_rank("priority", Priority), F("id"), name="ticket_priority_rank_idx"),
            models.Index(choice_rank("status", TicketStatus), F("id"), name="ticket_status_rank_idx"),
            models.Index(
                F("location"), choice_rank("priority", Priority), F("id"), name="ticket_loc_priority_rank_idx"
            ),
            models.Index(
                F("location"), choice_rank("status", TicketStatus), F("id"), name="ticket_loc_status_rank_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(labour_minutes__isnull=True) | Q(labour_minutes__lte=24 * 60),
                name="ticket_labour_minutes_max_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.pk} {self.get_symptom_display()} ({self.get_status_display()})"


@track_history(ledger=True)
class TicketEvent(models.Model):
    """Append-only: one event in a ticket's life (status change, assignment, part, note)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=TicketEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_events"
    )
    occurred_at = models.DateTimeField()
    from_status = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TicketStatus.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "occurred_at"], name="ticketevent_ticket_time_idx"),
            # The admin's list in time order and keyset pages by (occurred_at, id).
            models.Index(fields=["occurred_at", "id"], name="ticketevent_time_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.from_status} -> {self.to_status}"


@track_history()
class Vendor(TimeStampedModel):
    """A parts supplier or repair depot."""

    name = models.CharField(max_length=100, unique=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    is_repair_depot = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@track_history()
class Part(TimeStampedModel):
    """A spare part SKU. ``is_demo`` marks invented numbers that must never be ordered."""

    part_number = models.CharField(max_length=40, unique=True)
    description = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=PartCategory.choices)
    compatible_models = models.ManyToManyField("fleet.DeviceModel", related_name="parts", blank=True)
    unit_cost = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="parts", null=True, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(default=14)
    pack_size = models.PositiveSmallIntegerField(default=1)
    minimum_order = models.PositiveIntegerField(default=1)
    labour_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    is_demo = models.BooleanField(default=False, help_text="Invented part number for demo data: never order.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["part_number"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="part_unit_cost_gte_0"),
            models.CheckConstraint(condition=Q(pack_size__gte=1), name="part_pack_size_gte_1"),
            models.CheckConstraint(condition=Q(minimum_order__gte=1), name="part_minimum_order_gte_1"),
        ]
        indexes = [models.Index(fields=["category"], name="part_category_idx")]

    def __str__(self) -> str:
        return f"{self.part_number} {self.description}"


@track_history()
class StockLocation(TimeStampedModel):
    """Where parts are kept: the central depot, a school storeroom or a technician's kit."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=StockLocationKind.choices)
    location = models.ForeignKey(
        "fleet.Location", on_delete=models.PROTECT, related_name="stock_locations", null=True, blank=True
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stock_kits", null=True, blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@track_history()
class StockLevel(models.Model):
    """On-hand quantity of one part at one stock location; always equals its ledger sum."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock_levels")
    stock_location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reorder_point = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["stock_location_id", "part_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["part", "stock_location"], name="stocklevel_unique_part_location"
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stocklevel_on_hand_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.stock_location_id}: {self.on_hand}"

    @property
    def is_low(self) -> bool:
        """At or below its reorder point; a reorder point of 0 means "not stocked here"
        (``selectors.low_stock`` is the same rule as a filter)."""
        return bool(self.reorder_point) and self.on_hand <= self.reorder_point


@track_history(ledger=True)
class StockMovement(models.Model):
    """Append-only ledger row: a signed quantity change of one part at one stock location."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    stock_location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=StockMovementKind.choices)
    quantity = models.IntegerField(help_text="Positive into stock, negative out of it.")
    unit_cost = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="part_movements", null=True, blank=True
    )
    purchase_order_line = models.ForeignKey(
        "repairs.PurchaseOrderLine", on_delete=models.PROTECT, related_name="receipts", null=True, blank=True
    )
    source_device = models.ForeignKey(
        "fleet.Device", on_delete=models.PROTECT, related_name="harvested_parts", null=True, blank=True
    )
    transfer_peer = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reason = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stock_movements"
    )
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stockmovement_quantity_nonzero"),
        ]
        indexes = [
            models.Index(fields=["part", "occurred_at"], name="stockmove_part_time_idx"),
            # The ledger newest first, paged by (occurred_at, id).
            models.Index(fields=["occurred_at", "id"], name="stockmove_time_id_idx"),
            models.Index(fields=["stock_location", "part"], name="stockmove_location_part_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} of {self.part_id} at {self.stock_location_id}"


# The name of the parts usage tally's row in fleet's SummaryRefresh.
PART_USAGE_TALLY = "repairs.part_usage_tally"


class PartUsageTally(models.Model):
    """Parts issued to tickets net of returns, per calendar month (district time), the name of
    the ticket's device model and the name of the ticket's school, with their cost at the
    movement's unit cost: the parts usage report's own rows, which it pages with an index
    instead of joining every movement to every ticket.

    At the report's grain, names included (two models may share a name; the report adds them
    up), so a page is a range of this table; the names are those of the last rebuild. Not per
    part: at district scale a part dimension kept 548,139 groups of ~850,000 movements.
    Rebuilt whole from the stock ledger by ``services.summaries.part_usage_tally_refresh``
    (nightly); never written row by row. A group whose issues and returns cancel stays, with 0.
    """

    month = models.DateTimeField(help_text="Midnight district time on the month's first day.")
    model = models.CharField(max_length=120)
    school = models.CharField(max_length=120)
    parts = models.IntegerField()
    cost = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["-month", "model", "school"]
        indexes = [models.Index(fields=["-month", "model", "school"], name="partusage_report_order_idx")]

    def __str__(self) -> str:
        return f"{self.parts} parts in {self.month:%Y-%m}"


@track_history()
class PurchaseOrder(TimeStampedModel):
    """An order for parts from one vendor, received in full or in part into a stock location."""

    number = models.CharField(max_length=30, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(
        max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.DRAFT
    )
    ship_to = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="purchase_orders")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchase_orders_created"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    expected_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"], name="po_status_idx")]

    def __str__(self) -> str:
        return self.number


@track_history()
class PurchaseOrderLine(models.Model):
    """One part on a purchase order; ``quantity_received`` grows with each receipt."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="purchase_order_lines")
    quantity_ordered = models.PositiveIntegerField()
    quantity_received = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["order_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "part"], name="poline_unique_part"),
            models.CheckConstraint(condition=Q(quantity_ordered__gte=1), name="poline_ordered_gte_1"),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=models.F("quantity_ordered")),
                name="poline_received_lte_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity_ordered} x {self.part_id}"


@track_history()
class Loan(TimeStampedModel):
    """A loaner device lent against a repair ticket; due back when the repaired device returns.

    Created in ``fleet`` and moved here because a loan points at a ticket; the table keeps its name.
    """

    loaner = models.ForeignKey("fleet.Device", on_delete=models.PROTECT, related_name="loans")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="loans")
    borrower_id = models.CharField(max_length=20, blank=True, help_text="Student or staff ID only.")
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loans_checked_out"
    )
    checked_out_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="loans_returned",
        null=True,
        blank=True,
    )

    class Meta:
        db_table = "fleet_loan"
        ordering = ["-checked_out_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["loaner"], condition=Q(returned_at__isnull=True), name="loan_one_open_per_loaner"
            ),
        ]
        # The admin's default order (newest first, then id): without it every loan was sorted.
        indexes = [models.Index(fields=["checked_out_at", "id"], name="loan_checked_out_id_idx")]

    def __str__(self) -> str:
        return f"Loaner {self.loaner_id} for ticket {self.ticket_id}"
