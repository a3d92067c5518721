"""Spans: one layer's writes — create, relabel, move, delete, restore, lists — each
validated by ``models.spans_errors`` and recorded in the history, under the layer's lock."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.utils import timezone

from corpus.models import Document

from .. import history, sql
from ..models import (
    Comment,
    DocumentStatus,
    Label,
    LabelKind,
    Origin,
    Project,
    Propagate,
    Rejection,
    Span,
    SpanAction,
    SpanEvent,
    Status,
    duplicate_message,
    spans_errors,
    validate_span,
)
from ..relations import relabel_breaks, relabel_refusal
from .assignment import status_claim
from .disputes import disputes_refresh
from .relation_rows import relations_of_spans_delete, relations_restore
from .rows import spans_insert


class BatchErrors(ValidationError):
    """A list refused as a whole: ``errors`` maps an item's index to its field messages."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]):
        super().__init__("The list was refused; nothing was stored.")
        self.errors = errors

    def problems(self) -> list[str]:
        """Every message, item by item, for a page that shows them in one line."""
        return [m for fields in self.errors.values() for ms in fields.values() for m in ms]


def lock_layer(project: Project, document: Document, user_id: int, *, gold: bool = False):
    """Serialise the writes into one layer, so that each is checked for overlap against
    the layer as the write before left it.

    An analyst's layer is locked through their status row for the document, which the
    first write creates (and which is their claim on it); it is returned, to be touched.
    Gold, which several reviewers share, is locked through the document's row, in the mode
    that leaves the other layers' inserts free; no status row is made for a reviewer.
    """
    if gold:
        sql.lock_document(document.pk)
        return None
    return status_claim(project=project, document=document, user_id=user_id)


def _touch(status: DocumentStatus) -> None:
    if status.status == Status.NEW:
        status.status = Status.IN_PROGRESS
        status.save(update_fields=["status", "updated_at"])


def _extent(start, end) -> tuple[int, int] | None:
    """The stretch a new span's check reads the layer around, when its offsets are whole
    numbers (else the check names the problem, and reads the whole layer to no harm)."""
    return (start, end) if type(start) is int and type(end) is int else None


def span_create(
    *,
    project: Project,
    document: Document,
    annotator,
    label: Label | None,
    start: int,
    end: int,
    gold: bool = False,
    origin: str = Origin.MANUAL,
    source: str = "",
    reverts: SpanEvent | None = None,
    actor=None,
) -> Span:
    """Validate and store one span in the annotator's layer (or gold).

    ``actor`` is who does it, for the history: the annotator unless someone else is named
    (a manager restoring an analyst's span). ``reverts`` is the deletion this brings back
    (an undo, or a restoration from the history): the span returns under its old id, so
    its history stays one thread. ``source`` is the suggestion's it was accepted from.

    A span made by hand in a person's layer suggests its label on the other occurrences of
    its text when the project propagates (``suggestions.propagate``).
    """
    try:
        with transaction.atomic():
            status = lock_layer(project, document, annotator.pk, gold=gold)
            propagates = (
                project.propagate != Propagate.OFF
                and not gold
                and reverts is None
                and origin == Origin.MANUAL
            )
            # The check needs only the spans around the new one (a 500-span layer read
            # whole was ~1 ms of a tag's 5 on SQLite); propagation needs them all.
            layer = sql.layer_keys(
                project.pk,
                document.pk,
                annotator.pk,
                gold=gold,
                within=None if propagates else _extent(start, end),
            )
            validate_span(
                text=document.text,
                project=project,
                start=start,
                end=end,
                label=label,
                layer=layer,
            )
            span = Span(
                pk=reverts.span_id if reverts else None,
                project=project,
                document=document,
                label=label,
                annotator=annotator,
                gold=gold,
                start=start,
                end=end,
                origin=origin,
                source=source,
            )
            sql.insert(span)
            history.record_created(span, actor_id=(actor or annotator).pk, reverts=reverts)
            if reverts is not None:
                relations_restore(cause=reverts, actor_id=(actor or annotator).pk)
            if status is not None:
                _touch(status)
                disputes_refresh(project.pk, [document.pk])
            if propagates:
                from .suggestions import propagate

                propagate(span, layer=layer, actor=actor or annotator)
    except IntegrityError as error:
        # The layer is locked and checked above, so only a span brought back twice at
        # once can get here; the transaction is rolled back whole, without a savepoint.
        raise ValidationError(
            {"non_field_errors": [duplicate_message(document.text, start, end)]}
        ) from error
    return span


