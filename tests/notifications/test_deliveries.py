"""The delivery log: one email per claimed event, retried after a mail-server error or a lost
worker, never sent twice by a task that runs again."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from collections.abc import Callable

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from notifications import tasks
from notifications.choices import Cadence, DeliveryStatus, NotificationKind
from notifications.models import Delivery, NotificationPreference
from notifications.services import deliveries, reminders
from tests.accounts.factories import UserFactory
from tests.notifications.factories import DeliveryFactory
from tests.repairs.factories import StockLevelFactory

pytestmark = pytest.mark.django_db


def _claim(user: User, **kwargs: str) -> Delivery | None:
    fields = {"kind": NotificationKind.STOCK_LOW, "object_key": "stock:1", "period": "after:0"} | kwargs
    return deliveries.delivery_claim(
        user=user, subject="Low stock", body="Two left.", now=timezone.now(), **fields
    )


def test_delivery_claim_of_an_event_already_claimed_returns_none(procurement: User):
    first = _claim(procurement)

    second = _claim(procurement)

    assert first is not None and second is None
    assert Delivery.objects.count() == 1


def test_delivery_claim_queues_the_send_on_commit(procurement: User, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery = _claim(procurement)

    assert delivery is not None and len(callbacks) == 1
    assert mail.outbox == []  # nothing leaves before the row is committed


def test_delivery_send_task_run_twice_sends_one_email(procurement: User):
    delivery = _claim(procurement)
    assert delivery is not None

    assert tasks.delivery_send_task.delay(delivery.pk).get() is True
    assert tasks.delivery_send_task.delay(delivery.pk).get() is False

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert delivery.sent_at is not None


def test_delivery_send_after_a_mail_server_error_is_retried_by_the_next_run(
    procurement: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Callable
):
    delivery = _claim(procurement)
    assert delivery is not None
    real_send = deliveries.send_mail

    def refuse(*args: object, **kwargs: object) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(deliveries, "send_mail", refuse)
    assert deliveries.delivery_send(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "unexpectedly closed" in delivery.last_error

    monkeypatch.setattr(deliveries, "send_mail", real_send)
    later = timezone.now() + dt.timedelta(minutes=16)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.notifications_dispatch_task.delay()

    assert [message.to for message in mail.outbox] == [[procurement.email]]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")


def test_delivery_send_gives_up_after_the_last_attempt(
    procurement: User, monkeypatch: pytest.MonkeyPatch, settings
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    delivery = DeliveryFactory.create(user=procurement, status=DeliveryStatus.PENDING, attempts=1)

    def refuse(*args: object, **kwargs: object) -> int:
        raise smtplib.SMTPRecipientsRefused({procurement.email: (550, b"No such user")})

    monkeypatch.setattr(deliveries, "send_mail", refuse)
    deliveries.delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert deliveries.delivery_sweep_stale(now=timezone.now() + dt.timedelta(hours=1)) == 0


def test_delivery_left_sending_by_a_dead_worker_is_sent_by_the_next_run(
    procurement: User, django_capture_on_commit_callbacks: Callable
):
    stuck = DeliveryFactory.create(
        user=procurement,
        status=DeliveryStatus.SENDING,
        attempts=1,
        attempted_at=timezone.now() - dt.timedelta(minutes=20),
    )
    fresh = DeliveryFactory.create(
        user=procurement, status=DeliveryStatus.SENDING, attempts=1, attempted_at=timezone.now()
    )  # a worker is sending it right now: left alone

    with django_capture_on_commit_callbacks(execute=True):
        tasks.notifications_dispatch_task.delay()

    assert [message.subject for message in mail.outbox] == [stuck.subject]
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, fresh.status) == (DeliveryStatus.SENT, DeliveryStatus.SENDING)


def test_delivery_never_queued_while_the_broker_was_down_is_sent_by_the_next_run(
    procurement: User, django_capture_on_commit_callbacks: Callable
):
    DeliveryFactory.create(
        user=procurement, status=DeliveryStatus.PENDING, created_at=timezone.now() - dt.timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        tasks.notifications_dispatch_task.delay()

    assert len(mail.outbox) == 1


def test_delivery_to_someone_who_left_fails_without_an_email(procurement: User):
    delivery = _claim(procurement)
    assert delivery is not None
    User.objects.filter(pk=procurement.pk).update(is_active=False)

    assert deliveries.delivery_send(delivery_id=delivery.pk) is False

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert mail.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_beats_at_once_send_each_event_once():
    """Both jobs in two parallel threads (two beat schedulers, or a task delivered twice): the
    unique key lets one of them claim each email, whichever inserts first, and one sends it."""
    prompt = [UserFactory.create(roles=[Role.PROCUREMENT]) for _ in range(3)]
    weekly = [UserFactory.create(roles=[Role.PROCUREMENT]) for _ in range(2)]
    for buyer in prompt:
        NotificationPreference.objects.create(
            user=buyer, kind=NotificationKind.STOCK_LOW, cadence=Cadence.IMMEDIATE
        )
    StockLevelFactory.create_batch(4, on_hand=0, reorder_point=2)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            reminders.notifications_dispatch()
            reminders.weekly_digest_send()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(mail.outbox) == len(prompt) * 4 + len(weekly)
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == len(mail.outbox)
