"""Loaner pages over HTTP: who may, lending and returning through htmx, query counts."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.choices import CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent, Device, Location
from repairs.choices import TicketStatus
from repairs.models import Loan
from tests.fleet.factories import DeviceFactory, LoanFactory, LocationFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
POOLS_URL = reverse("loans:loaner_pool_list")
DUE_URL = reverse("loans:loan_due_list")


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def _said(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The messages an htmx answer carries to the page (HX-Trigger, shown by app.js)."""
    return [message["text"] for message in json.loads(response.get("HX-Trigger", "{}")).get("messages", [])]


def _loaner(location: Location, tag: str | None = None) -> Device:
    extra = {"asset_tag": tag} if tag else {}
    return DeviceFactory.create(location=location, is_loaner=True, status=DeviceStatus.LOANER_POOL, **extra)


@pytest.fixture
def school() -> Location:
    return LocationFactory.create(name="Laurel Elementary")


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pools", "due", "pool"])
def test_loaner_pages_for_anonymous_redirect_to_login(client: Client, school: Location, name: str):
    url = {"pools": POOLS_URL, "due": DUE_URL, "pool": reverse("loans:loaner_pool", args=[school.pk])}[name]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["pools", "due", "pool"])
def test_loaner_pages_for_user_without_role_are_forbidden(
    no_role_user: User, login: Callable[[User], Client], school: Location, name: str
):
    url = {"pools": POOLS_URL, "due": DUE_URL, "pool": reverse("loans:loaner_pool", args=[school.pk])}[name]

    assert login(no_role_user).get(url).status_code == 403


@pytest.mark.parametrize("actor", ["technician", "supervisor", "procurement", "admin_user"])
def test_loaner_pool_for_each_viewing_role_renders(
    actor: str, request: pytest.FixtureRequest, login: Callable[[User], Client], school: Location
):
    response = login(request.getfixturevalue(actor)).get(reverse("loans:loaner_pool", args=[school.pk]))

    assert response.status_code == 200
    assert ('id="loan-check-out-form"' in _html(response)) is (actor != "procurement")


def test_loaner_pool_of_another_school_is_not_found_for_school_admin(
    school_admin: User, login: Callable[[User], Client], school: Location
):
    client = login(school_admin)
    own = school_admin.profile.locations.get()

    assert client.get(reverse("loans:loaner_pool", args=[school.pk])).status_code == 404
    response = client.get(reverse("loans:loaner_pool", args=[own.pk]))
    assert response.status_code == 200
    assert 'id="loan-check-out-form"' not in _html(response)


@pytest.mark.parametrize("actor", ["school_admin", "procurement"])
def test_loan_check_out_and_return_for_roles_that_may_not_change_devices_are_forbidden(
    actor: str, request: pytest.FixtureRequest, login: Callable[[User], Client], school: Location
):
    client = login(request.getfixturevalue(actor))
    loaner, ticket = _loaner(school), TicketFactory.create()
    loan = LoanFactory.create(loaner__location=school)

    check_out = client.post(
        reverse("loans:loan_check_out", args=[school.pk]),
        {"ticket_id": ticket.pk, "code": loaner.asset_tag, "borrower_id": "S1"},
    )
    returned = client.post(reverse("loans:loan_return", args=[loan.pk]))

    assert (check_out.status_code, returned.status_code) == (403, 403)
    assert Loan.objects.filter(returned_at__isnull=True).count() == 1


# Lending and returning ------------------------------------------------------------------------


