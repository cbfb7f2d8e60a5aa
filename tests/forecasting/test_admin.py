"""A forecast run's status and counts belong to the job: the admin shows them and changes nothing."""

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from forecasting.choices import ForecastRunStatus
from forecasting.models import ForecastRun
from tests.core.admin_support import admin_url
from tests.forecasting.factories import ForecastRunFactory

pytestmark = pytest.mark.django_db


def test_forecast_run_status_cannot_be_changed_or_a_run_added_in_admin(
    superuser: User, login: Callable[[User], Client]
):
    run = ForecastRunFactory.create(status=ForecastRunStatus.RUNNING)
    client = login(superuser)

    assert client.get(admin_url(run, "change", run.pk)).status_code == 200  # shown read-only
    response = client.post(admin_url(run, "change", run.pk), {"status": ForecastRunStatus.FAILED})

    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == ForecastRunStatus.RUNNING
    assert client.get(admin_url(ForecastRun, "add")).status_code == 403
