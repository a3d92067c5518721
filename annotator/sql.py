"""The statements every tag runs, written in SQL.

After Django's session, user and token reads (``annotator.sessions``, ``ModelBackend``,
DRF), a tag reads the project with the user's role and the document (the permission
loaders), the labels; it locks the layer, reads it to check the new span, stores the span
and its history event, and reads the layer again to draw it. Building one of those queries
with the ORM costs several times what running it takes, and on a two-core server that
building, not the database, caps the tags a second (``bench/load.py``). So these few
statements are written out, in SQL that PostgreSQL and SQLite both run; everything else
stays in the ORM. Only the services (``services.reads`` for what a tag's answer reads),
the history and the permission loaders call them: ``pyproject.toml``'s contracts say so.

Each statement names its figure: microseconds per call, this statement against the ORM's
version of it, alternating in one process (``bench/statements.py``, on the 2-core
development machine while other work ran on it), PostgreSQL then SQLite.
"""

import functools
from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.models import Model

from corpus.models import Document

from .models import DocumentStatus, Label, Project, Span, Status
from .rendering import SpanRow


@functools.cache
def _shape(model: type[Model]) -> tuple[list[str], list[str], list]:
    """The model's attribute names, its columns, and the converters the ORM applies to
    them (SQLite's dates, JSON): worked out once, where ``Model.objects.raw`` would work
    them out on every query."""
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        functions = [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]
        if functions:
            converters.append((index, column, functions))
    return [field.attname for field in fields], [field.column for field in fields], converters


def select[M: Model](
    model: type[M],
    alias: str,
    rest: str,
    params: Sequence,
    *,
    extra: Mapping[str, str] | None = None,
) -> list[M]:
    """Instances of ``model`` as the ORM would make them, from ``SELECT <its columns> rest``;
    each ``extra`` SQL expression is set on them under its name. The readers below."""
    names, columns, converters = _shape(model)
    selected = [f'{alias}."{column}"' for column in columns] + list((extra or {}).values())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selected)} {rest}", params)
        rows = cursor.fetchall()
    instances = []
    for row in rows:
        values = list(row[: len(names)])
        for index, column, functions in converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        instance = model.from_db(connection.alias, names, values)
        for name, value in zip(extra or {}, row[len(names) :], strict=True):
            setattr(instance, name, value)
        instances.append(instance)
    return instances


def insert(instance: Model) -> None:
    """Store a new instance as ``save()`` would (automatic dates and defaults filled in,
    its id set), in one written-out INSERT. A span: 512 µs against ``save()``'s 893
    (PostgreSQL), 240 against 525 (SQLite)."""
    meta, quote = instance._meta, connection.ops.quote_name
    fields = [
        field
        for field in meta.concrete_fields
        if not (field.primary_key and getattr(instance, field.attname) is None)
    ]
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns})"
            f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}",
            values,
        )
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


def _first[M: Model](instances: list[M]) -> M | None:
    return instances[0] if instances else None


BIGGEST_ID = 2**63 - 1  # of a BigAutoField, on both databases


def _id(value: object) -> int | None:
    """An id from a URL, or None when no row can have it: a number past the column's range
    is an error to the database (the ORM answers "no rows" instead, and so do we)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= BIGGEST_ID else None


def project_with_role(project_id: int, user_id: int) -> Project | None:
    """The project, with ``role`` the user's membership role in it (None if not a member).
    414 µs against ``Project.objects.with_role(user)``'s 3,040 (PostgreSQL), 52 against
    1,168 (SQLite): every request under ``/projects/<id>/`` starts here."""
    if _id(project_id) is None:
        return None
    return _first(
        select(
            Project,
            "p",
            "FROM annotator_project p"
            " LEFT JOIN annotator_membership m ON m.project_id = p.id AND m.user_id = %s"
            " WHERE p.id = %s",
            [user_id, project_id],
            extra={"role": "m.role"},
        )
    )


def project_document(project_id: int, document_id: int) -> Document | None:
    """The document, if it is one of the project's. 416 µs against the ORM's 1,792
    (PostgreSQL), 56 against 540 (SQLite)."""
    if _id(document_id) is None:
        return None
    return _first(
        select(
            Document,
            "d",
            "FROM corpus_document d"
            " JOIN annotator_project_documents pd ON pd.document_id = d.id"
            " WHERE pd.project_id = %s AND d.id = %s",
            [project_id, document_id],
        )
    )


def span(project_id: int, span_id: int) -> Span | None:
    """One span of the project, whoever's layer it is in. 371 µs against the ORM's 2,156
    (PostgreSQL), 56 against 708 (SQLite)."""
    if _id(span_id) is None:
        return None
    return _first(
        select(
            Span,
            "s",
            "FROM annotator_span s WHERE s.project_id = %s AND s.id = %s",
            [project_id, span_id],
        )
    )


def labels(project_id: int) -> list[Label]:
    """The project's labels, in their order. 522 µs against the ORM's 1,694 (PostgreSQL),
    230 against 1,144 (SQLite)."""
    return select(
        Label,
        "l",
        'FROM annotator_label l WHERE l.project_id = %s ORDER BY l."order", l.name',
        [project_id],
    )


def _layer_where(gold: bool, alias: str = "") -> str:
    # Gold is one layer whoever curated it; an analyst's layer is theirs.
    columns = ["project_id", "document_id", "gold", *([] if gold else ["annotator_id"])]
    return " AND ".join(f"{alias}{column} = %s" for column in columns)


def _layer_params(project_id: int, document_id: int, user_id: int, gold: bool) -> list:
    return [project_id, document_id, True] if gold else [project_id, document_id, False, user_id]


def lock_status(project_id: int, document_id: int, user_id: int) -> DocumentStatus | None:
    """The user's status row for the document, locked until the transaction ends.

    SQLite has no row locks: there, the transaction's ``BEGIN IMMEDIATE`` (settings) has
    already serialised every writer. 367 µs against ``select_for_update()``'s 2,230
    (PostgreSQL), 112 against 1,619 (SQLite).
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return _first(
        select(
            DocumentStatus,
            "t",
            "FROM annotator_documentstatus t"
            f" WHERE t.project_id = %s AND t.document_id = %s AND t.user_id = %s{lock}",
            [project_id, document_id, user_id],
        )
    )