def test_loan_check_out_lends_the_scanned_loaner_and_re_renders_the_pool(
    technician: User, login: Callable[[User], Client], school: Location
):
    loaner = _loaner(school, "LN-0042")
    ticket = TicketFactory.create(device__location=school, status=TicketStatus.AT_VENDOR)

    response = login(technician).post(
        reverse("loans:loan_check_out", args=[school.pk]),
        {"ticket_id": ticket.pk, "code": "ln-0042", "borrower_id": "S7654321"},
        headers=HTMX,
    )

    html = _html(response)
    assert html.lstrip().startswith('<div id="loaner-pool">')
    assert _said(response) == [f"LN-0042 lent for ticket {ticket.pk}."]
    assert "Out (1, 0 due back)" in html
    assert "S7654321" in html
    loan = Loan.objects.get()
    assert (loan.loaner, loan.ticket, loan.borrower_id) == (loaner, ticket, "S7654321")
    assert CustodyEvent.objects.get().kind == CustodyEventKind.LOANED


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ticket_id", "999999", "No ticket 999999."),
        ("code", "NO-SUCH-TAG", "No single device has the asset tag or serial"),
        ("borrower_id", "Jane Doe", "letters and digits only, no names"),
    ],
)
def test_loan_check_out_with_bad_input_shows_the_form_error_and_lends_nothing(
    technician: User, login: Callable[[User], Client], school: Location, field: str, value: str, message: str
):
    loaner = _loaner(school)
    data = {
        "ticket_id": TicketFactory.create().pk,
        "code": loaner.asset_tag,
        "borrower_id": "S1",
        field: value,
    }

    response = login(technician).post(reverse("loans:loan_check_out", args=[school.pk]), data, headers=HTMX)

    assert response.status_code == 200
    assert message in _html(response)
    assert not Loan.objects.exists()


def test_loan_check_out_against_a_closed_ticket_shows_the_refusal(
    technician: User, login: Callable[[User], Client], school: Location
):
    loaner = _loaner(school)
    ticket = TicketFactory.create(status=TicketStatus.CLOSED)

    html = _html(
        login(technician).post(
            reverse("loans:loan_check_out", args=[school.pk]),
            {"ticket_id": ticket.pk, "code": loaner.asset_tag, "borrower_id": "S1"},
            headers=HTMX,
        )
    )

    assert f"Ticket {ticket.pk} is closed: a loaner goes out only against an open ticket." in html
    assert not Loan.objects.exists()


def test_loan_return_from_the_pool_page_re_renders_the_pool(
    technician: User, login: Callable[[User], Client], school: Location
):
    loan = LoanFactory.create(loaner__location=school, loaner__asset_tag="LN-0007")

    response = login(technician).post(reverse("loans:loan_return", args=[loan.pk]), headers=HTMX)

    html = _html(response)
    assert html.lstrip().startswith('<div id="loaner-pool">')
    assert _said(response) == ["LN-0007 is back in the pool."]
    assert "Available (1)" in html
    loan.refresh_from_db()
    assert loan.returned_at is not None


def test_loan_return_from_the_due_list_re_renders_only_the_row(
    technician: User, login: Callable[[User], Client], school: Location
):
    loan = LoanFactory.create(loaner__location=school, ticket__status=TicketStatus.REPAIRED)

    response = login(technician).post(
        reverse("loans:loan_return", args=[loan.pk]), {"from": "due"}, headers=HTMX
    )

    html = _html(response)
    assert html.lstrip().startswith(f'<tr id="due-row-{loan.pk}">')
    assert "Back in the pool" in html
    assert _said(response) == [f"{loan.loaner.asset_tag} is back in the pool."]


def test_loan_return_twice_shows_the_error(
    technician: User, login: Callable[[User], Client], school: Location
):
    loan = LoanFactory.create(loaner__location=school)
    client = login(technician)
    client.post(reverse("loans:loan_return", args=[loan.pk]), headers=HTMX)

    html = _html(client.post(reverse("loans:loan_return", args=[loan.pk]), headers=HTMX))

    assert "This loaner was already returned." in html


