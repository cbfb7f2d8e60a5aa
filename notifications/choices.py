from django.db import models


class NotificationKind(models.TextChoices):
    """What a reminder is about. ``WEEKLY_DIGEST`` is the one email that groups the weekly kinds."""

    LOAN_OVERDUE = "loan_overdue", "Loaners not returned after their repair"
    COLLECTION_OVERDUE = "collection_overdue", "Devices not returned after a collection"
    OVERTIME_PENDING = "overtime_pending", "Overtime requests waiting for your decision"
    STOCK_LOW = "stock_low", "Parts at or below their reorder point"
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"


# The kinds a person switches; the digest follows from them.
REMINDER_KINDS = (
    NotificationKind.LOAN_OVERDUE,
    NotificationKind.COLLECTION_OVERDUE,
    NotificationKind.OVERTIME_PENDING,
    NotificationKind.STOCK_LOW,
)


class Cadence(models.TextChoices):
    OFF = "off", "Off"
    IMMEDIATE = "immediate", "As it happens"
    WEEKLY = "weekly", "In the weekly digest"


# Until a person chooses: one email per event, except low stock, which can touch hundreds of parts
# at once and so comes grouped in the Monday digest.
DEFAULT_CADENCE = {
    NotificationKind.LOAN_OVERDUE: Cadence.IMMEDIATE,
    NotificationKind.COLLECTION_OVERDUE: Cadence.IMMEDIATE,
    NotificationKind.OVERTIME_PENDING: Cadence.IMMEDIATE,
    NotificationKind.STOCK_LOW: Cadence.WEEKLY,
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
