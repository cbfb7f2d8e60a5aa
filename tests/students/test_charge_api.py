"""Charges API: allowed, denied, not visible, field errors, conflicts and a fixed query count."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.models import User
from fleet.models import Location
from students.choices import ChargeStatus
from students.models import Charge, Payment
from tests.students.factories import ChargeFactory, PaymentFactory, StudentFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User], APIClient]
LIST = "/api/charges/"


@pytest.fixture
def school(school_admin: User) -> Location:
    return school_admin.profile.locations.get()


def test_charge_list_for_a_supervisor_with_filters(token_api_client: ClientFor, supervisor: User) -> None:
    open_charge = ChargeFactory.create(status=ChargeStatus.OPEN, amount=Decimal("12.50"))
    ChargeFactory.create(status=ChargeStatus.WAIVED)
    client = token_api_client(supervisor)

    rows = client.get(LIST, {"status": "open"}).json()["results"]

    assert [row["id"] for row in rows] == [open_charge.pk]
    assert (rows[0]["student"], rows[0]["amount"], rows[0]["balance"]) == (
        open_charge.student.identifier,
        "12.50",
        "12.50",
    )
    assert client.get(LIST, {"status": "owing"}).status_code == 400


def test_charge_list_for_a_school_admin_is_their_schools_only(
    token_api_client: ClientFor, school_admin: User, school: Location
) -> None:
    mine = ChargeFactory.create(student=StudentFactory.create(school=school))
    ChargeFactory.create()

    rows = token_api_client(school_admin).get(LIST).json()["results"]

    assert [row["id"] for row in rows] == [mine.pk]


@pytest.mark.parametrize("role", ["technician", "procurement"])
def test_charges_api_is_denied_to_roles_that_do_not_manage_charges(
    token_api_client: ClientFor, request: pytest.FixtureRequest, role: str
) -> None:
    charge = ChargeFactory.create()
    client = token_api_client(request.getfixturevalue(role))

    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{charge.pk}/").status_code == 403
    assert client.post(f"{LIST}{charge.pk}/pay/", {"amount": "1.00", "method": "cash"}).status_code == 403


def test_charges_api_signed_out_is_refused(api_client: APIClient) -> None:
    assert api_client.get(LIST).status_code in (401, 403)


def test_charge_list_query_count_does_not_grow_with_rows(
    token_api_client: ClientFor, supervisor: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    ChargeFactory.create_batch(2)
    client = token_api_client(supervisor)
    client.get(LIST)
    with django_assert_num_queries(4):
        client.get(LIST)
    ChargeFactory.create_batch(4)
    with django_assert_num_queries(4):
        client.get(LIST)


def test_charge_detail_lists_payments_and_hides_other_schools(
    token_api_client: ClientFor, school_admin: User, supervisor: User
) -> None:
    payment = PaymentFactory.create(amount=Decimal("4.00"))

    body = token_api_client(supervisor).get(f"{LIST}{payment.charge_id}/").json()
    assert [(p["receipt_number"], p["amount"]) for p in body["payments"]] == [
        (payment.receipt_number, "4.00")
    ]
    assert token_api_client(school_admin).get(f"{LIST}{payment.charge_id}/").status_code == 404


def test_charge_pay_answers_the_payment_and_refuses_an_overpayment_naming_amount(
    token_api_client: ClientFor, supervisor: User
) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.OPEN, amount=Decimal("30.00"))
    client = token_api_client(supervisor)

    paid = client.post(f"{LIST}{charge.pk}/pay/", {"amount": "10.00", "method": "card"})
    over = client.post(f"{LIST}{charge.pk}/pay/", {"amount": "20.01", "method": "card"})
    bad = client.post(f"{LIST}{charge.pk}/pay/", {"amount": "ten", "method": "goats"})

    assert paid.status_code == 201
    assert paid.json()["receipt_number"] == f"C{charge.pk:06d}-01"
    assert (over.status_code, over.json()) == (400, {"amount": ["That is more than the 20.00 still owed."]})
    assert (bad.status_code, set(bad.json())) == (400, {"amount", "method"})
    assert Charge.objects.get(pk=charge.pk).amount_paid == Decimal("10.00")
    assert Payment.objects.count() == 1


def test_charge_confirm_and_waive_check_the_version(token_api_client: ClientFor, supervisor: User) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED, amount=Decimal("30.00"))
    client = token_api_client(supervisor)

    stale = client.post(f"{LIST}{charge.pk}/confirm/", {"version": charge.version + 1})
    confirmed = client.post(
        f"{LIST}{charge.pk}/confirm/",
        {"version": charge.version, "amount": "25.00", "reason": "Partial damage"},
    )
    no_reason = client.post(f"{LIST}{charge.pk}/waive/", {"version": charge.version + 1, "reason": " "})
    waived = client.post(f"{LIST}{charge.pk}/waive/", {"version": charge.version + 1, "reason": "Hardship"})

    assert stale.status_code == 409
    assert (confirmed.status_code, confirmed.json()["status"], confirmed.json()["amount"]) == (
        200,
        "open",
        "25.00",
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert (waived.status_code, waived.json()["status"], waived.json()["balance"]) == (200, "waived", "0.00")


def test_charge_api_of_a_missing_charge_is_not_found(token_api_client: ClientFor, admin_user: User) -> None:
    client = token_api_client(admin_user)

    assert client.get(f"{LIST}99999999/").status_code == 404
    assert client.post(f"{LIST}99999999/waive/", {"version": 1, "reason": "x"}).status_code == 404
