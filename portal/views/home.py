from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from portal import selectors


@require_GET
@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    """Figures for each role the user holds."""
    return render(request, "portal/home.html", selectors.home_summary(user=request.user))
