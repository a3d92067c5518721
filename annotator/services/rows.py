"""Many rows at once, for imports and span lists (PostgreSQL: binary COPY, or one
``INSERT … SELECT FROM unnest`` for spans), the spans with their history."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.db.models.options import Options
from django.utils import timezone

from .. import history
from ..models import Span, SpanAction, SpanEvent


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
    filled, defaults = _defaults(meta, given, now or timezone.now())
    if defaults:
        rows = [(*row, *defaults) for row in rows]
    if connection.vendor == "postgresql":
        return _copy_rows(meta, [*given, *filled], rows)
    return _insert_rows(meta, [*given, *filled], rows)


def _defaults(
    meta: Options, given: Sequence[Field], now: datetime
) -> tuple[list[Field], tuple[Any, ...]]:
    """The fields of the model that ``given`` leaves out (the primary key aside), and the
    value each takes: its default, or ``now`` for an automatic date."""
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
    return filled, defaults


def spans_insert(
    per_span: Mapping[str, Sequence[int]],
    same: Mapping[str, Any],
    *,
    actor_id: int,
    now: datetime | None = None,
    action: str = SpanAction.CREATED,
    reverts: SpanEvent | None = None,
) -> list[int]:
    """Store spans and record them in the history, one event a layer of a document
    (``history.record_batch``: a batch when it holds several); their ids, in the spans'
    order.

    ``per_span`` gives, for each of its fields, one whole number a span (ids for foreign
    keys, offsets; ``id`` to bring spans back under their old ids); ``same`` the values
    all the spans share, among them ``project`` and ``gold``; the others are filled in as
    ``bulk_insert`` fills them (``now``, or the time of the call, for the dates).
    ``action`` and ``reverts`` are the history's (a restoration brings back a deletion).

    On PostgreSQL, one ``INSERT … SELECT FROM unnest(arrays)``: each column goes as the
    text of an array, ``{1,2,…}``, which the server parses (the driver's quoting of Python
    lists took 0.080 s of CPU for three columns of 20,000, the text 0.014 s); the ids come
    back from the statement, drawn in the order of the ``SELECT``.

    The figure behind the one event a layer (bench/validation.py, 5 rounds a run, three
    runs of each in one sitting on fresh databases, the 2-core machine loaded by other
    work): one document uploaded with 20,000 spans took 2.01–2.37 s (medians) with an
    event a span, 0.97–1.36 s with one event; 10,000 spans posted into a layer of 10,000,
    1.38–1.79 s and 0.58–0.87 s. The commit checks every foreign key of every new row one
    row at a time; the statement and commit of 20,000 spans alone measured 1.26 s, with an
    event a span 2.68 s, with one batch event 1.09 s (raw SQL, medians of 5, interleaved).
    Measured and left as they are, in the same sittings: binary ``COPY`` for the spans (ids
    drawn from the sequence first) 1.23 s against 1.26 s; the span table without its
    single-column ``project_id`` index (every other index starts with that column) 0.75 s
    against 0.86 s, the statement itself 0.297 s against 0.292 s, so within the noise; a
    composite key ``(project_id, label_id)`` to the label in place of two, 0.53 s against
    0.56 s. What remains at the commit is the spans' own four keys (0.34–0.53 s for 20,000
    in the runs above), which are kept.
    """
    fields, values = list(per_span), list(per_span.values())
    count = len(values[0]) if values else 0
    if any(len(column) != count for column in values):
        raise ValueError("Each column of per_span must hold one value a span.")
    if not count:
        return []
    if connection.vendor != "postgresql":
        shared = tuple(same.values())
        ids = bulk_insert(
            Span, [*fields, *same], [(*row, *shared) for row in zip(*values, strict=True)], now=now
        )
    else:
        ids = _spans_insert_unnest(fields, values, same, now=now)
    column = {**{name: [value] * count for name, value in same.items()}, **per_span}
    history.record_batch(
        action,
        zip(
            column["document"],
            column["annotator"],
            ids,
            column["start"],
            column["end"],
            column["label"],
            strict=True,
        ),
        project_id=same["project"],
        gold=same.get("gold", False),
        actor_id=actor_id,
        reverts=reverts,
    )
    return ids


def _spans_insert_unnest(
    fields: list[str],
    values: list[Sequence[int]],
    same: Mapping[str, Any],
    *,
    now: datetime | None,
) -> list[int]:
    meta, quote = Span._meta, connection.ops.quote_name
    given = [meta.get_field(name) for name in fields]
    constant = [meta.get_field(name) for name in same]
    filled, defaults = _defaults(meta, [*given, *constant], now or timezone.now())
    columns = ", ".join(quote(field.column) for field in [*given, *constant, *filled])
    arrays = ", ".join(f"%s::{field.db_type(connection).partition('(')[0]}[]" for field in given)
    names = ", ".join(f"c{number}" for number in range(len(given)))
    pk = quote(meta.pk.column)
    insert = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {names}"
        f"{', %s' * (len(constant) + len(filled))} FROM unnest({arrays}) AS r({names})"
    )
    params = [
        *(
            field.get_db_prep_save(value, connection)
            for field, value in zip(constant, same.values(), strict=True)
        ),
        *defaults,
        # int.__repr__ takes whole numbers only: no other value gets into the array's text.
        *("{" + ",".join(map(int.__repr__, column)) + "}" for column in values),
    ]
    with connection.cursor() as cursor:
        if "id" in fields:
            cursor.execute(insert, params)
            return list(values[fields.index("id")])
        cursor.execute(
            f"WITH s AS ({insert} RETURNING {pk}) SELECT {pk} FROM s ORDER BY {pk}",
            params,
        )
        return [value for (value,) in cursor.fetchall()]


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
