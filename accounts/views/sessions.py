"""Signing in and out, and the page a locked-out sign-in gets instead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    """Django's sign-in, plus "This is a shared computer": that session ends when the browser
    closes. Every session also ends after SESSION_COOKIE_AGE without a request."""

    form_class = SignInForm
    template_name = "accounts/login.html"

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        if form.cleaned_data["shared_computer"]:
            self.request.session.set_expiry(0)  # a browser-session cookie; the idle limit still holds
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["google_sign_in"] = settings.GOOGLE_SIGN_IN_ENABLED
        context["idle_hours"] = settings.SESSION_COOKIE_AGE // 3600
        return context


def lockout(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """What axes answers (429) once a username or an address has failed AXES_FAILURE_LIMIT times
    within the cool-off: what happened and what to do, in the site's layout."""
    cooloff: dt.timedelta = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cooloff.total_seconds() // 60),
    }
    return render(request, "accounts/lockout.html", context, status=429)  # Too Many Requests, as axes answers


def client_address(request: HttpRequest) -> str:
    """The address a sign-in came from, as axes counts it (AXES_CLIENT_IP_CALLABLE).

    Behind LOGIN_TRUSTED_PROXY_COUNT reverse proxies it is the entry the outermost proxy wrote
    into X-Forwarded-For (counted from the right: entries further left are the client's to
    invent); with none it is the connection's own address.
    """
    proxies: int = settings.LOGIN_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len([part for part in forwarded if part]) >= proxies:
        return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))
