"""Login sessions: housekeeping of the session table."""

from django.contrib.sessions.models import Session
from django.utils import timezone


def session_clear_expired() -> int:
    """Delete login sessions past their expiry. Safe to run twice; returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
