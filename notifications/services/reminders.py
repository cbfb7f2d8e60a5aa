"""Who should be reminded of what, and the runs that claim the emails.

Each kind finds its events and the people they concern:

- a loaner not returned ``LOAN_RETURN_GRACE_DAYS`` after it fell due (repairs' rule: a loan is due
  back once its ticket's device is repaired, returned or closed; it falls due when the ticket last
  became repaired): the technician who lent it and the ticket's assignee;
- devices still in students' hands after a collection window ended: the technicians and school
  administrators assigned to that school (one email per window and school);
- an overtime request waiting for a decision: the requester's supervisor and whoever stands in
  for them today, never the requester;
- a part at or below its reorder point at a stock location: procurement. The event is "low since
  the last stock that came in", so a part restocked and run down again is a new event.

A person gets each event once, as it happens or in the Monday digest, as they chose.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from fleet.models import Location
from notifications import permissions
from notifications.choices import DEFAULT_CADENCE, REMINDER_KINDS, Cadence, NotificationKind
from notifications.models import Delivery, NotificationPreference
from notifications.services import deliveries
from repairs import selectors as repair_selectors
from repairs.choices import TicketStatus
from repairs.models import Loan, StockLevel, StockMovement, TicketEvent
from staff.models import OvertimeDelegation, OvertimeRequest
from students.models import CollectionWindow, Handout

DUE_STATUSES = repair_selectors.LOAN_DUE_TICKET_STATUSES
# At most this many devices listed in one collection email (the count is always whole).
COLLECTION_LIST_LIMIT = 50


@dataclass(frozen=True)
class Reminder:
    """One event for one person: the key that makes it unique, and what the email says."""

    user: User
    kind: str
    object_key: str
    period: str
    subject: str
    text: str


def _recipients(kind: str, users: QuerySet[User]) -> QuerySet[User]:
    """Of ``users``, those who can be mailed and hold a role the kind concerns (as
    ``permissions.can_receive_notification``: the role, not superuser status)."""
    roles = [str(role) for role in permissions.KIND_ROLES[kind]]
    return users.filter(is_active=True, groups__name__in=roles).exclude(email="").distinct()


def _local_end_of(day: dt.date) -> dt.datetime:
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start)


def loan_overdue_reminders(*, now: dt.datetime) -> list[Reminder]:
    kind = NotificationKind.LOAN_OVERDUE
    grace = dt.timedelta(days=settings.LOAN_RETURN_GRACE_DAYS)
    # Due since the ticket last became repaired: returned and closed come only after repaired,
    # and a reopened ticket must pass repaired again, which starts a new due period (a new event).
    repaired_at = (
        TicketEvent.objects.filter(ticket_id=OuterRef("ticket_id"), to_status=TicketStatus.REPAIRED)
        .order_by("-occurred_at", "-pk")
        .values("occurred_at")[:1]
    )
    loans = list(
        Loan.objects.filter(
            returned_at__isnull=True, ticket__status__in=repair_selectors.LOAN_DUE_TICKET_STATUSES
        )
        .annotate(due_since=Coalesce(Subquery(repaired_at), F("ticket__closed_at")))
        .filter(due_since__lte=now - grace)
        .select_related("loaner", "ticket")
        .order_by("pk")
    )
    wanted = {user_id for loan in loans for user_id in (loan.checked_out_by_id, loan.ticket.assignee_id)}
    users = {user.pk: user for user in _recipients(kind, User.objects.filter(pk__in=wanted))}
    reminders = []
    for loan in loans:
        due_since: dt.datetime = loan.due_since  # type: ignore[attr-defined]
        due = timezone.localdate(due_since + grace)
        borrower = f" to {loan.borrower_id}" if loan.borrower_id else ""
        text = (
            f"Loaner {loan.loaner.asset_tag}, lent on {timezone.localdate(loan.checked_out_at):%Y-%m-%d}"
            f"{borrower} while ticket {loan.ticket_id} was repaired, was due back on {due:%Y-%m-%d} "
            f"({settings.LOAN_RETURN_GRACE_DAYS} days after the repair) and has not been returned.\n"
            f"{_link(reverse('fleet:device_detail', args=[loan.loaner_id]))}"
        )
        subject = f"Loaner {loan.loaner.asset_tag} is overdue"
        period = f"due:{due_since:%Y%m%d%H%M%S}"
        for user_id in sorted(pk for pk in {loan.checked_out_by_id, loan.ticket.assignee_id} if pk):
            if user_id in users:
                reminders.append(Reminder(users[user_id], kind, f"loan:{loan.pk}", period, subject, text))
    return reminders


def collection_overdue_reminders(*, now: dt.datetime) -> list[Reminder]:
    kind = NotificationKind.COLLECTION_OVERDUE
    today = timezone.localdate(now)
    reminders = []
    for window in CollectionWindow.objects.filter(ends_on__lt=today).select_related("school"):
        handouts = Handout.objects.filter(
            collected_at__isnull=True, handed_out_at__lt=_local_end_of(window.ends_on)
        ).select_related("device", "student")
        if window.school_id is not None:
            handouts = handouts.filter(student__school_id=window.school_id)
        by_school: dict[int, list[Handout]] = defaultdict(list)
        for handout in handouts.order_by("student__school_id", "device__asset_tag"):
            if handout.student.school_id is not None:
                by_school[handout.student.school_id].append(handout)
        if not by_school:
            continue
        schools = Location.objects.in_bulk(list(by_school))
        staff = _recipients(kind, User.objects.filter(profile__locations__in=list(by_school)))
        staff_by_school: dict[int, list[User]] = defaultdict(list)
        for user in staff.prefetch_related("profile__locations"):
            for location in user.profile.locations.all():
                staff_by_school[location.pk].append(user)
        for school_id, open_handouts in by_school.items():
            school = schools[school_id]
            lines = [
                f"- {h.device.asset_tag}, student {h.student.identifier}, handed out "
                f"{timezone.localdate(h.handed_out_at):%Y-%m-%d}"
                for h in open_handouts[:COLLECTION_LIST_LIMIT]
            ]
            if len(open_handouts) > COLLECTION_LIST_LIMIT:
                lines.append(f"- and {len(open_handouts) - COLLECTION_LIST_LIMIT} more")
            count = len(open_handouts)
            text = (
                f"{count} device{'s' if count != 1 else ''} handed to students of {school.name} "
                f"{'were' if count != 1 else 'was'} not returned by the end of {window.name} "
                f"({window.ends_on:%Y-%m-%d}):\n" + "\n".join(lines)
            )
            subject = f"{count} device{'s' if count != 1 else ''} not returned at {school.name}"
            for user in staff_by_school.get(school_id, []):
                reminders.append(
                    Reminder(user, kind, f"collection:{window.pk}:{school_id}", "", subject, text)
                )
    return reminders


def overtime_pending_reminders(*, now: dt.datetime) -> list[Reminder]:
    kind = NotificationKind.OVERTIME_PENDING
    today = timezone.localdate(now)
    requests = list(
        OvertimeRequest.objects.pending()
        .filter(requester__profile__supervisor__isnull=False)
        .select_related("requester", "requester__profile", "location")
        .order_by("pk")
    )
    supervisor_ids = {pk for r in requests if (pk := r.requester.profile.supervisor_id)}
    deciders: dict[int | None, set[int]] = {pk: {pk} for pk in supervisor_ids}
    for supervisor_id, delegate_id in OvertimeDelegation.objects.filter(
        supervisor_id__in=supervisor_ids, starts_on__lte=today, ends_on__gte=today
    ).values_list("supervisor_id", "delegate_id"):
        deciders[supervisor_id].add(delegate_id)
    wanted = set().union(*deciders.values()) if deciders else set()
    users = {user.pk: user for user in _recipients(kind, User.objects.filter(pk__in=wanted))}
    reminders = []
    for request in requests:
        requester = request.requester
        text = (
            f"{requester.get_full_name() or requester.username} asks for {request.expected_hours} hours of "
            f"{'emergency ' if request.is_emergency else ''}overtime on {request.work_date:%Y-%m-%d}"
            f"{f' at {request.location.name}' if request.location else ''}: {request.reason}\n"
            f"{_link(reverse('staff:overtime_queue'))}"
        )
        name = requester.get_full_name() or requester.username
        subject = f"Overtime to decide: {name}, {request.work_date:%Y-%m-%d}"
        for user_id in sorted(deciders[request.requester.profile.supervisor_id] - {requester.pk}):
            if user_id in users:
                reminders.append(Reminder(users[user_id], kind, f"overtime:{request.pk}", "", subject, text))
    return reminders


def stock_low_reminders(*, now: dt.datetime) -> list[Reminder]:
    kind = NotificationKind.STOCK_LOW
    last_in = (
        StockMovement.objects.filter(
            part_id=OuterRef("part_id"), stock_location_id=OuterRef("stock_location_id"), quantity__gt=0
        )
        .order_by("-pk")
        .values("pk")[:1]
    )
    levels = list(
        StockLevel.objects.filter(reorder_point__gt=0, on_hand__lte=F("reorder_point"), part__is_active=True)
        .select_related("part", "stock_location")
        .annotate(last_in_id=Subquery(last_in))
        .order_by("part__part_number", "stock_location__name")
    )
    if not levels:
        return []
    buyers = list(_recipients(kind, User.objects.all()))
    reminders = []
    for level in levels:
        part = level.part
        text = (
            f"{part.part_number} {part.description} at {level.stock_location.name}: {level.on_hand} on hand, "
            f"reorder point {level.reorder_point}."
        )
        subject = f"Low stock: {part.part_number} at {level.stock_location.name}"
        period = f"after:{level.last_in_id or 0}"  # type: ignore[attr-defined]
        for user in buyers:
            reminders.append(Reminder(user, kind, f"stock:{level.pk}", period, subject, text))
    return reminders


FINDERS = {
    NotificationKind.LOAN_OVERDUE: loan_overdue_reminders,
    NotificationKind.COLLECTION_OVERDUE: collection_overdue_reminders,
    NotificationKind.OVERTIME_PENDING: overtime_pending_reminders,
    NotificationKind.STOCK_LOW: stock_low_reminders,
}


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _cadences(reminders: Iterable[Reminder]) -> dict[tuple[int, str], str]:
    user_ids = {r.user.pk for r in reminders}
    chosen = NotificationPreference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "kind", "cadence"
    )
    return {(user_id, kind): cadence for user_id, kind, cadence in chosen}


def _cadence(reminder: Reminder, chosen: dict[tuple[int, str], str]) -> str:
    default = DEFAULT_CADENCE[NotificationKind(reminder.kind)]
    return chosen.get((reminder.user.pk, reminder.kind), default)


def _all_reminders(
    now: dt.datetime, kinds: Iterable[str]
) -> tuple[list[Reminder], dict[tuple[int, str], str]]:
    reminders = [r for kind in kinds for r in FINDERS[NotificationKind(kind)](now=now)]
    return reminders, _cadences(reminders)


def _footer() -> str:
    link = _link(reverse("notifications:preference_edit"))
    return f"\n\nChoose which reminders you get, and how often: {link}\n"


def _greeting(user: User) -> str:
    return f"Hello {user.get_full_name() or user.username},\n\n"


def notifications_dispatch(*, now: dt.datetime | None = None) -> int:
    """Claim an email for every event someone gets as it happens, and requeue stale ones.

    Safe to run any number of times: an event already claimed for a person is skipped. Returns
    how many new emails were claimed.
    """
    now = now or timezone.now()
    deliveries.delivery_sweep_stale(now=now)
    reminders, cadences = _all_reminders(now, REMINDER_KINDS)
    due = [r for r in reminders if _cadence(r, cadences) == Cadence.IMMEDIATE]
    claimed_keys = set(
        Delivery.objects.filter(
            kind__in={r.kind for r in due}, object_key__in={r.object_key for r in due}
        ).values_list("user_id", "kind", "object_key", "period")
    )
    claimed = 0
    for reminder in due:
        if (reminder.user.pk, reminder.kind, reminder.object_key, reminder.period) in claimed_keys:
            continue
        delivery = deliveries.delivery_claim(
            user=reminder.user,
            kind=reminder.kind,
            object_key=reminder.object_key,
            period=reminder.period,
            subject=reminder.subject,
            body=_greeting(reminder.user) + reminder.text + _footer(),
            now=now,
        )
        claimed += delivery is not None
    return claimed


def digest_period(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_digest_send(*, now: dt.datetime | None = None) -> int:
    """Claim one digest per person for this ISO week, listing everything still pending of the
    kinds they chose weekly. Safe to run again in the same week (nothing new is claimed).

    Returns how many digests were claimed.
    """
    now = now or timezone.now()
    period = digest_period(timezone.localdate(now))
    reminders, cadences = _all_reminders(now, REMINDER_KINDS)
    already = set(
        Delivery.objects.filter(kind=NotificationKind.WEEKLY_DIGEST, period=period).values_list(
            "user_id", flat=True
        )
    )
    by_user: dict[int, dict[str, list[Reminder]]] = defaultdict(lambda: defaultdict(list))
    users: dict[int, User] = {}
    for reminder in reminders:
        if reminder.user.pk in already:
            continue
        if _cadence(reminder, cadences) != Cadence.WEEKLY:
            continue
        by_user[reminder.user.pk][reminder.kind].append(reminder)
        users[reminder.user.pk] = reminder.user
    claimed = 0
    for user_id, kinds in by_user.items():
        sections = []
        total = 0
        for kind in REMINDER_KINDS:
            items = kinds.get(kind, [])
            if not items:
                continue
            total += len(items)
            lines = "\n\n".join(f"* {r.subject}\n  " + r.text.replace("\n", "\n  ") for r in items)
            sections.append(f"{NotificationKind(kind).label} ({len(items)})\n\n{lines}")
        body = (
            _greeting(users[user_id]) + "Still waiting this week:\n\n" + "\n\n\n".join(sections) + _footer()
        )
        delivery = deliveries.delivery_claim(
            user=users[user_id],
            kind=NotificationKind.WEEKLY_DIGEST,
            object_key="",
            period=period,
            subject=f"FleetDesk weekly digest: {total} item{'s' if total != 1 else ''} waiting",
            body=body,
            now=now,
        )
        claimed += delivery is not None
    return claimed
