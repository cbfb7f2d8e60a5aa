"""Shared model primitives."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds created and updated timestamps."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


# The largest primary key a filter accepts: larger numbers cannot name a row, and some databases
# (SQLite) fail on them instead of finding nothing.
MAX_ID = 2**63 - 1
