"""The rows relations leave in the history when their spans go and come back: used by the
span writers (``spans``), which the relation writers (``relations``) themselves use."""

from collections.abc import Sequence

from django.db.models import Q

from ..models import Span, SpanEvent
from ..relations import Relation, RelationAction, RelationEvent


def _event(relation: Relation, action: str, actor_id: int, cause: SpanEvent | None = None):
    return RelationEvent(
        project_id=relation.project_id,
        document_id=relation.document_id,
        relation_id=relation.pk,
        action=action,
        actor_id=actor_id,
        annotator_id=relation.annotator_id,
        gold=relation.gold,
        type_id=relation.type_id,
        source_id=relation.source_id,
        target_id=relation.target_id,
        cause=cause,
    )


def relations_of_spans_delete(span_ids: Sequence[int], *, actor_id: int, cause) -> list[int]:
    """Record the deletion of every relation touching these spans, as part of ``cause``
    (the spans' deletion, one step of the history); the spans' deletion then takes them
    (``on_delete=CASCADE``). Called inside the deleting transaction; their ids."""
    recorded = []
    for first in range(0, len(span_ids), 1000):  # within SQLite's limit on parameters
        chunk = span_ids[first : first + 1000]
        touching = Relation.objects.filter(Q(source__in=chunk) | Q(target__in=chunk))
        events = [
            _event(relation, RelationAction.DELETED, actor_id, cause) for relation in touching
        ]
        if events:
            RelationEvent.objects.bulk_create(events)
        recorded += [event.relation_id for event in events]
    return recorded


def relations_restore(*, cause: SpanEvent, actor_id: int) -> int:
    """Bring back the relations the span deletion ``cause`` took, when both their spans
    are back (an undo or a restoration of that deletion); how many came back."""
    restored = 0
    events = RelationEvent.objects.filter(cause=cause, action=RelationAction.DELETED)
    for event in events.select_related("type"):
        spans = set(
            Span.objects.filter(pk__in=[event.source_id, event.target_id]).values_list(
                "pk", flat=True
            )
        )
        if event.type is None or spans != {event.source_id, event.target_id}:
            continue
        if Relation.objects.filter(pk=event.relation_id).exists():
            continue
        relation = Relation.objects.create(
            pk=event.relation_id,
            project_id=event.project_id,
            document_id=event.document_id,
            type=event.type,
            source_id=event.source_id,
            target_id=event.target_id,
            annotator_id=event.annotator_id,
            gold=event.gold,
        )
        _event(relation, RelationAction.RESTORED, actor_id, cause).save()
        restored += 1
    return restored