def lock_statuses(project_id: int, layers: Sequence[tuple[int, int]]) -> None:
    """Lock these (document id, user id) status rows as ``lock_status`` locks one, in that
    order (PostgreSQL locks the rows as the sorted result comes; SQLite: BEGIN IMMEDIATE).
    One layer: 434 µs against ``select_for_update(of=("self",))``'s 1,764 (PostgreSQL)."""
    if not connection.features.has_select_for_update or not layers:
        return
    documents, users = (list(column) for column in zip(*layers, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id FROM annotator_documentstatus t"
            " JOIN unnest(%s::bigint[], %s::bigint[]) AS l(document_id, user_id)"
            " ON t.document_id = l.document_id AND t.user_id = l.user_id"
            " WHERE t.project_id = %s ORDER BY t.document_id, t.user_id FOR UPDATE OF t",
            [documents, users, project_id],
        )


def lock_document(document_id: int) -> None:
    """Lock the document's row in the mode that still lets others insert spans into it.
    205 µs against ``select_for_update(no_key=True)``'s 994 (PostgreSQL)."""
    if not connection.features.has_select_for_no_key_update:
        return  # SQLite: serialised by BEGIN IMMEDIATE, as above
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM corpus_document WHERE id = %s FOR NO KEY UPDATE", [document_id]
        )


