"""The header's scan box, across apps: an exact device asset tag or serial opens the device, an
exact student ID opens the student (for roles that see students; procurement never), and
anything else lists the devices it starts with (the student ID match first)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.htmx import is_partial
from fleet.selectors import devices as device_selectors
from fleet.views import devices as device_views
from students import selectors as student_selectors


@require_GET
@login_required
def scan_search(request: HtmxHttpRequest) -> HttpResponse:
    code = request.GET.get("q", "")
    exact = request.GET.get("exact") == "1"
    if exact and device_selectors.device_find_exact(user=request.user, identifier=code) is None:
        student = student_selectors.student_find(user=request.user, identifier=code)
        if student is not None:
            url = reverse("students:student_detail", args=[student.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    response = device_views.device_search(request)
    if not exact and is_partial(request) and response.status_code == 200:
        student = student_selectors.student_find(user=request.user, identifier=code)
        if student is not None:
            match = render_to_string(
                "students/student_scan_match.html", {"student": student}, request=request
            )
            response.content = match.encode() + response.content
    return response
