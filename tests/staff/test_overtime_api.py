import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from repairs.choices import TicketStatus
from staff.choices import OvertimeRequestStatus
from staff.models import OvertimeRequest, OvertimeRequestEvent, OvertimeRule
from tests.accounts.factories import (
    OvertimeDelegationFactory,
    OvertimeRequestEventFactory,
    OvertimeRequestFactory,
    StaffProfileFactory,
    UserFactory,
)
from tests.core.celery_support import UNREACHABLE_URL, celery_using
from tests.fleet.factories import LocationFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
RULES = "/api/overtime-rules/"
REQUESTS = "/api/overtime-requests/"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(
        dt.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York")), tick=False
    ):
        yield


@pytest.fixture
def team_member(supervisor: User) -> User:
    user = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=user, grade_number=20, supervisor=supervisor)
    return user


def pending_for(requester: User, **fields: object) -> OvertimeRequest:
    rule = OvertimeRule.objects.get(effective_from=dt.date(2020, 7, 1), grade_min=18)
    made = OvertimeRequestFactory.create(
        requester=requester, rule=rule, work_date=TODAY + dt.timedelta(days=2), **fields
    )
    OvertimeRequestEventFactory.create(request=made)
    return made


def test_overtime_rules_list_for_any_role(token_api_client: Callable[[User], APIClient], procurement: User):
    response = token_api_client(procurement).get(RULES)

    assert response.status_code == 200
    assert {(row["grade_min"], row["grade_max"], row["eligible"]) for row in response.json()["results"]} == {
        (18, 20, True),
        (21, 25, False),
    }


def test_overtime_rules_list_without_role_is_forbidden(
    token_api_client: Callable[[User], APIClient], no_role_user: User
):
    assert token_api_client(no_role_user).get(RULES).status_code == 403


