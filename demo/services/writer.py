"""Fast inserts of generated rows with explicit ids: PostgreSQL COPY, SQLite ``executemany``.

Columns come in as NumPy arrays or lists keyed by field name, never as model instances, so a
million tickets cost a few arrays rather than a million objects. Conventions for the arrays:

- ``DateTimeField``: int64 seconds since the Unix epoch (UTC); ``NULL_INT`` means NULL.
- ``DateField``: int64 days since the Unix epoch; ``NULL_INT`` means NULL.
- integer and foreign-key fields: ints; ``NULL_INT`` (or None in a list) means NULL.
- ``BooleanField``: bools; ``DecimalField``: preformatted strings; text: str or None.

Fields a caller leaves out get the field's constant default (``version`` 1, ``notes`` "").
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, models

NULL_INT = np.iinfo(np.int64).min
CHUNK_ROWS = 100_000
_PG_NULL = "\\N"
_PG_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Column = np.ndarray | Sequence[Any]


class RowWriter:
    """Writes column dicts into one model's table and keeps its id sequence in step."""

    def __init__(self) -> None:
        self.is_postgres = connection.vendor == "postgresql"
        self.rows_written: dict[str, int] = {}
        self.format_seconds = 0.0
        self.database_seconds = 0.0
        self.rebuild_seconds = 0.0  # history rows, indexes and foreign keys after a bulk load
        self._written_models: list[type[models.Model]] = []

    def rebuilt(self, seconds: float) -> None:
        """``bulk_load``'s report of the time its history rows, indexes and keys took."""
        self.rebuild_seconds += seconds

    def write(self, model: type[models.Model], columns: Mapping[str, Column]) -> int:
        fields = [field for field in model._meta.concrete_fields]
        lengths = {len(values) for values in columns.values()}
        if len(lengths) != 1:
            raise ValueError(f"{model.__name__}: columns differ in length {sorted(lengths)}")
        count = lengths.pop()
        if count == 0:
            return 0
        names = [field.column for field in fields if field.column is not None]  # concrete: all have one
        for start in range(0, count, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, count)
            started = time.perf_counter()
            prepared = [self._column(field, columns, start, stop) for field in fields]
            if self.is_postgres:
                prepared = [
                    [_PG_NULL if v is None else v for v in col] if None in col else col for col in prepared
                ]
            formatted = time.perf_counter()
            self.format_seconds += formatted - started
            if self.is_postgres:
                self._copy(model._meta.db_table, names, prepared)
            else:
                self._insert(model._meta.db_table, names, prepared)
            self.database_seconds += time.perf_counter() - formatted
        label = model._meta.label
        self.rows_written[label] = self.rows_written.get(label, 0) + count
        if model not in self._written_models:
            self._written_models.append(model)
        return count

    def reset_sequences(self) -> None:
        """After explicit ids, point each id sequence past the largest id (PostgreSQL only)."""
        if not self.is_postgres or not self._written_models:
            return
        statements = connection.ops.sequence_reset_sql(no_style(), self._written_models)
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    # Formatting -------------------------------------------------------------------------------

    def _column(self, field: models.Field, columns: Mapping[str, Column], start: int, stop: int) -> list[Any]:
        key = field.attname if field.attname in columns else field.name
        if key not in columns:
            default = field.get_default()
            if default is None and not field.null:
                raise ValueError(f"{field.model.__name__}.{field.name} needs a value")
            return [self._scalar(field, default)] * (stop - start)
        values = columns[key][start:stop]
        if isinstance(field, models.DateTimeField):
            return self._timestamps(np.asarray(values, dtype=np.int64))
        if isinstance(field, models.DateField):
            return self._dates(np.asarray(values, dtype=np.int64))
        if isinstance(field, models.BooleanField):
            flags = np.asarray(values, dtype=bool).tolist()
            return ["t" if flag else "f" for flag in flags] if self.is_postgres else flags
        if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
            as_list = values.tolist()
            if values.dtype == np.int64 and (values == NULL_INT).any():
                as_list = [None if value == NULL_INT else value for value in as_list]
            return [None if v is None else str(v) for v in as_list] if self.is_postgres else as_list
        as_list = values.tolist() if isinstance(values, np.ndarray) else list(values)
        if self.is_postgres:
            texts = [None if v is None else str(v) for v in as_list]
            # COPY's escapes, only where a value needs one: one scan of the column in C rather
            # than a translate() per value (47 million of them in the district's load).
            joined = "".join(text for text in texts if text)
            if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
                texts = [None if text is None else text.translate(_PG_ESCAPES) for text in texts]
            return texts
        return as_list

    def _scalar(self, field: models.Field, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(field, models.BooleanField):
            return ("t" if value else "f") if self.is_postgres else bool(value)
        return str(value) if self.is_postgres else value

    def _timestamps(self, seconds: np.ndarray) -> list[str | None]:
        null = seconds == NULL_INT
        text = np.datetime_as_string(np.where(null, 0, seconds).astype("datetime64[s]"), unit="s")
        # Django's SQLite backend stores naive UTC "YYYY-MM-DD HH:MM:SS"; PostgreSQL takes an offset.
        suffix = "+00" if self.is_postgres else ""
        out: list[str | None] = [f"{value[:10]} {value[11:]}{suffix}" for value in text.tolist()]
        if null.any():
            out = [None if is_null else value for value, is_null in zip(out, null.tolist(), strict=True)]
        return out

    def _dates(self, days: np.ndarray) -> list[str | None]:
        null = days == NULL_INT
        text = np.datetime_as_string(np.where(null, 0, days).astype("datetime64[D]"), unit="D").tolist()
        if null.any():
            text = [None if is_null else value for value, is_null in zip(text, null.tolist(), strict=True)]
        return text

    # Backends ---------------------------------------------------------------------------------

    def _copy(self, table: str, names: list[str], columns: list[list[Any]]) -> None:
        text = "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"
        column_list = ", ".join(connection.ops.quote_name(name) for name in names)
        sql = f"COPY {connection.ops.quote_name(table)} ({column_list}) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, io.StringIO(text))
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(text)

    def _insert(self, table: str, names: list[str], columns: list[list[Any]]) -> None:
        column_list = ", ".join(connection.ops.quote_name(name) for name in names)
        placeholders = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({column_list}) VALUES ({placeholders})"
        with connection.cursor() as cursor:
            cursor.executemany(sql, list(zip(*columns, strict=True)))
