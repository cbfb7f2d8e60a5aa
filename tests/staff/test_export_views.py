"""The payroll CSV neutralises spreadsheet formulas in names and employee IDs, and keeps pay a number."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from staff.models import Timesheet
from staff.services import timesheets
from tests.accounts.factories import StaffProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 10, 4)


def test_payroll_export_quotes_names_and_employee_ids(
    supervisor: User, admin_user: User, login: Callable[[User], Client]
):
    mia = UserFactory.create(roles=[Role.TECHNICIAN], first_name="=CMD|' /C CALC'!A0", last_name="")
    StaffProfileFactory.create(
        user=mia, employee_id="-42", hourly_rate=Decimal("24.80"), supervisor=supervisor
    )
    for offset in range(5):
        timesheets.time_entry_create(
            actor=mia, work_date=WEEK + dt.timedelta(days=offset), kind="regular", hours=Decimal("8")
        )
    week = timesheets.timesheet_submit(timesheet=Timesheet.objects.get(user=mia, week_start=WEEK), actor=mia)
    timesheets.timesheet_sign_off(timesheet=week, actor=supervisor)

    response = login(admin_user).get(
        reverse("staff:timesheet_payroll_export"), {"date_from": "2026-10-01", "date_to": "2026-10-31"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="payroll-20261001-20261031.csv"'
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    [row] = csv.DictReader(io.StringIO(body.decode(), newline=""))
    assert (row["employee_id"], row["name"], row["worked_hours"]) == ("'-42", "'=CMD|' /C CALC'!A0", "40.00")
