"""The History tab of a device: every change of its fields, who made it and when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.views.history import render_history
from fleet import permissions
from fleet.selectors import devices as selectors


@require_GET
@login_required
def device_history(request: HtmxHttpRequest, device_id: int) -> HttpResponse:
    if not permissions.can_view_devices(request.user):
        raise PermissionDenied
    device = selectors.device_get(user=request.user, device_id=device_id)
    return render_history(
        request,
        selectors.device_change_list(device=device),
        subject=device,
        title=device.asset_tag,
        back_url=reverse("fleet:device_detail", args=[device.pk]),
    )
