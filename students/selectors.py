"""Reads of students for pages and endpoints, narrowed to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.filters import filtered
from core.models import MAX_ID
from core.services import job_progress as core_jobs
from fleet.choices import AssigneeKind, DeviceStatus
from fleet.models import Device, District, Location
from fleet.selectors import devices as fleet_selectors
from repairs.models import Loan, Ticket
from students import permissions
from students.choices import AccessoryKind
from students.domain.charges import is_chargeable
from students.models import (
    AccessoryStock,
    Agreement,
    Charge,
    ChargePolicy,
    FeeRule,
    Handout,
    Payment,
    RosterImportJob,
    RosterSchoolMapping,
    Student,
)

# The student list shows this many per page, next pages by the last student ID shown.
STUDENTS_PER_PAGE = 50


def student_list(*, user: User | AnonymousUser) -> QuerySet[Student]:
    return Student.objects.visible_to(user).select_related("school")


def student_get(*, user: User | AnonymousUser, student_id: int) -> Student:
    """Raises Http404 for a student the user may not see."""
    if not 0 < student_id <= MAX_ID:
        raise Http404
    try:
        return student_list(user=user).get(pk=student_id)
    except Student.DoesNotExist as exc:
        raise Http404 from exc


def student_find(*, user: User | AnonymousUser, identifier: str) -> Student | None:
    """The student with this exact ID (as scanned or typed), if the user may see them."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return student_list(user=user).filter(identifier__iexact=identifier).first()


@dataclass(frozen=True)
class StudentPage:
    students: list[Student]
    next_after: str


def student_search(
    *, user: User | AnonymousUser, q: str = "", after: str = "", names_shown: bool = False
) -> StudentPage:
    """One page of the students the user may see whose ID starts with ``q`` (or, while the
    district shows names, whose name contains it), by student ID after ``after`` (keyset: the
    cost of a page does not grow with how far in it is). Two queries at most."""
    students = student_list(user=user)
    q = q.strip()[:60]
    if q:
        match = Q(identifier__istartswith=q)
        if names_shown:
            match |= Q(given_name__icontains=q) | Q(family_name__icontains=q)
        students = students.filter(match)
    if after:
        students = students.filter(identifier__gt=after[:20])
    rows = list(students.order_by("identifier")[: STUDENTS_PER_PAGE + 1])
    more = len(rows) > STUDENTS_PER_PAGE
    rows = rows[:STUDENTS_PER_PAGE]
    return StudentPage(rows, rows[-1].identifier if more and rows else "")


def names_shown() -> bool:
    return District.current().student_names_shown


# The student page's timeline -------------------------------------------------------------------


@dataclass
class TimelineEntry:
    """One thing that happened to the student, newest first on the page."""

    at: dt.datetime
    kind: str  # handout, return, ticket, loan, loan_return, charge, payment
    handout: Handout | None = None
    ticket: Ticket | None = None
    loan: Loan | None = None
    charge: Charge | None = None
    payment: Payment | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class StudentHistory:
    handouts: list[Handout]
    timeline: list[TimelineEntry]
    balance: Decimal


def student_history(*, user: User | AnonymousUser, student: Student) -> StudentHistory:
    """Every device the student held (hand-outs with condition each way and the agreement signed),
    the repair tickets of those devices opened while the student held them (and the ticket a
    collection opened), loaners lent to their ID, charges and payments: one timeline, newest
    first. Five queries whatever the number of rows."""
    handouts = list(
        student.handouts.select_related(
            "device__model", "agreement", "ticket", "handed_out_by", "collected_by", "handout_event"
        )
    )
    now = timezone.now()
    held = Q(pk__in=[h.ticket_id for h in handouts if h.ticket_id])
    for handout in handouts:
        held |= Q(
            device_id=handout.device_id,
            opened_at__gte=handout.handed_out_at,
            opened_at__lte=handout.collected_at or now,
        )
    tickets = list(Ticket.objects.visible_to(user).filter(held).select_related("device")) if handouts else []
    loans = list(
        Loan.objects.filter(borrower_id__iexact=student.identifier).select_related("loaner", "ticket")
        if student.identifier
        else []
    )
    charges = list(
        student.charges.select_related("device", "ticket").prefetch_related(
            Prefetch("payments", queryset=Payment.objects.order_by("received_at", "pk"))
        )
    )
    timeline: list[TimelineEntry] = []
    for handout in handouts:
        timeline.append(TimelineEntry(handout.handed_out_at, "handout", handout=handout))
        if handout.collected_at:
            timeline.append(TimelineEntry(handout.collected_at, "return", handout=handout))
    timeline += [TimelineEntry(ticket.opened_at, "ticket", ticket=ticket) for ticket in tickets]
    for loan in loans:
        timeline.append(TimelineEntry(loan.checked_out_at, "loan", loan=loan))
        if loan.returned_at:
            timeline.append(TimelineEntry(loan.returned_at, "loan_return", loan=loan))
    for charge in charges:
        timeline.append(TimelineEntry(charge.created_at, "charge", charge=charge))
        timeline += [
            TimelineEntry(payment.received_at, "payment", charge=charge, payment=payment)
            for payment in charge.payments.all()
        ]
    timeline.sort(key=lambda entry: entry.at, reverse=True)
    balance = sum((charge.balance for charge in charges), Decimal("0.00"))
    return StudentHistory(handouts=handouts, timeline=timeline, balance=balance)