def layer_keys(
    project_id: int,
    document_id: int,
    user_id: int,
    *,
    gold: bool,
    excluding: int | None = None,
    within: tuple[int, int] | None = None,
) -> list[tuple[int, int, int]]:
    """The (start, end, label_id) of the spans in one layer, to check a new span against;
    with ``within``, only those overlapping that stretch (all one span can conflict with:
    a copy of it overlaps it too). A 40-span layer: 326 µs against the ORM's
    ``values_list`` 1,838 (PostgreSQL), 171 against 1,749 (SQLite)."""
    query = f'SELECT start, "end", label_id FROM annotator_span WHERE {_layer_where(gold)}'
    params = _layer_params(project_id, document_id, user_id, gold)
    if excluding is not None:
        query, params = f"{query} AND id <> %s", [*params, excluding]
    if within is not None:
        query, params = f'{query} AND start < %s AND "end" > %s', [*params, within[1], within[0]]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def layer_rows(project_id: int, document_id: int, user_id: int, *, gold: bool) -> list[SpanRow]:
    """The layer as the workspace draws it, in reading order, with rejection reasons.
    A 40-span layer: 614 µs against the ORM's 2,152 (PostgreSQL), 310 against 1,786
    (SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT s.id, s.start, s."end", s.label_id, r.reason FROM annotator_span s'
            " LEFT JOIN annotator_rejection r ON r.span_id = s.id"
            f" WHERE {_layer_where(gold, 's.')}"
            ' ORDER BY s.start, s."end", s.id',
            _layer_params(project_id, document_id, user_id, gold),
        )
        return [SpanRow(*row) for row in cursor.fetchall()]


def changes_in_force[M: Model](
    model: type[M],
    project_id: int,
    document_id: int,
    user_id: int,
    *,
    gold: bool,
    since,
    before: int | None,
    limit: int,
) -> list[M]:
    """A layer's changes (``SpanEvent``, or ``CategoryEvent``) made since ``since`` (if
    given) that are still in force: neither an undo or a restoration (it ``reverts``
    another) nor undone or restored (another ``reverts`` it). Newest first, ``limit`` of
    them from before the id ``before`` (if given): undo's stack (``undo``).

    The document's index (``span_event_document``) finds the rows; ``reverts`` is unique,
    so whether a change was undone is an index probe. ``COALESCE`` keeps SQLite, which has
    no statistics, from taking that unique index for "not an undo" (every such row of the
    table). The first 8 of a layer's 410 changes since sign-in (200 tags each undone, 10
    in force), as ``SpanEvent``: 614 µs against the ORM's 2,298 (``select_related`` the
    label and the annotator; PostgreSQL), 357 against 2,340 (SQLite).
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    where = [f"e.{column} = %s" for column in ("project_id", "document_id", "gold")]
    params: list = [project_id, document_id, gold]
    if not gold:
        where.append("e.annotator_id = %s")
        params.append(user_id)
    if since is not None:
        where.append("e.at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(since))
    if before is not None:
        where.append("e.id < %s")
        params.append(before)
    return select(
        model,
        "e",
        f"FROM {table} e WHERE {' AND '.join(where)} AND COALESCE(e.reverts_id, 0) = 0"
        f" AND NOT EXISTS (SELECT 1 FROM {table} r WHERE r.reverts_id = e.id)"
        " ORDER BY e.id DESC LIMIT %s",
        [*params, limit],
    )


def status(project_id: int, document_id: int, user_id: int) -> str:
    """Where the user is with the document (``new`` until they first tag it). 253 µs
    against the ORM's 1,820 (PostgreSQL), 53 against 1,235 (SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status FROM annotator_documentstatus"
            " WHERE project_id = %s AND document_id = %s AND user_id = %s",
            [project_id, document_id, user_id],
        )
        row = cursor.fetchone()
    return row[0] if row else Status.NEW


def disputed_rows(project_id: int, document_ids: Sequence[int]) -> list[int]:
    """Which of these documents have a dispute row (two or more analysts completed them):
    what every write to an analyst's layer asks before deciding the rule again. Written
    out, a workspace tag costs 9.5–9.9 ms of CPU; with the ORM's ``values_list`` 11.4
    (``bench/floor.py``, PostgreSQL, same sitting)."""
    among = ", ".join(["%s"] * len(document_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_id FROM annotator_documentdispute "
            f"WHERE project_id = %s AND document_id IN ({among})",
            [project_id, *document_ids],
        )
        return [row[0] for row in cursor.fetchall()]


def has_comments(span_id: int) -> bool:
    """Whether anyone commented on the span (their list then shows its label and offsets).
    122 µs against ``exists()``'s 602 (PostgreSQL), 50 against 529 (SQLite)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM annotator_comment WHERE span_id = %s LIMIT 1", [span_id])
        return cursor.fetchone() is not None


def delete_span(span_id: int) -> tuple[bool, bool]:
    """Delete a span as Django's collector would: its rejection goes with it, comments on it
    stay, unlinked. Three statements, without the collector's bookkeeping: 530 µs against
    ``QuerySet.delete()``'s 2,967 (PostgreSQL), 141 against 2,656 (SQLite); a test holds
    this list to the models' relations. Its relations go with it (recorded first by
    ``services.relations_of_spans_delete``).

    Returns whether comments were on it (now unlinked) and whether it was a suggestion's
    acceptance (the suggestion is pending again): what the answer must redraw. Read from
    the statements' own counts and one indexed lookup, these replaced three ``exists()``
    and the pending set's aggregate on every deletion (a workspace delete: 16.8 → see
    docs/performance.md, "Load")."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM annotator_suggestiondecision WHERE span_id = %s AND accepted LIMIT 1",
            [span_id],
        )
        reoffered = cursor.fetchone() is not None
        cursor.execute("DELETE FROM annotator_rejection WHERE span_id = %s", [span_id])
        cursor.execute(
            "DELETE FROM annotator_relation WHERE source_id = %s OR target_id = %s",
            [span_id, span_id],
        )
        cursor.execute("UPDATE annotator_comment SET span_id = NULL WHERE span_id = %s", [span_id])
        commented = cursor.rowcount > 0
        cursor.execute("DELETE FROM annotator_span WHERE id = %s", [span_id])
    return commented, reoffered


def delete_undecided_suggestions(
    project_id: int, source: str, ids: Sequence[int] | None = None
) -> int:
    """Delete a source's suggestions that nobody has decided (all of them, or those of
    ``ids``); how many. Django's collector would read every one of them, to look for
    decisions that by this very condition are not there: with a 50-pattern set's 730,000
    suggestions on 10,000 documents (bench/rules.py, SQLite) its ``delete()`` took 28 s of
    a second application's 82, this statement ~2 s."""
    delete = (
        "DELETE FROM annotator_suggestion WHERE project_id = %s AND source = %s AND NOT EXISTS "
        "(SELECT 1 FROM annotator_suggestiondecision d "
        "WHERE d.suggestion_id = annotator_suggestion.id)"
    )
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(delete, [project_id, source])
            return cursor.rowcount
        deleted = 0
        for first in range(0, len(ids), 500):  # within SQLite's limit on parameters
            chunk = ids[first : first + 500]
            among = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{delete} AND id IN ({among})", [project_id, source, *chunk])
            deleted += cursor.rowcount
        return deleted
