"""Time and pay pages: My week, team timesheets with inline sign-off, payroll export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.choices import Role
from accounts.models import User
from staff.choices import TimesheetStatus
from staff.models import TimeEntry, Timesheet
from staff.services import timesheets
from tests.accounts.factories import StaffProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
HTMX = {"HX-Request": "true"}
WEEK = dt.date(2026, 10, 4)
WEEK_URL = reverse("staff:time_entry_week")
CREATE_URL = reverse("staff:time_entry_create")
TEAM_URL = reverse("staff:timesheet_team")
PAYROLL_URL = reverse("staff:timesheet_payroll")
EXPORT_URL = reverse("staff:timesheet_payroll_export")


def member(supervisor: User, *, rate: str = "24.80", name: str = "Mia") -> User:
    user = UserFactory.create(roles=[Role.TECHNICIAN], first_name=name)
    StaffProfileFactory.create(user=user, grade_number=20, hourly_rate=D(rate), supervisor=supervisor)
    return user


def submitted_week(user: User, week: dt.date = WEEK, hours: str = "9") -> Timesheet:
    for offset in range(5):
        timesheets.time_entry_create(
            actor=user, work_date=week + dt.timedelta(days=offset), kind="regular", hours=D(hours)
        )
    ts = Timesheet.objects.get(user=user, week_start=week)
    return timesheets.timesheet_submit(timesheet=ts, actor=user)


# My week --------------------------------------------------------------------------------------------


def test_my_week_anonymous_redirects_to_login(client: Client):
    assert client.get(WEEK_URL).status_code == 302


def test_my_week_renders_the_quick_log_form(technician: User, login: Callable[[User], Client]):
    response = login(technician).get(WEEK_URL, {"day": "2026-10-07"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="time-entry-form"' in html
    assert 'name="mileage"' in html
    assert "Week of Sun 2026-10-04 to Sat 2026-10-10" in html
    assert 'value="2026-10-07"' in html  # the date box is filled in ISO, as type="date" needs


def test_my_week_without_grade_explains(procurement: User, login: Callable[[User], Client]):
    response = login(procurement).get(WEEK_URL)

    assert response.status_code == 200
    assert "no staff grade" in response.content.decode()


def test_time_entry_create_htmx_returns_the_week_fragment_with_totals(
    technician: User, login: Callable[[User], Client]
):
    response = login(technician).post(
        CREATE_URL,
        {
            "work_date": "2026-10-05",
            "kind": "travel",
            "hours": "1.5",
            "mileage": "12.5",
            "note": "Oak to Elm",
        },
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="my-week">')
    assert "Oak to Elm" in html
    assert '<dd id="week-worked"><strong>1.5 h</strong>' in html
    [message] = json.loads(response["HX-Trigger"])["messages"]
    assert message == {"level": "success", "text": "Logged 1.5 h on 2026-10-05."}
    assert TimeEntry.objects.get(user=technician).mileage == D("12.5")


def test_time_entry_create_without_htmx_redirects_to_the_week(
    technician: User, login: Callable[[User], Client]
):
    response = login(technician).post(
        CREATE_URL, {"work_date": "2026-10-05", "kind": "regular", "hours": "8"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{WEEK_URL}?day=2026-10-05"


def test_time_entry_create_drops_mileage_left_in_the_hidden_box(
    technician: User, login: Callable[[User], Client]
):
    login(technician).post(
        CREATE_URL,
        {"work_date": "2026-10-05", "kind": "regular", "hours": "8", "mileage": "40"},
        headers=HTMX,
    )

    assert TimeEntry.objects.get(user=technician).mileage is None


def test_time_entry_create_refused_by_a_rule_rerenders_with_the_error(
    technician: User, login: Callable[[User], Client]
):
    client = login(technician)
    client.post(CREATE_URL, {"work_date": "2026-10-05", "kind": "regular", "hours": "20"}, headers=HTMX)

    response = client.post(
        CREATE_URL, {"work_date": "2026-10-05", "kind": "regular", "hours": "5"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "a day has at most 24" in response.content.decode()
    assert TimeEntry.objects.filter(user=technician).count() == 1


def test_time_entry_create_with_invalid_input_shows_field_errors(
    technician: User, login: Callable[[User], Client]
):
    response = login(technician).post(
        CREATE_URL, {"work_date": "", "kind": "regular", "hours": "30"}, headers=HTMX
    )

    assert response.status_code == 200
    assert 'class="invalid-feedback' in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_time_entry_delete_own_rerenders_the_week(technician: User, login: Callable[[User], Client]):
    entry = timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("8"))

    response = login(technician).post(reverse("staff:time_entry_delete", args=[entry.pk]), headers=HTMX)

    assert response.status_code == 200
    assert "Nothing logged this week yet." in response.content.decode()


def test_time_entry_delete_of_someone_elses_entry_is_404(
    technician: User, supervisor: User, login: Callable[[User], Client]
):
    other = member(supervisor)
    entry = timesheets.time_entry_create(actor=other, work_date=WEEK, kind="regular", hours=D("8"))

    response = login(technician).post(reverse("staff:time_entry_delete", args=[entry.pk]))

    assert response.status_code == 404


def test_time_entry_delete_by_the_supervisor_who_sees_it_is_403(
    supervisor: User, login: Callable[[User], Client]
):
    entry = timesheets.time_entry_create(
        actor=member(supervisor), work_date=WEEK, kind="regular", hours=D("8")
    )

    response = login(supervisor).post(reverse("staff:time_entry_delete", args=[entry.pk]))

    assert response.status_code == 403
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_timesheet_submit_from_my_week(technician: User, login: Callable[[User], Client]):
    timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("8"))
    ts = Timesheet.objects.get(user=technician)

    response = login(technician).post(
        reverse("staff:timesheet_submit", args=[ts.pk]), {"version": ts.version}, headers=HTMX
    )

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["messages"] == [
        {"level": "success", "text": f"Week of {ts.week_start:%Y-%m-%d} submitted to your supervisor."}
    ]
    assert Timesheet.objects.get(pk=ts.pk).status == TimesheetStatus.SUBMITTED


def test_timesheet_submit_with_stale_version_is_409(technician: User, login: Callable[[User], Client]):
    timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("8"))
    ts = Timesheet.objects.get(user=technician)

    response = login(technician).post(
        reverse("staff:timesheet_submit", args=[ts.pk]), {"version": ts.version - 1}, headers=HTMX
    )

    assert response.status_code == 409
    assert Timesheet.objects.get(pk=ts.pk).status == TimesheetStatus.OPEN


# Team timesheets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin", "no_role_user"])
def test_team_timesheets_denied_without_supervisor_or_admin_role(
    request: pytest.FixtureRequest, login: Callable[[User], Client], actor: str
):
    assert login(request.getfixturevalue(actor)).get(TEAM_URL).status_code == 403


def test_team_timesheets_lists_team_weeks_with_flags_and_licence_expiry(
    supervisor: User, login: Callable[[User], Client]
):
    mia = member(supervisor, name="Mia")
    mia.profile.licence_expires_on = dt.date.today() + dt.timedelta(days=10)
    mia.profile.save(update_fields=["licence_expires_on"])
    ts = submitted_week(mia)
    other_team = member(UserFactory.create(roles=[Role.SUPERVISOR]), name="Zed")
    submitted_week(other_team)

    response = login(supervisor).get(TEAM_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="timesheet-row-{ts.pk}"' in html
    assert "⚑ 5 h" in html  # five hours worked without approval
    assert "Zed" not in html
    assert "licence expires" in html


def test_team_timesheets_htmx_returns_the_list_fragment(supervisor: User, login: Callable[[User], Client]):
    submitted_week(member(supervisor))

    response = login(supervisor).get(TEAM_URL, {"status": "submitted"}, headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="team-timesheets">')
    assert "licence-flags" not in html
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]


def test_team_timesheets_queries_stay_fixed_as_rows_grow(
    supervisor: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    client = login(supervisor)
    submitted_week(member(supervisor))
    client.get(TEAM_URL)  # warm the session and role caches
    with CaptureQueriesContext(connection) as few:
        client.get(TEAM_URL)
    for n in range(4):
        submitted_week(member(supervisor, name=f"N{n}"))

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(TEAM_URL)


def test_timesheet_sign_off_inline_returns_the_row(supervisor: User, login: Callable[[User], Client]):
    ts = submitted_week(member(supervisor))

    response = login(supervisor).post(
        reverse("staff:timesheet_sign_off", args=[ts.pk]), {"version": ts.version}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="timesheet-row-{ts.pk}">')
    assert "Signed off" in html
    assert Timesheet.objects.get(pk=ts.pk).signed_off_by == supervisor


def test_timesheet_sign_off_with_stale_version_is_409(supervisor: User, login: Callable[[User], Client]):
    ts = submitted_week(member(supervisor))

    response = login(supervisor).post(
        reverse("staff:timesheet_sign_off", args=[ts.pk]), {"version": ts.version - 1}, headers=HTMX
    )

    assert response.status_code == 409
    assert "changed since you opened it" in response.content.decode()


def test_timesheet_sign_off_by_another_teams_supervisor_is_404(
    supervisor: User, login: Callable[[User], Client]
):
    ts = submitted_week(member(supervisor))
    other = UserFactory.create(roles=[Role.SUPERVISOR])

    response = login(other).post(reverse("staff:timesheet_sign_off", args=[ts.pk]), {"version": ts.version})

    assert response.status_code == 404


def test_timesheet_sign_off_of_own_week_is_403(supervisor: User, login: Callable[[User], Client]):
    ts = submitted_week(supervisor)  # the supervisor fixture has grade 25

    response = login(supervisor).post(
        reverse("staff:timesheet_sign_off", args=[ts.pk]), {"version": ts.version}
    )

    assert response.status_code == 403


def test_timesheet_reopen_inline_by_admin(
    supervisor: User, admin_user: User, login: Callable[[User], Client]
):
    ts = submitted_week(member(supervisor))

    response = login(admin_user).post(
        reverse("staff:timesheet_reopen", args=[ts.pk]), {"version": ts.version}, headers=HTMX
    )

    assert response.status_code == 200
    assert Timesheet.objects.get(pk=ts.pk).status == TimesheetStatus.OPEN


def test_timesheet_detail_visible_to_owner_and_supervisor_not_to_others(
    supervisor: User, technician: User, login: Callable[[User], Client]
):
    mia = member(supervisor)
    ts = submitted_week(mia)
    url = reverse("staff:timesheet_detail", args=[ts.pk])

    assert login(mia).get(url).status_code == 200
    assert login(supervisor).get(url).status_code == 200
    assert login(technician).get(url).status_code == 404


# Payroll -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["technician", "supervisor", "procurement", "school_admin", "no_role_user"])
def test_payroll_denied_to_other_roles(
    request: pytest.FixtureRequest, login: Callable[[User], Client], actor: str
):
    client = login(request.getfixturevalue(actor))

    assert client.get(PAYROLL_URL).status_code == 403
    assert client.get(EXPORT_URL, {"date_from": "2026-10-01", "date_to": "2026-10-31"}).status_code == 403


def test_payroll_export_csv_has_signed_off_weeks_only(
    supervisor: User, admin_user: User, login: Callable[[User], Client]
):
    mia = member(supervisor, rate="24.80", name="Mia")
    ts = submitted_week(mia)
    ts = timesheets.timesheet_sign_off(timesheet=ts, actor=supervisor)
    submitted_week(member(supervisor, name="Noel"))  # submitted, not signed off
    timesheets.time_entry_create(
        actor=mia, work_date=dt.date(2026, 10, 12), kind="travel", hours=D("1"), mileage=D("7.5")
    )

    response = login(admin_user).get(EXPORT_URL, {"date_from": "2026-10-01", "date_to": "2026-10-31"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0] == [
        "employee_id",
        "name",
        "week_start",
        "worked_hours",
        "overtime_hours_approved",
        "overtime_hours_unapproved",
        "overtime_pay",
        "comp_time_hours",
        "mileage",
        "rule_id",
        "rule_effective_from",
    ]
    assert rows[1:] == [
        [
            mia.profile.employee_id,
            mia.get_full_name(),
            "2026-10-04",
            "45.00",
            "0.00",
            "5.00",
            "186.00",
            "0.00",
            "0.0",
            str(ts.rule_id),
            "2020-07-01",
        ]
    ]


def test_payroll_export_with_bad_range_is_400(admin_user: User, login: Callable[[User], Client]):
    response = login(admin_user).get(EXPORT_URL, {"date_from": "2026-10-31", "date_to": "2026-10-01"})

    assert response.status_code == 400


def test_payroll_page_queries_stay_fixed_as_rows_grow(
    supervisor: User,
    admin_user: User,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
):
    client = login(admin_user)
    params = {"date_from": "2026-09-01", "date_to": "2026-10-31"}
    timesheets.timesheet_sign_off(timesheet=submitted_week(member(supervisor)), actor=supervisor)
    client.get(PAYROLL_URL, params)
    with CaptureQueriesContext(connection) as few:
        response = client.get(PAYROLL_URL, params)
    assert len(response.context["rows"]) == 1
    for n in range(3):
        timesheets.timesheet_sign_off(
            timesheet=submitted_week(member(supervisor, name=f"P{n}")), actor=supervisor
        )

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(PAYROLL_URL, params)
    assert len(response.context["rows"]) == 4


# The payroll table as a template loop wrote it before staff.templatetags.payroll built it.
PAYROLL_LOOP = (
    '{% for ts in rows %}<tr><td class="text-nowrap">{{ ts.user.profile.employee_id|default:"—" }}</td>'
    "<td>{{ ts.user.get_full_name|default:ts.user.username }}</td>"
    '<td class="text-nowrap">{{ ts.week_start|day }}</td><td class="num">{{ ts.total_hours|qty }} h</td>'
    '<td class="num">{{ ts.overtime_hours_approved|qty }} h</td>'
    '<td class="num">{{ ts.overtime_hours_unapproved|qty }} h</td>'
    '<td class="num">{{ ts.overtime_pay|money }}</td><td class="num">{{ ts.comp_time_hours|qty }} h</td>'
    '<td class="num">{{ ts.mileage|qty }}</td>'
    "<td>#{{ ts.rule_id }} from {{ ts.rule.effective_from|day }}</td></tr>{% endfor %}"
)


def test_payroll_page_rows_are_the_template_loops_markup(
    supervisor: User, admin_user: User, login: Callable[[User], Client]
):
    odd = member(supervisor, name="<b>O'Brien & Co</b>")
    odd.last_name = ""
    odd.save(update_fields=["last_name"])
    plain = member(supervisor, name="Mia")
    for user, hours in ((odd, "9.25"), (plain, "8")):
        timesheets.timesheet_sign_off(timesheet=submitted_week(user, hours=hours), actor=supervisor)
    timesheets.timesheet_sign_off(
        timesheet=submitted_week(plain, week=WEEK + dt.timedelta(days=7)), actor=supervisor
    )
    params = {"date_from": "2026-09-01", "date_to": "2026-10-31"}

    html = login(admin_user).get(PAYROLL_URL, params).content.decode()

    weeks = (
        Timesheet.objects.filter(status=TimesheetStatus.SIGNED_OFF)
        .select_related("user__profile", "rule")
        .order_by("week_start", "user__profile__employee_id", "pk")
    )
    expected = engines["django"].from_string(PAYROLL_LOOP).render({"rows": list(weeks)})
    assert html.count("<tr>") == 4  # the header and three weeks
    assert expected in html
    assert "&lt;b&gt;O&#x27;Brien &amp; Co&lt;/b&gt;" in expected


def test_payroll_page_fills_the_date_inputs_with_iso_dates(admin_user: User, login: Callable[[User], Client]):
    client = login(admin_user)

    chosen = client.get(PAYROLL_URL, {"date_from": "2026-09-06", "date_to": "2026-10-29"}).content.decode()
    default = client.get(PAYROLL_URL).content.decode()

    assert re.search(r'<input type="date" name="date_from" value="2026-09-06"', chosen)
    assert re.search(r'<input type="date" name="date_to" value="2026-10-29"', chosen)
    today = dt.date.today()
    assert f'name="date_to" value="{today:%Y-%m-%d}"' in default


def test_payroll_page_export_link_keeps_the_chosen_range(admin_user: User, login: Callable[[User], Client]):
    html = login(admin_user).get(PAYROLL_URL, {"date_from": "2026-09-06", "date_to": "2026-10-29"})

    assert f'href="{EXPORT_URL}?date_from=2026-09-06&amp;date_to=2026-10-29"' in html.content.decode()


# Messages and the sub-navigation -------------------------------------------------------------------


def test_time_entry_delete_says_what_was_deleted(technician: User, login: Callable[[User], Client]):
    entry = timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("7.5"))

    response = login(technician).post(reverse("staff:time_entry_delete", args=[entry.pk]), headers=HTMX)

    assert json.loads(response["HX-Trigger"])["messages"] == [
        {"level": "success", "text": "Entry deleted: 7.5 h on 2026-10-04."}
    ]


def test_time_entry_edit_shows_the_entry_and_saves_the_change(
    technician: User, login: Callable[[User], Client]
):
    entry = timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("8"))
    url = reverse("staff:time_entry_edit", args=[entry.pk])
    client = login(technician)

    form = client.get(url).content.decode()
    saved = client.post(url, {"work_date": "2026-10-05", "kind": "regular", "hours": "7.5"}, follow=True)

    assert 'name="work_date" value="2026-10-04"' in form
    assert saved.redirect_chain == [(f"{WEEK_URL}?day=2026-10-05", 302)]
    assert "Entry saved: 7.5 h on 2026-10-05." in saved.content.decode()
    entry.refresh_from_db()
    assert (entry.work_date, entry.hours) == (dt.date(2026, 10, 5), D("7.5"))


def test_time_entry_edit_refused_by_a_rule_shows_it_beside_the_hours(
    technician: User, login: Callable[[User], Client]
):
    timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("20"))
    entry = timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="on_call", hours=D("2"))

    response = login(technician).post(
        reverse("staff:time_entry_edit", args=[entry.pk]),
        {"work_date": "2026-10-04", "kind": "on_call", "hours": "6"},
    )

    assert response.status_code == 200
    assert re.search(
        r'name="hours".*?invalid-feedback[^>]*>[^<]*a day has at most 24', response.content.decode(), re.S
    )
    entry.refresh_from_db()
    assert entry.hours == D("2")


def test_time_entry_edit_of_someone_elses_entry_is_404(
    technician: User, supervisor: User, login: Callable[[User], Client]
):
    entry = timesheets.time_entry_create(
        actor=member(supervisor), work_date=WEEK, kind="regular", hours=D("8")
    )

    assert login(technician).get(reverse("staff:time_entry_edit", args=[entry.pk])).status_code == 404


def test_timesheet_sign_off_says_whose_week_was_signed_off(supervisor: User, login: Callable[[User], Client]):
    mia = member(supervisor)
    ts = submitted_week(mia)

    response = login(supervisor).post(
        reverse("staff:timesheet_sign_off", args=[ts.pk]), {"version": ts.version}, headers=HTMX
    )

    assert json.loads(response["HX-Trigger"])["messages"] == [
        {"level": "success", "text": f"{mia}'s week of 2026-10-04 signed off."}
    ]


def test_timesheet_sign_off_from_the_timesheet_page_redirects_with_the_message(
    supervisor: User, login: Callable[[User], Client]
):
    ts = submitted_week(member(supervisor))

    response = login(supervisor).post(
        reverse("staff:timesheet_reopen", args=[ts.pk]), {"version": ts.version}, follow=True
    )

    assert "week of 2026-10-04 reopened for changes." in response.content.decode()
    assert Timesheet.objects.get(pk=ts.pk).status == TimesheetStatus.OPEN


@pytest.mark.parametrize(
    ("actor", "offered"),
    [
        ("technician", set()),
        ("supervisor", {"My week", "Team timesheets"}),
        ("admin_user", {"Team timesheets", "Payroll"}),
    ],
)
def test_time_subnav_offers_only_the_pages_the_user_may_open(
    request: pytest.FixtureRequest, login: Callable[[User], Client], actor: str, offered: set[str]
):
    client = login(request.getfixturevalue(actor))
    url = TEAM_URL if actor == "admin_user" else WEEK_URL

    html = client.get(url).content.decode()

    nav = re.search(r'<nav class="subnav" aria-label="Time and pay">(.*?)</nav>', html, re.S)
    assert set(re.findall(r">([^<]+)</a>", nav.group(1) if nav else "")) == offered
