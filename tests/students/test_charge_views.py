"""Charge pages, the fee schedule and the ticket's charge panel: allowed, denied, not visible,
htmx fragments, errors beside their fields and pinned query counts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.models import District, Location
from repairs.choices import DamageCause
from students.choices import ChargeStatus
from students.models import Charge, ChargePolicy, FeeRule, Payment
from tests.fleet.factories import DeviceModelFactory
from tests.repairs.factories import TicketFactory
from tests.students.factories import (
    ChargeFactory,
    FeeRuleFactory,
    HandoutFactory,
    PaymentFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
HTMX = {"HX-Request": "true"}


def _error_beside(response, field_id: str) -> str:
    """The error shown under the field with this element id (empty when there is none)."""
    body = response.content.decode()
    marker = f'id="{field_id}_error"'
    if marker not in body:
        return ""
    after = body.split(marker, 1)[1]
    return after.split('invalid-feedback d-block">', 1)[1].split("</div>", 1)[0]


@pytest.fixture
def school(school_admin: User) -> Location:
    return school_admin.profile.locations.get()


# The list ------------------------------------------------------------------------------------


def test_charge_list_shows_charges_newest_first(login: Login, supervisor: User) -> None:
    older = ChargeFactory.create(status=ChargeStatus.OPEN)
    newer = ChargeFactory.create(status=ChargeStatus.PROPOSED)

    response = login(supervisor).get(reverse("students:charge_list"))

    assert response.status_code == 200
    assert [c.pk for c in response.context["page"]] == [newer.pk, older.pk]
    assert older.student.identifier in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_charge_list_filters_by_status_and_school_and_htmx_returns_the_results(
    login: Login, admin_user: User
) -> None:
    wanted = ChargeFactory.create(status=ChargeStatus.OPEN)
    ChargeFactory.create(
        status=ChargeStatus.PAID, student=StudentFactory.create(school=wanted.student.school)
    )
    ChargeFactory.create(status=ChargeStatus.OPEN)

    response = login(admin_user).get(
        reverse("students:charge_list"),
        {"status": "open", "school": str(wanted.student.school_id)},
        headers=HTMX,
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="charge-results">')
    assert [c.pk for c in response.context["page"]] == [wanted.pk]


def test_charge_list_with_a_bad_filter_says_so_and_lists_nothing(login: Login, supervisor: User) -> None:
    ChargeFactory.create()

    response = login(supervisor).get(reverse("students:charge_list"), {"status": "owing"})

    assert "Check the filters" in response.content.decode()
    assert list(response.context["page"]) == []


def test_charge_list_for_a_school_admin_shows_only_their_schools(
    login: Login, school_admin: User, school: Location
) -> None:
    mine = ChargeFactory.create(student=StudentFactory.create(school=school))
    ChargeFactory.create()

    response = login(school_admin).get(reverse("students:charge_list"))

    assert [c.pk for c in response.context["page"]] == [mine.pk]


@pytest.mark.parametrize("role", ["technician", "procurement", "no_role_user"])
def test_charge_pages_are_denied_to_roles_that_do_not_manage_charges(
    login: Login, request, role: str
) -> None:
    charge = ChargeFactory.create()
    client = login(request.getfixturevalue(role))

    assert client.get(reverse("students:charge_list")).status_code == 403
    assert client.get(reverse("students:charge_detail", args=[charge.pk])).status_code == 403
    assert (
        client.post(
            reverse("students:charge_waive", args=[charge.pk]), {"reason": "x", "version": 1}
        ).status_code
        == 403
    )


def test_charge_list_signed_out_goes_to_sign_in(client: Client) -> None:
    response = client.get(reverse("students:charge_list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_charge_list_query_count_does_not_grow_with_rows(
    login: Login, supervisor: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    ChargeFactory.create_batch(3)
    client = login(supervisor)
    client.get(reverse("students:charge_list"))  # warm the session and the district row
    with django_assert_num_queries(6):
        client.get(reverse("students:charge_list"))
    ChargeFactory.create_batch(5)
    with django_assert_num_queries(6):
        client.get(reverse("students:charge_list"))


# One charge ----------------------------------------------------------------------------------


def test_charge_detail_of_another_school_is_not_found(login: Login, school_admin: User) -> None:
    other = ChargeFactory.create()
    client = login(school_admin)

    assert client.get(reverse("students:charge_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("students:charge_detail", args=[99_999_999])).status_code == 404
    assert (
        client.post(
            reverse("students:charge_pay", args=[other.pk]), {"amount": "1", "method": "cash"}
        ).status_code
        == 404
    )


def test_charge_detail_shows_the_forms_its_status_allows(login: Login, supervisor: User) -> None:
    proposed = ChargeFactory.create(status=ChargeStatus.PROPOSED)
    paid = ChargeFactory.create(status=ChargeStatus.PAID, amount_paid=Decimal("25.00"))
    client = login(supervisor)

    body = client.get(reverse("students:charge_detail", args=[proposed.pk])).content.decode()
    assert 'id="charge-confirm-form"' in body and 'id="charge-waive-form"' in body
    assert 'id="charge-pay-form"' not in body
    body = client.get(reverse("students:charge_detail", args=[paid.pk])).content.decode()
    assert "Nothing more is owed on this charge." in body


def test_charge_detail_shows_names_only_when_the_district_keeps_them(login: Login, supervisor: User) -> None:
    charge = ChargeFactory.create(student=StudentFactory.create(given_name="Ada", family_name="Lovelace"))
    client = login(supervisor)

    assert "Lovelace" not in client.get(reverse("students:charge_detail", args=[charge.pk])).content.decode()
    District.objects.filter(pk=District.current().pk).update(student_names_shown=True)
    assert "Lovelace" in client.get(reverse("students:charge_detail", args=[charge.pk])).content.decode()


def test_charge_confirm_with_a_changed_amount_opens_it(login: Login, supervisor: User) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED, amount=Decimal("40.00"))

    response = login(supervisor).post(
        reverse("students:charge_confirm", args=[charge.pk]),
        {"amount": "30.00", "reason": "Case reused", "version": charge.version},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("students:charge_detail", args=[charge.pk])
    charge.refresh_from_db()
    assert (charge.status, charge.amount, charge.reason) == (
        ChargeStatus.OPEN,
        Decimal("30.00"),
        "Case reused",
    )


def test_charge_confirm_without_a_reason_shows_it_beside_reason(login: Login, supervisor: User) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED, amount=Decimal("40.00"))

    response = login(supervisor).post(
        reverse("students:charge_confirm", args=[charge.pk]),
        {"amount": "30.00", "reason": "", "version": charge.version},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section class="card" id="charge-actions"')
    assert _error_beside(response, "confirm_reason") == "Say why the amount differs from the fee of 40.00."
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.PROPOSED


def test_charge_confirm_stale_answers_409_and_says_to_reload(login: Login, supervisor: User) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED, version=4)

    response = login(supervisor).post(
        reverse("students:charge_confirm", args=[charge.pk]), {"amount": "", "reason": "", "version": 3}
    )

    assert response.status_code == 409
    assert "changed since you opened it" in response.content.decode()


def test_charge_pay_records_a_partial_payment_and_links_its_receipt(login: Login, supervisor: User) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.OPEN, amount=Decimal("60.00"))
    client = login(supervisor)

    response = client.post(
        reverse("students:charge_pay", args=[charge.pk]), {"amount": "15.50", "method": "cash", "note": ""}
    )

    assert response.status_code == 302
    payment = Payment.objects.get()
    charge.refresh_from_db()
    assert (charge.status, charge.amount_paid) == (ChargeStatus.PARTLY_PAID, Decimal("15.50"))
    page = client.get(response["Location"]).content.decode()
    assert f"receipt {payment.receipt_number}" in page
    assert reverse("students:payment_receipt", args=[payment.pk]) in page


def test_charge_pay_over_the_balance_shows_the_error_beside_amount(login: Login, supervisor: User) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.OPEN, amount=Decimal("20.00"))

    response = login(supervisor).post(
        reverse("students:charge_pay", args=[charge.pk]), {"amount": "20.01", "method": "cash"}, headers=HTMX
    )

    assert _error_beside(response, "pay_amount") == "That is more than the 20.00 still owed."
    assert not Payment.objects.exists()


def test_charge_waive_without_a_reason_names_the_field(login: Login, supervisor: User) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.OPEN)

    response = login(supervisor).post(
        reverse("students:charge_waive", args=[charge.pk]),
        {"reason": "", "version": charge.version},
        headers=HTMX,
    )

    assert _error_beside(response, "waive_reason") == "This field is required."
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.OPEN


def test_charge_waive_with_a_reason_waives_it(login: Login, school_admin: User, school: Location) -> None:
    charge = ChargeFactory.create(status=ChargeStatus.OPEN, student=StudentFactory.create(school=school))

    response = login(school_admin).post(
        reverse("students:charge_waive", args=[charge.pk]), {"reason": "Hardship", "version": charge.version}
    )

    assert response.status_code == 302
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.WAIVED


# Receipts ------------------------------------------------------------------------------------


def test_payment_receipt_prints_the_district_name_and_the_balance_after_it(
    login: Login, supervisor: User
) -> None:
    District.current()
    District.objects.filter(pk=1).update(name="Lakeside Unified")
    charge = ChargeFactory.create(
        status=ChargeStatus.PAID, amount=Decimal("50.00"), amount_paid=Decimal("50.00")
    )
    first = PaymentFactory.create(charge=charge, amount=Decimal("20.00"))
    PaymentFactory.create(charge=charge, amount=Decimal("30.00"))

    response = login(supervisor).get(reverse("students:payment_receipt", args=[first.pk]))

    body = response.content.decode()
    assert "Lakeside Unified" in body
    assert f"Receipt {first.receipt_number}" in body
    assert response.context["balance_after"] == Decimal("30.00")


def test_payment_receipt_of_another_school_is_not_found_and_denied_to_technicians(
    login: Login, school_admin: User, technician: User
) -> None:
    payment = PaymentFactory.create()

    assert login(school_admin).get(reverse("students:payment_receipt", args=[payment.pk])).status_code == 404
    assert login(technician).get(reverse("students:payment_receipt", args=[payment.pk])).status_code == 403


# The fee schedule ----------------------------------------------------------------------------


def test_fee_schedule_lists_fees_for_supervisors_and_is_denied_to_school_admins(
    login: Login, supervisor: User, school_admin: User
) -> None:
    FeeRuleFactory.create(device_model=None, damage_cause=DamageCause.LOST, amount=Decimal("310.00"))

    page = login(supervisor).get(reverse("students:fee_schedule"))
    assert page.status_code == 200
    assert "$310.00" in page.content.decode()
    assert login(school_admin).get(reverse("students:fee_schedule")).status_code == 403
    assert login(school_admin).post(reverse("students:fee_rule_save"), {}).status_code == 403


def test_fee_rule_save_sets_and_then_changes_a_fee(login: Login, admin_user: User) -> None:
    model = DeviceModelFactory.create()
    client = login(admin_user)
    data = {"damage_cause": "liquid", "device_model": model.pk, "amount": "80.00", "insurance_covers": "on"}

    client.post(reverse("students:fee_rule_save"), data)
    client.post(reverse("students:fee_rule_save"), {**data, "amount": "85.00"})

    rule = FeeRule.objects.get()
    assert (rule.amount, rule.insurance_covers, rule.first_incident_waived) == (Decimal("85.00"), True, False)


def test_fee_rule_save_with_bad_input_shows_errors_beside_fields(login: Login, supervisor: User) -> None:
    response = login(supervisor).post(
        reverse("students:fee_rule_save"), {"damage_cause": "wear", "amount": "-3"}, headers=HTMX
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card mb-3" id="rule-form"')
    assert "not one of the available choices" in _error_beside(response, "fee_damage_cause")
    assert _error_beside(response, "fee_amount") == "Ensure this value is greater than or equal to 0.00."
    assert not FeeRule.objects.exists()


def test_fee_rule_delete_removes_an_unused_fee_and_refuses_a_used_one(login: Login, supervisor: User) -> None:
    unused = FeeRuleFactory.create()
    used = FeeRuleFactory.create()
    ChargeFactory.create(fee_rule=used)
    client = login(supervisor)

    client.post(reverse("students:fee_rule_delete", args=[unused.pk]))
    response = client.post(reverse("students:fee_rule_delete", args=[used.pk]), follow=True)

    assert list(FeeRule.objects.all()) == [used]
    assert "stays on record" in response.content.decode()
    assert client.post(reverse("students:fee_rule_delete", args=[99_999_999])).status_code == 404


def test_charge_policy_update_sets_the_hold_and_refuses_a_bad_threshold(
    login: Login, supervisor: User
) -> None:
    client = login(supervisor)

    client.post(reverse("students:charge_policy_update"), {"hold_enabled": "on", "hold_threshold": "5.00"})
    assert (ChargePolicy.objects.get().hold_enabled, ChargePolicy.objects.get().hold_threshold) == (
        True,
        Decimal("5.00"),
    )
    response = client.post(
        reverse("students:charge_policy_update"), {"hold_threshold": "1.234"}, headers=HTMX
    )
    assert (
        _error_beside(response, "hold_hold_threshold")
        == "Ensure that there are no more than 2 decimal places."
    )
    assert response.content.decode().lstrip().startswith('<section class="card mb-3" id="policy-form"')
    assert ChargePolicy.objects.get().hold_threshold == Decimal("5.00")


# The repair ticket's panel -------------------------------------------------------------------


def _handed_out_ticket(cause: str = DamageCause.ACCIDENTAL):
    handout = HandoutFactory.create()
    ticket = TicketFactory.create(device=handout.device, damage_cause=cause)
    return handout, ticket


def test_ticket_page_offers_to_propose_a_charge_and_the_button_proposes_it(
    login: Login, technician: User
) -> None:
    FeeRuleFactory.create(device_model=None, amount=Decimal("45.00"))
    handout, ticket = _handed_out_ticket()
    client = login(technician)

    page = client.get(reverse("repairs:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'id="propose-charge"' in page
    assert handout.student.identifier in page

    response = client.post(reverse("students:ticket_charge_propose", args=[ticket.pk]), headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card mb-3" id="ticket-charge"')
    assert "Proposed" in body and "$45.00" in body
    charge = Charge.objects.get()
    assert (charge.ticket, charge.handout, charge.student) == (ticket, handout, handout.student)
    client.post(reverse("students:ticket_charge_propose", args=[ticket.pk]), headers=HTMX)
    assert Charge.objects.count() == 1


def test_ticket_page_shows_no_panel_for_an_uncharged_cause_or_a_device_no_student_had(
    login: Login, technician: User
) -> None:
    _, wear = _handed_out_ticket(DamageCause.WEAR)
    not_handed_out = TicketFactory.create(damage_cause=DamageCause.ACCIDENTAL)
    client = login(technician)

    for ticket in (wear, not_handed_out):
        assert (
            'id="ticket-charge"'
            not in client.get(reverse("repairs:ticket_detail", args=[ticket.pk])).content.decode()
        )
    response = client.post(reverse("students:ticket_charge_propose", args=[wear.pk]), follow=True)
    assert "not charged to a student" in response.content.decode()
    assert not Charge.objects.exists()


def test_ticket_charge_propose_without_a_fee_says_so(login: Login, technician: User) -> None:
    _, ticket = _handed_out_ticket()

    response = login(technician).post(
        reverse("students:ticket_charge_propose", args=[ticket.pk]), headers=HTMX
    )

    assert "no fee for this damage" in response.content.decode()
    assert not Charge.objects.exists()


def test_ticket_charge_propose_is_denied_to_procurement_and_404_for_a_missing_ticket(
    login: Login, procurement: User, technician: User
) -> None:
    _, ticket = _handed_out_ticket()

    assert (
        login(procurement).post(reverse("students:ticket_charge_propose", args=[ticket.pk])).status_code
        == 403
    )
    assert (
        login(technician).post(reverse("students:ticket_charge_propose", args=[99_999_999])).status_code
        == 404
    )
