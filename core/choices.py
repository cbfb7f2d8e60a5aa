"""Choices shared by several apps."""

from django.db import models


class JobStatus(models.TextChoices):
    """Where a background job (an import) is in its life: pending and running are active."""

    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_JOB_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
