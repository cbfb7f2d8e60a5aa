import pytest
from django.urls import reverse

from accounts import selectors
from accounts.choices import Role
from accounts.models import User
from portal import selectors as portal_selectors
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_roles_returns_only_role_groups():
    user = UserFactory.create(roles=[Role.TECHNICIAN, Role.SUPERVISOR])
    user.groups.create(name="newsletter")

    assert selectors.user_roles(user=user) == {"technician", "supervisor"}


def test_user_roles_for_superuser_returns_every_role(superuser: User):
    assert selectors.user_roles(user=superuser) == set(Role.values)


def test_user_roles_for_inactive_user_is_empty(technician: User):
    technician.is_active = False

    assert selectors.user_roles(user=technician) == set()


def test_navigation_for_admin_includes_admin_site(admin_user: User):
    labels = [item.label for item in portal_selectors.navigation_for(user=admin_user)]

    assert labels == [
        "Home",
        "Devices",
        "Scan",
        "Loaners",
        "Reports",
        "Import",
        "Google sync",
        "Students",
        "Hand out",
        "Collect",
        "Agreement",
        "Charges",
        "Tickets",
        "Overtime",
        "Approvals",
        "Timesheets",
        "Payroll",
        "Parts",
        "Purchasing",
        "Forecast",
        "Suggested orders",
        "Forecast accuracy",
        "Refresh plan",
        "API",
        "Sign-in lockouts",
        "Admin",
    ]


def test_navigation_for_procurement_shows_devices_and_reports_but_no_scanning(procurement: User):
    labels = [item.label for item in portal_selectors.navigation_for(user=procurement)]

    assert labels == [
        "Home",
        "Devices",
        "Reports",
        "Tickets",
        "Parts",
        "Purchasing",
        "Forecast",
        "Suggested orders",
        "Forecast accuracy",
        "Refresh plan",
        "API",
    ]


def test_navigation_for_admin_role_without_staff_status_hides_admin_site():
    user = UserFactory.create(roles=[Role.ADMIN], is_staff=False)

    assert "Admin" not in [item.label for item in portal_selectors.navigation_for(user=user)]


def test_navigation_for_user_without_role_is_home_only(no_role_user: User):
    assert [item.label for item in portal_selectors.navigation_for(user=no_role_user)] == ["Home"]


def test_navigation_for_supervisor_shows_forecast_pages(supervisor: User):
    items = {item.label: item.url for item in portal_selectors.navigation_for(user=supervisor)}

    assert items["Forecast"] == reverse("forecasting:forecast_list")
    assert items["Suggested orders"] == reverse("forecasting:suggestion_list")
    assert items["Forecast accuracy"] == reverse("forecasting:forecast_accuracy")
    assert items["Refresh plan"] == reverse("forecasting:refresh_plan")


def test_navigation_for_technician_hides_forecast_pages(technician: User):
    labels = [item.label for item in portal_selectors.navigation_for(user=technician)]

    assert not {"Forecast", "Suggested orders", "Forecast accuracy", "Refresh plan"} & set(labels)
