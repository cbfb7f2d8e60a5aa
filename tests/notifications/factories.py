"""Reminder choices and the delivery log with valid defaults."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from notifications.choices import Cadence, DeliveryStatus, NotificationKind
from notifications.models import Delivery, NotificationPreference
from tests.accounts.factories import UserFactory


class NotificationPreferenceFactory(DjangoModelFactory[NotificationPreference]):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    kind = NotificationKind.LOAN_OVERDUE
    cadence = Cadence.WEEKLY


class DeliveryFactory(DjangoModelFactory[Delivery]):
    class Meta:
        model = Delivery

    user = factory.SubFactory(UserFactory)
    kind = NotificationKind.LOAN_OVERDUE
    object_key = factory.Sequence(lambda n: f"loan:{n}")
    subject = "Loaner CB-000001 is overdue"
    body = "Loaner CB-000001 was due back and has not been returned."
    status = DeliveryStatus.SENT
    created_at = factory.LazyFunction(timezone.now)
