"""Sign-in lockouts for administrators: who is locked out now, and unlocking one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions, selectors
from accounts.choices import LockoutKind
from accounts.forms import LockoutClearForm
from accounts.services import lockouts
from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError


@require_GET
@login_required
def lockout_list(request: HtmxHttpRequest) -> HttpResponse:
    if not permissions.can_unlock_sign_ins(request.user):
        raise PermissionDenied
    context = {
        "lockouts": selectors.lockout_list(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/lockout_list.html", context)


@require_POST
@login_required
def lockout_clear(request: HtmxHttpRequest) -> HttpResponse:
    if not permissions.can_unlock_sign_ins(request.user):
        raise PermissionDenied
    form = LockoutClearForm(request.POST)
    if form.is_valid():
        try:
            lockouts.lockout_clear(
                kind=LockoutKind(form.cleaned_data["kind"]),
                value=form.cleaned_data["value"],
                cleared_by=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            label = LockoutKind(form.cleaned_data["kind"]).label.lower()
            messages.success(request, f"Unlocked {label} {form.cleaned_data['value']}: it can sign in again.")
    else:
        messages.error(request, "Choose a locked username or address to unlock.")
    return redirect("accounts:lockout_list")
