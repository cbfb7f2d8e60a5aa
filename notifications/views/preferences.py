"""Your reminders: switch each kind off, on as it happens, or into the weekly digest; and, for
administrators, the log of reminders sent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import render_page_or_fragment
from notifications import permissions, selectors
from notifications.forms import PreferenceForm
from notifications.services import preferences

TEMPLATE = "notifications/preference_edit.html"


@require_http_methods(["GET", "POST"])
@login_required
def preference_edit(request: HtmxHttpRequest) -> HttpResponse:
    if not permissions.can_edit_notification_settings(request.user):
        raise PermissionDenied
    kinds = permissions.notification_kinds_for(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST, kinds=kinds)
        if form.is_valid():
            try:
                preferences.preferences_update(
                    user=request.user, changed_by=request.user, cadences=form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(request, "Your reminder choices are saved.")
                form = PreferenceForm(initial=selectors.preference_map(user=request.user), kinds=kinds)
    else:
        form = PreferenceForm(initial=selectors.preference_map(user=request.user), kinds=kinds)
    context = {
        "form": form,
        "recent": selectors.delivery_recent_for(user=request.user),
        "can_view_deliveries": permissions.can_view_deliveries(request.user),
    }
    return render_page_or_fragment(request, TEMPLATE, "preference-form", context)


@require_GET
@login_required
def delivery_list(request: HtmxHttpRequest) -> HttpResponse:
    deliveries = selectors.delivery_list(user=request.user)
    return render(request, "notifications/delivery_list.html", {"deliveries": deliveries})