# Roster imports -------------------------------------------------------------------------------


# Where a job's live figures and cancel flag live in the cache (written by
# students.services.roster_jobs: the import's transaction hides what it writes).
ROSTER_JOB_CACHE_PREFIX = "students:roster-job"


def progress_key(job_id: int) -> str:
    return core_jobs.progress_key(ROSTER_JOB_CACHE_PREFIX, job_id)


def cancel_key(job_id: int) -> str:
    return core_jobs.cancel_key(ROSTER_JOB_CACHE_PREFIX, job_id)


@dataclass(frozen=True)
class RosterJobFigures(core_jobs.JobFigures):
    """Rows done of total in a roster import's current (or last) phase, named for its page."""

    LABELS: ClassVar[dict[str, str]] = {core_jobs.WRITING: "students written"}
    OTHER_LABEL: ClassVar[str] = "students checked"


def roster_job_list(*, user: User | AnonymousUser) -> QuerySet[RosterImportJob]:
    return RosterImportJob.objects.visible_to(user).select_related("requested_by").defer("row_errors")


def roster_job_get(*, user: User | AnonymousUser, job_id: int) -> RosterImportJob:
    """One roster import the user may see. Raises Http404 otherwise."""
    if not 0 < job_id <= MAX_ID:
        raise Http404("No such import.")
    try:
        return RosterImportJob.objects.visible_to(user).select_related("requested_by").get(pk=job_id)
    except RosterImportJob.DoesNotExist as exc:
        raise Http404("No such import.") from exc


def roster_job_progress(*, job: RosterImportJob) -> RosterJobFigures:
    """Rows done of total: live from the cache while the job runs, else as the job ended."""
    return core_jobs.job_figures(job=job, prefix=ROSTER_JOB_CACHE_PREFIX, figures=RosterJobFigures)


def roster_job_error_rows(*, job: RosterImportJob) -> Iterator[list[object]]:
    yield ["File", "Line", "Field", "Problem", "sourcedId"]
    for issue in job.row_errors:
        yield [issue.get(column, "") for column in ("file", "line", "field", "message", "key")]


def roster_school_mapping_list() -> QuerySet[RosterSchoolMapping]:
    return RosterSchoolMapping.objects.select_related("location")


# Hand-out and collection -----------------------------------------------------------------------

# A device goes to a student from the shelf; a deployed one only if nobody holds it.
HANDOUT_READY = frozenset({DeviceStatus.IN_STOCK, DeviceStatus.DEPLOYED})


def handout_student_refusal(*, user: User | AnonymousUser, code: str) -> tuple[Student | None, str]:
    """The student a scan at hand-out names, or why none may get a device.

    Unknown IDs, students of a school the user does not work with (named apart so the person
    scanning knows to send them to their own school) and inactive students are refused.
    """
    code = code.strip()
    if not code:
        return None, "Scan or type the student's ID."
    student = student_find(user=user, identifier=code)
    if student is None:
        if Student.objects.filter(identifier__iexact=code).exists():
            return None, f"Student {code} is at a school you do not hand out for."
        return None, f"No student has the ID “{code}”. Check the card or the roster."
    if not student.is_active:
        return None, f"Student {student.identifier} is not active on the roster: no device goes to them."
    return student, ""


