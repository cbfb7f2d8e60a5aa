"""Reads that belong to no single app: the health of what the app depends on, and the recorded
history of any model."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.db.models import DateTimeField, DecimalField, Field, Model, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from pghistory.models import Events


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down" for a health probe
        return False, exc.__class__.__name__
    return True, connection.vendor


def broker_ok() -> tuple[bool | None, str]:
    """Ping Redis directly: the cache ignores Redis errors, so it would hide an outage."""
    if not settings.REDIS_URL:
        return None, "eager (no REDIS_URL: tasks run in-process)"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        client.ping()
    except redis.RedisError as exc:
        return False, exc.__class__.__name__
    return True, "redis"


# History ----------------------------------------------------------------------------------------
# Every business model is tracked by ``core.models.track_history``: PostgreSQL triggers write a
# snapshot per insert, update and delete, with the context of the request or task that made it.
# pghistory's aggregate ``Events`` reads them back with the diff against the object's previous
# snapshot (``pgh_diff``) and that context (``pgh_context``: user, url, remote_addr, task).

# Never shown as a change: the primary key, the optimistic-lock counter and the row's own
# timestamps (an entry has its time).
HISTORY_HIDDEN_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})
HISTORY_ACTIONS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}


def history_recorded() -> bool:
    """History is written by PostgreSQL triggers; other databases (SQLite) record none."""
    return connection.vendor == "postgresql"


def history_of(obj: Model) -> QuerySet[Events]:
    """Every recorded change of ``obj``, newest first (none where history is not recorded)."""
    if not history_recorded():
        return Events.objects.none()
    return Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")


def history_referencing(obj: Model, *, models: Sequence[type[Model]], where: Q) -> QuerySet[Events]:
    """Changes of rows of ``models`` that point at ``obj`` (its own rows included when one of
    ``models`` is its model), narrowed by ``where`` on the aggregate (``pgh_obj_model``,
    ``pgh_obj_id``, ``pgh_data__<column>``), newest first."""
    if not history_recorded():
        return Events.objects.none()
    event_models = [model.history.rel.related_model for model in models]  # type: ignore[attr-defined]
    return (
        Events.objects.across(*event_models)
        .references(obj)
        .filter(where)
        .order_by("-pgh_created_at", "-pgh_id")
    )


def history_rows_of(obj: Model) -> Q:
    """``where`` for :func:`history_referencing`: the rows of ``obj`` itself."""
    return Q(pgh_obj_model=obj._meta.label, pgh_obj_id=str(obj.pk))


@dataclass(frozen=True)
class HistoryChange:
    field: str
    label: str
    old: Any
    new: Any
    old_display: str
    new_display: str


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change, ready for a page or the API."""

    id: str
    occurred_at: dt.datetime
    action: str
    action_display: str
    model: str
    object_id: str
    subject: str  # empty for the object the page is about; "Purchase order line 12" otherwise
    user: AbstractBaseUser | None
    url: str
    remote_addr: str
    task: str
    changes: list[HistoryChange]


def _value(field: Field[Any, Any], value: Any) -> Any:
    """A snapshot's JSON value as the API shows the field: decimals as strings with their places."""
    if isinstance(field, DecimalField) and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{Decimal(str(value)):.{field.decimal_places}f}"
    return value


def _changed_values(event: Events, fields: dict[str, Field[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """{column: (old, new)} of one event's fields: a creation lists what it was created with."""
    if event.pgh_label == "insert":
        pairs = {column: (None, value) for column, value in (event.pgh_data or {}).items()}
        pairs = {column: pair for column, pair in pairs.items() if pair[1] not in (None, "")}
    elif event.pgh_label == "update":
        pairs = {column: (pair[0], pair[1]) for column, pair in (event.pgh_diff or {}).items()}
    else:
        pairs = {}
    return {
        column: (_value(fields[column], old), _value(fields[column], new))
        for column, (old, new) in pairs.items()
        if column in fields
    }


def _display(field: Field[Any, Any], value: Any, labels: dict[tuple[type[Model], Any], str]) -> str:
    if value is None or value == "":
        return "—"
    if field.is_relation and field.related_model is not None:
        return labels.get((field.related_model, value), f"#{value}")  # type: ignore[arg-type]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(field, DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else value
    return str(value)


def history_entries(events: Iterable[Events], *, subject: Model | None = None) -> list[HistoryEntry]:
    """Turn a page of events into entries: who (one query for the people), and per changed field
    its old and new value, related rows by name (one query per model they point at)."""
    events = list(events)
    user_model = get_user_model()
    fields_of: dict[str, dict[str, Field[Any, Any]]] = {}
    wanted: dict[type[Model], set[Any]] = defaultdict(set)
    changes_of: list[dict[str, tuple[Any, Any]]] = []
    for event in events:
        if event.pgh_obj_model not in fields_of:
            model = apps.get_model(event.pgh_obj_model)
            fields_of[event.pgh_obj_model] = {
                f.column: f for f in model._meta.concrete_fields if f.name not in HISTORY_HIDDEN_FIELDS
            }
        fields = fields_of[event.pgh_obj_model]
        changed = _changed_values(event, fields)
        changes_of.append(changed)
        for column, pair in changed.items():
            field = fields[column]
            if field.is_relation and field.related_model is not None:
                wanted[field.related_model].update(v for v in pair if v is not None)  # type: ignore[index]
        user_id = (event.pgh_context or {}).get("user")
        if user_id is not None:
            wanted[user_model].add(user_id)
    labels: dict[tuple[type[Model], Any], str] = {}
    people: dict[Any, Any] = {}
    for model, ids in wanted.items():
        for pk, row in model._default_manager.in_bulk(list(ids)).items():
            labels[(model, pk)] = str(row)
            if model is user_model:
                people[pk] = row
    entries = []
    for event, changed in zip(events, changes_of, strict=True):
        fields = fields_of[event.pgh_obj_model]
        context = event.pgh_context or {}
        model = apps.get_model(event.pgh_obj_model)
        own = subject is not None and model is type(subject) and event.pgh_obj_id == str(subject.pk)
        entries.append(
            HistoryEntry(
                id=event.pgh_slug,
                occurred_at=event.pgh_created_at,
                action=event.pgh_label,
                action_display=HISTORY_ACTIONS.get(event.pgh_label, event.pgh_label),
                model=event.pgh_obj_model,
                object_id=event.pgh_obj_id or "",
                subject="" if own else f"{capfirst(model._meta.verbose_name)} {event.pgh_obj_id}",
                user=people.get(context.get("user")),
                url=context.get("url") or "",
                remote_addr=context.get("remote_addr") or "",
                task=context.get("task") or "",
                changes=[
                    HistoryChange(
                        field=fields[column].name,
                        label=capfirst(str(fields[column].verbose_name)),
                        old=old,
                        new=new,
                        old_display=_display(fields[column], old, labels),
                        new_display=_display(fields[column], new, labels),
                    )
                    for column, (old, new) in sorted(changed.items(), key=lambda item: fields[item[0]].name)
                ],
            )
        )
    return entries
