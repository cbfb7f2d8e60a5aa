"""A supervisor works through the team's overtime and timesheets on a phone (390 x 844): approves
one request, denies another with the reason a denial needs, signs off a submitted week. Each step
says what it did and shows the new status, and nothing scrolls sideways."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from accounts.choices import Role
from accounts.models import User
from staff.choices import OvertimeRequestStatus, TimesheetStatus
from staff.models import OvertimeRequest, Timesheet
from staff.services import overtime, timesheets
from tests.accounts.factories import StaffProfileFactory, UserFactory
from tests.e2e.helpers import open_menu, page_width, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


def open_from_menu(page: Page, label: str, *, group: str = "Time") -> None:
    """Follow a menu entry as a person on a phone would: unfold the menu, open the group, click.

    (helpers.go_to looks the entry up with get_by_role, which skips the hidden items of a closed
    dropdown, so it cannot open one.)"""
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.locator(".navbar-toggler")).to_be_visible()  # the page after the last click
    page.wait_for_load_state()  # before its styles load, the folded menu's button looks visible
    open_menu(page)
    main_nav.get_by_role("button", name=group, exact=True).click()
    with page.expect_navigation():  # to the page's load, when htmx has set up its buttons
        main_nav.get_by_role("link", name=label, exact=True).click()


def assert_no_sideways_scroll(page: Page) -> None:
    assert page_width(page) <= PHONE["width"]


def request_overtime(requester: User, *, days_ahead: int, reason: str) -> OvertimeRequest:
    return overtime.overtime_request_create(
        requester=requester,
        work_date=timezone.localdate() + dt.timedelta(days=days_ahead),
        expected_hours=Decimal("2.5"),
        reason=reason,
    )


def submitted_week(user: User) -> Timesheet:
    """Five 8.5-hour days in the user's last full workweek, handed in."""
    last_week = timezone.localdate() - dt.timedelta(days=7)
    start = last_week - dt.timedelta(days=(last_week.weekday() + 1) % 7)  # the Sunday it starts on
    for offset in range(1, 6):
        timesheets.time_entry_create(
            actor=user, work_date=start + dt.timedelta(days=offset), kind="regular", hours=Decimal("8.5")
        )
    week = Timesheet.objects.get(user=user, week_start=start)
    return timesheets.timesheet_submit(timesheet=week, actor=user)


def test_supervisor_approves_denies_and_signs_off_on_a_phone(page: Page, supervisor: User):
    ivy = UserFactory.create(username="ivy", first_name="Ivy", last_name="Itss", roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=ivy, grade_number=20, supervisor=supervisor)
    approve_me = request_overtime(ivy, days_ahead=2, reason="Re-image the Maple library carts")
    deny_me = request_overtime(ivy, days_ahead=4, reason="Label the spare chargers")
    week = submitted_week(ivy)
    page.set_viewport_size(PHONE)

    sign_in(page, "supervisor")
    open_from_menu(page, "Approvals")
    expect(page.get_by_role("heading", name="Approval queue")).to_be_visible()
    assert_no_sideways_scroll(page)

    row = page.locator(f"#overtime-row-{approve_me.pk}")
    row.get_by_role("button", name="Approve").click()
    expect(row).to_have_attribute("data-status", "approved")
    expect(row).to_contain_text("Approved by Sam Super")
    expect(page.locator("#messages")).to_contain_text(
        f"Overtime on {approve_me.work_date:%Y-%m-%d} for Ivy Itss approved."
    )
    assert_no_sideways_scroll(page)

    row = page.locator(f"#overtime-row-{deny_me.pk}")
    row.get_by_label("Comment").fill("The chargers can wait for the summer break")
    row.get_by_role("button", name="Deny").click()
    expect(row).to_have_attribute("data-status", "denied")
    expect(row).to_contain_text("The chargers can wait for the summer break")
    expect(page.locator("#messages")).to_contain_text(
        f"Overtime on {deny_me.work_date:%Y-%m-%d} for Ivy Itss denied."
    )
    assert_no_sideways_scroll(page)

    open_from_menu(page, "Timesheets")
    expect(page.get_by_role("heading", name="Team timesheets")).to_be_visible()
    assert_no_sideways_scroll(page)
    row = page.locator(f"#timesheet-row-{week.pk}")
    expect(row).to_contain_text("42.5 h")
    row.get_by_role("button", name="Sign off").click()
    expect(row).to_contain_text("Signed off")
    expect(row.get_by_role("button", name="Sign off")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text(
        f"Ivy Itss's week of {week.week_start:%Y-%m-%d} signed off."
    )
    assert_no_sideways_scroll(page)

    approve_me.refresh_from_db()
    deny_me.refresh_from_db()
    week.refresh_from_db()
    assert (approve_me.status, deny_me.status) == (
        OvertimeRequestStatus.APPROVED,
        OvertimeRequestStatus.DENIED,
    )
    assert deny_me.decision_comment == "The chargers can wait for the summer break"
    assert (week.status, week.signed_off_by) == (TimesheetStatus.SIGNED_OFF, supervisor)


def test_a_denial_without_a_reason_is_refused_beside_the_comment_on_a_phone(page: Page, supervisor: User):
    ivy = UserFactory.create(username="ivy", first_name="Ivy", last_name="Itss", roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=ivy, grade_number=20, supervisor=supervisor)
    made = request_overtime(ivy, days_ahead=2, reason="Label the spare chargers")
    page.set_viewport_size(PHONE)

    sign_in(page, "supervisor")
    open_from_menu(page, "Approvals")
    row = page.locator(f"#overtime-row-{made.pk}")
    row.get_by_role("button", name="Deny").click()

    comment = row.get_by_label("Comment")
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(row.locator(".invalid-feedback")).to_contain_text("Say why the overtime is denied")
    expect(row).to_have_attribute("data-status", "pending")
    assert_no_sideways_scroll(page)
    made.refresh_from_db()
    assert made.status == OvertimeRequestStatus.PENDING