def span_update(
    *,
    span: Span,
    label: Label | None = None,
    start: int | None = None,
    end: int | None = None,
    reverts: SpanEvent | None = None,
    actor=None,
) -> Span:
    """Relabel or move a span, checked against the rest of its layer, as ``actor`` (its
    annotator unless named); ``reverts`` is the change this undoes."""
    new_label = label if label is not None else span.label
    new_start = start if start is not None else span.start
    new_end = end if end is not None else span.end
    with transaction.atomic():
        lock_layer(span.project, span.document, span.annotator_id, gold=span.gold)
        others = sql.layer_keys(
            span.project_id,
            span.document_id,
            span.annotator_id,
            gold=span.gold,
            excluding=span.pk,
            within=_extent(new_start, new_end),
        )
        validate_span(
            text=span.document.text,
            project=span.project,
            start=new_start,
            end=new_end,
            label=new_label,
            layer=others,
        )
        if new_label.pk != span.label_id:
            # A relation of the span's must still fit its type (``relations``).
            broken = relabel_breaks(Span.objects.filter(pk=span.pk), new_label.pk)
            if broken:
                raise ValidationError(
                    {"label": [relabel_refusal(*item, new_label.name) for item in broken]}
                )
        before = {"start": span.start, "end": span.end, "label_id": span.label_id}
        span.label, span.start, span.end = new_label, new_start, new_end
        span.save(update_fields=["label", "start", "end", "updated_at"])
        actor_id = actor.pk if actor else span.annotator_id
        history.record_changed(span, actor_id=actor_id, **before, reverts=reverts)
        if not span.gold:
            disputes_refresh(span.project_id, [span.document_id])
    return span


def spans_relabel(
    *, changes: Sequence[tuple[Span, Label]], actor, reverts: SpanEvent | None = None
) -> tuple[list[Span], list[tuple[Span, str]], SpanEvent | None]:
    """Relabel spans of one layer of one document at once, as ``actor``: one event in the
    history (a relabel batch when several), undone in one step; ``reverts`` is the relabel
    this undoes. A span the new label would make a copy of another span of its layer (or
    given a document label), or that a relation of its would no longer fit
    (``relations.relabel_breaks``), is left as it is, with the reason in words.
    (relabelled, refused as (span, reason), event); a span that already has its new label
    is in neither list."""
    changes = [(span, label) for span, label in changes if span.label_id != label.pk]
    if not changes:
        return [], [], None
    first = changes[0][0]
    with transaction.atomic():
        lock_layer(first.project, first.document, first.annotator_id, gold=first.gold)
        keys = set(
            sql.layer_keys(first.project_id, first.document_id, first.annotator_id, gold=first.gold)
        )
        relabelled, refused = [], []
        held = _held_by_relations(changes)
        for span, label in changes:
            key = (span.start, span.end, label.pk)
            if label.kind != LabelKind.SPAN or label.project_id != span.project_id:
                refused.append((span, f"{label.name} is not a span label of this project."))
                continue
            if key in keys:
                refused.append((span, duplicate_message(first.document.text, *key[:2])))
                continue
            if span.pk in held:
                refused.append((span, held[span.pk]))
                continue
            keys.discard((span.start, span.end, span.label_id))
            keys.add(key)
            relabelled.append((span, span.label_id))
            span.label = label
        if not relabelled:
            return [], refused, None
        now = timezone.now()
        for label_id in {span.label_id for span, _ in relabelled}:
            ids = [span.pk for span, _ in relabelled if span.label_id == label_id]
            for batch in range(0, len(ids), 2000):  # within SQLite's limit on parameters
                chunk = ids[batch : batch + 2000]
                Span.objects.filter(pk__in=chunk).update(label=label_id, updated_at=now)
        for span, _ in relabelled:
            span.updated_at = now
        event = history.record_relabels(relabelled, actor_id=actor.pk, reverts=reverts)
        if not first.gold:
            disputes_refresh(first.project_id, [first.document_id])
    return [span for span, _ in relabelled], refused, event


def _held_by_relations(changes: Sequence[tuple[Span, Label]]) -> dict[int, str]:
    """The spans a relation of theirs would no longer fit after these relabels, each with
    the reason (``relations.relabel_breaks``, asked once a new label)."""
    held: dict[int, str] = {}
    by_label: dict[int, tuple[Label, list[int]]] = {}
    for span, label in changes:
        by_label.setdefault(label.pk, (label, []))[1].append(span.pk)
    for label, ids in by_label.values():
        for relation, end in relabel_breaks(Span.objects.filter(pk__in=ids), label.pk):
            span_id = getattr(relation, f"{end}_id")
            held.setdefault(span_id, relabel_refusal(relation, end, label.name))
    return held


