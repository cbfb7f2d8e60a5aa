"""The Google Admin sync page: whether it is set up (and how), the last runs, and "Sync now"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.views import HtmxHttpRequest
from core.exceptions import ConflictError, DomainError, ServiceUnavailable
from fleet import permissions
from fleet.selectors import google_sync as selectors
from fleet.services import google_sync as services

RUNS_SHOWN = 10


def _require_import(request: HtmxHttpRequest) -> None:
    if not permissions.can_import_devices(request.user):
        raise PermissionDenied


def _context(**extra: Any) -> dict[str, Any]:
    runs = list(selectors.google_sync_run_list()[:RUNS_SHOWN])
    config = services.google_sync_config()
    return {
        "config": config,
        "scope": services.SCOPE,
        "runs": runs,
        "last": runs[0] if runs else None,
        **extra,
    }


@require_GET
@login_required
def google_sync(request: HtmxHttpRequest) -> HttpResponse:
    """The setup (or what is missing), the last run's counts and devices gone from Google."""
    _require_import(request)
    return render(request, "fleet/google_sync.html", _context())


@require_POST
@login_required
def google_sync_start(request: HtmxHttpRequest) -> HttpResponse:
    """Start a sync now and go back to the page; a refusal is shown on the page with its status."""
    _require_import(request)
    try:
        run = services.google_sync_start(actor=request.user)
    except ConflictError as exc:
        return render(request, "fleet/google_sync.html", _context(refusal=str(exc)), status=409)
    except DomainError as exc:
        return render(request, "fleet/google_sync.html", _context(refusal=str(exc)), status=400)
    except ServiceUnavailable as exc:
        response = render(request, "fleet/google_sync.html", _context(refusal=str(exc)), status=503)
        response["Retry-After"] = str(exc.retry_after_seconds)
        return response
    messages.success(request, f"Google sync {run.pk} started. This page shows its counts when it ends.")
    return redirect("fleet:google_sync")
