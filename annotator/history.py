"""The history of every span: what changed, who changed it, and bringing deleted spans back.

``services`` records a ``SpanEvent`` inside the same transaction as each write, so the
history can never disagree with the spans. The services name both the layer's owner and
the person acting (a reviewer relabels a span another reviewer curated into gold, a
manager restores an analyst's deleted span): each record takes the actor's id.
"""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from corpus.models import Document

from . import sql
from .models import Project, Span, SpanAction, SpanEvent


def _event(span: Span, action: str, actor_id: int, reverts: SpanEvent | None) -> SpanEvent:
    """An event about ``span`` as it stands now: its offsets and label are "after"."""
    return SpanEvent(
        reverts=reverts,
        project_id=span.project_id,
        document_id=span.document_id,
        span_id=span.pk,
        action=action,
        actor_id=actor_id,
        annotator_id=span.annotator_id,
        gold=span.gold,
        after_start=span.start,
        after_end=span.end,
        after_label_id=span.label_id,
    )


def record_created(span: Span, *, actor_id: int, reverts: SpanEvent | None = None) -> SpanEvent:
    """Record a new span (call inside the transaction that stored it); with ``reverts``,
    the deletion it brings back."""
    action = SpanAction.RESTORED if reverts else SpanAction.CREATED
    event = _event(span, action, actor_id, reverts)
    sql.insert(event)
    return event


def record_many_created(span_ids: Sequence[int], *, actor_id: int) -> None:
    """Record a bulk insert of spans (stored, by id) as one ``created`` event each.

    The events are copied from the stored rows by ``INSERT … SELECT``: an import of 200,000
    spans would otherwise build 200,000 event objects in Python, the slowest part of it.
    PostgreSQL takes all the ids as one array; other databases a batch of them at a time.
    """
    if not span_ids:
        return
    quote = connection.ops.quote_name
    span = Span._meta
    insert, values = _created_events(quote(span.db_table), actor_id)
    insert = f"{insert} WHERE {quote(span.pk.column)} "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{insert}= ANY(%s)", [*values, list(span_ids)])
            return
        for first in range(0, len(span_ids), 2000):
            batch = span_ids[first : first + 2000]
            cursor.execute(f"{insert}IN ({', '.join(['%s'] * len(batch))})", [*values, *batch])


def insert_recorded(span_insert: str, params: Sequence, *, actor_id: int) -> list[int]:
    """Run ``span_insert``, an ``INSERT INTO`` the spans' table ``… SELECT …`` (PostgreSQL),
    and record each span it stores as ``record_many_created`` would, in the same statement
    (``WITH s AS (INSERT … RETURNING …) INSERT INTO`` the events ``SELECT … FROM s``);
    the spans' ids, in the order they were stored (the order of the ``SELECT``, in which the
    ids are drawn). The events are made in that order too, as by ``record_many_created``.
    """
    quote = connection.ops.quote_name
    span = Span._meta
    returning = ", ".join(quote(field.column) for field in span.concrete_fields)
    events, values = _created_events("s", actor_id)
    pk = quote(span.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH s AS ({span_insert} RETURNING {returning}), e AS ({events})"
            f" SELECT {pk} FROM s ORDER BY {pk}",
            [*params, *values],
        )
        return [value for (value,) in cursor.fetchall()]


