"""Claiming, sending and retrying reminder emails: each event reaches each person once.

The order of writes is what keeps that promise across crashes and repeated beats:

1. ``delivery_claim`` commits a row under the unique key (user, kind, object, period) and only
   then queues the send. A second run (or two beats at once) fails to insert the same key and
   sends nothing; a run that dies before the commit leaves no row, so the next run claims it.
2. ``delivery_send`` moves the row from pending to sending with a conditional update (only one
   worker wins it), commits, hands the email to the mail server, then marks it sent. An error
   from the server puts it back to pending for a later retry, until ``NOTIFICATION_MAX_ATTEMPTS``.
3. ``delivery_sweep_stale`` requeues rows left pending (the queue was down) or sending (a worker
   died) for ``NOTIFICATION_STALE_MINUTES``. Nothing is lost; the one way to get two emails is a
   worker dying in the instant after the mail server accepted the message and before the row
   was marked sent: mail servers offer no idempotent send, and a rare repeat beats a lost reminder.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from core.tasks import enqueue_on_commit
from notifications.choices import DeliveryStatus
from notifications.models import Delivery

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.tasks.delivery_send_task"


def delivery_claim(
    *,
    user: User,
    kind: str,
    object_key: str,
    period: str,
    subject: str,
    body: str,
    now: dt.datetime,
) -> Delivery | None:
    """Record the email for this event and queue its sending once the row commits.

    Returns None when the event was already claimed for this person (by this run or any other).
    """
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                user=user,
                kind=kind,
                object_key=object_key,
                period=period,
                subject=subject[:200],
                body=body,
                created_at=now,
            )
            enqueue_on_commit(SEND_TASK, delivery.pk)
    except IntegrityError:
        return None
    return delivery


def delivery_send(*, delivery_id: int) -> bool:
    """Send one claimed email. Safe to run twice: only a pending row is sent, by one worker.

    Returns True when this call sent it. A person who left (inactive, no address) fails the row.
    """
    now = timezone.now()
    won = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, attempted_at=now, attempts=F("attempts") + 1
    )
    if not won:
        return False
    delivery = Delivery.objects.select_related("user").get(pk=delivery_id)
    if not delivery.user.is_active or not delivery.user.email:
        _finish(delivery_id, DeliveryStatus.FAILED, error="The person is inactive or has no email address.")
        return False
    try:
        send_mail(delivery.subject, delivery.body, settings.DEFAULT_FROM_EMAIL, [delivery.user.email])
    except Exception as exc:
        gave_up = delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        status = DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING
        logger.warning("Reminder %s not sent (attempt %s): %s", delivery_id, delivery.attempts, exc)
        _finish(delivery_id, status, error=str(exc) or exc.__class__.__name__)
        return False
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def _finish(delivery_id: int, status: str, *, error: str) -> None:
    Delivery.objects.filter(pk=delivery_id).update(status=status, last_error=error[:500])


def delivery_sweep_stale(*, now: dt.datetime) -> int:
    """Queue again the emails left pending or sending for ``NOTIFICATION_STALE_MINUTES``.

    Returns how many were queued. A row sending that long had its worker die; it goes back to
    pending first, conditionally, so a worker that is merely slow and finishes wins or loses the
    row cleanly.
    """
    cutoff = now - dt.timedelta(minutes=settings.NOTIFICATION_STALE_MINUTES)
    Delivery.objects.filter(status=DeliveryStatus.SENDING, attempted_at__lt=cutoff).update(
        status=DeliveryStatus.PENDING
    )
    stale = Delivery.objects.filter(status=DeliveryStatus.PENDING).filter(
        Q(attempted_at__lt=cutoff) | Q(attempted_at__isnull=True, created_at__lt=cutoff)
    )
    ids = list(stale.order_by("pk").values_list("pk", flat=True)[:1000])
    for delivery_id in ids:
        enqueue_on_commit(SEND_TASK, delivery_id)
    return len(ids)
