"""Bulk loads on PostgreSQL: many rows into a table without per-row triggers and index inserts.

Used by the demo builder and by a first import of a district's fleet. Drops a table's foreign keys,
unique constraints and secondary indexes (the primary key stays), and those of its history tables,
switches the history insert triggers off, and afterwards writes every new row's 'insert' snapshot
by one ``INSERT … SELECT`` and recreates keys and indexes from their saved definitions: one
validating join and one sorted index build are far cheaper than a trigger call and a random index
insert per row, and a repeated key fails the rebuilt unique index as it would have failed the
insert. Everything runs inside the caller's transaction, so a failure rolls the DDL back with the
data. The DDL locks the tables (``ACCESS EXCLUSIVE``) until commit: for loads that outnumber what
a table holds, not for everyday writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pghistory.models
from django.apps import apps
from django.db import connection, models


def next_id(model: type[models.Model]) -> int:
    """The first free primary key, so explicit ids never collide with rows already there."""
    latest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(latest or 0) + 1


def holds_fewer_rows(model: type[models.Model], rows: int) -> bool:
    """Whether ``model``'s table holds fewer than ``rows`` rows: reads at most ``rows`` of them."""
    return not model._default_manager.all()[rows - 1 : rows].exists() if rows > 0 else False


def _history_models(model: type[models.Model]) -> list[type[models.Model]]:
    """The django-pghistory event models that record ``model``'s inserts (``<Model>History``);
    none for a ledger, whose history keeps only updates and deletes (core.models.track_history)."""
    return [
        event
        for event in apps.get_models()
        if issubclass(event, pghistory.models.Event)
        and event.pgh_tracked_model is model
        and any(isinstance(tracker, pghistory.InsertEvent) for tracker in event.pgh_trackers)
    ]


def _history_insert_sql(model: type[models.Model], event: type[models.Model], first_id: int) -> str:
    """One INSERT … SELECT writing the 'insert' snapshot of every row from ``first_id`` on: what
    the history trigger writes row by row, written in one set-based statement."""
    quote = connection.ops.quote_name
    tracked = {field.column for field in model._meta.concrete_fields}
    key = quote(str(model._meta.pk.column if model._meta.pk else "id"))
    targets, sources = [], []
    for field in event._meta.concrete_fields:
        column = str(field.column)
        if column == "pgh_id":
            continue
        if column == "pgh_created_at":
            source = "now()"
        elif column == "pgh_label":
            source = "'insert'"
        elif column == "pgh_obj_id":
            source = key
        elif column == "pgh_context_id":
            # Once for the statement (the function opens a subtransaction per call), as the trigger
            # would attach the same context to every row.
            source = "(SELECT _pgh_attach_context())"
        elif column in tracked:
            source = quote(column)
        else:
            raise ValueError(f"{event.__name__}.{field.name}: no source for this history column")
        targets.append(quote(column))
        sources.append(source)
    return (
        f"INSERT INTO {quote(event._meta.db_table)} ({', '.join(targets)})"
        f" SELECT {', '.join(sources)} FROM {quote(model._meta.db_table)}"
        f" WHERE {key} >= {int(first_id)}"
    )


@contextmanager
def bulk_load(
    models_: Sequence[type[models.Model]],
    on_rebuilt: Callable[[float], None] | None = None,
    *,
    rows: int | None = None,
) -> Iterator[None]:
    """Load ``models_``' tables in bulk inside the caller's transaction (PostgreSQL; elsewhere a
    no-op). Rows inserted inside the block get their history snapshot when it ends; ``on_rebuilt``
    is told the seconds that snapshots, indexes and keys took. Given the ``rows`` about to be
    loaded, a history table that already holds as many keeps its indexes and keys: rebuilding
    them would cost more than the load."""
    if connection.vendor != "postgresql" or not models_:
        yield
        return
    quote = connection.ops.quote_name
    saved: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = []
    events = [(model, event) for model in models_ for event in _history_models(model)]
    silenced: list[tuple[str, str]] = []
    tables = [model._meta.db_table for model in models_] + [
        event._meta.db_table for _, event in events if rows is None or holds_fewer_rows(event, rows)
    ]
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit (Django's DEFERRABLE INITIALLY DEFERRED): checks still
        # pending from earlier in the transaction would forbid the DDL on the tables they touch.
        # Run them now, then defer again as before.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for table in tables:
            # Foreign keys, then unique constraints no foreign key leans on: re-added in reverse.
            cursor.execute(
                "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
                " WHERE c.conrelid = %s::regclass AND (c.contype = 'f' OR c.contype = 'u' AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))"
                " ORDER BY c.contype, c.conname",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid)"
                " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid)"
                " ORDER BY i.relname",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            saved.append((table, constraints, indexes))
        # Read under the lock the DDL took: no other session can insert into the tables now.
        histories = [(model, event, next_id(model)) for model, event in events]
        for model, event, _ in histories:
            # Only the insert triggers that write this history table (tgtype bit 4: INSERT).
            cursor.execute(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
                " WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
                " AND t.tgtype & 4 = 4 AND position(%s in p.prosrc) > 0 ORDER BY t.tgname",
                [model._meta.db_table, f"INSERT INTO {quote(event._meta.db_table)}"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {quote(model._meta.db_table)} DISABLE TRIGGER {quote(name)}")
                silenced.append((model._meta.db_table, name))
    yield
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table, name in silenced:
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER {quote(name)}")
        for model, event, first_id in histories:
            cursor.execute(_history_insert_sql(model, event, first_id))
        for table, constraints, indexes in saved:
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in reversed(constraints):
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    if on_rebuilt is not None:
        on_rebuilt(time.perf_counter() - started)
