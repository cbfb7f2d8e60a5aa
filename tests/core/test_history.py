"""What every change's history carries: the request's user, path and address, or the Celery
task's name; and how history reads where it is not recorded (SQLite)."""

from __future__ import annotations

import pghistory
import pghistory.runtime
import pytest
from celery import shared_task
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core import selectors
from core.middleware import HistoryContextMiddleware
from fleet.models import Device
from tests.fleet.factories import DeviceFactory

pytestmark = pytest.mark.django_db


@shared_task
def device_note_task(device_id: int, note: str) -> None:
    Device.objects.filter(pk=device_id).update(notes=note)


@shared_task
def device_note_then_fail_task(device_id: int) -> None:
    Device.objects.filter(pk=device_id).update(notes="half done")
    raise RuntimeError("worker fault")


def test_history_context_has_user_path_and_remote_address(technician):
    request = RequestFactory().post("/fleet/devices/1/status/", REMOTE_ADDR="10.0.0.9")
    request.user = technician

    context = HistoryContextMiddleware(lambda r: HttpResponse()).get_context(request)

    assert context == {"user": technician.pk, "url": "/fleet/devices/1/status/", "remote_addr": "10.0.0.9"}


@pytest.mark.postgres
def test_change_made_in_a_celery_task_records_the_task_name(login, technician):
    device = DeviceFactory.create()

    device_note_task.delay(device.pk, "Reimaged overnight")

    entry = selectors.history_entries(selectors.history_of(device)[:1])[0]
    assert entry.task == "tests.core.test_history.device_note_task"
    assert entry.user is None
    assert [(c.field, c.new) for c in entry.changes] == [("notes", "Reimaged overnight")]
    assert not hasattr(pghistory.runtime._tracker, "value")  # the task's context was left
    page = login(technician).get(reverse("fleet:device_history", args=[device.pk])).content.decode()
    assert "task tests.core.test_history.device_note_task" in page


@pytest.mark.postgres
def test_task_context_is_left_when_the_task_fails():
    device = DeviceFactory.create()

    with pytest.raises(RuntimeError):
        device_note_then_fail_task.delay(device.pk)

    assert not hasattr(pghistory.runtime._tracker, "value")


@pytest.mark.postgres
def test_task_run_inside_a_request_adds_its_name_to_the_request_context(technician):
    device = DeviceFactory.create()

    with pghistory.context(user=technician.pk, url="/somewhere/"):
        device_note_task.delay(device.pk, "From a page")

    entry = selectors.history_entries(selectors.history_of(device)[:1])[0]
    assert (entry.user, entry.url, entry.task) == (
        technician,
        "/somewhere/",
        "tests.core.test_history.device_note_task",
    )


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only: PostgreSQL records history")
def test_history_on_sqlite_is_empty_and_the_app_still_runs(login, technician):
    device = DeviceFactory.create()
    device_note_task.delay(device.pk, "Recorded nowhere")  # the task signals skip the context

    assert not selectors.history_recorded()
    assert list(selectors.history_of(device)) == []
    body = login(technician).get(reverse("api:device-history", args=[device.pk])).json()
    assert body == {"count": 0, "count_is_capped": False, "next": None, "previous": None, "results": []}
