"""One-to-one: students from the SIS roster, the devices and accessories handed to them and
collected back, the agreement they signed, and the damage charges and payments that follow.

A student is kept with the least data the work needs: the district's student ID (what staff scan
and type), the roster's ``sourcedId``, school, grade and whether the roster still lists them.
Names are stored only when the district turns them on (``fleet.District.student_names_shown``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q

from core.models import BackgroundJob, BackgroundJobQuerySet, TimeStampedModel, track_history
from fleet.models import Location, visible_location_ids
from repairs.choices import DamageCause
from students.choices import (
    AccessoryKind,
    ChargeStatus,
    Condition,
    HandoutOrigin,
    PaymentMethod,
    SignedBy,
)

if TYPE_CHECKING:
    from accounts.models import User


class StudentQuerySet(models.QuerySet["Student"]):
    def visible_to(self, user: User | AnonymousUser) -> StudentQuerySet:
        """Students of the schools the user may see; none for roles without student access."""
        from students import permissions

        if not permissions.can_view_students(user):
            return self.none()
        schools = visible_location_ids(user)
        return self if schools is None else self.filter(school_id__in=schools)

    def active(self) -> StudentQuerySet:
        return self.filter(is_active=True)


@track_history()
class Student(TimeStampedModel):
    """A student as the SIS roster lists them, known to staff by ``identifier`` only."""

    identifier = models.CharField(
        "student ID", max_length=20, unique=True, help_text="The district's student ID: what is scanned."
    )
    sourced_id = models.CharField(
        "roster sourcedId", max_length=255, unique=True, null=True, blank=True, help_text="OneRoster key."
    )
    school = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="students", null=True, blank=True
    )
    grade = models.CharField(max_length=4, blank=True, help_text="CEDS grade code: KG, 01 … 12.")
    is_active = models.BooleanField(default=True, help_text="False once the roster marks them inactive.")
    given_name = models.CharField(max_length=60, blank=True)
    family_name = models.CharField(max_length=60, blank=True)
    insured_until = models.DateField(
        null=True, blank=True, help_text="Covered by the district's device insurance plan until this date."
    )

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["identifier"]
        indexes = [models.Index(fields=["school", "grade"], name="student_school_grade_idx")]

    def __str__(self) -> str:
        return self.identifier


@track_history()
class AccessoryStock(models.Model):
    """Counted accessories (chargers, cases, styluses) on hand at one school."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="accessory_stocks")
    kind = models.CharField(max_length=20, choices=AccessoryKind.choices)
    on_hand = models.IntegerField(default=0)

    class Meta:
        ordering = ["location", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["location", "kind"], name="accessory_stock_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="accessory_stock_on_hand_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.kind}: {self.on_hand}"


@track_history()
class Agreement(TimeStampedModel):
    """One version of the device agreement a student (or parent) signs at hand-out.

    Versions are never edited once signed against; the newest active version is the one shown.
    """

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=120)
    body = models.TextField()
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agreements_written"
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


