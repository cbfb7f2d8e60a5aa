"""Charge pages: the list, one charge with its confirm, waive and pay forms, a payment's printable
receipt, the fee schedule with the hold policy, and proposing a charge from a repair ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial
from core.pagination import CappedPaginator
from fleet.models import District
from repairs import selectors as repair_selectors
from students import permissions, selectors
from students.choices import ChargeStatus
from students.filters import ChargeFilterSet
from students.forms import (
    ChargeConfirmForm,
    ChargePayForm,
    ChargePolicyForm,
    ChargeWaiveForm,
    FeeRuleForm,
)
from students.models import Charge
from students.services import charges as charge_services
from students.services import fees as fee_services

PAGE_SIZE = 50


def _require_manage(request: HtmxHttpRequest) -> None:
    if not permissions.can_manage_charges(request.user):
        raise PermissionDenied


def _require_policy(request: HtmxHttpRequest) -> None:
    if not permissions.can_edit_one_to_one_policy(request.user):
        raise PermissionDenied


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


def _back(request: HtmxHttpRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# The list and one charge ---------------------------------------------------------------------


@require_GET
@login_required
def charge_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_manage(request)
    # The form shows the filters and their errors; the selector applies them to what the user sees.
    filterset = ChargeFilterSet(request.GET, queryset=Charge.objects.none())
    valid = filterset.is_valid()
    rows = selectors.charge_list(user=request.user, filters=request.GET) if valid else Charge.objects.none()
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "can_edit_fees": permissions.can_edit_one_to_one_policy(request.user),
    }
    template = (
        "students/charge_list.html#charge-results" if is_partial(request) else "students/charge_list.html"
    )
    return _vary(render(request, template, context))


def _detail_context(request: HtmxHttpRequest, charge: Charge, **forms: Any) -> dict[str, Any]:
    return {
        "charge": charge,
        "payments": selectors.charge_payments(charge=charge),
        "confirm_form": forms.get("confirm_form")
        or ChargeConfirmForm(initial={"amount": charge.amount, "version": charge.version}),
        "waive_form": forms.get("waive_form") or ChargeWaiveForm(initial={"version": charge.version}),
        "pay_form": forms.get("pay_form") or ChargePayForm(initial={"amount": charge.balance}),
        "can_confirm": charge.status == ChargeStatus.PROPOSED,
        "can_waive": charge.status in charge_services.WAIVABLE_STATUSES,
        "can_pay": charge.status in charge_services.PAYABLE_STATUSES,
        "show_names": District.current().student_names_shown,
    }


@require_GET
@login_required
def charge_detail(request: HtmxHttpRequest, charge_id: int) -> HttpResponse:
    _require_manage(request)
    charge = selectors.charge_get(user=request.user, charge_id=charge_id)
    return render(request, "students/charge_detail.html", _detail_context(request, charge))


def _charge_action(
    request: HtmxHttpRequest,
    charge_id: int,
    form_name: str,
    form: Any,
    run: Callable[[Charge, dict[str, Any]], str],
) -> HttpResponse:
    """Shared by confirm, waive and pay: validate, call the service (which says what was done), go
    back to the charge; or re-render the actions with the refusal beside the field it names (409
    when the charge changed since the form was drawn)."""
    _require_manage(request)
    charge = selectors.charge_get(user=request.user, charge_id=charge_id)
    status = 200
    if form.is_valid():
        try:
            done = run(charge, form.cleaned_data)
        except DomainError as exc:
            status = domain_error_status(exc, form)
        else:
            return _back(request, reverse("students:charge_detail", args=[charge.pk]), done)
    charge = selectors.charge_get(user=request.user, charge_id=charge_id)
    context = _detail_context(request, charge, **{form_name: form})
    context["action_error"] = " ".join(form.non_field_errors()) or None
    template = (
        "students/charge_detail.html#charge-actions" if is_partial(request) else "students/charge_detail.html"
    )
    return render(request, template, context, status=status)


@require_POST
@login_required
def charge_confirm(request: HtmxHttpRequest, charge_id: int) -> HttpResponse:
    def run(charge: Charge, data: dict[str, Any]) -> str:
        confirmed = charge_services.charge_confirm(
            charge=charge,
            actor=request.user,
            amount=data["amount"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        return f"Charge confirmed: {confirmed.amount} owed."

    return _charge_action(request, charge_id, "confirm_form", ChargeConfirmForm(request.POST), run)


@require_POST
@login_required
def charge_waive(request: HtmxHttpRequest, charge_id: int) -> HttpResponse:
    def run(charge: Charge, data: dict[str, Any]) -> str:
        charge_services.charge_waive(
            charge=charge, actor=request.user, reason=data["reason"], expected_version=data["version"]
        )
        return "Charge waived: nothing more is owed on it."

    return _charge_action(request, charge_id, "waive_form", ChargeWaiveForm(request.POST), run)


@require_POST
@login_required
def charge_pay(request: HtmxHttpRequest, charge_id: int) -> HttpResponse:
    def run(charge: Charge, data: dict[str, Any]) -> str:
        payment = charge_services.charge_pay(charge=charge, actor=request.user, **data)
        return f"Payment of {payment.amount} recorded: receipt {payment.receipt_number}."

    return _charge_action(request, charge_id, "pay_form", ChargePayForm(request.POST), run)


@require_GET
@login_required
def payment_receipt(request: HtmxHttpRequest, payment_id: int) -> HttpResponse:
    """One payment's receipt on a printable page, under the district's name."""
    _require_manage(request)
    payment = selectors.payment_get(user=request.user, payment_id=payment_id)
    paid_through = selectors.payment_paid_through(payment=payment)
    context = {
        "payment": payment,
        "charge": payment.charge,
        "district": District.current(),
        "paid_through": paid_through,
        "balance_after": payment.charge.amount - paid_through,
    }
    return render(request, "students/payment_receipt.html", context)


# The fee schedule and the hold -----------------------------------------------------------------


def _fee_context(**forms: Any) -> dict[str, Any]:
    policy = selectors.charge_policy()
    return {
        "rules": selectors.fee_rule_list(),
        "rule_form": forms.get("rule_form") or FeeRuleForm(),
        "policy_form": forms.get("policy_form")
        or ChargePolicyForm(
            initial={"hold_enabled": policy.hold_enabled, "hold_threshold": policy.hold_threshold}
        ),
        "policy": policy,
    }


@require_GET
@login_required
def fee_schedule(request: HtmxHttpRequest) -> HttpResponse:
    _require_policy(request)
    return render(request, "students/fee_schedule.html", _fee_context())


def _fee_action(
    request: HtmxHttpRequest, form_name: str, form: Any, run: Callable[[dict[str, Any]], str]
) -> HttpResponse:
    _require_policy(request)
    if form.is_valid():
        try:
            done = run(form.cleaned_data)
        except DomainError as exc:
            domain_error_status(exc, form)
        else:
            return _back(request, reverse("students:fee_schedule"), done)
    partial = "rule-form" if form_name == "rule_form" else "policy-form"
    template = (
        f"students/fee_schedule.html#{partial}" if is_partial(request) else "students/fee_schedule.html"
    )
    return render(request, template, _fee_context(**{form_name: form}))


@require_POST
@login_required
def fee_rule_save(request: HtmxHttpRequest) -> HttpResponse:
    def run(data: dict[str, Any]) -> str:
        rule = fee_services.fee_rule_save(actor=request.user, **data)
        model = rule.device_model.name if rule.device_model else "any model"
        return f"Fee for {rule.get_damage_cause_display().lower()} on {model}: {rule.amount}."

    return _fee_action(request, "rule_form", FeeRuleForm(request.POST), run)


@require_POST
@login_required
def fee_rule_delete(request: HtmxHttpRequest, rule_id: int) -> HttpResponse:
    _require_policy(request)
    rule = selectors.fee_rule_get(rule_id=rule_id)
    try:
        fee_services.fee_rule_delete(actor=request.user, fee_rule=rule)
    except DomainError as exc:
        messages.error(request, str(exc))
        url = reverse("students:fee_schedule")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _back(request, reverse("students:fee_schedule"), "Fee removed: that cause is no longer charged.")


@require_POST
@login_required
def charge_policy_update(request: HtmxHttpRequest) -> HttpResponse:
    def run(data: dict[str, Any]) -> str:
        policy = fee_services.charge_policy_update(actor=request.user, **data)
        if not policy.hold_enabled:
            return "The hold is off: unpaid charges no longer stop a re-issue."
        return f"Re-issue is refused while unpaid charges are above {policy.hold_threshold}."

    return _fee_action(request, "policy_form", ChargePolicyForm(request.POST), run)


# From a repair ticket --------------------------------------------------------------------------


@require_POST
@login_required
def ticket_charge_propose(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """Propose the fee-schedule charge for a ticket's damage to the student who had the device;
    answers the ticket page's charge panel."""
    if not (permissions.can_hand_out_devices(request.user) or permissions.can_manage_charges(request.user)):
        raise PermissionDenied
    ticket = repair_selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    handout = selectors.ticket_handout(ticket=ticket)
    error = None
    if handout is None or not charge_services.is_chargeable(ticket.damage_cause):
        error = "This ticket's damage is not charged to a student."
    else:
        try:
            charge = charge_services.charge_propose(
                student=handout.student,
                device=ticket.device,
                damage_cause=ticket.damage_cause,
                actor=request.user,
                ticket=ticket,
                handout=handout,
            )
        except DomainError as exc:
            error = str(exc)
        else:
            if charge is None:
                error = "The fee schedule has no fee for this damage: nothing to charge."
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("repairs:ticket_detail", ticket.pk)
    context = selectors.ticket_charge_panel(user=request.user, ticket=ticket)
    context["panel_error"] = error
    return render(request, "students/ticket_charge_panel.html", context)
