"""Views that fail on purpose, served only to tests (@pytest.mark.urls) to prove every failure is
shown: full error pages in the layout, and htmx refusals and successes shown in place."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

# One htmx form per kind of answer, in the real layout.
FAILURE_PAGE = """{% extends "base.html" %}
{% block content %}
<h1>Failures</h1>
<form id="forbidden-form" hx-post="/failure/forbidden/" hx-target="#out">
  <button class="btn btn-primary" type="submit">Forbidden</button></form>
<form id="missing-form" hx-post="/failure/missing/" hx-target="#out">
  <button class="btn btn-primary" type="submit">Missing</button></form>
<form id="broken-form" hx-post="/failure/broken/" hx-target="#out">
  <button class="btn btn-primary" type="submit">Broken</button></form>
<form id="stock-form" hx-post="/failure/conflict/" hx-target="this" hx-swap="outerHTML">
  <label for="qty">Quantity</label><input id="qty" name="qty">
  <button class="btn btn-primary" type="submit">Issue</button></form>
<form id="saved-form" hx-post="/failure/saved/" hx-target="#out">
  <button class="btn btn-primary" type="submit">Save</button></form>
<div id="out"></div>
{% endblock %}"""


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(engines["django"].from_string(FAILURE_PAGE).render({}, request))


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("no such thing")


def broken(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug")


def conflict(request: HttpRequest) -> HttpResponse:
    """A form re-rendered with the message beside its field, as a 409 fragment."""
    return HttpResponse(
        '<form id="stock-form"><label for="qty">Quantity</label>'
        '<input id="qty" name="qty" class="is-invalid">'
        '<div class="invalid-feedback d-block" role="alert">Only 2 in stock at Central Depot.</div></form>',
        status=409,
    )


def saved(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Part issued: Keyboard, 1 unit.")
    return HttpResponse('<p id="saved-row">saved</p>')


urlpatterns = [
    path("failure/", page),
    path("failure/forbidden/", forbidden),
    path("failure/missing/", missing),
    path("failure/broken/", broken),
    path("failure/conflict/", conflict),
    path("failure/saved/", saved),
    path("", include("config.urls")),
]
