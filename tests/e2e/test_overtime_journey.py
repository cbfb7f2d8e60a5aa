"""An ITSS I requests overtime, their supervisor approves it inline; an ITSS II is refused."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.choices import Role
from accounts.models import User
from staff.choices import OvertimeRequestEventKind, OvertimeRequestStatus
from staff.models import OvertimeRequest
from tests.accounts.factories import StaffProfileFactory, UserFactory
from tests.e2e.helpers import open_menu, sign_in
from tests.e2e.helpers import sign_out as sign_out_from_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_out(page: Page) -> None:
    page.wait_for_load_state()  # before its styles load, the folded menu's button looks visible
    sign_out_from_menu(page)
    expect(page.get_by_label("Username")).to_be_visible()


def open_time_menu_entry(page: Page, label: str) -> None:
    """Open an entry of the menu's Time group (helpers.go_to cannot open a closed dropdown)."""
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav).to_be_visible()
    page.wait_for_load_state()  # before its styles load, the folded menu's button looks visible
    open_menu(page)
    main_nav.get_by_role("button", name="Time", exact=True).click()
    with page.expect_navigation():  # to the page's load, when htmx has set up its buttons
        main_nav.get_by_role("link", name=label, exact=True).click()


def test_itss1_requests_overtime_and_supervisor_approves_it_inline(page: Page, supervisor: User):
    ivy = UserFactory.create(username="ivy", first_name="Ivy", last_name="Itss", roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=ivy, grade_number=20, supervisor=supervisor)
    work_date = timezone.localdate() + dt.timedelta(days=3)

    sign_in(page, "ivy")
    open_time_menu_entry(page, "Overtime")
    expect(page.get_by_role("heading", name="My overtime")).to_be_visible()
    page.get_by_label("Date").fill(work_date.isoformat())
    page.get_by_label("Expected hours").fill("3")
    page.get_by_label("Reason").fill("Re-image the Maple library carts after school")
    page.get_by_role("button", name="Request overtime").click()
    expect(page.get_by_role("status")).to_contain_text(f"Overtime requested for {work_date:%Y-%m-%d}")
    expect(page.locator("#my-overtime-requests")).to_contain_text("Pending")
    expect(page.locator("#my-overtime-requests")).to_contain_text("from 2020-07-01 (grades 18\u201320)")
    sign_out(page)

    sign_in(page, "supervisor")
    open_time_menu_entry(page, "Approvals")
    made = OvertimeRequest.objects.get(requester=ivy)
    row = page.locator(f"#overtime-row-{made.pk}")
    expect(row).to_contain_text("Ivy Itss")
    row.get_by_label("Comment").fill("Go ahead")
    row.get_by_role("button", name="Approve").click()

    expect(row).to_have_attribute("data-status", "approved")
    expect(row).to_contain_text("Approved by Sam Super")
    expect(page).to_have_url(re.compile(re.escape(reverse("staff:overtime_queue")) + "$"))
    made.refresh_from_db()
    assert (made.status, made.decided_by, made.decision_comment) == (
        OvertimeRequestStatus.APPROVED,
        supervisor,
        "Go ahead",
    )
    kinds = list(made.events.values_list("kind", flat=True))
    assert kinds == [OvertimeRequestEventKind.REQUESTED, OvertimeRequestEventKind.APPROVED]


def test_itss2_is_told_why_instead_of_being_offered_a_request_form(page: Page, supervisor: User):
    ray = UserFactory.create(username="ray", first_name="Ray", last_name="Itss", roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=ray, grade_number=23, supervisor=supervisor)

    sign_in(page, "ray")
    page.goto(reverse("staff:overtime_mine"))

    expect(page.locator("#overtime-not-eligible")).to_have_text(
        "IT Systems Specialist II (grade 23) is not eligible for overtime: the rule in force "
        "from 2020-07-01 (grades 21\u201325) makes this grade ineligible."
    )
    expect(page.get_by_role("button", name="Request overtime")).to_have_count(0)
    expect(
        page.get_by_role("navigation", name="Overtime").get_by_role("link", name="Approval queue")
    ).to_have_count(0)
    assert not OvertimeRequest.objects.filter(requester=ray).exists()
