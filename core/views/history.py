"""The History tab every app's pages share: one template, one page size."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from pghistory.models import Events

from core import selectors

HISTORY_PER_PAGE = 25
HISTORY_TEMPLATE = "components/history.html"


def render_history(
    request: HttpRequest, events: QuerySet[Events], *, subject: Model, title: str, back_url: str
) -> HttpResponse:
    """The recorded changes of ``subject`` (already fetched through its app's visibility rules),
    newest first, a page at a time: who, when, through which page or task, and per changed field
    its old and new value."""
    page = Paginator(events, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "title": title,
        "back_url": back_url,
        "page": page,
        "entries": selectors.history_entries(page.object_list, subject=subject),
        "recorded": selectors.history_recorded(),
        "database": connection.vendor,
    }
    return render(request, HISTORY_TEMPLATE, context)
