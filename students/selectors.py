"""Reads of students for pages and endpoints, narrowed to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core.models import MAX_ID
from fleet.models import District
from fleet.selectors.imports import JobFigures
from repairs.models import Loan, Ticket
from students.models import Charge, Handout, Payment, RosterImportJob, RosterSchoolMapping, Student

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
            "device__model", "agreement", "ticket", "handed_out_by", "collected_by"
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


# A running job's live figures and its cancel flag, in the cache (written by
# students.services.roster_jobs: the import's transaction hides what it writes).
def progress_key(job_id: int) -> str:
    return f"students:roster-job:{job_id}:progress"


def cancel_key(job_id: int) -> str:
    return f"students:roster-job:{job_id}:cancel"


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


def roster_job_progress(*, job: RosterImportJob) -> JobFigures:
    """Rows done of total: live from the cache while the job runs, else as the job ended."""
    if job.is_active:
        live = cache.get(progress_key(job.pk))
        if isinstance(live, dict):
            return JobFigures(**live)
    return JobFigures(phase=job.phase, done=job.rows_done, total=job.rows_total)


def roster_job_error_rows(*, job: RosterImportJob) -> Iterator[list[object]]:
    yield ["File", "Line", "Field", "Problem", "sourcedId"]
    for issue in job.row_errors:
        yield [issue.get(column, "") for column in ("file", "line", "field", "message", "key")]


def roster_school_mapping_list() -> QuerySet[RosterSchoolMapping]:
    return RosterSchoolMapping.objects.select_related("location")