def device_handout_refusal(*, device: Device) -> str | None:
    """Why this device cannot be handed to a student now, or None.

    Already handed out (naming the holder by ID only), assigned to someone, a loaner, or not on
    the shelf (retired, in repair, lost...).
    """
    open_handout = (
        Handout.objects.filter(device=device, collected_at__isnull=True).select_related("student").first()
    )
    if open_handout is not None:
        return f"{device.asset_tag} is already handed out to student {open_handout.student.identifier}."
    if device.assignee_id:
        holder = device.get_assignee_kind_display().lower()
        return f"{device.asset_tag} is already assigned to {holder} {device.assignee_id}."
    if device.is_loaner:
        return f"{device.asset_tag} is a loaner: lend it against a repair ticket instead."
    if device.status not in HANDOUT_READY:
        return f"{device.asset_tag} is {device.get_status_display().lower()}: it cannot be handed out."
    return None


def handout_device_refusal(*, user: User | AnonymousUser, code: str) -> tuple[Device | None, str]:
    """The device a scan at hand-out names, or why it cannot go out."""
    code = code.strip()
    if not code:
        return None, "Scan or type the device's asset tag or serial."
    device = fleet_selectors.device_find_exact(user=user, identifier=code)
    if device is None:
        return None, f"No single device you can see has the asset tag or serial “{code}”."
    return device, device_handout_refusal(device=device) or ""


def handout_location(*, student: Student, device: Device) -> Location:
    """Where a hand-out happens and its accessories are counted: the student's school, or the
    device's location for a student the roster gives no school."""
    return student.school if student.school_id and student.school else device.location


def accessory_on_hand(*, location: Location) -> dict[str, int]:
    """Accessories on hand at a location, every kind present (0 when never stocked)."""
    counts = dict(AccessoryStock.objects.filter(location=location).values_list("kind", "on_hand"))
    return {kind: counts.get(kind, 0) for kind in AccessoryKind.values}


def handout_list(*, user: User | AnonymousUser) -> QuerySet[Handout]:
    """Hand-outs of the students the user sees, with what the pages show."""
    return Handout.objects.filter(student__in=student_list(user=user).values("pk")).select_related(
        "student", "device", "device__model", "agreement", "ticket"
    )


def handout_get(*, user: User | AnonymousUser, handout_id: int) -> Handout:
    """Raises Http404 for a hand-out of a student the user may not see."""
    if not 0 < handout_id <= MAX_ID:
        raise Http404
    try:
        return (
            handout_list(user=user)
            .select_related("handout_event__actor")
            .prefetch_related("accessories")
            .get(pk=handout_id)
        )
    except Handout.DoesNotExist as exc:
        raise Http404 from exc


def handout_open_list(*, user: User | AnonymousUser, student: Student) -> list[Handout]:
    """The student's hand-outs still open, newest first, with their accessories."""
    return list(
        handout_list(user=user)
        .filter(student=student, collected_at__isnull=True)
        .prefetch_related("accessories")
    )


@dataclass(frozen=True)
class Collectable:
    """One device a collection scan found in a student's hands: by its open hand-out, or (no
    hand-out: ``handout`` None) by the device's assignment to the student's ID, as a Google Admin
    import or the device page leaves it."""

    student: Student
    device: Device
    handout: Handout | None = None


def device_assignment_refusal(*, device: Device, student: Student | None = None) -> str | None:
    """Why ``device`` cannot be collected by its assignment (from ``student``, when given), or
    None: it is handed out in the app (collect that hand-out), not assigned to a student, or
    assigned to another one (named by ID only)."""
    open_handout = (
        Handout.objects.filter(device=device, collected_at__isnull=True).select_related("student").first()
    )
    if open_handout is not None:
        return (
            f"{device.asset_tag} is handed out to student {open_handout.student.identifier} in the app: "
            "scan it to collect that hand-out."
        )
    return _assignee_refusal(device=device, student=student)


def _assignee_refusal(*, device: Device, student: Student | None) -> str | None:
    if device.assignee_kind != AssigneeKind.STUDENT or not device.assignee_id:
        return f"{device.asset_tag} is not handed out to a student, nor assigned to one: nothing to collect."
    if student is not None and device.assignee_id.upper() != student.identifier.upper():
        return (
            f"{device.asset_tag} is assigned to student {device.assignee_id}, "
            f"not to student {student.identifier}."
        )
    return None


