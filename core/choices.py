"""Choices shared by several apps."""

from django.db import models


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """A stored value's label (``get_FOO_display`` for a value read as a column), or the value
    itself when it is no longer a choice."""
    return str(choices(value).label) if value in choices.values else value


class JobStatus(models.TextChoices):
    """Where a background job (an import) is in its life: pending and running are active."""

    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_JOB_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
