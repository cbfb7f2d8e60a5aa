"""Devices whose hardware variant is still to confirm, and the technician's confirmation.

Design: Google's model name can cover several catalogue models (an Intel and an AMD board under
one name). When the row's clues do not separate them (``fleet.domain.variants``), the device is
imported with ``Device.model`` set to the first candidate, ``variant_confirmed`` False and every
candidate in ``variant_candidates``. Keeping a real model on the device (rather than a nullable
model or a new "model family" table) leaves everything that reads ``Device.model`` working
unchanged: search, custody, tickets, AUE (the candidates share the name and, being inseparable,
usually the AUE month) and the refresh plan. Only what differs between the variants asks for
the confirmation: a part that fits some candidates but not all (``repairs.services.stock``).

Confirming sets the model, clears the candidates and records who and when on the device;
django-pghistory keeps the field-level change with the request's user.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from fleet import permissions
from fleet.models import Device, DeviceModel


def device_variant_candidates(*, device: Device) -> list[DeviceModel]:
    """The models an unconfirmed device may be; empty once confirmed."""
    if device.variant_confirmed:
        return []
    return list(device.variant_candidates.order_by("name"))


@transaction.atomic
def device_variant_confirm(
    *, device: Device, actor: User, model_id: int, expected_version: int | None = None
) -> Device:
    """Record which variant a device is, read from the label on the device.

    The model must be one of the device's candidates (naming ``model``). Raises PermissionDenied
    for roles that may not change devices, DomainError when there is nothing to confirm or the
    model is not a candidate, ConflictError when ``expected_version`` is stale.
    """
    if not permissions.can_change_device(actor):
        raise PermissionDenied
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError("This device changed since you opened it. Reload and try again.")
    if locked.variant_confirmed:
        raise DomainError("This device's variant is already confirmed.", field="model")
    if not locked.variant_candidates.filter(pk=model_id).exists():
        names = ", ".join(m.name for m in locked.variant_candidates.order_by("name"))
        raise DomainError(f"Choose one of the device's possible variants: {names}.", field="model")
    locked.model_id = model_id
    locked.variant_confirmed = True
    locked.variant_confirmed_by = actor
    locked.variant_confirmed_at = timezone.now()
    locked.version += 1
    locked.save(
        update_fields=[
            "model",
            "variant_confirmed",
            "variant_confirmed_by",
            "variant_confirmed_at",
            "version",
            "updated_at",
        ]
    )
    locked.variant_candidates.clear()
    return locked
