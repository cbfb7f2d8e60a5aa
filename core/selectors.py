"""Reads that belong to no single app: the health of what the app depends on."""

from django.conf import settings
from django.db import connection


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down" for a health probe
        return False, exc.__class__.__name__
    return True, connection.vendor


def broker_ok() -> tuple[bool | None, str]:
    """Ping Redis directly: the cache ignores Redis errors, so it would hide an outage."""
    if not settings.REDIS_URL:
        return None, "eager (no REDIS_URL: tasks run in-process)"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        client.ping()
    except redis.RedisError as exc:
        return False, exc.__class__.__name__
    return True, "redis"
