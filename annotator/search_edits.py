"""Relabel or delete every span a search lists, in a worker, and undo that in one step
(API.md, "Search").

Only the listed spans in layers the user may write into are touched (their own; gold for
reviewers and managers). A deletion is one history batch a layer of a document, and so is
a relabel, checked against its layer: a span the new label would make a duplicate of
another, or that a relation of its would no longer fit (``relations.relabel_breaks``), is
skipped, counted, and named with the reason. The whole edit is one transaction; the events
it wrote are kept on its ``SearchEdit``, so that undoing it reverts them all at once.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from . import services
from .jobs import Job, JobFailed, JobKind, job_run
from .models import Label, Project, Span, SpanEvent
from .search import annotations, editable_layers, search_parse
from .search_tags import EditKind, SearchEdit

# Spans read (and, deleting, removed) at a time.
CHUNK = 1000
# Spans a relabel left unchanged that its result names (all are counted in ``skipped``).
UNCHANGED_LISTED = 100


def search_edit_later(
    *, project: Project, user, kind: str, filters: dict[str, str], label: Label | None
) -> Job:
    """Queue the relabel (``label``) or deletion of every span the search ``filters`` list;
    the job (its ``SearchEdit`` made with it)."""
    with transaction.atomic():
        job = Job.objects.create(project=project, kind=JobKind.SEARCH_EDIT, created_by=user)
        edit = SearchEdit.objects.create(
            project=project,
            job=job,
            user=user,
            kind=kind,
            filters=filters,
            label_pk=label.pk if label else None,
            label_name=label.name if label else "",
        )
    job.task_id = search_edit.enqueue(job.pk, edit.pk).id
    job.save(update_fields=["task_id"])
    return job


@task
def search_edit(job_id: int, edit_id: int) -> dict[str, Any] | None:
    return job_run(job_id, lambda job: _search_edit(job, edit_id))


def _search_edit(job: Job, edit_id: int) -> dict[str, int]:
    edit = SearchEdit.objects.select_related("project", "user").filter(pk=edit_id).first()
    label = None
    if edit.kind == EditKind.RELABEL:
        label = Label.objects.filter(project=edit.project_id, pk=edit.label_pk).first()
        if label is None:
            raise JobFailed("The label to relabel into has been deleted since; nothing changed.")
    try:
        search = search_parse(edit.project, edit.user, edit.filters)
    except ValidationError as error:
        raise JobFailed(f"The search no longer stands ({' '.join(error.messages)}).") from None
    layers = editable_layers(search)
    if layers is None:
        raise JobFailed("You may no longer edit these layers; nothing changed.")
    rows = annotations(search).filter(layers).order_by("document_id", "gold", "start", "id")
    ids = list(rows.values_list("pk", flat=True))
    job.advance(1, 10)
    events: list[int] = []
    done = skipped = 0
    unchanged: list[dict[str, Any]] = []
    with transaction.atomic():
        for first in range(0, len(ids), CHUNK):
            spans = list(
                Span.objects.filter(pk__in=ids[first : first + CHUNK])
                .select_related("project", "document", "label")
                .order_by("document_id", "gold", "annotator_id", "start", "id")
            )
            if label is None:
                written = _delete(edit, spans)
                done += len(spans)
            else:
                written, skips = _relabel(edit, spans, label)
                done += sum(len(event.span_ids) for event in written)
                skipped += len(skips)
                unchanged += skips[: UNCHANGED_LISTED - len(unchanged)]
            events += [event.pk for event in written]
            job.advance(1 + 9 * (first + CHUNK) / max(len(ids), 1), 10)
        edit.events = events
        edit.save(update_fields=["events"])
    if label is None:
        return {"listed": len(ids), "deleted": done, "skipped": skipped}
    return {"listed": len(ids), "relabelled": done, "skipped": skipped, "unchanged": unchanged}


def _delete(edit: SearchEdit, spans: list[Span]) -> list[SpanEvent]:
    """One batch a layer of a document, each layer locked first."""
    layers: dict[tuple[int, bool, int], list[Span]] = {}
    for span in spans:
        layers.setdefault((span.document_id, span.gold, span.annotator_id), []).append(span)
    events = []
    for (_, gold, annotator_id), layer in layers.items():
        services.lock_layer(edit.project, layer[0].document, annotator_id, gold=gold)
        events += services.spans_delete(spans=layer, reverts=None, actor=edit.user)
    return events


def _relabel(
    edit: SearchEdit, spans: list[Span], label: Label
) -> tuple[list[SpanEvent], list[dict[str, Any]]]:
    """One relabel batch a layer of a document (``services.spans_relabel``), and the spans
    the layer or a relation of theirs refused, each ``{"span": id, "reason": words}``: left
    as they are, the rest go on."""
    layers: dict[tuple[int, bool, int], list[Span]] = {}
    for span in spans:
        layers.setdefault((span.document_id, span.gold, span.annotator_id), []).append(span)
    events, skipped = [], []
    for layer in layers.values():
        _, refused, event = services.spans_relabel(
            changes=[(span, label) for span in layer], actor=edit.user
        )
        skipped += [{"span": span.pk, "reason": reason} for span, reason in refused]
        if event is not None:
            events.append(event)
    return events, skipped


def search_edit_undo(*, edit: SearchEdit, user) -> dict[str, int]:
    """Undo a relabel or deletion in one step: relabelled spans get their label back,
    deleted ones come back under their ids. Spans changed since (or that no longer fit
    their layer) stay as they are (``kept``)."""
    with transaction.atomic():
        edit = SearchEdit.objects.select_for_update().get(pk=edit.pk)
        if edit.undone_at is not None:
            raise ValidationError("This edit has been undone already.")
        if not edit.job.finished:
            raise ValidationError("This edit is still running: undo it when it is done.")
        events = SpanEvent.objects.filter(pk__in=edit.events, reverted_by__isnull=True)
        events = events.select_related("project", "document", "annotator").order_by("id")
        restored = kept = 0
        for event in events:
            size = len(event.spans) if event.spans is not None else 1
            try:
                with transaction.atomic():
                    if edit.kind == EditKind.DELETE:
                        services.span_restore(event=event, user=user)
                    else:
                        _unrelabel(event, user)
                restored += size
            except ValidationError:
                kept += size
        edit.undone_at = timezone.now()
        edit.save(update_fields=["undone_at"])
    return {"restored": restored, "kept": kept}


def _unrelabel(event: SpanEvent, user) -> None:
    """Give a relabel's spans (one, or a layer's batch) their labels back, all of them or
    none (``ValidationError`` when one is gone or changed since)."""
    rows = event.spans or [[event.span_id, None, None, event.after_label_id, event.before_label_id]]
    spans = Span.objects.select_related("project", "document").filter(
        pk__in=[row[0] for row in rows]
    )
    spans = {span.pk: span for span in spans}
    labels = Label.objects.in_bulk({row[4] for row in rows})
    changes = []
    for pk, _, _, after, before in rows:
        span = spans.get(pk)
        if span is None or before not in labels or span.label_id != after:
            raise ValidationError("Changed since.")
        changes.append((span, labels[before]))
    _, refused, _ = services.spans_relabel(changes=changes, actor=user, reverts=event)
    if refused:
        reasons = "; ".join(reason for _, reason in refused)
        raise ValidationError(f"No longer fits its layer ({reasons}).")
