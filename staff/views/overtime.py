"""Overtime pages: my requests, the approval queue with inline decisions, the rule table."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, render_page_or_fragment
from fleet.selectors import devices as fleet_selectors
from staff import permissions as staff_permissions
from staff.forms.overtime import (
    OvertimeDecisionForm,
    OvertimeDelegationForm,
    OvertimeRequestForm,
    OvertimeRuleForm,
    OvertimeVersionForm,
)
from staff.models import OvertimeRequest
from staff.selectors import overtime as overtime_selectors
from staff.selectors import rules as rule_selectors
from staff.services import overtime


def _nav_context(request: HtmxHttpRequest) -> dict[str, object]:
    """What the overtime sub-navigation offers: only the pages the user may open."""
    return {"can_view_queue": staff_permissions.can_view_overtime_queue(request.user)}


def _why_not_eligible(request: HtmxHttpRequest) -> str:
    """Why the user cannot request overtime today, as a sentence naming the rule ('' if they can).

    The same rule the service applies (the version in force today for the user's grade), so the
    page never offers a request the service would refuse."""
    if not staff_permissions.can_request_overtime(request.user):
        return "You have no staff grade, so you cannot request overtime. Ask an administrator."
    today = timezone.localdate()
    try:
        rule = rule_selectors.rule_for_user(user=request.user, on=today)
    except DomainError as exc:
        return str(exc)
    if rule.eligible:
        return ""
    grade = request.user.profile.grade
    assert grade is not None  # rule_for_user found the rule for it
    return (
        f"{grade.title} (grade {grade.grade}) is not eligible for overtime: "
        f"{overtime.describe_rule(rule)} makes this grade ineligible."
    )


def _request_form(request: HtmxHttpRequest, *, bound: bool = False) -> OvertimeRequestForm:
    return OvertimeRequestForm(
        request.POST if bound else None,
        locations=fleet_selectors.location_list(user=request.user),
        tickets=overtime_selectors.overtime_ticket_choices(user=request.user),
    )


def _mine_response(request: HtmxHttpRequest, form: OvertimeRequestForm) -> HttpResponse:
    not_eligible = _why_not_eligible(request)
    context = {
        "form": form,
        "requests": overtime_selectors.overtime_request_mine(user=request.user),
        "can_request": not not_eligible,
        "not_eligible": not_eligible,
        **_nav_context(request),
    }
    return render_page_or_fragment(request, "staff/overtime_request_mine.html", "overtime-mine", context)


@require_GET
@login_required
def overtime_mine(request: HtmxHttpRequest) -> HttpResponse:
    """My overtime: the request form and my requests with their status and rule version."""
    if not staff_permissions.can_view_overtime_rules(request.user):
        raise PermissionDenied
    return _mine_response(request, _request_form(request))


@require_POST
@login_required
def overtime_request_create(request: HtmxHttpRequest) -> HttpResponse:
    if not staff_permissions.can_request_overtime(request.user):
        raise PermissionDenied
    form = _request_form(request, bound=True)
    if form.is_valid():
        try:
            created = overtime.overtime_request_create(requester=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except DomainError as exc:
            domain_error_status(exc, form)
        else:
            messages.success(
                request,
                f"Overtime requested for {created.work_date:%Y-%m-%d}. "
                "Your supervisor has been asked to decide.",
            )
            if not request.htmx:
                return redirect("staff:overtime_mine")
            return _mine_response(request, _request_form(request))
    return _mine_response(request, form)


@require_GET
@login_required
def overtime_request_detail(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    """One request and its history: every event with the rule version it was made under."""
    overtime_request = overtime_selectors.overtime_request_get(user=request.user, request_id=request_id)
    context = {
        "item": overtime_request,
        "events": overtime_selectors.overtime_request_events(overtime_request=overtime_request),
        "can_cancel": staff_permissions.can_cancel_overtime_request(request.user, overtime_request),
        "can_decide": staff_permissions.can_decide_overtime(request.user, overtime_request),
        **_nav_context(request),
    }
    return render(request, "staff/overtime_request_detail.html", context)


@require_POST
@login_required
def overtime_request_cancel(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    overtime_request = overtime_selectors.overtime_request_get(user=request.user, request_id=request_id)
    form = OvertimeVersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        overtime.overtime_request_cancel(
            overtime_request=overtime_request, cancelled_by=request.user, expected_version=version
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Request cancelled.")
    url = reverse("staff:overtime_request_detail", args=[overtime_request.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# Approval queue ---------------------------------------------------------------------------------


@require_GET
@login_required
def overtime_queue(request: HtmxHttpRequest) -> HttpResponse:
    """Pending requests of the teams the user decides for, and decided emergencies to review."""
    if not staff_permissions.can_view_overtime_queue(request.user):
        raise PermissionDenied
    return render(request, "staff/overtime_request_queue.html", _queue_context(request))


def _queue_context(
    request: HtmxHttpRequest, delegation_form: OvertimeDelegationForm | None = None
) -> dict[str, object]:
    can_delegate = staff_permissions.can_delegate_overtime(request.user)
    queue = overtime_selectors.overtime_queue(user=request.user)
    context: dict[str, object] = {
        "queue": queue.pending,
        "emergencies": queue.emergencies,
        "can_delegate": can_delegate,
        "today": timezone.localdate(),
        **_nav_context(request),
    }
    if can_delegate:
        context["delegation_form"] = delegation_form or OvertimeDelegationForm(
            delegates=overtime_selectors.overtime_delegates_for(supervisor=request.user)
        )
        context["delegations"] = overtime_selectors.overtime_delegations_given(supervisor=request.user)
    return context


def _row_response(
    request: HtmxHttpRequest,
    overtime_request: OvertimeRequest,
    *,
    error: str = "",
    done: str = "",
    status: int = 200,
    form: OvertimeDecisionForm | None = None,
) -> HttpResponse:
    """The decided row re-rendered in place (htmx), or back to the queue with a message.

    ``done`` is the success message (shown at the top of the page, or by app.js for htmx). With
    the refused ``form``, its errors show in the row: beside the comment when the refusal names
    it, else above the buttons; htmx swaps the refused row (400/409) like a decided one."""
    if done:
        messages.success(request, done)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("staff:overtime_queue")
    overtime_request = overtime_selectors.overtime_request_get(
        user=request.user, request_id=overtime_request.pk
    )
    row_error = " ".join(str(m) for m in form.non_field_errors()) if form is not None else error
    context = {"item": overtime_request, "row_error": row_error, "form": form}
    return render(request, "staff/overtime_request_queue.html#overtime-row", context, status=status)


def _decide(request: HtmxHttpRequest, request_id: int, *, approve: bool) -> HttpResponse:
    overtime_request = overtime_selectors.overtime_request_get(user=request.user, request_id=request_id)
    form = OvertimeDecisionForm(request.POST)
    if not form.is_valid():
        return _row_response(request, overtime_request, error="Reload the queue and try again.", status=400)
    decide = overtime.overtime_request_approve if approve else overtime.overtime_request_deny
    try:
        decide(
            overtime_request=overtime_request,
            decided_by=request.user,
            expected_version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        status = domain_error_status(exc, form)
        return _row_response(request, overtime_request, error=str(exc), status=status, form=form)
    who = overtime_request.requester.get_full_name() or overtime_request.requester.username
    verb = "approved" if approve else "denied"
    done = f"Overtime on {overtime_request.work_date:%Y-%m-%d} for {who} {verb}."
    return _row_response(request, overtime_request, done=done)


@require_POST
@login_required
def overtime_request_approve(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, approve=True)


@require_POST
@login_required
def overtime_request_deny(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, approve=False)


@require_POST
@login_required
def overtime_emergency_review(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    overtime_request = overtime_selectors.overtime_request_get(user=request.user, request_id=request_id)
    form = OvertimeDecisionForm(request.POST)
    if not form.is_valid():
        return _row_response(request, overtime_request, error="Reload the queue and try again.", status=400)
    try:
        overtime.overtime_emergency_review(
            overtime_request=overtime_request,
            reviewed_by=request.user,
            expected_version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        status = domain_error_status(exc, form)
        return _row_response(request, overtime_request, error=str(exc), status=status, form=form)
    who = overtime_request.requester.get_full_name() or overtime_request.requester.username
    done = f"Emergency overtime on {overtime_request.work_date:%Y-%m-%d} for {who} marked reviewed."
    return _row_response(request, overtime_request, done=done)


@require_POST
@login_required
def overtime_delegation_create(request: HtmxHttpRequest) -> HttpResponse:
    if not staff_permissions.can_delegate_overtime(request.user):
        raise PermissionDenied
    form = OvertimeDelegationForm(
        request.POST, delegates=overtime_selectors.overtime_delegates_for(supervisor=request.user)
    )
    if form.is_valid():
        try:
            overtime.overtime_delegation_create(supervisor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except DomainError as exc:
            domain_error_status(exc, form)
        else:
            messages.success(
                request, f"{form.cleaned_data['delegate']} decides for your team in that period."
            )
            return redirect("staff:overtime_queue")
    return render(request, "staff/overtime_request_queue.html", _queue_context(request, form))


# Rules ------------------------------------------------------------------------------------------


def _rules_response(request: HtmxHttpRequest, form: OvertimeRuleForm | None = None) -> HttpResponse:
    today = timezone.localdate()
    can_edit = staff_permissions.can_edit_overtime_rules(request.user)
    context = {
        "rules": overtime_selectors.overtime_rule_history(),
        "in_force_ids": {rule.pk for rule in overtime_selectors.overtime_rules_in_force(on=today).values()},
        "today": today,
        "can_edit": can_edit,
        **_nav_context(request),
        "form": form or (OvertimeRuleForm(initial={"effective_from": today}) if can_edit else None),
    }
    return render_page_or_fragment(request, "staff/overtime_rule_list.html", "overtime-rules", context)


@require_GET
@login_required
def overtime_rules(request: HtmxHttpRequest) -> HttpResponse:
    """The rule table with its history; everyone with a role reads it, administrators add versions."""
    if not staff_permissions.can_view_overtime_rules(request.user):
        raise PermissionDenied
    return _rules_response(request)


@require_POST
@login_required
def overtime_rule_create(request: HtmxHttpRequest) -> HttpResponse:
    if not staff_permissions.can_edit_overtime_rules(request.user):
        raise PermissionDenied
    form = OvertimeRuleForm(request.POST)
    if form.is_valid():
        try:
            overtime.overtime_rule_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except DomainError as exc:
            domain_error_status(exc, form)
        else:
            messages.success(request, "Rule version added.")
            if not request.htmx:
                return redirect("staff:overtime_rules")
            return _rules_response(request)
    return _rules_response(request, form)
