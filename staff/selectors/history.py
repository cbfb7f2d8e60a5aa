"""Reads of recorded changes: an overtime rule's, a timesheet's (with the week's time entries)
and a person's (their account and staff profile, pay included).

Every change of these rows, field by field, newest first (admin edits and ``QuerySet.update``
included). Fetch the rule or timesheet through its own selector first; a person through
:func:`person_get`, which applies the pay-privacy rule.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from pghistory.models import Events

from accounts.models import StaffProfile, User
from core import selectors as history
from staff import permissions
from staff.models import OvertimeRule, TimeEntry, Timesheet


def overtime_rule_change_list(*, rule: OvertimeRule) -> QuerySet[Events]:
    return history.history_of(rule)


def timesheet_change_list(*, timesheet: Timesheet) -> QuerySet[Events]:
    """The timesheet's own changes (status, totals, sign-off) and those of its owner's time
    entries dated in its week, deleted entries included."""
    week = [(timesheet.week_start + dt.timedelta(days=n)).isoformat() for n in range(7)]
    return history.history_referencing(
        timesheet.user,
        models=[Timesheet, TimeEntry],
        where=history.history_rows_of(timesheet)
        | Q(pgh_obj_model=TimeEntry._meta.label, pgh_data__work_date__in=week),
    )


def person_get(*, user: User, person_id: int) -> User:
    """A person whose record ``user`` may read (pay is private: themselves, their supervisor and
    the supervisor's delegate, administrators). Raises Http404 for anyone else."""
    person = User.objects.filter(pk=person_id).first()
    if person is None or not permissions.can_view_pay(user, person):
        raise Http404("No such person.")
    return person


def person_change_list(*, person: User) -> QuerySet[Events]:
    """The person's account (name, e-mail, active, staff status; never the password) and staff
    profile (grade, supervisor, licence expiry, hourly rate)."""
    return history.history_referencing(
        person,
        models=[User, StaffProfile],
        where=history.history_rows_of(person)
        | Q(pgh_obj_model=StaffProfile._meta.label, pgh_data__user_id=person.pk),
    )
