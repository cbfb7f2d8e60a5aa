"""The students admin: the student changelist's grade filter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

URL = "/admin/students/student/"


def test_student_admin_grade_filter_offers_ceds_grades_without_reading_students(login, superuser: User):
    StudentFactory.create(identifier="S-KG", grade="KG")
    client = login(superuser)
    client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(URL).content.decode()

    assert not [q["sql"] for q in queries if "DISTINCT" in q["sql"]]
    for grade in ("KG", "01", "12", "PK", "Other"):
        assert f'href="?grade={grade}"' in page
    assert page.index("?grade=KG") < page.index("?grade=01") < page.index("?grade=12")


def test_student_admin_grade_filter_lists_that_grade_only(login, superuser: User):
    StudentFactory.create(identifier="S-KG", grade="KG")
    StudentFactory.create(identifier="S-07", grade="07")

    page = login(superuser).get(URL, {"grade": "KG"}).content.decode()

    assert "S-KG" in page and "S-07" not in page