@dataclass(frozen=True)
class Deletion:
    """What a span's deletion took with it, which a page showing the layer redraws."""

    commented: bool  # comments were on it (they stay, unlinked, and no longer name it)
    relations: list[int]  # the relations that joined it, gone with it
    reoffered: bool  # it was a suggestion's acceptance: the suggestion is pending again


def span_delete(
    *, span: Span, reverts: SpanEvent | None = None, actor=None, disputes_later: bool = False
) -> Deletion:
    """Remove a span from its layer, as ``actor`` (its annotator unless named); ``reverts``
    is the creation this undoes. ``disputes_later`` as for ``spans_create``."""
    with transaction.atomic():
        actor_id = actor.pk if actor else span.annotator_id
        event = history.record_deleted(span, actor_id=actor_id, reverts=reverts)
        # Its relations go in the same step of the history, and come back with the span.
        relations = relations_of_spans_delete([span.pk], actor_id=actor_id, cause=event)
        commented, reoffered = sql.delete_span(span.pk)
        if not span.gold and not disputes_later:
            disputes_refresh(span.project_id, [span.document_id])
    return Deletion(commented=commented, relations=relations, reoffered=reoffered)


def span_restore(*, event: SpanEvent, user) -> Span:
    """Bring back the span a deletion event removed, under its old id, validated again
    through ``span_create`` (its label must still exist, and it must fit its layer as it
    is now)."""
    if event.action != SpanAction.DELETED:
        raise ValidationError("Only a deleted span can be restored.")
    if event.spans is None and event.before_label is None:
        raise ValidationError("Its label has been deleted since: the span cannot come back.")
    if event.annotator is None:
        raise ValidationError("Its annotator's account has been deleted since.")
    with transaction.atomic():
        # Locked so that two managers restoring the same span make one span, not two.
        event = SpanEvent.objects.select_for_update().get(pk=event.pk)
        if SpanEvent.objects.filter(reverts=event).exists():
            raise ValidationError("This span has already been restored.")
        if event.spans is not None:
            return _batch_restore(event, actor=user)[0]
        return span_create(
            project=event.project,
            document=event.document,
            annotator=event.annotator,
            label=event.before_label,
            start=event.before_start,
            end=event.before_end,
            gold=event.gold,
            reverts=event,
            actor=user,
        )


def spans_create(
    *,
    project: Project,
    document: Document,
    annotator,
    items: Sequence[Mapping[str, Any]],
    gold: bool = False,
    origin: str = Origin.MANUAL,
    source: str = "",
    actor=None,
    reverts: SpanEvent | None = None,
    disputes_later: bool = False,
) -> list[Span]:
    """Store a list of spans ({start, end, label: Label|None}) in one layer, all or nothing,
    as ``actor`` (the annotator unless named); one event in the history (a batch, when
    the list holds several spans). With ``disputes_later`` the caller decides the
    document's disputes itself, for many documents at once in its own transaction
    (``disputes_refresh``; a search's tag of every hit).

    ``reverts`` is the deletion of a batch this brings back (its spans are the items,
    each with its old ``id``). Errors come back by item index: ``{"0": {"end": [...]}}``.
    """
    with transaction.atomic():
        status = lock_layer(project, document, annotator.pk, gold=gold)
        layer = sql.layer_keys(project.pk, document.pk, annotator.pk, gold=gold)
        errors = spans_errors(text=document.text, project=project, items=items, layer=layer)
        if errors:
            raise BatchErrors({str(index): problems for index, problems in errors.items()})
        now = timezone.now()
        columns = {
            "label": [item["label"].pk for item in items],
            "start": [item["start"] for item in items],
            "end": [item["end"] for item in items],
        }
        if reverts is not None:
            columns["id"] = [item["id"] for item in items]
        ids = spans_insert(
            columns,
            {
                "project": project.pk,
                "document": document.pk,
                "annotator": annotator.pk,
                "gold": gold,
                "origin": origin,
                "source": source,
            },
            actor_id=(actor or annotator).pk,
            now=now,
            action=SpanAction.RESTORED if reverts else SpanAction.CREATED,
            reverts=reverts,
        )
        if reverts is not None:
            relations_restore(cause=reverts, actor_id=(actor or annotator).pk)
        if not gold and ids:
            _touch(status)
            if not disputes_later:
                disputes_refresh(project.pk, [document.pk])
    return _stored_spans(
        ids,
        items,
        project=project,
        document=document,
        annotator=annotator,
        gold=gold,
        origin=origin,
        source=source,
        now=now,
    )


