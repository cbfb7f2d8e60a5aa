import datetime as dt
import json
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from core.exceptions import DomainError
from staff.choices import OvertimeRequestStatus
from staff.models import OvertimeRequest, OvertimeRule
from staff.services import overtime
from tests.accounts.factories import (
    OvertimeDelegationFactory,
    OvertimeRequestEventFactory,
    OvertimeRequestFactory,
    OvertimeRuleFactory,
    StaffProfileFactory,
    UserFactory,
)
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
HTMX = {"HX-Request": "true"}
MINE_URL = reverse("staff:overtime_mine")
CREATE_URL = reverse("staff:overtime_request_create")
QUEUE_URL = reverse("staff:overtime_queue")
RULES_URL = reverse("staff:overtime_rules")


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(
        dt.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York")), tick=False
    ):
        yield


@pytest.fixture
def team_member(supervisor: User) -> User:
    user = UserFactory.create(username="ivy", first_name="Ivy", last_name="One", roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=user, grade_number=20, supervisor=supervisor)
    return user


def pending_for(requester: User, **fields: object) -> OvertimeRequest:
    rule = OvertimeRule.objects.get(effective_from=dt.date(2020, 7, 1), grade_min=18)
    made = OvertimeRequestFactory.create(
        requester=requester, rule=rule, work_date=TODAY + dt.timedelta(days=2), **fields
    )
    OvertimeRequestEventFactory.create(request=made)
    return made


def request_data(**fields: str) -> dict[str, str]:
    data = {"work_date": "2026-03-14", "expected_hours": "3", "reason": "Imaging the library cart"}
    data.update(fields)
    return data


# My overtime ---------------------------------------------------------------------------------------


