"""A person's choice, per kind of reminder: off, as it happens, or in the weekly digest."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from core.exceptions import DomainError
from notifications import permissions
from notifications.choices import Cadence, NotificationKind
from notifications.models import NotificationPreference


@transaction.atomic
def preferences_update(*, user: User, changed_by: User, cadences: Mapping[str, str]) -> dict[str, str]:
    """Store ``cadences`` (kind → cadence) for ``user``: only their own, only kinds their roles
    concern. Raises PermissionDenied for someone else's and DomainError naming the kind at fault;
    nothing is stored when any entry is refused. Returns the stored choices.
    """
    if changed_by.pk != user.pk or not permissions.can_edit_notification_settings(user):
        raise PermissionDenied
    allowed = permissions.notification_kinds_for(user)
    for kind, cadence in cadences.items():
        if kind not in allowed:
            raise DomainError("These reminders do not concern your role.", field=kind)
        if cadence not in Cadence.values:
            label = NotificationKind(kind).label
            raise DomainError(f"Choose off, as it happens or weekly for “{label}”.", field=kind)
    for kind, cadence in cadences.items():
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"cadence": cadence})
    return dict(cadences)
