"""People, their grades and their time, built with valid defaults; override only what a test is about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from accounts.choices import Role
from accounts.models import StaffGrade, StaffProfile, User
from staff.choices import OvertimeRequestEventKind, TimeEntryKind
from staff.models import (
    OvertimeDelegation,
    OvertimeRequest,
    OvertimeRequestEvent,
    OvertimeRule,
    TimeEntry,
    Timesheet,
)

# Every factory-made user signs in with this password (the browser journeys type it).
DEFAULT_PASSWORD = "fleetdesk-test-pass"


def staff_grade(grade: int) -> StaffGrade:
    """A grade from the ladder that migration accounts/0003 installs (18, 20, 23, 25)."""
    return StaffGrade.objects.get(grade=grade)


class UserFactory(DjangoModelFactory[User]):
    """``UserFactory.create(roles=[Role.TECHNICIAN])`` adds the user to those role groups."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Iterator(["Ana", "Ben", "Chloe", "Dev", "Erin", "Femi"])
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(user: User, create: bool, extracted: Iterable[Role | str] | None, **kwargs: Any) -> None:
        if not create or not extracted:
            return
        user.groups.add(*(Group.objects.get(name=str(role)) for role in extracted))


class StaffProfileFactory(DjangoModelFactory[StaffProfile]):
    """``grade_number`` picks the grade (default 20, ITSS I); ``locations=[...]`` assigns schools."""

    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    class Params:
        grade_number = 20

    user = factory.SubFactory(UserFactory)
    employee_id = factory.Sequence(lambda n: f"E{n:06d}")
    grade = factory.LazyAttribute(lambda o: staff_grade(o.grade_number) if o.grade_number else None)
    hourly_rate = Decimal("31.25")

    @factory.post_generation
    def locations(
        profile: StaffProfile, create: bool, extracted: Iterable[Any] | None, **kwargs: Any
    ) -> None:
        if create and extracted:
            profile.locations.set(extracted)


class OvertimeRuleFactory(DjangoModelFactory[OvertimeRule]):
    """A rule of its own, so tests do not depend on the rows migration 0003 installs."""

    class Meta:
        model = OvertimeRule

    effective_from = factory.Sequence(lambda n: dt.date(2000, 1, 1) + dt.timedelta(days=n))
    grade_min = 18
    grade_max = 20
    eligible = True
    prior_approval_required = True


class OvertimeDelegationFactory(DjangoModelFactory[OvertimeDelegation]):
    class Meta:
        model = OvertimeDelegation

    supervisor = factory.SubFactory(UserFactory, roles=[Role.SUPERVISOR])
    delegate = factory.SubFactory(UserFactory, roles=[Role.SUPERVISOR])
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + dt.timedelta(days=14))


class OvertimeRequestFactory(DjangoModelFactory[OvertimeRequest]):
    class Meta:
        model = OvertimeRequest

    requester = factory.SubFactory(UserFactory, roles=[Role.TECHNICIAN])
    work_date = factory.LazyFunction(timezone.localdate)
    expected_hours = Decimal("2.00")
    reason = "Lab refresh after school hours"
    rule = factory.SubFactory(OvertimeRuleFactory)


class OvertimeRequestEventFactory(DjangoModelFactory[OvertimeRequestEvent]):
    class Meta:
        model = OvertimeRequestEvent

    request = factory.SubFactory(OvertimeRequestFactory)
    actor = factory.SelfAttribute("request.requester")
    kind = OvertimeRequestEventKind.REQUESTED
    rule = factory.SelfAttribute("request.rule")
    occurred_at = factory.LazyFunction(timezone.now)


class TimeEntryFactory(DjangoModelFactory[TimeEntry]):
    class Meta:
        model = TimeEntry

    user = factory.SubFactory(UserFactory, roles=[Role.TECHNICIAN])
    work_date = factory.LazyFunction(timezone.localdate)
    kind = TimeEntryKind.REGULAR
    hours = Decimal("8.00")


class TimesheetFactory(DjangoModelFactory[Timesheet]):
    class Meta:
        model = Timesheet

    user = factory.SubFactory(UserFactory, roles=[Role.TECHNICIAN])
    week_start = factory.Sequence(lambda n: dt.date(2024, 1, 7) + dt.timedelta(weeks=n))
    rule = factory.SubFactory(OvertimeRuleFactory)
