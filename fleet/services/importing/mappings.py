"""Answers to an import's mapping questions: an unknown org unit to a location, an unknown model
name to a catalogue model. Saved once, used by every later import (``matching.Catalogue``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from core.exceptions import DomainError
from fleet import permissions
from fleet.choices import ImportMappingKind
from fleet.models import DeviceModel, ImportMapping, Location

KEY_MAX = 255


def import_mapping_list() -> QuerySet[ImportMapping]:
    return ImportMapping.objects.select_related("location", "device_model", "updated_by").order_by(
        "kind", "key_normalised"
    )


def _target(*, kind: str, target: str, actor: User | None) -> tuple[Location | None, DeviceModel | None]:
    """The location (by code) or model (by exact name, case ignored) an answer names."""
    target = target.strip()
    if kind == ImportMappingKind.LOCATION:
        locations = Location.objects.all() if actor is None else Location.objects.visible_to(actor)
        location = locations.filter(code__iexact=target, is_active=True).first()
        if location is None:
            raise DomainError(f"There is no active location with the code {target!r}.", field="target")
        return location, None
    model = DeviceModel.objects.filter(name__iexact=target).first()
    if model is None:
        raise DomainError(f"There is no model named {target!r} in the catalogue.", field="target")
    return None, model


@transaction.atomic
def import_mapping_save(*, kind: str, key: str, target: str, actor: User | None) -> ImportMapping:
    """Map ``key`` (a location text or org unit, or a model name, as the file has it) to ``target``
    (a location code, or a catalogue model name); replaces the answer given before for that key.

    ``actor`` None is the command line. Raises PermissionDenied for who may not import devices,
    DomainError naming ``kind``, ``key`` or ``target`` for bad input.
    """
    if actor is not None and not permissions.can_import_devices(actor):
        raise PermissionDenied
    if kind not in ImportMappingKind.values:
        raise DomainError(f"{kind!r} is not a kind of mapping.", field="kind")
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        raise DomainError(f"Give the name as the file has it (1 to {KEY_MAX} characters).", field="key")
    location, device_model = _target(kind=kind, target=target, actor=actor)
    mapping, _ = ImportMapping.objects.select_for_update().get_or_create(
        kind=kind,
        key_normalised=ImportMapping.normalise(key),
        defaults={"key": key, "location": location, "device_model": device_model, "updated_by": actor},
    )
    mapping.key, mapping.location, mapping.device_model, mapping.updated_by = (
        key,
        location,
        device_model,
        actor,
    )
    mapping.key_normalised = ImportMapping.normalise(key)
    mapping.full_clean(validate_unique=False)
    mapping.save()
    return mapping


@transaction.atomic
def import_mapping_update(*, mapping: ImportMapping, key: str, target: str, actor: User) -> ImportMapping:
    """Change an answer's name or target. Raises what ``import_mapping_save`` raises, and
    DomainError naming ``key`` when another answer already has that name."""
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        raise DomainError(f"Give the name as the file has it (1 to {KEY_MAX} characters).", field="key")
    normalised = ImportMapping.normalise(key)
    if (
        ImportMapping.objects.filter(kind=mapping.kind, key_normalised=normalised)
        .exclude(pk=mapping.pk)
        .exists()
    ):
        raise DomainError(f"There is already a mapping for {key!r}: edit that one.", field="key")
    location, device_model = _target(kind=mapping.kind, target=target, actor=actor)
    locked = ImportMapping.objects.select_for_update().get(pk=mapping.pk)
    locked.key, locked.key_normalised = key, normalised
    locked.location, locked.device_model, locked.updated_by = location, device_model, actor
    locked.full_clean(validate_unique=False)
    locked.save()
    return locked


@transaction.atomic
def import_mapping_delete(*, mapping: ImportMapping, actor: User) -> None:
    """Forget an answer: later imports ask again."""
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    mapping.delete()