def assigned_device_list(*, user: User | AnonymousUser, student: Student) -> list[Device]:
    """Devices the user sees assigned to the student's ID with no open hand-out (an import's
    assignment), by asset tag."""
    open_handouts = Handout.objects.filter(device=OuterRef("pk"), collected_at__isnull=True)
    return list(
        Device.objects.visible_to(user)
        .filter(assignee_kind=AssigneeKind.STUDENT, assignee_id__iexact=student.identifier)
        .exclude(Exists(open_handouts))
        .select_related("model")
        .order_by("asset_tag")
    )


def _device_collectable(*, user: User | AnonymousUser, device: Device) -> tuple[list[Collectable], str]:
    found = list(
        handout_list(user=user)
        .filter(device=device, collected_at__isnull=True)
        .prefetch_related("accessories")
    )
    if found:
        return [Collectable(h.student, h.device, h) for h in found], ""
    held_by = (
        Handout.objects.filter(device=device, collected_at__isnull=True)
        .values_list("student__identifier", flat=True)
        .first()
    )
    if held_by is not None:  # handed out to a student the user does not see
        return (
            [],
            f"{device.asset_tag} is handed out to student {held_by}, at a school you do not collect for.",
        )
    refusal = _assignee_refusal(device=device, student=None)
    if refusal:
        return [], refusal
    student = student_find(user=user, identifier=device.assignee_id)
    if student is None:
        if Student.objects.filter(identifier__iexact=device.assignee_id).exists():
            return [], (
                f"{device.asset_tag} is assigned to student {device.assignee_id}, "
                "at a school you do not collect for."
            )
        return [], (
            f"{device.asset_tag} is assigned to student {device.assignee_id}, who is not on the roster: "
            "import the roster, then collect it."
        )
    return [Collectable(student, device)], ""


def collectable_find(*, user: User | AnonymousUser, code: str) -> tuple[list[Collectable], str]:
    """What a scan at collection names: the device's open hand-out, or the device as assigned to
    a student; or every device the student holds (open hand-outs first, then devices assigned
    without one).

    Returns them with an empty message, or none and why (naming the code): nothing to collect,
    a student or device of a school the user does not work with, a student not on the roster.
    """
    code = code.strip()
    if not code:
        return [], "Scan a device, or type a student's ID."
    device = fleet_selectors.device_find_exact(user=user, identifier=code)
    if device is not None:
        return _device_collectable(user=user, device=device)
    student = student_find(user=user, identifier=code)
    if student is None:
        if Student.objects.filter(identifier__iexact=code).exists():
            return [], f"Student {code} is at a school you do not collect for."
        return [], f"No device or student you can see has “{code}”."
    found = [Collectable(student, h.device, h) for h in handout_open_list(user=user, student=student)]
    found += [Collectable(student, device) for device in assigned_device_list(user=user, student=student)]
    if not found:
        return [], f"Student {student.identifier} has no device out or assigned."
    return found, ""


def collectable_assigned_get(*, user: User | AnonymousUser, student_id: int, device_id: int) -> Collectable:
    """The student and the device (assigned to them, the service checks) a collection names by
    id. Raises Http404 for a student or device the user may not see."""
    student = student_get(user=user, student_id=student_id)
    if not 0 < device_id <= MAX_ID:
        raise Http404
    device = Device.objects.visible_to(user).select_related("model").filter(pk=device_id).first()
    if device is None:
        raise Http404
    return Collectable(student, device)


def agreement_list() -> QuerySet[Agreement]:
    """Every version, newest first, with how many hand-outs were signed against each.

    The count is a subquery per version, which PostgreSQL answers from the index on the hand-out's
    agreement alone (5 ms for the district's 107,000 hand-outs); a join grouped by version read
    every hand-out row (30 ms)."""
    signed = (
        Handout.objects.filter(agreement=OuterRef("pk"))
        .order_by()
        # COUNT as a plain function: no GROUP BY, which cost as much as the index scan itself.
        .values(n=Func("agreement", function="COUNT"))
    )
    return Agreement.objects.select_related("created_by").annotate(
        signed_count=Coalesce(Subquery(signed, output_field=IntegerField()), 0)
    )


# Charges -------------------------------------------------------------------------------------


