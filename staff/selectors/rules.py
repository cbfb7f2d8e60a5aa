"""Which overtime rule is in force for a grade on a date: the one lookup every decision uses."""

from __future__ import annotations

import datetime as dt

from accounts.models import StaffProfile, User
from core.exceptions import DomainError
from staff.models import OvertimeRule


def rule_in_force(*, grade: int, on: dt.date) -> OvertimeRule:
    """The rule covering ``grade`` with the latest ``effective_from`` not after ``on``.

    Raises DomainError when no rule covers the grade on that date (an admin must add one).
    """
    rule = (
        OvertimeRule.objects.filter(grade_min__lte=grade, grade_max__gte=grade, effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .first()
    )
    if rule is None:
        raise DomainError(
            f"No overtime rule covers grade {grade} on {on:%Y-%m-%d}. Ask an administrator to add one."
        )
    return rule


def rule_for_user(*, user: User, on: dt.date) -> OvertimeRule:
    """The rule in force for the user's grade on ``on``. Raises DomainError without a grade."""
    profile = StaffProfile.objects.select_related("grade").filter(user=user).first()
    if profile is None or profile.grade is None:
        raise DomainError(f"{user} has no staff grade, so no overtime rule applies. Ask an administrator.")
    return rule_in_force(grade=profile.grade.grade, on=on)


def workweek_start(*, day: dt.date, rule: OvertimeRule) -> dt.date:
    """First day of the fixed seven-day workweek (per the rule) that contains ``day``."""
    return day - dt.timedelta(days=(day.weekday() - rule.workweek_start) % 7)


def week_for(*, user: User, day: dt.date) -> tuple[dt.date, OvertimeRule]:
    """The first day of the user's workweek containing ``day`` and the rule in force on it.

    The week's boundaries come from the rule in force on that first day, so a rule change that
    moves the workweek start takes effect with the first week under the new rule.
    Raises DomainError when the user has no grade or no rule covers it.
    """
    rule = rule_for_user(user=user, on=day)
    start = workweek_start(day=day, rule=rule)
    rule = rule_for_user(user=user, on=start)
    start = workweek_start(day=day, rule=rule)
    return start, rule_for_user(user=user, on=start)
