"""The history of every span: what changed, who changed it, and bringing deleted spans back.

``services`` records a ``SpanEvent`` inside the same transaction as each write, so the
history can never disagree with the spans. The services name both the layer's owner and
the person acting (a reviewer relabels a span another reviewer curated into gold, a
manager restores an analyst's deleted span): each record takes the actor's id.
"""

from collections import Counter
from collections.abc import Iterable, Sequence

from corpus.models import Document

from . import sql
from .categories import CategoryEvent
from .models import Label, Project, Span, SpanAction, SpanEvent


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


def record_batch(
    action: str,
    spans: Iterable[Sequence[int]],
    *,
    project_id: int,
    gold: bool,
    actor_id: int,
    reverts: SpanEvent | None = None,
) -> list[SpanEvent]:
    """Record a write of many spans (call inside its transaction): ``spans`` are rows
    ``(document_id, annotator_id, id, start, end, label_id)``, created (or restored) or
    about to be deleted.

    One event a layer of a document: a *batch* (``SpanEvent.spans``) when the write put
    several spans in it, else the event one span would have. Made from the rows the
    caller holds, not read back: a list of 20,000 spans is one row of history, which is
    what keeps the write within its figure on PostgreSQL (``rows.spans_insert``).
    """
    layers: dict[tuple[int, int], list[list[int]]] = {}
    for document_id, annotator_id, pk, start, end, label_id in spans:
        layers.setdefault((document_id, annotator_id), []).append([pk, start, end, label_id])
    events = []
    for (document_id, annotator_id), rows in layers.items():
        event = SpanEvent(
            project_id=project_id,
            document_id=document_id,
            action=action,
            actor_id=actor_id,
            annotator_id=annotator_id,
            gold=gold,
            reverts=reverts,
        )
        if len(rows) > 1:
            event.spans = rows
        else:
            (event.span_id, start, end, label_id), *_ = rows
            side = "before" if action == SpanAction.DELETED else "after"
            setattr(event, f"{side}_start", start)
            setattr(event, f"{side}_end", end)
            setattr(event, f"{side}_label_id", label_id)
        events.append(event)
    return SpanEvent.objects.bulk_create(events)


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


def record_relabels(
    relabelled: Sequence[tuple[Span, int]], *, actor_id: int, reverts: SpanEvent | None = None
) -> SpanEvent:
    """Record spans of one layer of a document relabelled at once (inside the write's
    transaction), each given with its label id before: one ``relabelled`` event, a batch
    whose rows are ``[id, start, end, label_id, label_id_before]`` when there are several
    (undone in one step), else the event one relabel makes."""
    (span, before), *others = relabelled
    if not others:
        event = relabel_event(span, actor_id=actor_id, label_id=before)
        event.reverts = reverts
    else:
        event = SpanEvent(
            project_id=span.project_id,
            document_id=span.document_id,
            action=SpanAction.RELABELLED,
            actor_id=actor_id,
            annotator_id=span.annotator_id,
            gold=span.gold,
            reverts=reverts,
            spans=[[s.pk, s.start, s.end, s.label_id, old] for s, old in relabelled],
        )
    sql.insert(event)
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


def category_history(project: Project, document: Document):
    """Every change to the document's document labels in the project, newest first."""
    return (
        CategoryEvent.objects.filter(project=project, document=document)
        .select_related("actor", "annotator", "before_label", "after_label")
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
    """What the history page shows of each event: before/after with the quoted text; for
    a batch, how many spans, by label."""
    events = list(events)
    # A row's label is row[3]; a relabel batch's rows also hold the label before, row[4].
    batched = {
        label
        for event in events
        if event.spans is not None
        for row in event.spans
        for label in row[3:5]
    }
    names = dict(Label.objects.filter(pk__in=batched).values_list("pk", "name"))

    def side(start, end, label, gone: str = "(deleted label)") -> dict | None:
        if start is None:
            return None
        return {
            "start": start,
            "end": end,
            "label": label.name if label is not None else gone,
            "text": text[start:end],
        }

    def batch(event: SpanEvent, column: int = 3) -> dict:
        counts = Counter(names.get(row[column], "(deleted label)") for row in event.spans)
        return {
            "count": len(event.spans),
            "labels": ", ".join(f"{name} {count}" for name, count in sorted(counts.items())),
        }

    rows = []
    for event in events:
        # A merge's events lost their old label with it: the merge kept its name.
        gone = f"{event.merge.name} (merged)" if event.merge else "(deleted label)"
        before = side(event.before_start, event.before_end, event.before_label, gone)
        after = side(event.after_start, event.after_end, event.after_label)
        if event.spans is not None and event.action == SpanAction.RELABELLED:
            before, after = batch(event, 4), batch(event)
        elif event.spans is not None:
            before, after = (
                (batch(event), None) if event.action == SpanAction.DELETED else (None, batch(event))
            )
        rows.append(
            {
                "event": event,
                "action": event.get_action_display() + (" (label merge)" if event.merge else ""),
                "layer": "gold" if event.gold else (event.annotator or "(deleted user)"),
                "actor": event.actor or "(deleted user)",
                "before": before,
                "after": after,
                "restorable": restorable(event),
            }
        )
    return rows
