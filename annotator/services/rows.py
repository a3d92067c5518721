"""Many rows at once, for imports and span lists (PostgreSQL: binary COPY)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.db.models.options import Options
from django.utils import timezone


def bulk_insert(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Store rows built in code, many times faster than ``bulk_create``; their ids, in order.

    Each row holds the values of ``fields`` (ids for foreign keys). The model's other
    fields take their default, ``auto_now``/``auto_now_add`` ones one timestamp for all the
    rows (``now``, or the time of the call). Values are passed as they are; only fields
    that need converting (dates, JSON, …) go through ``get_db_prep_save``, where
    ``bulk_create`` prepares every value of every row. PostgreSQL takes the rows by
    ``COPY``, with ids drawn from the table's sequence first; other databases by one
    multi-row ``INSERT … RETURNING`` per batch. No signals, no ``save()``, no expressions
    as values.
    """
    if not rows:
        return []
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    plain = {"BooleanField", "CharField", "TextField", "ForeignKey", "OneToOneField"}
    plain |= {name for name in _INTEGER_FIELDS}
    convert = [
        None if field.get_internal_type() in plain else field.get_db_prep_save for field in given
    ]
    if any(convert):
        rows = [
            [
                value if prep is None else prep(value, connection)
                for prep, value in zip(convert, row, strict=True)
            ]
            for row in rows
        ]
    now = now or timezone.now()
    filled = [
        field for field in meta.concrete_fields if not field.primary_key and field not in given
    ]
    defaults = tuple(
        field.get_db_prep_save(
            now
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            else field.get_default(),
            connection,
        )
        for field in filled
    )
    if defaults:
        rows = [(*row, *defaults) for row in rows]
    if connection.vendor == "postgresql":
        return _copy_rows(meta, [*given, *filled], rows)
    return _insert_rows(meta, [*given, *filled], rows)


def _copy_rows(meta: Options, fields: list[Field], rows: Sequence[Sequence[Any]]) -> list[int]:
    # COPY is PostgreSQL's bulk path: the rows stream in while the server stores them, with
    # no statement to parse. In binary, with the columns' types given, psycopg formats the
    # values in C. COPY returns no ids, so they are drawn from the sequence beforehand.
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), meta.pk
    columns = ", ".join(quote(field.column) for field in [pk, *fields])
    copy = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    types = [field.db_type(connection).partition("(")[0] for field in [pk, *fields]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(rows)],
        )
        ids = [value for (value,) in cursor.fetchall()]
        with connection.wrap_database_errors, cursor.copy(copy) as stream:
            stream.set_types(types)
            for row_id, row in zip(ids, rows, strict=True):
                stream.write_row((row_id, *row))
    return ids


def _insert_rows(meta: Options, fields: list[Field], rows: Sequence[Sequence[Any]]) -> list[int]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(2000, connection.ops.bulk_batch_size(fields, rows)))
    insert = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
    ids: list[int] = []
    with connection.cursor() as cursor:
        for first in range(0, len(rows), size):
            batch = rows[first : first + size]
            cursor.execute(
                f"{insert}{', '.join([one_row] * len(batch))} RETURNING {quote(meta.pk.column)}",
                [value for row in batch for value in row],
            )
            # Rows come back in VALUES order on SQLite (bulk_create relies on the same).
            ids.extend(value for (value,) in cursor.fetchall())
    return ids


_INTEGER_FIELDS = (
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallAutoField",
    "SmallIntegerField",
)
