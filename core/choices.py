"""Choices shared by several apps."""

from functools import cache
from typing import Any

from django.db import models
from django.db.models import Case, IntegerField, Value, When


@cache
def _labels(choices: type[models.TextChoices]) -> dict[str, Any]:
    # ``choices.values`` and ``choices(value)`` walk the enum on every call: 50 rows of a list
    # asked it about 1.5 ms a page. A class's members are fixed once it is defined.
    return dict(choices.choices)


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """A stored value's label (``get_FOO_display`` for a value read as a column), or the value
    itself when it is no longer a choice."""
    label = _labels(choices).get(value)
    # str() here, not in the cache: a label may be translated in the request's language.
    return value if label is None else str(label)


def choice_rank(field: str, choices: type[models.TextChoices]) -> Case:
    """An expression of the ``field`` value's place among ``choices`` (0 for the first declared),
    the last place for a value no longer a choice.

    Sorting by it follows the order the choices are declared in (a ticket's priority from low to
    urgent, its status along the workflow) rather than the stored words' alphabet ("high" before
    "low"). A model indexes the same expression to read a sorted page from its index."""
    values = list(choices.values)
    return Case(
        *(When(**{field: value}, then=Value(place)) for place, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


class JobStatus(models.TextChoices):
    """Where a background job (an import) is in its life: pending and running are active."""

    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_JOB_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