def test_overtime_mine_for_anonymous_redirects_to_login(client: Client):
    response = client.get(MINE_URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_overtime_mine_without_role_is_forbidden(login: Callable[[User], Client], no_role_user: User):
    assert login(no_role_user).get(MINE_URL).status_code == 403


def test_overtime_mine_shows_form_and_my_requests_with_rule(
    login: Callable[[User], Client], team_member: User
):
    pending_for(team_member)

    response = login(team_member).get(MINE_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="overtime-request-form"' in html
    assert "from 2020-07-01 (grades 18\u201320)" in html
    assert response["Vary"].count("HX-Request") == 1


def test_overtime_mine_without_grade_hides_form(login: Callable[[User], Client], admin_user: User):
    html = login(admin_user).get(MINE_URL).content.decode()

    assert "no staff grade" in html
    assert 'id="overtime-request-form"' not in html


def test_overtime_mine_query_count_is_fixed_as_rows_grow(
    login: Callable[[User], Client], team_member: User, django_assert_num_queries: Callable
):
    client = login(team_member)
    pending_for(team_member)
    client.get(MINE_URL)  # warm the session and the role cache
    with django_assert_num_queries(11) as few:
        client.get(MINE_URL)
    for _ in range(5):
        pending_for(team_member)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(MINE_URL)


def test_overtime_request_create_htmx_returns_fragment_with_new_request(
    login: Callable[[User], Client], team_member: User
):
    response = login(team_member).post(CREATE_URL, request_data(), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="overtime-mine"')
    assert "2026-03-14" in html  # the new request, in my requests
    [message] = json.loads(response["HX-Trigger"])["messages"]
    assert message["level"] == "success"
    assert message["text"].startswith("Overtime requested for 2026-03-14.")
    assert OvertimeRequest.objects.get(requester=team_member).status == OvertimeRequestStatus.PENDING


def test_overtime_request_create_without_htmx_redirects(login: Callable[[User], Client], team_member: User):
    response = login(team_member).post(CREATE_URL, request_data())

    assert response.status_code == 302
    assert response["Location"] == MINE_URL


def test_overtime_request_create_for_ineligible_grade_names_the_rule(login: Callable[[User], Client]):
    itss2 = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=itss2, grade_number=23)

    response = login(itss2).post(CREATE_URL, request_data(), headers=HTMX)

    assert response.status_code == 200
    assert (
        "IT Systems Specialist II (grade 23) is not eligible for overtime: the rule in force from "
        "2020-07-01 (grades 21\u201325) makes this grade ineligible." in response.content.decode()
    )
    assert 'id="overtime-request-form"' not in response.content.decode()
    assert not OvertimeRequest.objects.exists()


def test_overtime_mine_for_ineligible_grade_says_why_instead_of_offering_the_form(
    login: Callable[[User], Client],
):
    intern = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=intern, grade_number=18)
    OvertimeRuleFactory.create(effective_from=dt.date(2025, 7, 1), grade_min=18, grade_max=18, eligible=False)

    html = login(intern).get(MINE_URL).content.decode()

    assert 'id="overtime-request-form"' not in html
    assert (
        "ITSS Intern (grade 18) is not eligible for overtime: the rule in force from 2025-07-01 "
        "(grades 18\u201318) makes this grade ineligible." in html
    )


@pytest.mark.parametrize(("actor", "offered"), [("team_member", False), ("supervisor", True)])
def test_overtime_subnav_offers_the_approval_queue_only_to_those_who_may_open_it(
    request: pytest.FixtureRequest, login: Callable[[User], Client], actor: str, offered: bool
):
    html = login(request.getfixturevalue(actor)).get(MINE_URL).content.decode()

    assert (f'href="{QUEUE_URL}"' in html) is offered


def test_overtime_request_create_for_past_date_needs_emergency(
    login: Callable[[User], Client], team_member: User
):
    client = login(team_member)

    refused = client.post(CREATE_URL, request_data(work_date="2026-03-07"), headers=HTMX)
    accepted = client.post(CREATE_URL, request_data(work_date="2026-03-07", is_emergency="on"), headers=HTMX)

    assert "in the past" in refused.content.decode()
    assert "Emergency" in accepted.content.decode()
    assert OvertimeRequest.objects.get().is_emergency


def test_overtime_request_create_with_own_open_ticket_records_it(
    login: Callable[[User], Client], team_member: User
):
    ticket = TicketFactory.create(assignee=team_member)

    response = login(team_member).post(CREATE_URL, {**request_data(), "tickets": [ticket.pk]}, headers=HTMX)

    assert response.status_code == 200
    assert list(OvertimeRequest.objects.get(requester=team_member).tickets.all()) == [ticket]


def test_overtime_request_create_with_another_persons_ticket_shows_error_on_tickets(
    login: Callable[[User], Client], team_member: User
):
    theirs = TicketFactory.create(assignee=UserFactory.create(roles=[Role.TECHNICIAN]))

    response = login(team_member).post(CREATE_URL, {**request_data(), "tickets": [theirs.pk]}, headers=HTMX)

    assert response.status_code == 200
    assert (
        f"Select a valid choice. {theirs.pk} is not one of the available choices."
        in response.content.decode()
    )
    assert not OvertimeRequest.objects.exists()


def test_overtime_request_create_refusal_naming_a_field_is_shown_beside_it(
    login: Callable[[User], Client], team_member: User, monkeypatch: pytest.MonkeyPatch
):
    def refuse(**_: object) -> OvertimeRequest:
        raise DomainError("Ticket 7 is not one of your open tickets.", field="tickets")

    monkeypatch.setattr(overtime, "overtime_request_create", refuse)

    response = login(team_member).post(CREATE_URL, request_data(), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r'id="id_tickets".*?<div class="invalid-feedback[^"]*">'
        r"Ticket 7 is not one of your open tickets.</div>",
        html,
        re.S,
    )
    assert 'class="alert alert-danger"' not in html  # a field error, not one above the form


def test_overtime_request_create_without_grade_is_forbidden(
    login: Callable[[User], Client], admin_user: User
):
    assert login(admin_user).post(CREATE_URL, request_data()).status_code == 403


# History -------------------------------------------------------------------------------------------


def test_overtime_request_detail_shows_events_with_rule_version(
    login: Callable[[User], Client], team_member: User
):
    made = pending_for(team_member)

    response = login(team_member).get(reverse("staff:overtime_request_detail", args=[made.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "under the rule from 2020-07-01 (grades 18\u201320, eligible)" in html


def test_overtime_request_detail_of_someone_else_is_404(login: Callable[[User], Client], team_member: User):
    made = pending_for(team_member)
    stranger = UserFactory.create(roles=[Role.TECHNICIAN])

    assert login(stranger).get(reverse("staff:overtime_request_detail", args=[made.pk])).status_code == 404


def test_overtime_request_cancel_by_requester(login: Callable[[User], Client], team_member: User):
    made = pending_for(team_member)

    response = login(team_member).post(
        reverse("staff:overtime_request_cancel", args=[made.pk]), {"version": made.version}
    )

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == OvertimeRequestStatus.CANCELLED


# Approval queue ------------------------------------------------------------------------------------


def test_overtime_queue_for_technician_is_forbidden(login: Callable[[User], Client], team_member: User):
    assert login(team_member).get(QUEUE_URL).status_code == 403


def test_overtime_queue_shows_only_own_teams_pending_requests(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    mine = pending_for(team_member, is_emergency=True)
    other_team = pending_for(UserFactory.create(roles=[Role.TECHNICIAN]))

    html = login(supervisor).get(QUEUE_URL).content.decode()

    assert f'id="overtime-row-{mine.pk}"' in html
    assert f'id="overtime-row-{other_team.pk}"' not in html
    assert "Emergency" in html


def test_overtime_queue_puts_each_request_in_its_section(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    pending = pending_for(team_member)
    pending_emergency = pending_for(team_member, is_emergency=True)
    approved = pending_for(team_member, is_emergency=True, status=OvertimeRequestStatus.APPROVED)
    denied = pending_for(team_member, is_emergency=True, status=OvertimeRequestStatus.DENIED)
    reviewed = pending_for(
        team_member,
        is_emergency=True,
        status=OvertimeRequestStatus.APPROVED,
        emergency_reviewed_at=timezone.now(),
    )
    cancelled = pending_for(team_member, is_emergency=True, status=OvertimeRequestStatus.CANCELLED)
    plain_approved = pending_for(team_member, status=OvertimeRequestStatus.APPROVED)

    html = login(supervisor).get(QUEUE_URL).content.decode()
    to_decide, to_review = html.split("Emergencies to review", 1)

    shown = (pending, pending_emergency, approved, denied)
    rows = {made.pk: f'id="overtime-row-{made.pk}"' for made in shown}
    assert rows[pending.pk] in to_decide and rows[pending_emergency.pk] in to_decide
    assert rows[approved.pk] in to_review and rows[denied.pk] in to_review
    assert rows[approved.pk] not in to_decide and rows[pending.pk] not in to_review
    for gone in (reviewed, cancelled, plain_approved):
        assert f'id="overtime-row-{gone.pk}"' not in html


def test_overtime_queue_for_active_delegate_without_supervisor_role(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    made = pending_for(team_member)
    delegate = UserFactory.create(roles=[Role.TECHNICIAN])
    OvertimeDelegationFactory.create(supervisor=supervisor, delegate=delegate, starts_on=TODAY)

    response = login(delegate).get(QUEUE_URL)

    assert response.status_code == 200
    assert f'id="overtime-row-{made.pk}"' in response.content.decode()


def test_overtime_queue_query_count_is_fixed_as_rows_grow(
    login: Callable[[User], Client],
    supervisor: User,
    team_member: User,
    django_assert_num_queries: Callable,
):
    client = login(supervisor)
    pending_for(team_member)
    pending_for(team_member, is_emergency=True, status=OvertimeRequestStatus.APPROVED)
    client.get(QUEUE_URL)
    with django_assert_num_queries(8) as few:
        client.get(QUEUE_URL)
    for _ in range(5):
        pending_for(team_member)
        pending_for(team_member, is_emergency=True, status=OvertimeRequestStatus.APPROVED)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(QUEUE_URL)


def test_overtime_request_approve_htmx_rerenders_the_row(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    made = pending_for(team_member)

    response = login(supervisor).post(
        reverse("staff:overtime_request_approve", args=[made.pk]),
        {"version": made.version, "comment": "Thanks"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(
        f'<article class="card mb-3 overtime-row" id="overtime-row-{made.pk}" data-status="approved"'
    )
    assert "Approved" in html
    assert "<html" not in html
    assert json.loads(response["HX-Trigger"])["messages"] == [
        {"level": "success", "text": f"Overtime on {made.work_date:%Y-%m-%d} for {team_member} approved."}
    ]


def test_overtime_request_approve_without_htmx_redirects_to_queue(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    made = pending_for(team_member)

    response = login(supervisor).post(
        reverse("staff:overtime_request_approve", args=[made.pk]), {"version": made.version}
    )

    assert response.status_code == 302
    assert response["Location"] == QUEUE_URL


def test_overtime_request_approve_with_stale_version_is_409_with_message(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    made = pending_for(team_member)
    OvertimeRequest.objects.filter(pk=made.pk).update(version=5)

    response = login(supervisor).post(
        reverse("staff:overtime_request_approve", args=[made.pk]), {"version": 1}, headers=HTMX
    )

    assert response.status_code == 409
    assert "changed since you opened it" in response.content.decode()


def test_overtime_request_deny_without_comment_shows_error(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    made = pending_for(team_member)

    response = login(supervisor).post(
        reverse("staff:overtime_request_deny", args=[made.pk]), {"version": made.version}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    made.refresh_from_db()
    assert made.status == OvertimeRequestStatus.PENDING


def test_overtime_request_approve_by_another_teams_supervisor_is_404(
    login: Callable[[User], Client], team_member: User
):
    made = pending_for(team_member)
    other = UserFactory.create(roles=[Role.SUPERVISOR])

    response = login(other).post(
        reverse("staff:overtime_request_approve", args=[made.pk]), {"version": 1}, headers=HTMX
    )

    assert response.status_code == 404


def test_overtime_request_approve_own_request_is_forbidden(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    made = pending_for(team_member)

    response = login(team_member).post(
        reverse("staff:overtime_request_approve", args=[made.pk]), {"version": 1}, headers=HTMX
    )

    assert response.status_code == 403


def test_overtime_emergency_review_htmx(login: Callable[[User], Client], supervisor: User, team_member: User):
    made = pending_for(team_member, is_emergency=True, status=OvertimeRequestStatus.APPROVED)

    response = login(supervisor).post(
        reverse("staff:overtime_emergency_review", args=[made.pk]), {"version": made.version}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Emergency reviewed" in response.content.decode()


def test_overtime_delegation_create(login: Callable[[User], Client], supervisor: User):
    delegate = UserFactory.create(roles=[Role.SUPERVISOR])

    response = login(supervisor).post(
        reverse("staff:overtime_delegation_create"),
        {"delegate": delegate.pk, "starts_on": "2026-03-10", "ends_on": "2026-03-20"},
    )

    assert response.status_code == 302
    assert supervisor.delegations_given.get().delegate == delegate


# Rules -------------------------------------------------------------------------------------------


def test_overtime_rules_readable_by_any_role_without_form(login: Callable[[User], Client], procurement: User):
    html = login(procurement).get(RULES_URL).content.decode()

    assert "In force" in html
    assert "21\u201325" in html
    assert 'id="overtime-rule-form"' not in html


def test_overtime_rules_query_count_is_fixed_as_rows_grow(
    login: Callable[[User], Client], admin_user: User, django_assert_num_queries: Callable
):
    client = login(admin_user)
    client.get(RULES_URL)
    with django_assert_num_queries(9) as few:
        client.get(RULES_URL)
    for year in range(2027, 2032):
        OvertimeRule.objects.create(
            effective_from=dt.date(year, 1, 1),
            grade_min=18,
            grade_max=20,
            eligible=True,
            created_by=admin_user,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(RULES_URL)


def test_overtime_rule_create_by_admin_htmx_returns_table_with_new_version(
    login: Callable[[User], Client], admin_user: User
):
    data = {
        "effective_from": "2027-01-01",
        "grade_min": "21",
        "grade_max": "25",
        "eligible": "on",
        "prior_approval_required": "on",
        "multiplier": "1.50",
        "weekly_threshold_hours": "40",
        "workweek_start": "6",
        "comp_time_rate": "1.50",
        "comp_time_cap_hours": "240",
    }

    response = login(admin_user).post(reverse("staff:overtime_rule_create"), data, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="overtime-rules"')
    assert "Upcoming" in html
    assert OvertimeRule.objects.filter(effective_from=dt.date(2027, 1, 1), eligible=True).exists()


def test_overtime_rule_create_backdated_shows_error(login: Callable[[User], Client], admin_user: User):
    data = {
        "effective_from": "2026-01-01",
        "grade_min": "21",
        "grade_max": "25",
        "multiplier": "1.50",
        "weekly_threshold_hours": "40",
        "workweek_start": "6",
        "comp_time_rate": "1.50",
        "comp_time_cap_hours": "240",
    }

    response = login(admin_user).post(reverse("staff:overtime_rule_create"), data, headers=HTMX)

    assert "cannot start in the past" in response.content.decode()


def test_overtime_rule_create_by_supervisor_is_forbidden(login: Callable[[User], Client], supervisor: User):
    assert login(supervisor).post(reverse("staff:overtime_rule_create"), {}).status_code == 403
