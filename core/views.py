from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.models import User
from core import selectors


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers, whatever the broker does; 503 when it does not."""
    db_up, db_detail = selectors.database_ok()
    broker_up, broker_detail = selectors.broker_ok()
    body = {
        "status": "ok" if db_up else "unavailable",
        "database": {"ok": db_up, "detail": db_detail},
        "broker": {"ok": broker_up, "detail": broker_detail},
    }
    return JsonResponse(body, status=200 if db_up else 503)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # guaranteed by login_required
    context = account_selectors.home_summary(user=request.user)
    return render(request, "core/home.html", context)
