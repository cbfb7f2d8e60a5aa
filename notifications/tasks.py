"""Celery wrappers around the reminder services: the beat runs and the sending of each email."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def notifications_dispatch_task() -> int:
    from notifications.services import reminders

    return reminders.notifications_dispatch()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def weekly_digest_send_task() -> int:
    from notifications.services import reminders

    return reminders.weekly_digest_send()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def delivery_send_task(delivery_id: int) -> bool:
    """Send one claimed email; a mail-server error leaves it pending for the sweep to retry."""
    from notifications.services import deliveries

    return deliveries.delivery_send(delivery_id=delivery_id)