@track_history()
class Handout(TimeStampedModel):
    """A device in a student's hands: from hand-out until it is collected back.

    The custody events are the device's own history (``fleet``); this row adds what the student
    side needs: the condition each way, the agreement signed, and who did it.

    A device assigned to the student outside the hand-out screen (``origin`` *assignment*: a
    Google Admin import, the device page) gets its row when it is collected: handed out by nobody
    in the app, at the time of the custody event that assigned it, condition out unknown, no
    agreement signed.
    """

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="handouts")
    device = models.ForeignKey("fleet.Device", on_delete=models.PROTECT, related_name="handouts")
    origin = models.CharField(max_length=20, choices=HandoutOrigin.choices, default=HandoutOrigin.SCAN)
    handed_out_at = models.DateTimeField()
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="handouts_given",
        null=True,
        blank=True,
        help_text="Empty when the device was assigned outside the app's hand-out.",
    )
    handout_event = models.ForeignKey(
        "fleet.CustodyEvent", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    condition_out = models.CharField(
        max_length=20,
        choices=Condition.choices,
        default=Condition.GOOD,
        blank=True,
        help_text="Empty when not known: the device was assigned outside the app's hand-out.",
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="handouts", null=True, blank=True
    )
    signed_by = models.CharField(max_length=20, choices=SignedBy.choices, blank=True)
    signature_png = models.BinaryField(null=True, blank=True, editable=False)
    signed_at = models.DateTimeField(null=True, blank=True)
    hold_override_reason = models.CharField(
        max_length=255, blank=True, help_text="Why a hand-out went ahead despite unpaid charges."
    )
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="handouts_collected",
        null=True,
        blank=True,
    )
    collection_event = models.ForeignKey(
        "fleet.CustodyEvent", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    condition_in = models.CharField(max_length=20, choices=Condition.choices, blank=True)
    collection_notes = models.CharField(max_length=500, blank=True)
    ticket = models.ForeignKey(
        "repairs.Ticket",
        on_delete=models.PROTECT,
        related_name="handouts",
        null=True,
        blank=True,
        help_text="The repair ticket opened when it came back damaged.",
    )

    class Meta:
        ordering = ["-handed_out_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=Q(collected_at__isnull=True), name="handout_one_open_per_device"
            ),
            # Only a hand-out recorded from an assignment lacks who handed it out and its condition.
            models.CheckConstraint(
                condition=Q(origin=HandoutOrigin.ASSIGNMENT)
                | (Q(handed_out_by__isnull=False) & ~Q(condition_out="")),
                name="handout_scan_has_giver_and_condition",
            ),
        ]
        indexes = [
            models.Index(fields=["student", "handed_out_at"], name="handout_student_time_idx"),
            # The default ordering (the admin's changelist): its first page from the index.
            models.Index(fields=["-handed_out_at", "-id"], name="handout_time_id_idx"),
            models.Index(fields=["collected_at"], name="handout_collected_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} to {self.student_id} at {self.handed_out_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.collected_at is None

    @property
    def from_assignment(self) -> bool:
        return self.origin == HandoutOrigin.ASSIGNMENT


@track_history()
class HandoutAccessory(models.Model):
    """Accessories handed out with a device, and how many came back and in what state."""

    handout = models.ForeignKey(Handout, on_delete=models.CASCADE, related_name="accessories")
    kind = models.CharField(max_length=20, choices=AccessoryKind.choices)
    quantity = models.PositiveSmallIntegerField(default=1)
    returned_quantity = models.PositiveSmallIntegerField(null=True, blank=True)
    condition_in = models.CharField(max_length=20, choices=Condition.choices, blank=True)

    class Meta:
        ordering = ["handout", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["handout", "kind"], name="handout_accessory_unique"),
            models.CheckConstraint(
                condition=Q(returned_quantity__isnull=True) | Q(returned_quantity__lte=models.F("quantity")),
                name="handout_accessory_returned_lte_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.kind}"


@track_history()
class FeeRule(TimeStampedModel):
    """The district's fee for one damage cause, for one model or (model empty) any model."""

    damage_cause = models.CharField(max_length=20, choices=DamageCause.choices)
    device_model = models.ForeignKey(
        "fleet.DeviceModel", on_delete=models.PROTECT, related_name="fee_rules", null=True, blank=True
    )
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    first_incident_waived = models.BooleanField(default=False)
    insurance_covers = models.BooleanField(
        default=False, help_text="An insured student is not charged for this cause."
    )

    class Meta:
        ordering = ["damage_cause", "device_model"]
        constraints = [
            models.UniqueConstraint(fields=["damage_cause", "device_model"], name="fee_rule_unique"),
            models.UniqueConstraint(
                fields=["damage_cause"],
                condition=Q(device_model__isnull=True),
                name="fee_rule_unique_any_model",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_rule_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.damage_cause} {self.device_model_id or 'any'}: {self.amount}"


@track_history()
class ChargePolicy(models.Model):
    """One row (pk 1): the hold that stops re-issue to a student with unpaid charges."""

    hold_enabled = models.BooleanField(default=True)
    hold_threshold = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="A hand-out is refused while unpaid charges are above this amount.",
    )

    class Meta:
        verbose_name_plural = "charge policy"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="charge_policy_single_row"),
            models.CheckConstraint(condition=Q(hold_threshold__gte=0), name="charge_policy_threshold_gte_0"),
        ]

    def __str__(self) -> str:
        return f"Hold above {self.hold_threshold}"


@track_history()
class Charge(TimeStampedModel):
    """A damage charge to a student, proposed from the fee schedule and then settled or waived."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="charges")
    device = models.ForeignKey("fleet.Device", on_delete=models.PROTECT, related_name="charges")
    ticket = models.ForeignKey(
        "repairs.Ticket", on_delete=models.PROTECT, related_name="charges", null=True, blank=True
    )
    handout = models.ForeignKey(
        Handout, on_delete=models.PROTECT, related_name="charges", null=True, blank=True
    )
    damage_cause = models.CharField(max_length=20, choices=DamageCause.choices)
    fee_rule = models.ForeignKey(
        FeeRule, on_delete=models.PROTECT, related_name="charges", null=True, blank=True
    )
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    amount_paid = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(max_length=20, choices=ChargeStatus.choices, default=ChargeStatus.PROPOSED)
    reason = models.CharField(max_length=255, blank=True, help_text="Why the fee was set or waived.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="charges_made"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="charge_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=models.F("amount")),
                name="charge_paid_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["student", "status"], name="charge_student_status_idx")]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.amount} ({self.status})"

    @property
    def balance(self) -> Decimal:
        if self.status == ChargeStatus.WAIVED:
            return Decimal("0.00")
        return self.amount - self.amount_paid


@track_history()
class Payment(models.Model):
    """Money received against one charge; append-only, with its receipt number."""

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments_received"
    )
    receipt_number = models.CharField(max_length=30, unique=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0")]

    def __str__(self) -> str:
        return f"{self.receipt_number}: {self.amount}"


@track_history()
class CollectionWindow(TimeStampedModel):
    """A collection period (year end, a school's withdrawal day): devices handed to students of
    the school (or of every school, when empty) are due back by ``ends_on``."""

    name = models.CharField(max_length=120)
    school = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="collection_windows", null=True, blank=True
    )
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["-ends_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="collection_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


@track_history()
class RosterSchoolMapping(TimeStampedModel):
    """The answer to "which of our locations is this roster school?", asked once when a OneRoster
    school matches no location by code or name, and reused by every later import."""

    org_key = models.CharField(
        "roster school", max_length=255, unique=True, help_text="The org's identifier, or its sourcedId."
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="roster_school_mappings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="roster_school_mappings",
        null=True,
        blank=True,
        help_text="Empty when answered on the command line.",
    )

    class Meta:
        ordering = ["org_key"]

    def __str__(self) -> str:
        return f"{self.org_key} → {self.location_id}"


class RosterImportJobQuerySet(BackgroundJobQuerySet["RosterImportJob"]):
    def visible_to(self, user: User | AnonymousUser) -> RosterImportJobQuerySet:
        """Everyone who may import rosters sees the whole roster import history; nobody else any."""
        from students import permissions

        return self if permissions.can_import_rosters(user) else self.none()


class RosterImportJob(BackgroundJob):
    """One confirmed OneRoster import, run in the background like a device import (same statuses,
    progress in the cache while it runs). Written only by ``students.services.roster_jobs``."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roster_import_jobs"
    )
    students_created = models.PositiveIntegerField(default=0)
    students_updated = models.PositiveIntegerField(default=0)
    students_unchanged = models.PositiveIntegerField(default=0)
    staff_skipped = models.PositiveIntegerField(default=0, help_text="Staff rows read and not kept.")
    storage_name = models.CharField(max_length=255, help_text="The kept export; deleted when the job ends.")

    objects = RosterImportJobQuerySet.as_manager()

    class Meta(BackgroundJob.Meta):
        constraints = [
            models.UniqueConstraint(fields=["storage_name"], name="rosterimportjob_one_job_per_file"),
        ]

    def __str__(self) -> str:
        return f"Roster import {self.pk} of {self.file_name} ({self.status})"
