"""The History tabs of an overtime rule, a timesheet and a person: every change of their fields,
who made it and when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.views.history import render_history
from staff import permissions
from staff.selectors import history as history_selectors
from staff.selectors import overtime as overtime_selectors
from staff.selectors import time as time_selectors


@require_GET
@login_required
def overtime_rule_history(request: HtmxHttpRequest, rule_id: int) -> HttpResponse:
    if not permissions.can_view_overtime_rules(request.user):
        raise PermissionDenied
    rule = overtime_selectors.overtime_rule_get(rule_id=rule_id)
    return render_history(
        request,
        history_selectors.overtime_rule_change_list(rule=rule),
        subject=rule,
        title=f"Overtime rule: {rule}",
        back_url=reverse("staff:overtime_rules"),
    )


@require_GET
@login_required
def timesheet_history(request: HtmxHttpRequest, timesheet_id: int) -> HttpResponse:
    timesheet = time_selectors.timesheet_get(user=request.user, timesheet_id=timesheet_id)
    return render_history(
        request,
        history_selectors.timesheet_change_list(timesheet=timesheet),
        subject=timesheet,
        title=str(timesheet),
        back_url=reverse("staff:timesheet_detail", args=[timesheet.pk]),
    )


@require_GET
@login_required
def person_history(request: HtmxHttpRequest, user_id: int) -> HttpResponse:
    person = history_selectors.person_get(user=request.user, person_id=user_id)
    return render_history(
        request,
        history_selectors.person_change_list(person=person),
        subject=person,
        title=str(person),
        back_url=reverse("portal:home"),
    )
