"""Celery wrappers around staff services: emails that must not hold up a request."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def overtime_decision_notify_task(request_id: int) -> None:
    """Email the requester the decision on their overtime request."""
    from staff.services import overtime

    overtime.overtime_decision_notify(request_id=request_id)
