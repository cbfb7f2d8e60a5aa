"""Students in the browser: the list (searched by ID) and a student's page with everything they
held and owe, on one timeline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.htmx import render_page_or_fragment
from students import permissions, selectors


@require_GET
@login_required
def student_list(request: HtmxHttpRequest) -> HttpResponse:
    """Students by ID (or name, while the district shows names), a page at a time; for htmx the
    results only."""
    if not permissions.can_view_students(request.user):
        raise PermissionDenied
    q = request.GET.get("q", "")
    shown = selectors.names_shown()
    page = selectors.student_search(
        user=request.user, q=q, after=request.GET.get("after", ""), names_shown=shown
    )
    context = {
        "q": q,
        "page": page,
        "names_shown": shown,
        "can_import": permissions.can_import_rosters(request.user),
    }
    return render_page_or_fragment(request, "students/student_list.html", "student-results", context)


def _charge_url_name() -> str:
    """The charge page's URL name once the charges work adds it; empty until then."""
    try:
        reverse("students:charge_detail", args=[1])
    except NoReverseMatch:
        return ""
    return "students:charge_detail"


@require_GET
@login_required
def student_detail(request: HtmxHttpRequest, student_id: int) -> HttpResponse:
    """The student's ID, school, grade, standing and timeline. 404 for a student the user may
    not see (another school's, or any for roles without student access)."""
    student = selectors.student_get(user=request.user, student_id=student_id)
    history = selectors.student_history(user=request.user, student=student)
    context = {
        "student": student,
        "history": history,
        "names_shown": selectors.names_shown(),
        "charge_url_name": _charge_url_name(),
    }
    return render(request, "students/student_detail.html", context)
