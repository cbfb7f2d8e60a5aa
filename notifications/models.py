"""Who wants which reminders, and every reminder claimed for sending (the log that keeps each one
to a single email)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import track_history
from notifications.choices import Cadence, DeliveryStatus, NotificationKind


@track_history()
class NotificationPreference(models.Model):
    """One person's choice for one kind of reminder; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.cadence}"


class Delivery(models.Model):
    """One email to one person about one event, claimed before it is sent.

    The unique key (user, kind, object, period) is the promise "at most one email per event": a
    second beat run, or two at once, fails to insert the same key and sends nothing. ``period``
    separates events of the same object (a part that runs low again after a delivery) and the
    weeks of the digest.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    object_key = models.CharField(max_length=60, blank=True, help_text="What it is about: loan:12, stock:7…")
    period = models.CharField(max_length=30, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "object_key", "period"], name="delivery_one_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="delivery_status_created_idx"),
            models.Index(fields=["created_at", "id"], name="delivery_created_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_key} to {self.user_id} ({self.status})"
