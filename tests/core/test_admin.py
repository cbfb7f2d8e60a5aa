"""Every model has an admin page, and the admin site is for staff only; a change's log entry says
what each field was and became."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Event

from accounts.models import User
from fleet.choices import LocationKind
from fleet.models import District, GoogleSyncRun, ImportJob, Location
from fleet.services.summaries import device_tally_refresh
from forecasting.services.summaries import model_year_tally_refresh
from repairs.models import PartUsageTally
from tests.accounts.factories import (
    OvertimeDelegationFactory,
    OvertimeRequestEventFactory,
    StaffProfileFactory,
    TimeEntryFactory,
    TimesheetFactory,
    UserFactory,
)
from tests.core.admin_support import admin_url, change_form_data
from tests.fleet.factories import (
    CustodyEventFactory,
    ImportMappingFactory,
    LoanFactory,
    LocationAuditScanFactory,
)
from tests.forecasting.factories import (
    PartForecastFactory,
    ReorderSuggestionFactory,
    ServiceLevelTargetFactory,
)
from tests.notifications.factories import DeliveryFactory, NotificationPreferenceFactory
from tests.repairs.factories import (
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockMovementFactory,
    TicketEventFactory,
)
from tests.students.factories import (
    AccessoryStockFactory,
    AgreementFactory,
    ChargePolicyFactory,
    CollectionWindowFactory,
    FeeRuleFactory,
    HandoutAccessoryFactory,
    PaymentFactory,
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["accounts", "fleet", "repairs", "staff", "forecasting", "notifications"]
# Change history rows (django-pghistory) are shown on each object's History tab, not as admin pages.
PROJECT_MODELS = [
    model
    for label in PROJECT_APPS
    for model in apps.get_app_config(label).get_models()
    if not issubclass(model, Event)
]


def _changelist_url(model: type[Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def one_of_everything(db: None) -> None:
    """A row or two in every model, so each changelist renders its columns for real data."""
    StaffProfileFactory.create()
    OvertimeDelegationFactory.create()
    OvertimeRequestEventFactory.create()
    TimeEntryFactory.create()
    TimesheetFactory.create()
    CustodyEventFactory.create()
    ImportMappingFactory.create()
    GoogleSyncRun.objects.create(devices_seen=3)
    ImportJob.objects.create(
        requested_by=UserFactory.create(),
        file_name="gam.csv",
        file_format="gam",
        storage_name="device-imports/gone.csv",
    )
    LoanFactory.create()
    District.current()
    HandoutAccessoryFactory.create()
    AccessoryStockFactory.create()
    AgreementFactory.create()
    FeeRuleFactory.create()
    ChargePolicyFactory.create()
    PaymentFactory.create()
    CollectionWindowFactory.create()
    NotificationPreferenceFactory.create()
    DeliveryFactory.create()
    LocationAuditScanFactory.create()
    TicketEventFactory.create()
    StockLevelFactory.create()
    StockMovementFactory.create()
    PurchaseOrderLineFactory.create()
    PartForecastFactory.create()
    ReorderSuggestionFactory.create()
    ServiceLevelTargetFactory.create()
    # The report summary tables: rebuilt from the rows above, and one parts usage row.
    device_tally_refresh()
    model_year_tally_refresh()
    PartUsageTally.objects.create(
        month=timezone.now(), model="C733", school="Maple Elementary", parts=2, cost=Decimal("24.00")
    )


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label_lower)
def test_admin_registers_every_project_model(model: type[Model]):
    assert admin.site.is_registered(model)


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label_lower)
def test_admin_changelist_for_superuser_renders(
    model: type[Model], one_of_everything: None, superuser: User, login: Callable[[User], Client]
):
    assert model._default_manager.exists(), f"one_of_everything makes no {model._meta.label} row"

    response = login(superuser).get(_changelist_url(model))

    assert response.status_code == 200


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label_lower)
def test_admin_change_form_for_superuser_renders(
    model: type[Model], one_of_everything: None, superuser: User, login: Callable[[User], Client]
):
    obj = model._default_manager.first()
    assert obj is not None

    response = login(superuser).get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


def test_admin_change_logs_old_and_new_value_of_each_changed_field(
    superuser: User, login: Callable[[User], Client]
):
    location = Location.objects.create(code="S0042", name="Maple Elementary", kind=LocationKind.ELEMENTARY)
    client = login(superuser)
    data = change_form_data(client, location)
    data.update(name="Maple Elementary School", kind=LocationKind.MIDDLE)

    response = client.post(admin_url(location, "change", location.pk), data)

    assert response.status_code == 302
    entry = LogEntry.objects.get(object_id=str(location.pk), action_flag=CHANGE)
    assert entry.user == superuser
    message = entry.get_change_message()
    assert "Name: Maple Elementary → Maple Elementary School" in message
    assert "Kind: Elementary school → Middle school" in message


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label_lower)
def test_admin_changelist_for_technician_redirects_to_admin_login(
    model: type[Model], technician: User, login: Callable[[User], Client]
):
    url = _changelist_url(model)

    response = login(technician).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_index_for_district_admin_without_model_permissions_renders(
    admin_user: User, login: Callable[[User], Client]
):
    assert login(admin_user).get(reverse("admin:index")).status_code == 200
