"""Readiness and AUE plan pages over HTTP: who may, htmx fragments, CSV exports, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.template import engines
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.choices import DeviceStatus
from fleet.selectors.reports import ReadinessRow
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LocationFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
READINESS_URL = reverse("fleet:readiness_report")
READINESS_CSV = reverse("fleet:readiness_export")
AUE_URL = reverse("fleet:aue_plan")
AUE_CSV = reverse("fleet:aue_plan_export")
ALL_URLS = [READINESS_URL, READINESS_CSV, AUE_URL, AUE_CSV]


@pytest.fixture(autouse=True)
def _frozen_today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 0), tick=False):
        yield


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def _rows(html: str) -> list[list[str]]:
    """Each table row's cell texts (tags inside cells, such as links, dropped)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S) for row in rows]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row] for row in cells]


def _schools(n: int, start: int = 0) -> None:
    """``n`` schools, each with one device per status of a model whose AUE is June 2026."""
    model = DeviceModelFactory.create(aue_month=dt.date(2026, 6, 1), unit_price=Decimal("200.00"))
    for i in range(start, start + n):
        school = LocationFactory.create(name=f"School {i:02d}", code=f"SCH{i:02d}")
        for status in [DeviceStatus.DEPLOYED, DeviceStatus.IN_REPAIR, DeviceStatus.LOANED_OUT]:
            DeviceFactory.create(location=school, model=model, status=status)


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ALL_URLS)
def test_reports_for_anonymous_redirect_to_login(client: Client, url: str):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", ALL_URLS)
def test_reports_for_user_without_role_are_forbidden(
    no_role_user: User, login: Callable[[User], Client], url: str
):
    assert login(no_role_user).get(url).status_code == 403


