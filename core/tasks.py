from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def session_clear_expired_task() -> int:
    from core import services

    return services.session_clear_expired()


@shared_task
def ping_task(value: str) -> str:
    """Echo a value back: proves a worker consumes from the broker and returns a result."""
    return f"pong:{value}"
