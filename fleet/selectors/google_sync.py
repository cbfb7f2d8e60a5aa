"""Reads for the Google sync page and API: the runs, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from fleet.models import GoogleSyncRun


def google_sync_run_list() -> QuerySet[GoogleSyncRun]:
    """Every run, newest first, with who asked for it."""
    return GoogleSyncRun.objects.select_related("requested_by").order_by("-created_at", "-pk")


def google_sync_run_get(*, run_id: int) -> GoogleSyncRun:
    """One run; raises GoogleSyncRun.DoesNotExist (a 404 to callers) when there is none."""
    return google_sync_run_list().get(pk=run_id)
