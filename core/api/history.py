"""The base of every ``/api/…/{id}/history/`` endpoint: the object's recorded changes, paginated
like every list."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from pghistory.models import Events
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core import selectors
from core.api.serializers import HistoryEntryOutputSerializer


class HistoryListApi(ListAPIView):  # type: ignore[type-arg]
    """Subclasses set the object's permission classes and fetch it through its selector (404
    for one the caller may not see) in :meth:`get_subject`, and list its changes in
    :meth:`get_history`. On a database that records no history (SQLite) the list is empty."""

    serializer_class = HistoryEntryOutputSerializer
    queryset = Events.objects.none()  # tells the schema generator the model
    filter_backends: list[Any] = []

    def get_subject(self) -> Model:
        raise NotImplementedError

    def get_history(self, subject: Model) -> QuerySet[Events]:
        return selectors.history_of(subject)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        subject = self.get_subject()
        page = self.paginate_queryset(self.get_history(subject))
        entries = selectors.history_entries(page or [], subject=subject)
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)
