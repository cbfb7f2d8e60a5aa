"""History tabs and ``/api/…/history/`` of overtime rules, timesheets (with their week's time
entries, deleted ones included) and people (account and staff profile: pay is private)."""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import StaffProfile
from staff.models import OvertimeRule, Timesheet
from tests.accounts.factories import (
    OvertimeRuleFactory,
    StaffProfileFactory,
    TimesheetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _changes(entry) -> list[tuple[str, str, str]]:
    return [(c.field, c.old_display, c.new_display) for c in entry.changes]


# Overtime rules ---------------------------------------------------------------------------------


@pytest.mark.postgres
def test_overtime_rule_added_through_the_api_and_edited_shows_on_its_history(login, admin_user, technician):
    response = login(admin_user).post(
        "/api/overtime-rules/",
        {
            "effective_from": "2031-07-01",
            "grade_min": 18,
            "grade_max": 20,
            "eligible": True,
            "multiplier": "1.50",
        },
    )
    assert response.status_code == 201
    rule = OvertimeRule.objects.get(pk=response.json()["id"])
    with pghistory.context(user=admin_user.pk):
        OvertimeRule.objects.filter(pk=rule.pk).update(multiplier=Decimal("2.00"))

    client = login(technician)  # the rule table is public to every role
    entries = client.get(reverse("staff:overtime_rule_history", args=[rule.pk])).context["entries"]

    assert [(e.action, str(e.user)) for e in entries] == [("update", "Ada Admin"), ("insert", "Ada Admin")]
    assert _changes(entries[0]) == [("multiplier", "1.50", "2.00")]
    body = client.get(reverse("api:overtime-rule-history", args=[rule.pk])).json()
    assert body["results"][0]["changes"] == {"multiplier": ["1.50", "2.00"]}
    assert body["results"][1]["changes"]["eligible"] == [None, True]


def test_overtime_rule_history_refused_without_a_role(login, no_role_user):
    rule = OvertimeRuleFactory.create()
    client = login(no_role_user)

    assert client.get(reverse("staff:overtime_rule_history", args=[rule.pk])).status_code == 403
    assert client.get(reverse("api:overtime-rule-history", args=[rule.pk])).status_code == 403
    assert (
        login(UserFactory.create(roles=[Role.TECHNICIAN]))
        .get(reverse("api:overtime-rule-history", args=[rule.pk + 99]))
        .status_code
        == 404
    )


def test_overtime_rule_table_links_each_rule_history(login, technician):
    rule = OvertimeRuleFactory.create()

    response = login(technician).get(reverse("staff:overtime_rules"))

    assert reverse("staff:overtime_rule_history", args=[rule.pk]) in response.content.decode()


# Timesheets -------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_time_entry_added_edited_and_deleted_shows_on_the_timesheet_history(
    token_api_client, login, technician, supervisor
):
    StaffProfile.objects.filter(user=technician).update(supervisor=supervisor)
    api = token_api_client(technician)
    today = timezone.localdate().isoformat()
    created = api.post("/api/time-entries/", {"work_date": today, "kind": "regular", "hours": "8.00"})
    assert created.status_code == 201, created.content
    entry_id = created.json()["id"]
    assert api.patch(f"/api/time-entries/{entry_id}/", {"hours": "6.50"}).status_code == 200
    assert api.delete(f"/api/time-entries/{entry_id}/").status_code == 204
    timesheet = Timesheet.objects.get(user=technician)

    client = login(supervisor)
    response = client.get(reverse("staff:timesheet_history", args=[timesheet.pk]))

    assert response.status_code == 200
    entries = [e for e in response.context["entries"] if e.model == "staff.TimeEntry"]
    assert [e.action for e in entries] == ["delete", "update", "insert"]
    assert {str(e.user) for e in entries} == {"Terry Tech"}
    assert entries[0].subject == f"Time entry {entry_id}"
    assert _changes(entries[1]) == [("hours", "8.00", "6.50")]
    own = [e for e in response.context["entries"] if e.model == "staff.Timesheet"]
    assert own and all(e.subject == "" for e in own)
    assert ("total_hours", "8.00", "6.50") in _changes(own[1])
    body = client.get(reverse("api:timesheet-history", args=[timesheet.pk])).json()
    assert body["results"][0]["model"] in {"staff.TimeEntry", "staff.Timesheet"}
    assert {r["action"] for r in body["results"] if r["model"] == "staff.TimeEntry"} == {
        "insert",
        "update",
        "delete",
    }


def test_timesheet_history_is_seen_by_whoever_may_read_the_timesheet(
    login, technician, supervisor, procurement
):
    StaffProfile.objects.filter(user=technician).update(supervisor=supervisor)
    timesheet = TimesheetFactory.create(user=technician)
    other_technician = UserFactory.create(roles=[Role.TECHNICIAN])
    url, api = (
        reverse("staff:timesheet_history", args=[timesheet.pk]),
        reverse("api:timesheet-history", args=[timesheet.pk]),
    )

    for reader in (technician, supervisor):
        assert login(reader).get(url).status_code == 200
        assert login(reader).get(api).status_code == 200
    for outsider in (other_technician, procurement):
        assert login(outsider).get(url).status_code == 404
        assert login(outsider).get(api).status_code == 404


def test_timesheet_page_links_its_history_and_its_person(login, technician):
    timesheet = TimesheetFactory.create(user=technician)

    html = login(technician).get(reverse("staff:timesheet_detail", args=[timesheet.pk])).content.decode()

    assert reverse("staff:timesheet_history", args=[timesheet.pk]) in html
    assert reverse("staff:person_history", args=[technician.pk]) in html


# People -----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_person_history_shows_profile_and_account_changes_but_never_the_password(
    login, admin_user, technician
):
    old_rate = technician.profile.hourly_rate
    with pghistory.context(user=admin_user.pk):
        StaffProfile.objects.filter(user=technician).update(hourly_rate=Decimal("33.10"))
        technician.set_password("a-new-secret-1")
        technician.email = "terry@district.example"
        technician.save()

    entries = login(technician).get(reverse("staff:person_history", args=[technician.pk])).context["entries"]

    changed = {change.field for entry in entries[:2] for change in entry.changes}
    assert changed == {"hourly_rate", "email"}
    assert all(str(e.user) == "Ada Admin" for e in entries[:2])
    profile_change = next(e for e in entries if e.model == "accounts.StaffProfile" and e.action == "update")
    assert _changes(profile_change) == [("hourly_rate", f"{old_rate:.2f}", "33.10")]
    assert all("password" not in {c.field for c in e.changes} for e in entries)


@pytest.mark.postgres
def test_person_history_leaves_out_profiles_the_person_only_supervises(
    login, admin_user, technician, supervisor
):
    StaffProfile.objects.filter(user=technician).update(supervisor=supervisor)

    entries = login(admin_user).get(reverse("staff:person_history", args=[supervisor.pk])).context["entries"]

    assert {e.model for e in entries} <= {"accounts.User", "accounts.StaffProfile"}
    assert all(e.object_id != str(technician.profile.pk) for e in entries)


def test_person_history_is_private_like_pay(login, technician, supervisor, admin_user, procurement):
    StaffProfile.objects.filter(user=technician).update(supervisor=supervisor)
    colleague = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=colleague, grade_number=20)
    url = reverse("staff:person_history", args=[technician.pk])

    for reader in (technician, supervisor, admin_user):
        assert login(reader).get(url).status_code == 200
    for outsider in (colleague, procurement):
        assert login(outsider).get(url).status_code == 404
