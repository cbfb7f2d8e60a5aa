"""Overtime writes: rule versions, requests, decisions, emergency reviews and delegations.

Every request and every decision records the rule version it was made under (``rule`` on the
request and on each event). A rule change is a new row from a later effective date, so it never
rewrites what was decided before it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import StaffGrade, User
from core import tasks as core_tasks
from core.exceptions import ConflictError, DomainError
from fleet.selectors import devices as fleet_selectors
from staff import permissions as staff_permissions
from staff.choices import OvertimeRequestEventKind, OvertimeRequestStatus, Weekday
from staff.models import OvertimeDelegation, OvertimeRequest, OvertimeRequestEvent, OvertimeRule
from staff.selectors import overtime as overtime_selectors
from staff.selectors import rules

if TYPE_CHECKING:
    from fleet.models import Location
    from repairs.models import Ticket

logger = logging.getLogger(__name__)

MAX_EXPECTED_HOURS = Decimal("16")


def grade_range(low: int, high: int) -> str:
    return f"{low}\u2013{high}"  # an en dash, as people write ranges


def describe_rule(rule: OvertimeRule) -> str:
    """How messages name a rule version: its start date and grade range."""
    grades = grade_range(rule.grade_min, rule.grade_max)
    return f"the rule in force from {rule.effective_from:%Y-%m-%d} (grades {grades})"


# Rules -----------------------------------------------------------------------------------------


@transaction.atomic
def overtime_rule_create(
    *,
    created_by: User,
    effective_from: dt.date,
    grade_min: int,
    grade_max: int,
    eligible: bool,
    prior_approval_required: bool = True,
    multiplier: Decimal = Decimal("1.50"),
    weekly_threshold_hours: Decimal = Decimal("40.00"),
    workweek_start: int = Weekday.SUNDAY,
    comp_time_allowed: bool = False,
    comp_time_rate: Decimal = Decimal("1.50"),
    comp_time_cap_hours: Decimal = Decimal("240.00"),
    notes: str = "",
) -> OvertimeRule:
    """Add a rule version for a grade range, in force from ``effective_from`` on.

    Administrators only (PermissionDenied). Backdating is refused: a rule starting before today
    would change the rule in force for days whose requests were already decided. Two versions
    starting the same day must not cover the same grade (DomainError), or the lookup would be
    ambiguous.
    """
    if not staff_permissions.can_edit_overtime_rules(created_by):
        raise PermissionDenied("Only an administrator changes overtime rules.")
    today = timezone.localdate()
    if effective_from < today:
        raise DomainError(
            f"A rule cannot start in the past ({effective_from:%Y-%m-%d}): it would change the rule "
            f"behind decisions already made. Choose {today:%Y-%m-%d} or later.",
            field="effective_from",
        )
    if grade_min > grade_max:
        raise DomainError("The lowest grade must not be above the highest grade.", field="grade_min")
    clash = (
        OvertimeRule.objects.filter(
            effective_from=effective_from, grade_min__lte=grade_max, grade_max__gte=grade_min
        )
        .order_by("grade_min")
        .first()
    )
    if clash is not None:
        raise DomainError(
            f"A rule for grades {grade_range(clash.grade_min, clash.grade_max)} already starts on "
            f"{effective_from:%Y-%m-%d}. Choose another date or grade range.",
            field="effective_from",
        )
    rule = OvertimeRule(
        effective_from=effective_from,
        grade_min=grade_min,
        grade_max=grade_max,
        eligible=eligible,
        prior_approval_required=prior_approval_required,
        multiplier=multiplier,
        weekly_threshold_hours=weekly_threshold_hours,
        workweek_start=workweek_start,
        comp_time_allowed=comp_time_allowed,
        comp_time_rate=comp_time_rate,
        comp_time_cap_hours=comp_time_cap_hours,
        notes=notes,
        created_by=created_by,
    )
    rule.full_clean()
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:  # a concurrent twin got in first: the unique constraint holds
        raise DomainError(
            f"A rule for grades {grade_range(grade_min, grade_max)} already starts on "
            f"{effective_from:%Y-%m-%d}.",
            field="effective_from",
        ) from exc
    return rule


# Requests --------------------------------------------------------------------------------------


@transaction.atomic
def overtime_request_create(
    *,
    requester: User,
    work_date: dt.date,
    expected_hours: Decimal,
    reason: str,
    location: Location | None = None,
    tickets: Iterable[Ticket] = (),
    is_emergency: bool = False,
) -> OvertimeRequest:
    """Ask to work overtime on ``work_date``, under the rule in force for the requester's grade then.

    Raises DomainError when the requester has no grade or no rule covers it, when the rule makes
    the grade ineligible (the message names the rule), when the hours are not above 0 and at most
    16, and when the date is past and the request is not flagged as an emergency. Emergencies are
    accepted after the fact and stay flagged until the supervisor reviews them. A request may
    name only the requester's own open tickets and an active location they can see (DomainError
    naming ``tickets`` or ``location``; ``expected_hours`` and ``work_date`` for theirs). Nothing
    is written when it raises.
    """
    rule = rules.rule_for_user(user=requester, on=work_date)
    if not rule.eligible:
        grade = StaffGrade.objects.get(profiles__user=requester)
        raise DomainError(
            f"Grade {grade.grade} ({grade.title}) is not eligible for overtime under {describe_rule(rule)}."
        )
    if not Decimal("0") < expected_hours <= MAX_EXPECTED_HOURS:
        raise DomainError(
            f"Expected hours must be more than 0 and at most {MAX_EXPECTED_HOURS}.", field="expected_hours"
        )
    if work_date < timezone.localdate() and not is_emergency:
        raise DomainError(
            f"{work_date:%Y-%m-%d} is in the past: overtime is requested before the work. "
            "If it was emergency work, flag the request as an emergency; your supervisor will review it.",
            field="work_date",
        )
    if (
        location is not None
        and not fleet_selectors.location_list(user=requester).filter(pk=location.pk).exists()
    ):
        raise DomainError(f"{location} is not an active location you can choose.", field="location")
    tickets = list(tickets)
    _require_own_open_tickets(requester=requester, ticket_ids={ticket.pk for ticket in tickets})
    overtime_request = OvertimeRequest(
        requester=requester,
        work_date=work_date,
        expected_hours=expected_hours,
        location=location,
        reason=reason,
        is_emergency=is_emergency,
        rule=rule,
    )
    overtime_request.full_clean()
    overtime_request.save()
    overtime_request.tickets.set(tickets)
    _event(overtime_request, actor=requester, kind=OvertimeRequestEventKind.REQUESTED, rule=rule)
    return overtime_request


def _require_own_open_tickets(*, requester: User, ticket_ids: Collection[int]) -> None:
    """The tickets an overtime request names must be open and assigned to the requester.

    The same rule as the request form's choices (``overtime_ticket_choices``), so the API and any
    other caller cannot attach overtime to someone else's work or to finished work.
    """
    if not ticket_ids:
        return
    own = set(
        overtime_selectors.overtime_ticket_choices(user=requester)
        .filter(pk__in=ticket_ids)
        .values_list("pk", flat=True)
    )
    others = sorted(set(ticket_ids) - own)
    if len(others) == 1:
        raise DomainError(f"Ticket {others[0]} is not one of your open tickets.", field="tickets")
    if others:
        named = ", ".join(str(pk) for pk in others[:-1]) + f" and {others[-1]}"
        raise DomainError(f"Tickets {named} are not among your open tickets.", field="tickets")


@transaction.atomic
def overtime_request_approve(
    *, overtime_request: OvertimeRequest, decided_by: User, expected_version: int, comment: str = ""
) -> OvertimeRequest:
    """Approve a pending request and tell the requester by email once committed.

    Only the requester's supervisor, their active delegate or an administrator may decide, never
    the requester (PermissionDenied). The decision is made under the rule in force for the work
    date now: if a rule version starting on or before the work date has since made the grade
    ineligible, approval is refused (DomainError naming it); the request keeps its own rule.
    A stale ``expected_version`` raises ConflictError; a request no longer pending, DomainError.
    """
    locked = _lock_for_decision(overtime_request, decided_by=decided_by, expected_version=expected_version)
    rule = _decision_rule(locked)
    if not rule.eligible:
        raise DomainError(
            f"Overtime on {locked.work_date:%Y-%m-%d} cannot be approved: {describe_rule(rule)} "
            "makes this grade ineligible. Deny it instead."
        )
    return _decide(
        locked, decided_by=decided_by, status=OvertimeRequestStatus.APPROVED, comment=comment, rule=rule
    )


@transaction.atomic
def overtime_request_deny(
    *, overtime_request: OvertimeRequest, decided_by: User, expected_version: int, comment: str
) -> OvertimeRequest:
    """Deny a pending request with a reason the requester is emailed once committed.

    Same deciders, version check and status check as :func:`overtime_request_approve`; a blank
    comment raises DomainError.
    """
    if not comment.strip():
        raise DomainError(
            "Say why the overtime is denied: the comment is sent to the requester.", field="comment"
        )
    locked = _lock_for_decision(overtime_request, decided_by=decided_by, expected_version=expected_version)
    return _decide(
        locked,
        decided_by=decided_by,
        status=OvertimeRequestStatus.DENIED,
        comment=comment,
        rule=_decision_rule(locked),
    )


@transaction.atomic
def overtime_request_cancel(
    *, overtime_request: OvertimeRequest, cancelled_by: User, expected_version: int | None = None
) -> OvertimeRequest:
    """The requester withdraws a request while it is still pending.

    Raises PermissionDenied for anyone else, ConflictError on a stale version and DomainError
    once the request is decided.
    """
    if not staff_permissions.can_cancel_overtime_request(cancelled_by, overtime_request):
        raise PermissionDenied("Only the requester cancels an overtime request.")
    locked = _locked(overtime_request, expected_version=expected_version)
    if locked.status != OvertimeRequestStatus.PENDING:
        raise DomainError(f"This request is already {locked.get_status_display().lower()}.")
    locked.status = OvertimeRequestStatus.CANCELLED
    locked.version += 1
    locked.full_clean()
    locked.save(update_fields=["status", "version", "updated_at"])
    _event(locked, actor=cancelled_by, kind=OvertimeRequestEventKind.CANCELLED, rule=locked.rule)
    return locked


@transaction.atomic
def overtime_emergency_review(
    *,
    overtime_request: OvertimeRequest,
    reviewed_by: User,
    expected_version: int | None = None,
    comment: str = "",
) -> OvertimeRequest:
    """The supervisor (or delegate, or admin) confirms they reviewed a decided emergency request.

    Raises PermissionDenied for anyone who may not decide it (the requester included), and
    DomainError when it is not an emergency, is not decided yet, or was already reviewed.
    """
    if not staff_permissions.can_decide_overtime(reviewed_by, overtime_request):
        raise PermissionDenied("Only the requester's supervisor, their delegate or an administrator reviews.")
    locked = _locked(overtime_request, expected_version=expected_version)
    if not locked.is_emergency:
        raise DomainError("Only emergency requests need a review.")
    if locked.status not in (OvertimeRequestStatus.APPROVED, OvertimeRequestStatus.DENIED):
        raise DomainError("Approve or deny the emergency request before marking it reviewed.")
    if locked.emergency_reviewed_at is not None:
        raise DomainError("This emergency request was already reviewed.")
    locked.emergency_reviewed_at = timezone.now()
    locked.version += 1
    locked.full_clean()
    locked.save(update_fields=["emergency_reviewed_at", "version", "updated_at"])
    _event(
        locked, actor=reviewed_by, kind=OvertimeRequestEventKind.REVIEWED, rule=locked.rule, comment=comment
    )
    return locked


# Delegations -----------------------------------------------------------------------------------


@transaction.atomic
def overtime_delegation_create(
    *, supervisor: User, delegate: User, starts_on: dt.date, ends_on: dt.date
) -> OvertimeDelegation:
    """A supervisor names someone to decide their team's overtime from ``starts_on`` to ``ends_on``.

    Raises PermissionDenied unless ``supervisor`` holds the supervisor role, and DomainError for
    a delegation to oneself, to an inactive account, to someone who is neither a supervisor nor
    an administrator (``overtime_delegates_for``, the form's choices; naming ``delegate``), or
    for a period ending before it starts or in the past.
    """
    if not staff_permissions.can_delegate_overtime(supervisor):
        raise PermissionDenied("Only a supervisor names a delegate.")
    if delegate.pk == supervisor.pk:
        raise DomainError("Name someone else: you already decide your team's overtime.", field="delegate")
    if not delegate.is_active:
        raise DomainError(f"{delegate} has no active account.", field="delegate")
    if not overtime_selectors.overtime_delegates_for(supervisor=supervisor).filter(pk=delegate.pk).exists():
        raise DomainError(
            f"{delegate} is neither a supervisor nor an administrator: only they decide overtime.",
            field="delegate",
        )
    if ends_on < starts_on:
        raise DomainError("The delegation must end on or after the day it starts.", field="ends_on")
    if ends_on < timezone.localdate():
        raise DomainError("The delegation period is already over.", field="ends_on")
    delegation = OvertimeDelegation(
        supervisor=supervisor, delegate=delegate, starts_on=starts_on, ends_on=ends_on
    )
    delegation.full_clean()
    delegation.save()
    return delegation


# Helpers ---------------------------------------------------------------------------------------


def _locked(overtime_request: OvertimeRequest, *, expected_version: int | None) -> OvertimeRequest:
    """The row under ``select_for_update``; ConflictError when someone changed it since it was read."""
    locked = (
        OvertimeRequest.objects.select_for_update()
        .select_related("requester", "rule")
        .get(pk=overtime_request.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            f"This request changed since you opened it (it is now {locked.get_status_display().lower()}). "
            "Reload and try again."
        )
    return locked


def _lock_for_decision(
    overtime_request: OvertimeRequest, *, decided_by: User, expected_version: int
) -> OvertimeRequest:
    if overtime_request.requester_id == decided_by.pk:
        raise PermissionDenied("Nobody decides their own overtime request.")
    if not staff_permissions.can_decide_overtime(decided_by, overtime_request):
        raise PermissionDenied(
            "Only the requester's supervisor, a delegate they named or an administrator decides this request."
        )
    locked = _locked(overtime_request, expected_version=expected_version)
    if locked.status != OvertimeRequestStatus.PENDING:
        raise DomainError(f"This request is already {locked.get_status_display().lower()}.")
    return locked


def _decision_rule(overtime_request: OvertimeRequest) -> OvertimeRule:
    """The rule in force for the requester's grade on the work date, as of now.

    Falls back to the request's own rule when the requester no longer has a grade a rule covers.
    """
    try:
        return rules.rule_for_user(user=overtime_request.requester, on=overtime_request.work_date)
    except DomainError:
        return overtime_request.rule


def _decide(
    overtime_request: OvertimeRequest,
    *,
    decided_by: User,
    status: OvertimeRequestStatus,
    comment: str,
    rule: OvertimeRule,
) -> OvertimeRequest:
    overtime_request.status = status
    overtime_request.decided_by = decided_by
    overtime_request.decided_at = timezone.now()
    overtime_request.decision_comment = comment
    overtime_request.version += 1
    overtime_request.full_clean()
    overtime_request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_comment", "version", "updated_at"]
    )
    kind = (
        OvertimeRequestEventKind.APPROVED
        if status == OvertimeRequestStatus.APPROVED
        else OvertimeRequestEventKind.DENIED
    )
    _event(overtime_request, actor=decided_by, kind=kind, rule=rule, comment=comment)
    _refresh_open_week(overtime_request)
    request_id = overtime_request.pk
    core_tasks.enqueue_on_commit("staff.tasks.overtime_decision_notify_task", request_id)
    return overtime_request


def _refresh_open_week(overtime_request: OvertimeRequest) -> None:
    """A decision moves hours between approved and unapproved overtime in its week's timesheet."""
    from staff.choices import TimesheetStatus
    from staff.models import Timesheet
    from staff.services import timesheets

    requester = overtime_request.requester
    week_start, _ = rules.week_for(user=requester, day=overtime_request.work_date)
    if Timesheet.objects.filter(user=requester, week_start=week_start, status=TimesheetStatus.OPEN).exists():
        timesheets.timesheet_recompute(user=requester, week_start=week_start)


def _event(
    overtime_request: OvertimeRequest,
    *,
    actor: User,
    kind: OvertimeRequestEventKind,
    rule: OvertimeRule,
    comment: str = "",
) -> OvertimeRequestEvent:
    return OvertimeRequestEvent.objects.create(
        request=overtime_request,
        actor=actor,
        kind=kind,
        rule=rule,
        comment=comment,
        occurred_at=timezone.now(),
    )


def overtime_decision_notify(*, request_id: int) -> None:
    """Email the requester the decision (run by a Celery task once the decision commits).

    A mail outage is logged, never undoes the decision.
    """
    overtime_request = OvertimeRequest.objects.select_related("requester", "decided_by").get(pk=request_id)
    requester = overtime_request.requester
    if not requester.email:
        return
    verdict = overtime_request.get_status_display().lower()
    subject = f"Overtime on {overtime_request.work_date:%Y-%m-%d} {verdict}"
    lines = [
        f"Hello {requester.get_full_name() or requester.username},",
        "",
        f"Your request for {overtime_request.expected_hours} hours of overtime on "
        f"{overtime_request.work_date:%Y-%m-%d} was {verdict} by {overtime_request.decided_by}.",
    ]
    if overtime_request.decision_comment:
        lines += ["", f"Comment: {overtime_request.decision_comment}"]
    try:
        send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [requester.email])
    except Exception:
        logger.exception("Could not email the overtime decision for request %s", request_id)
