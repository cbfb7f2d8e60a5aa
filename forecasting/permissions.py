"""Who may see and run the parts forecast and act on its suggestions. Predicates only."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import has_any_role
from repairs import permissions as repair_permissions

FORECAST_VIEWERS = (Role.PROCUREMENT, Role.SUPERVISOR, Role.ADMIN)
FORECAST_RUNNERS = (Role.PROCUREMENT, Role.ADMIN)


def can_view_forecasts(user: User | AnonymousUser) -> bool:
    """Forecast table, part charts, suggestions, accuracy and the refresh plan (no student data)."""
    return has_any_role(user, *FORECAST_VIEWERS)


def can_run_forecast(user: User | AnonymousUser) -> bool:
    """Start a forecast run now instead of waiting for the nightly one."""
    return has_any_role(user, *FORECAST_RUNNERS)


def can_order_from_suggestions(user: User | AnonymousUser) -> bool:
    """Turn reorder suggestions into draft purchase orders: whoever may manage purchase orders."""
    return repair_permissions.can_manage_purchase_orders(user)