def test_overtime_rule_create_by_admin(token_api_client: Callable[[User], APIClient], admin_user: User):
    response = token_api_client(admin_user).post(
        RULES,
        {
            "effective_from": "2027-01-01",
            "grade_min": 21,
            "grade_max": 25,
            "eligible": True,
            "multiplier": "1.50",
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["created_by"] == admin_user.pk


def test_overtime_rule_create_backdated_is_400(
    token_api_client: Callable[[User], APIClient], admin_user: User
):
    response = token_api_client(admin_user).post(
        RULES,
        {
            "effective_from": "2025-01-01",
            "grade_min": 21,
            "grade_max": 25,
            "eligible": True,
            "multiplier": "1.50",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "cannot start in the past" in response.json()["effective_from"][0]


def test_overtime_rule_create_by_supervisor_is_403(
    token_api_client: Callable[[User], APIClient], supervisor: User
):
    response = token_api_client(supervisor).post(RULES, {}, format="json")

    assert response.status_code == 403


def test_overtime_request_create_for_self(token_api_client: Callable[[User], APIClient], team_member: User):
    response = token_api_client(team_member).post(
        REQUESTS,
        {"work_date": "2026-03-14", "expected_hours": "2.5", "reason": "Cart imaging"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["requester_id"], body["rule"]["effective_from"]) == (
        "pending",
        team_member.pk,
        "2020-07-01",
    )


def test_overtime_request_create_with_own_open_ticket_and_location_is_201(
    token_api_client: Callable[[User], APIClient], team_member: User
):
    ticket = TicketFactory.create(assignee=team_member, status=TicketStatus.IN_PROGRESS)
    location = LocationFactory.create()

    response = token_api_client(team_member).post(
        REQUESTS,
        {
            "work_date": "2026-03-14",
            "expected_hours": "2",
            "reason": "Cart imaging",
            "tickets": [ticket.pk],
            "location": location.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    made = OvertimeRequest.objects.get(pk=response.json()["id"])
    assert (list(made.tickets.all()), made.location) == ([ticket], location)


def test_overtime_request_create_naming_another_persons_ticket_is_400_and_writes_nothing(
    token_api_client: Callable[[User], APIClient], team_member: User
):
    theirs = TicketFactory.create(assignee=UserFactory.create(roles=[Role.TECHNICIAN]))
    before = (OvertimeRequest.objects.count(), OvertimeRequestEvent.objects.count())

    response = token_api_client(team_member).post(
        REQUESTS,
        {"work_date": "2026-03-14", "expected_hours": "2", "reason": "Cart imaging", "tickets": [theirs.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"tickets": [f"Ticket {theirs.pk} is not one of your open tickets."]}
    assert (OvertimeRequest.objects.count(), OvertimeRequestEvent.objects.count()) == before


def test_overtime_request_create_naming_own_closed_ticket_is_400_and_writes_nothing(
    token_api_client: Callable[[User], APIClient], team_member: User
):
    closed = TicketFactory.create(assignee=team_member, status=TicketStatus.CLOSED)
    before = (OvertimeRequest.objects.count(), OvertimeRequestEvent.objects.count())

    response = token_api_client(team_member).post(
        REQUESTS,
        {"work_date": "2026-03-14", "expected_hours": "2", "reason": "Cart imaging", "tickets": [closed.pk]},
        format="json",
    )

    assert response.status_code == 400
    assert "tickets" in response.json()
    assert (OvertimeRequest.objects.count(), OvertimeRequestEvent.objects.count()) == before


def test_overtime_request_create_at_inactive_location_is_400_naming_location(
    token_api_client: Callable[[User], APIClient], team_member: User
):
    closed_school = LocationFactory.create(is_active=False)

    response = token_api_client(team_member).post(
        REQUESTS,
        {
            "work_date": "2026-03-14",
            "expected_hours": "2",
            "reason": "Cart imaging",
            "location": closed_school.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert "location" in response.json()
    assert not OvertimeRequest.objects.exists()


def test_overtime_request_create_for_ineligible_grade_is_400_naming_the_rule(
    token_api_client: Callable[[User], APIClient],
):
    itss3 = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=itss3, grade_number=25)

    response = token_api_client(itss3).post(
        REQUESTS, {"work_date": "2026-03-14", "expected_hours": "2", "reason": "Cart imaging"}, format="json"
    )

    assert response.status_code == 400
    assert "Grade 25 (IT Systems Specialist III) is not eligible" in response.json()["detail"]


def test_overtime_request_create_without_grade_is_403(
    token_api_client: Callable[[User], APIClient], procurement: User
):
    response = token_api_client(procurement).post(
        REQUESTS, {"work_date": "2026-03-14", "expected_hours": "2", "reason": "x"}, format="json"
    )

    assert response.status_code == 403


def test_overtime_request_list_is_visible_rows_filterable_with_fixed_queries(
    token_api_client: Callable[[User], APIClient],
    supervisor: User,
    team_member: User,
    django_assert_num_queries: Callable,
):
    client = token_api_client(supervisor)
    pending_for(team_member)
    pending_for(team_member, status=OvertimeRequestStatus.APPROVED)
    pending_for(UserFactory.create(roles=[Role.TECHNICIAN]))  # another team: invisible
    with django_assert_num_queries(6) as few:
        response = client.get(REQUESTS, {"status": "pending"})
    assert response.json()["count"] == 1
    for _ in range(4):
        pending_for(team_member)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(REQUESTS).json()["count"] == 6


def test_overtime_request_detail_shows_history_and_404_when_not_visible(
    token_api_client: Callable[[User], APIClient], team_member: User
):
    made = pending_for(team_member)

    mine = token_api_client(team_member).get(f"{REQUESTS}{made.pk}/")
    stranger = token_api_client(UserFactory.create(roles=[Role.TECHNICIAN])).get(f"{REQUESTS}{made.pk}/")

    assert mine.status_code == 200
    assert [(e["kind"], e["rule_id"]) for e in mine.json()["events"]] == [("requested", made.rule_id)]
    assert stranger.status_code == 404


def test_overtime_request_approve_by_supervisor_emails_requester(
    token_api_client: Callable[[User], APIClient],
    supervisor: User,
    team_member: User,
    django_capture_on_commit_callbacks: Callable,
):
    made = pending_for(team_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = token_api_client(supervisor).post(
            f"{REQUESTS}{made.pk}/approve/", {"version": 1, "comment": "OK"}, format="json"
        )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("approved", 2)
    assert mail.outbox[0].to == [team_member.email]


# The decision commits inside the request, as in production (the role groups are restored after).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overtime_request_approve_with_the_task_queue_unreachable_keeps_the_decision(
    api_client: APIClient, supervisor: User, team_member: User, caplog: pytest.LogCaptureFixture
):
    made = pending_for(team_member)
    api_client.force_authenticate(supervisor)

    with celery_using(UNREACHABLE_URL):
        response = api_client.post(f"{REQUESTS}{made.pk}/approve/", {"version": 1}, format="json")

    # The email is lost, not the decision: it stands, and the supervisor sees it made.
    assert response.status_code == 200
    made.refresh_from_db()
    assert (made.status, made.decided_by) == (OvertimeRequestStatus.APPROVED, supervisor)
    assert mail.outbox == []
    assert f"staff.tasks.overtime_decision_notify_task({made.pk},) was not queued" in caplog.text


def test_overtime_request_approve_by_delegate_is_allowed(
    token_api_client: Callable[[User], APIClient], supervisor: User, team_member: User
):
    made = pending_for(team_member)
    delegate = UserFactory.create(roles=[Role.SUPERVISOR])
    OvertimeDelegationFactory.create(supervisor=supervisor, delegate=delegate, starts_on=TODAY)

    response = token_api_client(delegate).post(f"{REQUESTS}{made.pk}/approve/", {"version": 1}, format="json")

    assert response.status_code == 200


def test_overtime_request_approve_own_is_403(
    token_api_client: Callable[[User], APIClient], supervisor: User, team_member: User
):
    made = pending_for(team_member)

    response = token_api_client(team_member).post(
        f"{REQUESTS}{made.pk}/approve/", {"version": 1}, format="json"
    )

    assert response.status_code == 403


def test_overtime_request_approve_by_other_team_supervisor_is_404(
    token_api_client: Callable[[User], APIClient], team_member: User
):
    made = pending_for(team_member)
    other = UserFactory.create(roles=[Role.SUPERVISOR])

    response = token_api_client(other).post(f"{REQUESTS}{made.pk}/approve/", {"version": 1}, format="json")

    assert response.status_code == 404


def test_overtime_request_approve_stale_is_409(
    token_api_client: Callable[[User], APIClient], admin_user: User, team_member: User
):
    made = pending_for(team_member)
    OvertimeRequest.objects.filter(pk=made.pk).update(version=3)

    response = token_api_client(admin_user).post(
        f"{REQUESTS}{made.pk}/approve/", {"version": 1}, format="json"
    )

    assert response.status_code == 409


def test_overtime_request_deny_needs_comment_and_rejects_decided(
    token_api_client: Callable[[User], APIClient], supervisor: User, team_member: User
):
    made = pending_for(team_member)
    client = token_api_client(supervisor)

    no_comment = client.post(f"{REQUESTS}{made.pk}/deny/", {"version": 1}, format="json")
    denied = client.post(f"{REQUESTS}{made.pk}/deny/", {"version": 1, "comment": "No budget"}, format="json")
    again = client.post(f"{REQUESTS}{made.pk}/deny/", {"version": 2, "comment": "No budget"}, format="json")

    assert no_comment.status_code == 400
    assert denied.status_code == 200
    assert again.status_code == 400


def test_overtime_endpoints_are_in_the_openapi_schema(
    token_api_client: Callable[[User], APIClient], admin_user: User
):
    response = token_api_client(admin_user).get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    for path in [
        "/api/overtime-rules/",
        "/api/overtime-requests/",
        "/api/overtime-requests/{request_id}/",
        "/api/overtime-requests/{request_id}/approve/",
        "/api/overtime-requests/{request_id}/deny/",
    ]:
        assert path in paths
