from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