def spans_delete(
    *,
    spans: Sequence[Span],
    reverts: SpanEvent | None,
    actor,
    disputes_later: bool = False,
) -> list[SpanEvent]:
    """Remove the spans of a batch from their layer, as ``actor``, recorded as one batch
    event (one a layer of a document) that ``reverts`` the batch's creation (an undo), or
    none; the layer is locked by the caller. The events written. ``disputes_later`` as
    for ``spans_create``."""
    if not spans:
        return []
    first = spans[0]
    with transaction.atomic():
        events = history.record_batch(
            SpanAction.DELETED,
            [
                (span.document_id, span.annotator_id, span.pk, span.start, span.end, span.label_id)
                for span in spans
            ],
            project_id=first.project_id,
            gold=first.gold,
            actor_id=actor.pk,
            reverts=reverts,
        )
        ids = [span.pk for span in spans]
        relations_of_spans_delete(ids, actor_id=actor.pk, cause=events[0])
        for batch in range(0, len(ids), 2000):  # within SQLite's limit on parameters
            chunk = ids[batch : batch + 2000]
            Comment.objects.filter(span__in=chunk).update(span=None)
            Rejection.objects.filter(span__in=chunk).delete()
            Span.objects.filter(pk__in=chunk).delete()
        if not first.gold and not disputes_later:
            disputes_refresh(first.project_id, {span.document_id for span in spans})
    return events


def _batch_restore(event: SpanEvent, *, actor) -> list[Span]:
    """Bring back the spans of a deleted batch under their old ids, checked as a new list
    (``spans_create``); inside ``span_restore``'s transaction, the event locked."""
    labels = {label.pk: label for label in event.project.labels.all()}
    if any(label_id not in labels for *_, label_id in event.spans):
        raise ValidationError("A label of these spans has been deleted since: they cannot return.")
    items = [
        {"id": pk, "start": start, "end": end, "label": labels[label_id]}
        for pk, start, end, label_id in event.spans
    ]
    try:
        return spans_create(
            project=event.project,
            document=event.document,
            annotator=event.annotator,
            items=items,
            gold=event.gold,
            actor=actor,
            reverts=event,
        )
    except BatchErrors as refused:
        index, problems = next(iter(refused.errors.items()))
        span = event.spans[int(index)]
        message = " ".join(message for messages in problems.values() for message in messages)
        raise ValidationError(
            f"The spans no longer fit their layer ([{span[1]}, {span[2]}): {message})"
        ) from None


def _stored_spans(
    ids: Sequence[int],
    items: Sequence[Mapping[str, Any]],
    *,
    project: Project,
    document: Document,
    annotator,
    gold: bool,
    origin: str,
    source: str,
    now: datetime,
) -> list[Span]:
    """The instances of spans just stored (``ids`` in the items' order), their related
    objects set, not fetched.

    Made as unpickling makes a model instance (``Model.__new__``, then its attributes and
    its state), without ``__init__``: measured in the same sitting for 10,000 spans, 0.04–0.07 s
    instead of 0.18 s with ``Model.from_db`` (which calls ``__init__``). Only a
    receiver of ``pre_init``/``post_init`` would notice the difference; if one is ever
    connected for spans, they are made by ``from_db`` again.
    """
    meta, alias = Span._meta, connection.alias
    names = [field.attname for field in meta.concrete_fields]
    shared = {
        "project_id": project.pk,
        "document_id": document.pk,
        "annotator_id": annotator.pk,
        "gold": gold,
        "origin": origin,
        "source": source,
        "created_at": now,
        "updated_at": now,
    }
    related = {"project": project, "document": document, "annotator": annotator}
    caches = {name: meta.get_field(name) for name in [*related, "label"]}
    initialised = signals.pre_init.has_listeners(Span) or signals.post_init.has_listeners(Span)
    spans = []
    for pk, item in zip(ids, items, strict=True):
        label = item["label"]
        row = {**shared, "id": pk, "label_id": label.pk, "start": item["start"], "end": item["end"]}
        if initialised:
            span = Span.from_db(alias, names, [row[name] for name in names])
        else:
            span = Span.__new__(Span)
            span.__dict__.update(row)
            span._state = ModelState()
            span._state.adding, span._state.db = False, alias
        for name, value in {**related, "label": label}.items():
            caches[name].set_cached_value(span, value)
        spans.append(span)
    return spans
