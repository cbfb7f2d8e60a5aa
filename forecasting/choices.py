from django.db import models


class ForecastRunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ForecastTrigger(models.TextChoices):
    NIGHTLY = "nightly", "Nightly schedule"
    MANUAL = "manual", "Requested by a user"