def test_loan_return_without_htmx_redirects_to_the_pool(
    technician: User, login: Callable[[User], Client], school: Location
):
    loan = LoanFactory.create(loaner__location=school)

    response = login(technician).post(reverse("loans:loan_return", args=[loan.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("loans:loaner_pool", args=[school.pk])


def test_loaner_pool_htmx_returns_the_pool_fragment(
    technician: User, login: Callable[[User], Client], school: Location
):
    response = login(technician).get(reverse("loans:loaner_pool", args=[school.pk]), headers=HTMX)

    assert _html(response).lstrip().startswith('<div id="loaner-pool">')
    assert "HX-Request" in response["Vary"]


def test_loan_due_list_shows_loans_whose_device_is_repaired(
    technician: User, login: Callable[[User], Client]
):
    due = LoanFactory.create(loaner__asset_tag="LN-DUE", ticket__status=TicketStatus.REPAIRED)
    LoanFactory.create(loaner__asset_tag="LN-WAIT", ticket__status=TicketStatus.IN_PROGRESS)

    html = _html(login(technician).get(DUE_URL))

    assert f'id="due-row-{due.pk}"' in html
    assert "LN-DUE" in html and "LN-WAIT" not in html


def test_loan_due_list_for_school_admin_holds_only_their_schools_loaners(
    school_admin: User, technician: User, login: Callable[[User], Client]
):
    own_school = school_admin.profile.locations.get()
    mine = LoanFactory.create(
        loaner__asset_tag="LN-MINE", loaner__location=own_school, ticket__status=TicketStatus.REPAIRED
    )
    other = LoanFactory.create(loaner__asset_tag="LN-OTHER", ticket__status=TicketStatus.CLOSED)

    own = _html(login(school_admin).get(DUE_URL))
    everyone = _html(login(technician).get(DUE_URL))

    assert f'id="due-row-{mine.pk}"' in own and "LN-OTHER" not in own
    assert f'id="due-row-{mine.pk}"' in everyone and f'id="due-row-{other.pk}"' in everyone


# Query counts ---------------------------------------------------------------------------------


def _schools_with_loans(n: int) -> list[Location]:
    schools = []
    for _ in range(n):
        school = LocationFactory.create()
        _loaner(school)
        LoanFactory.create(loaner__location=school, ticket__status=TicketStatus.REPAIRED)
        LoanFactory.create(loaner__location=school, ticket__status=TicketStatus.NEW)
        schools.append(school)
    return schools


# Pools: the session, the user, the groups, the loaners per school and status, the due loans, the
# schools. Due: the same first three, the count, the page's loan ids, then their rows.
@pytest.mark.parametrize(("url", "queries"), [(POOLS_URL, 6), (DUE_URL, 6)])
def test_loaner_lists_query_count_does_not_grow_with_schools(
    technician: User,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
    url: str,
    queries: int,
):
    client = login(technician)
    _schools_with_loans(3)
    client.get(url)
    with django_assert_num_queries(queries):
        client.get(url)
    _schools_with_loans(3)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_loaner_pool_query_count_does_not_grow_with_loans(
    technician: User, login: Callable[[User], Client], django_assert_num_queries: DjangoAssertNumQueries
):
    client = login(technician)
    school = _schools_with_loans(1)[0]
    url = reverse("loans:loaner_pool", args=[school.pk])
    client.get(url)
    with django_assert_num_queries(6):
        client.get(url)
    for _ in range(3):
        _loaner(school)
        LoanFactory.create(loaner__location=school, ticket__status=TicketStatus.CLOSED)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert "Out (5, 4 due back)" in _html(response)


def test_loan_due_list_is_paged_fifty_loans_at_a_time(technician: User, login: Callable[[User], Client]):
    loans = [LoanFactory.create(ticket__status=TicketStatus.REPAIRED) for _ in range(51)]
    client = login(technician)

    first = _html(client.get(DUE_URL))
    second = _html(client.get(DUE_URL, {"page": 2}))

    assert first.count('id="due-row-') == 50 and second.count('id="due-row-') == 1
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    shown = {loan.pk for loan in loans if f'id="due-row-{loan.pk}"' in first + second}
    assert shown == {loan.pk for loan in loans}  # every due loan on one page or the other