@pytest.mark.parametrize("actor", ["technician", "supervisor", "procurement", "school_admin", "admin_user"])
@pytest.mark.parametrize("url", ALL_URLS)
def test_reports_for_each_reporting_role_answer(
    actor: str, url: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    assert login(request.getfixturevalue(actor)).get(url).status_code == 200


# Readiness ------------------------------------------------------------------------------------


def test_readiness_report_shows_each_school_and_the_total(
    technician: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _schools(2)

    refresh_summaries()
    html = _html(login(technician).get(READINESS_URL))

    rows = _rows(html)
    # Per school: 3 active, 1 deployed, 1 in service (33.3%), 1 in repair, 0 past AUE, 1 loaner out.
    assert ["School 00", "3", "1", "33.3%", "1", "0", "1", "0", "0", "0", "0"] in rows
    assert ["School 01", "3", "1", "33.3%", "1", "0", "1", "0", "0", "0", "0"] in rows
    assert rows[-1] == ["All schools", "6", "2", "33.3%", "2", "0", "2", "0", "0", "0", "0"]


# The readiness rows as a template loop wrote them before fleet_reports.readiness_rows.
READINESS_LOOP = (
    "{% for row in report.rows %}\n"
    "        <tr>\n"
    '          <td data-label="School">{{ row.name }}</td>\n'
    '          <td data-label="Active" class="num">{{ row.active|count }}</td>\n'
    '          <td data-label="Deployed" class="num">{{ row.deployed|count }}</td>\n'
    '          <td data-label="In service" class="num">{{ row.share_in_service_percent }}</td>\n'
    '          <td data-label="In repair" class="num">{{ row.in_repair|count }}</td>\n'
    '          <td data-label="Past AUE" class="num">'
    '{% readiness_count "past_aue" row.past_aue row.location_id %}</td>\n'
    '          <td data-label="Loaners out" class="num">{{ row.loaners_out|count }}</td>\n'
    '          <td data-label="Not synced 30 days" class="num">'
    '{% readiness_count "not_synced" row.not_synced row.location_id %}</td>\n'
    '          <td data-label="OS behind" class="num">'
    '{% readiness_count "os_behind" row.os_behind row.location_id %}</td>\n'
    '          <td data-label="Dev mode" class="num">'
    '{% readiness_count "dev_mode" row.dev_mode row.location_id %}</td>\n'
    '          <td data-label="Not ready" class="num">{{ row.flagged|count }}</td>\n'
    "        </tr>\n"
    "      {% endfor %}"
)


def test_readiness_rows_are_the_template_loops_markup():
    rows = [
        ReadinessRow(4, "SCH04", "St. Mary's <Annex> & Co", 1234, 1000, 1100, 7, 12, 3, 0, 5, 1, 15),
        ReadinessRow(5, "SCH05", "Empty school", 0, 0, 0, 0, 0, 0),
        ReadinessRow(None, "", "All schools", 1234, 1000, 1100, 7, 12, 3, 0, 5, 1, 15),
    ]
    context = {"report": {"rows": rows}}

    old = engines["django"].from_string("{% load ui links fleet_reports %}" + READINESS_LOOP).render(context)
    new = (
        engines["django"]
        .from_string("{% load fleet_reports %}{% readiness_rows report.rows %}")
        .render(context)
    )

    assert new == old
    assert "St. Mary&#x27;s &lt;Annex&gt; &amp; Co" in new and ">1,234<" in new and ">89.1%<" in new
    assert (
        "?flag=past_aue&amp;location=4" in new and '?flag=past_aue">12<' in new
    )  # a school's, the district's
    assert '<td data-label="In service" class="num">—</td>' in new


def test_readiness_report_for_school_admin_lists_only_their_school(
    school_admin: User, login: Callable[[User], Client]
):
    _schools(2)
    DeviceFactory.create(location=school_admin.profile.locations.get())

    html = _html(login(school_admin).get(READINESS_URL))

    assert "Maple Elementary" in html
    assert "School 00" not in html


def test_readiness_report_htmx_sort_returns_the_table_only(technician: User, login: Callable[[User], Client]):
    _schools(1)

    response = login(technician).get(READINESS_URL, {"sort": "share"}, headers=HTMX)

    html = _html(response)
    assert html.lstrip().startswith('<section id="readiness-table">')
    assert "<strong>least in service first</strong>" in html
    assert "HX-Request" in response["Vary"]


def test_readiness_export_lists_each_school_and_the_total(
    technician: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _schools(2)

    refresh_summaries()
    response = login(technician).get(READINESS_CSV)

    assert response["Content-Type"] == "text/csv"
    assert 'filename="readiness-20260315.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_html(response))))
    assert [(r["code"], r["school"], r["active"], r["share_in_service"], r["loaners_out"]) for r in rows] == [
        ("SCH00", "School 00", "3", "0.3333", "1"),
        ("SCH01", "School 01", "3", "0.3333", "1"),
        ("", "All schools", "6", "0.3333", "2"),
    ]


def test_readiness_report_query_count_does_not_grow_with_schools(
    technician: User,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
    refresh_summaries: Callable[[], None],
):
    client = login(technician)
    _schools(3)
    refresh_summaries()
    client.get(READINESS_URL)
    # Session, user, groups; the tally's milestones, its aggregate per school, its refresh time.
    with django_assert_num_queries(6):
        client.get(READINESS_URL)
    _schools(3, start=3)
    refresh_summaries()
    with django_assert_num_queries(6):
        response = client.get(READINESS_URL)
    assert len([row for row in _rows(_html(response)) if row[0].startswith("School ")]) == 6


# AUE plan -------------------------------------------------------------------------------------


def test_aue_plan_page_shows_the_school_year_with_cost(
    technician: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _schools(2)

    refresh_summaries()
    html = _html(login(technician).get(AUE_URL))

    # Default range: this school year (2025-26) and four after; the June 2026 model is in 2025-26.
    assert re.search(r'<input type="number" name="from_year" value="2025"[^>]* min="2000" max="2100"', html)
    assert "2025-26: 6 devices, $1,200.00" in html
    assert ["School 00", "3", "3", "$600.00"] in _rows(html)


# The AUE plan's rows by school as a template loop wrote them before fleet_reports.aue_school_rows.
AUE_SCHOOL_LOOP = (
    "{% for line in plan.schools %}\n"
    "            <tr><td><a href=\"{% querystring_each 'location' line.location_id from_year=plan.from_year"
    ' to_year=plan.to_year %}">{{ line.location_name }}</a></td>{% for n in line.devices_by_year %}'
    '<td class="num">{{ n|count }}</td>{% endfor %}<td class="num">{{ line.devices|count }}</td>'
    '<td class="num">{{ line.cost|money }}</td></tr>\n'
    "          {% endfor %}"
)


def test_aue_plan_rows_by_school_are_the_template_loops_markup(
    technician: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _schools(2)
    odd = LocationFactory.create(name="St. Mary's <Annex> & Co", code="SCH99")
    DeviceFactory.create(location=odd, model__aue_month=dt.date(2027, 1, 1), model__unit_price=Decimal("250"))
    refresh_summaries()

    response = login(technician).get(AUE_URL, {"from_year": "2025", "to_year": "2027"})

    expected = (
        engines["django"]
        .from_string(AUE_SCHOOL_LOOP)
        .render({"plan": response.context["plan"]}, request=response.wsgi_request)
    )
    assert expected.count("<tr>") == 3
    assert "St. Mary&#x27;s &lt;Annex&gt; &amp; Co" in expected and "&amp;to_year=2027" in expected
    assert expected in _html(response)


def test_aue_plan_with_years_out_of_order_shows_the_error(technician: User, login: Callable[[User], Client]):
    response = login(technician).get(AUE_URL, {"from_year": "2030", "to_year": "2027"}, headers=HTMX)

    html = _html(response)
    assert html.lstrip().startswith('<section id="aue-plan-results">')
    assert "The last school year comes before the first." in html


def test_aue_plan_export_lists_school_year_school_model_and_cost(
    technician: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _schools(2)

    refresh_summaries()
    response = login(technician).get(AUE_CSV, {"from_year": "2025", "to_year": "2026"})

    assert response["Content-Type"] == "text/csv"
    assert 'filename="aue-plan-2025-2027.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_html(response))))
    assert rows == [
        ["school_year", "school", "model", "devices", "unit_price", "replacement_cost"],
        ["2025-26", "School 00", rows[1][2], "3", "200.00", "600.00"],
        ["2025-26", "School 01", rows[1][2], "3", "200.00", "600.00"],
    ]


def test_aue_plan_export_with_bad_years_is_a_bad_request(technician: User, login: Callable[[User], Client]):
    response = login(technician).get(AUE_CSV, {"from_year": "2025", "to_year": "2040"})

    assert response.status_code == 400


def test_aue_plan_for_school_admin_counts_only_their_school(
    school_admin: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    _schools(2)
    own = school_admin.profile.locations.get()
    DeviceFactory.create(location=own, model__aue_month=dt.date(2026, 1, 1), model__unit_price=Decimal("300"))
    refresh_summaries()

    html = _html(login(school_admin).get(AUE_URL))

    assert "2025-26: 1 device, $300.00" in html
    assert "School 00" not in html


def test_aue_plan_query_count_does_not_grow_with_schools(
    technician: User,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
    refresh_summaries: Callable[[], None],
):
    client = login(technician)
    _schools(3)
    refresh_summaries()
    client.get(AUE_URL)
    # Sign-in (3), the school choices, the models, the tally per school year x model and per
    # school year x school, the school names, the tally's refresh time.
    with django_assert_num_queries(9):
        client.get(AUE_URL)
    _schools(3, start=3)
    refresh_summaries()
    with django_assert_num_queries(9):
        response = client.get(AUE_URL)
    assert "2025-26: 18 devices" in _html(response)