def charge_list(*, user: User | AnonymousUser, filters: Mapping[str, str] | None = None) -> QuerySet[Charge]:
    """Charges of the students the user sees, newest first, for those who manage charges.

    School administrators see their own schools' students' charges; roles that do not manage
    charges see none.
    """
    from students.filters import ChargeFilterSet

    if not permissions.can_manage_charges(user):
        return Charge.objects.none()
    charges = Charge.objects.select_related("student", "student__school", "device", "device__model")
    locations = Location.objects.visible_to(user)
    if locations.query.where:
        charges = charges.filter(student__school__in=locations.values("pk"))
    return filtered(ChargeFilterSet, filters, charges)


def charge_get(*, user: User | AnonymousUser, charge_id: int) -> Charge:
    """Raises Http404 for a charge the user may not see."""
    if not 0 < charge_id <= MAX_ID:
        raise Http404
    try:
        return (
            charge_list(user=user)
            .select_related("ticket", "handout", "fee_rule", "created_by")
            .get(pk=charge_id)
        )
    except Charge.DoesNotExist as exc:
        raise Http404 from exc


def charge_payments(*, charge: Charge) -> QuerySet[Payment]:
    return charge.payments.select_related("received_by").order_by("received_at", "pk")


def payment_get(*, user: User | AnonymousUser, payment_id: int) -> Payment:
    """A payment on a charge the user sees (Http404 otherwise), with what its receipt prints."""
    if not 0 < payment_id <= MAX_ID:
        raise Http404
    payment = (
        Payment.objects.filter(charge__in=charge_list(user=user).values("pk"))
        .select_related("charge", "charge__student", "charge__device", "charge__device__model", "received_by")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        raise Http404
    return payment


def payment_paid_through(*, payment: Payment) -> Decimal:
    """What the charge had been paid once this payment was taken (the receipt's running total)."""
    earlier = payment.charge.payments.filter(
        Q(received_at__lt=payment.received_at) | Q(received_at=payment.received_at, pk__lte=payment.pk)
    )
    return earlier.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def fee_rule_list() -> QuerySet[FeeRule]:
    return FeeRule.objects.select_related("device_model", "device_model__manufacturer").order_by(
        "damage_cause", F("device_model__name").asc(nulls_first=True)
    )


def charge_policy() -> ChargePolicy:
    """The hold policy row, created with its defaults the first time it is read."""
    policy, _ = ChargePolicy.objects.get_or_create(pk=1)
    return policy


def ticket_handout(*, ticket: Ticket) -> Handout | None:
    """The hand-out the ticket's device was in when the damage was reported: the one the ticket
    was opened from at collection, else the one open when the ticket was opened."""
    linked = Handout.objects.filter(ticket=ticket).select_related("student").first()
    if linked is not None:
        return linked
    return (
        Handout.objects.filter(device_id=ticket.device_id, handed_out_at__lte=ticket.opened_at)
        .filter(Q(collected_at__isnull=True) | Q(collected_at__gte=ticket.opened_at))
        .select_related("student")
        .order_by("-handed_out_at", "-pk")
        .first()
    )


def ticket_charge(*, ticket: Ticket) -> Charge | None:
    return Charge.objects.filter(ticket=ticket).first()


def fee_rule_get(*, rule_id: int) -> FeeRule:
    if not 0 < rule_id <= MAX_ID:
        raise Http404
    try:
        return FeeRule.objects.get(pk=rule_id)
    except FeeRule.DoesNotExist as exc:
        raise Http404 from exc


def ticket_charge_panel(*, user: User | AnonymousUser, ticket: Ticket) -> dict[str, object]:
    """What the repair ticket's charge panel shows: nothing (``shown`` False) unless the ticket's
    damage is of a charged cause, the device was handed out to a student when it was reported, and
    the viewer works with students; then the charge made for it, or whether they may propose one."""
    hidden: dict[str, object] = {"shown": False, "ticket": ticket}
    if not permissions.can_view_students(user) or not is_chargeable(ticket.damage_cause):
        return hidden
    handout = ticket_handout(ticket=ticket)
    if handout is None or not Student.objects.visible_to(user).filter(pk=handout.student_id).exists():
        return hidden
    return {
        "shown": True,
        "ticket": ticket,
        "handout": handout,
        "charge": ticket_charge(ticket=ticket),
        "can_propose": permissions.can_hand_out_devices(user) or permissions.can_manage_charges(user),
        "can_manage": permissions.can_manage_charges(user),
    }
