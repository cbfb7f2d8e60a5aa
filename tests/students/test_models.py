"""Who sees which students, and the district settings row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from accounts.models import User
from fleet.models import District
from students import selectors
from tests.fleet.factories import LocationFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_student_list_for_technician_lists_every_school(technician: User):
    students = StudentFactory.create_batch(2)

    assert set(selectors.student_list(user=technician)) == set(students)


def test_student_list_for_procurement_is_empty(procurement: User):
    StudentFactory.create()

    assert not selectors.student_list(user=procurement).exists()


def test_student_list_for_school_admin_lists_only_their_school(school_admin: User):
    own_school = school_admin.profile.locations.get()
    own = StudentFactory.create(school=own_school)
    StudentFactory.create(school=LocationFactory.create())

    assert list(selectors.student_list(user=school_admin)) == [own]


def test_student_get_for_other_school_raises_404(school_admin: User):
    other = StudentFactory.create(school=LocationFactory.create())

    with pytest.raises(Http404):
        selectors.student_get(user=school_admin, student_id=other.pk)


def test_student_find_matches_the_scanned_id_ignoring_case_and_spaces(technician: User):
    student = StudentFactory.create(identifier="S1234567")

    assert selectors.student_find(user=technician, identifier="  s1234567 ") == student
    assert selectors.student_find(user=technician, identifier="S7654321") is None
    assert selectors.student_find(user=technician, identifier=" ") is None


def test_district_current_creates_the_one_row_with_defaults_once():
    first = District.current()
    first.labour_rate_per_hour = Decimal("52.50")
    first.save()

    again = District.current()

    assert (again.pk, again.labour_rate_per_hour, again.student_names_shown) == (1, Decimal("52.50"), False)
    assert District.objects.count() == 1
