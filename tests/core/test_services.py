import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.services import sessions as services

pytestmark = pytest.mark.django_db


def _session(expire_date: dt.datetime) -> str:
    store = SessionStore()
    store["user"] = "x"
    store.create()
    assert store.session_key is not None  # create() saved the session under a new key
    Session.objects.filter(session_key=store.session_key).update(expire_date=expire_date)
    return store.session_key


def test_session_clear_expired_deletes_only_expired_sessions():
    now = timezone.now()
    expired = _session(now - dt.timedelta(minutes=1))
    live = _session(now + dt.timedelta(days=1))

    deleted = services.session_clear_expired()

    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert not Session.objects.filter(session_key=expired).exists()


def test_session_clear_expired_twice_is_harmless():
    _session(timezone.now() - dt.timedelta(days=3))

    assert services.session_clear_expired() == 1
    assert services.session_clear_expired() == 0
