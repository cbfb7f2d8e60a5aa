"""The device agreement's versions, and the form that writes the next one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status
from students import permissions, selectors
from students.forms import AgreementForm
from students.services import agreements


@require_http_methods(["GET", "POST"])
@login_required
def agreement_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every version (newest first, with how many hand-outs signed it) and a new version's form,
    filled with the current text to revise."""
    if not permissions.can_edit_one_to_one_policy(request.user):
        raise PermissionDenied
    versions = list(selectors.agreement_list())
    current = next((v for v in versions if v.is_active), None)
    if request.method == "POST":
        form = AgreementForm(request.POST)
        if form.is_valid():
            try:
                agreement = agreements.agreement_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                domain_error_status(exc, form)
            else:
                messages.success(request, f"Version {agreement.version} is now shown at hand-out.")
                return redirect("students:agreement_list")
    else:
        form = AgreementForm(initial={"title": current.title, "body": current.body} if current else None)
    return render(
        request, "students/agreement_list.html", {"versions": versions, "current": current, "form": form}
    )