def _created_events(source: str, actor_id: int) -> tuple[str, list]:
    """``INSERT INTO`` the events ``SELECT`` a ``created`` event ``FROM source`` (rows with
    the spans' columns) a row, and its parameters: by ``actor_id``, at this moment."""
    quote = connection.ops.quote_name
    event, span = SpanEvent._meta, Span._meta
    columns = ", ".join(
        quote(event.get_field(name).column)
        for name in (
            "project",
            "document",
            "span_id",
            "action",
            "actor",
            "annotator",
            "gold",
            "after_start",
            "after_end",
            "after_label",
            "at",
        )
    )
    taken = ", ".join(quote(span.get_field(name).column) for name in ("project", "document", "id"))
    start, end, label, annotator, gold = (
        quote(span.get_field(name).column)
        for name in ("start", "end", "label", "annotator", "gold")
    )
    now = event.get_field("at").get_db_prep_save(timezone.now(), connection)
    insert = (
        f"INSERT INTO {quote(event.db_table)} ({columns}) "
        f"SELECT {taken}, %s, %s, {annotator}, {gold}, "
        f"{start}, {end}, {label}, %s FROM {source}"
    )
    return insert, [SpanAction.CREATED, actor_id, now]


def record_changed(
    span: Span,
    *,
    actor_id: int,
    start: int,
    end: int,
    label_id: int,
    reverts: SpanEvent | None = None,
) -> SpanEvent | None:
    """Record a relabel or a move of ``span`` from (start, end, label_id); None if unchanged."""
    if (start, end) != (span.start, span.end):
        action = SpanAction.MOVED
    elif label_id != span.label_id:
        action = SpanAction.RELABELLED
    else:
        return None
    event = _event(span, action, actor_id, reverts)
    event.before_start, event.before_end, event.before_label_id = start, end, label_id
    sql.insert(event)
    return event


def relabel_event(span: Span, *, actor_id: int, label_id: int) -> SpanEvent:
    """An unsaved ``relabelled`` event for ``span``, which had ``label_id`` before: for a
    batch of relabels stored at once (``services.label_merge``) with ``bulk_create``."""
    event = _event(span, SpanAction.RELABELLED, actor_id, None)
    event.before_start, event.before_end, event.before_label_id = span.start, span.end, label_id
    return event


def record_deleted(span: Span, *, actor_id: int, reverts: SpanEvent | None = None) -> SpanEvent:
    """Record a span about to be deleted (inside the deleting transaction)."""
    event = _event(span, SpanAction.DELETED, actor_id, reverts)
    # What was deleted is the "before"; nothing comes after.
    event.before_start, event.before_end, event.before_label_id = (
        span.start,
        span.end,
        span.label_id,
    )
    event.after_start = event.after_end = event.after_label_id = None
    sql.insert(event)
    return event


def document_history(project: Project, document: Document):
    """Every change to the document's spans in the project, newest first."""
    return (
        SpanEvent.objects.filter(project=project, document=document)
        .select_related("actor", "annotator", "before_label", "after_label", "merge")
        .prefetch_related("reverted_by")
        .order_by("-at", "-id")
    )


def restorable(event: SpanEvent) -> bool:
    """A deletion not restored yet (the reverse one-to-one is prefetched or cached)."""
    if event.action != SpanAction.DELETED:
        return False
    try:
        event.reverted_by  # noqa: B018 — the reverse accessor raises when there is none
    except SpanEvent.DoesNotExist:
        return True
    return False


EVENTS_PER_PAGE = 100


def history_rows(text: str, events: Iterable[SpanEvent]) -> list[dict]:
    """What the history page shows of each event: before/after with the quoted text."""

    def side(start, end, label, gone: str = "(deleted label)") -> dict | None:
        if start is None:
            return None
        return {
            "start": start,
            "end": end,
            "label": label.name if label is not None else gone,
            "text": text[start:end],
        }

    return [
        {
            "event": event,
            "action": event.get_action_display() + (" (label merge)" if event.merge else ""),
            "layer": "gold" if event.gold else (event.annotator or "(deleted user)"),
            "actor": event.actor or "(deleted user)",
            # A merge's events lost their old label with it: the merge kept its name.
            "before": side(
                event.before_start,
                event.before_end,
                event.before_label,
                f"{event.merge.name} (merged)" if event.merge else "(deleted label)",
            ),
            "after": side(event.after_start, event.after_end, event.after_label),
            "restorable": restorable(event),
        }
        for event in events
    ]
