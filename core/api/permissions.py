"""API permission classes shared by every app; object rules live in each app's permissions.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView

from accounts import permissions as account_permissions


class HasAnyRole(BasePermission):
    """Default deny: a signed-in account with no role reaches no endpoint."""

    message = "Your account has no role. Ask an administrator to give you one."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return account_permissions.can_use_api(request.user)
