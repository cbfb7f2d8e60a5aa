"""The student list, the student page and its timeline, and the scan box finding a student: who
sees them (404 for students not visible), names only when shown, query counts pinned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fleet.models import District
from students.choices import ChargeStatus, Condition
from students.services import handouts
from tests.fleet.factories import DeviceFactory, LoanFactory
from tests.repairs.factories import TicketFactory
from tests.students.factories import (
    AgreementFactory,
    ChargeFactory,
    HandoutFactory,
    PaymentFactory,
    StudentFactory,
    assigned_by_import,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("students:student_list")
HTMX = {"HX-Request": "true"}


def detail_url(student) -> str:
    return reverse("students:student_detail", args=[student.pk])


def show_names(shown: bool = True) -> None:
    district = District.current()
    district.student_names_shown = shown
    district.save()


def held_history(student, *, days_ago: int = 30):
    """A device handed out and collected back damaged with its ticket, a ticket opened while
    they held it, a loaner, and a charge with a payment."""
    start = timezone.now() - dt.timedelta(days=days_ago)
    device = DeviceFactory.create()
    ticket = TicketFactory.create(device=device, opened_at=start + dt.timedelta(days=days_ago - 1))
    HandoutFactory.create(
        student=student,
        device=device,
        handed_out_at=start,
        agreement=AgreementFactory.create(),
        collected_at=start + dt.timedelta(days=days_ago - 1),
        condition_in=Condition.DAMAGED,
        ticket=ticket,
    )
    TicketFactory.create(device=device, opened_at=start + dt.timedelta(days=2))  # while held
    TicketFactory.create(device=device, opened_at=start - dt.timedelta(days=5))  # before: not theirs
    LoanFactory.create(borrower_id=student.identifier, checked_out_at=start + dt.timedelta(days=3))
    charge = ChargeFactory.create(
        student=student,
        device=device,
        amount=Decimal("40.00"),
        amount_paid=Decimal("15.00"),
        status=ChargeStatus.PARTLY_PAID,
    )
    PaymentFactory.create(charge=charge, amount=Decimal("15.00"))


def test_student_page_shows_one_timeline_of_devices_tickets_loans_and_charges(login, technician):
    student = StudentFactory.create(identifier="1000001", given_name="Avery")
    held_history(student)
    body = login(technician).get(detail_url(student)).content.decode()
    kinds = [part.split('"')[0] for part in body.split('data-kind="')[1:]]
    assert sorted(kinds) == sorted(["handout", "return", "ticket", "ticket", "loan", "charge", "payment"])
    assert "Signed agreement version" in body and "condition damaged" in body
    assert 'data-balance="25.00"' in body
    assert "Avery" not in body  # names off


def test_student_page_shows_names_only_when_the_district_shows_them(login, technician):
    show_names()
    student = StudentFactory.create(given_name="Avery", family_name="Adams")
    assert "Avery Adams" in login(technician).get(detail_url(student)).content.decode()


def test_student_page_query_count_does_not_grow_with_the_timeline(
    login, technician, django_assert_num_queries
):
    student = StudentFactory.create()
    held_history(student)
    client = login(technician)
    client.get(detail_url(student))
    with django_assert_num_queries(10) as one:
        client.get(detail_url(student))
    for days in (60, 90, 120):
        held_history(student, days_ago=days)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(detail_url(student)).status_code == 200


def test_student_page_says_a_device_assigned_by_import_was_not_signed_in_the_app(
    login, technician, django_assert_num_queries
):
    student = StudentFactory.create()
    held_history(student)
    client = login(technician)
    client.get(detail_url(student))
    with django_assert_num_queries(10) as one:
        client.get(detail_url(student))
    device = assigned_by_import(student, asset_tag="CB-940001")
    handouts.handout_collect_assigned(student=student, device=device, actor=technician, condition_in="fair")

    with django_assert_num_queries(len(one.captured_queries)):
        body = client.get(detail_url(student)).content.decode()

    assert "<strong>Assigned</strong>" in body and "by import, condition not recorded" in body
    assert "Not signed in the app: assigned outside the hand-out screen." in body
    assert "Collected</strong>" in body and "condition fair: worn, works" in body


def test_student_page_is_404_for_other_schools_and_roles_without_students(login, school_admin, procurement):
    own = StudentFactory.create(school=school_admin.profile.locations.get())
    other = StudentFactory.create()
    assert login(school_admin).get(detail_url(own)).status_code == 200
    assert login(school_admin).get(detail_url(other)).status_code == 404
    assert login(procurement).get(detail_url(own)).status_code == 404


def test_student_list_is_refused_to_procurement(login, procurement):
    assert login(procurement).get(LIST_URL).status_code == 403


def test_student_list_finds_by_id_prefix_and_htmx_gets_the_results_only(login, technician):
    StudentFactory.create(identifier="1000001")
    StudentFactory.create(identifier="2000001")
    response = login(technician).get(LIST_URL, {"q": "100"}, headers=HTMX)
    body = response.content.decode()
    assert (
        body.strip().startswith('<div id="student-results">') and "1000001" in body and "2000001" not in body
    )
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_student_list_pages_by_id_after_the_last_shown(login, technician):
    for n in range(55):
        StudentFactory.create(identifier=f"S{n:04d}")
    client = login(technician)
    first = client.get(LIST_URL).content.decode()
    assert "S0049" in first and "S0050" not in first and "after=S0049" in first
    second = client.get(LIST_URL, {"after": "S0049"}).content.decode()
    assert "S0050" in second and "S0054" in second and "S0049<" not in second


def test_student_list_query_count_is_pinned(login, technician, django_assert_num_queries):
    for _ in range(30):
        StudentFactory.create()
    client = login(technician)
    client.get(LIST_URL)
    with django_assert_num_queries(5):
        assert client.get(LIST_URL).status_code == 200


def test_student_list_matches_names_only_while_they_are_shown(login, technician):
    StudentFactory.create(identifier="1000001", given_name="Avery")
    client = login(technician)
    assert "1000001" not in client.get(LIST_URL, {"q": "Avery"}).content.decode()
    show_names()
    assert "1000001" in client.get(LIST_URL, {"q": "Avery"}).content.decode()


# The scan box ----------------------------------------------------------------------------------

SCAN_URL = reverse("portal:scan_search")


def test_scan_box_opens_a_student_by_exact_id(login, technician):
    student = StudentFactory.create(identifier="1000001")
    response = login(technician).get(SCAN_URL, {"q": "1000001", "exact": "1"})
    assert response.status_code == 302 and response.url == detail_url(student)
    htmx = login(technician).get(SCAN_URL, {"q": "1000001", "exact": "1"}, headers=HTMX)
    assert htmx["HX-Redirect"] == detail_url(student)


def test_scan_box_prefers_a_device_with_that_tag(login, technician):
    device = DeviceFactory.create(asset_tag="1000001")
    StudentFactory.create(identifier="1000001")
    response = login(technician).get(SCAN_URL, {"q": "1000001", "exact": "1"})
    assert response.url == reverse("fleet:device_detail", args=[device.pk])


def test_scan_box_never_finds_a_student_for_procurement(login, procurement):
    StudentFactory.create(identifier="1000001")
    response = login(procurement).get(SCAN_URL, {"q": "1000001", "exact": "1"})
    assert response.status_code == 200 and "/students/" not in response.content.decode()
    typed = login(procurement).get(SCAN_URL, {"q": "1000001"}, headers=HTMX).content.decode()
    assert "student-match" not in typed


def test_scan_box_dropdown_lists_the_student_above_the_devices(login, technician):
    student = StudentFactory.create(identifier="1000001")
    body = login(technician).get(SCAN_URL, {"q": "1000001"}, headers=HTMX).content.decode()
    assert body.strip().startswith("{#") is False and body.index("student-match") < body.index(
        "search-results"
    )
    assert detail_url(student) in body


def test_students_menu_entry_shows_for_student_roles_only(login, technician, procurement):
    assert f'href="{LIST_URL}"' in login(technician).get("/").content.decode()
    assert f'href="{LIST_URL}"' not in login(procurement).get("/").content.decode()
