"""Your API tokens: create one (shown once), see which are active, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from knox.settings import knox_settings

from accounts import selectors
from accounts.services import tokens
from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError


def _page(
    request: HtmxHttpRequest, *, new_token: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "tokens": selectors.token_list(user=request.user),
        "new_token": new_token,
        "error": error,
        "ttl_days": knox_settings.TOKEN_TTL.days,
    }
    return render(request, "accounts/token_list.html", context, status=status)


@require_GET
@login_required
def token_list(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@login_required
@never_cache  # the answer holds the token in clear: no cache may keep it
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    try:
        _, key = tokens.token_create(user=request.user)
    except DomainError as exc:
        return _page(request, error=str(exc), status=400)
    messages.success(request, "Token created: copy it below now, it is shown only this once.")
    return _page(request, new_token=key)


@require_POST
@login_required
def token_revoke(request: HtmxHttpRequest, token_key: str) -> HttpResponse:
    token = selectors.token_get(user=request.user, token_key=token_key)
    tokens.token_revoke(token=token, revoked_by=request.user)
    messages.success(request, f"Token {token_key}… revoked: it no longer works.")
    return redirect("accounts:token_list")
