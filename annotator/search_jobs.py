"""Tag every hit of a phrase, in a worker, and undo that in one step (API.md, "Search").

Into the suggestion layer (source ``search:<phrase>``), the user's own layer or gold. A
hit the layer refuses (an overlap when the project forbids it, an exact duplicate) or
that the source already suggests is left out and counted. The whole tag is one
transaction; what it stored is kept on its ``SearchTag``, so that undoing it reverses
every document's batch at once.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from corpus.models import Document

from . import services
from .jobs import Job, JobFailed, JobKind, job_run
from .models import Label, Project, Span, SpanAction, SpanEvent
from .search import PhraseHits, Search
from .search_tags import SearchTag, TagInto
from .services.disputes import disputes_refresh
from .suggestions import Suggestion, SuggestionDecision


def search_tag_later(*, project: Project, user, q: str, label: Label, into: str) -> Job:
    """Queue the tagging of every hit of ``q`` with ``label``; the job (its ``SearchTag``
    made with it)."""
    with transaction.atomic():
        job = Job.objects.create(project=project, kind=JobKind.SEARCH_TAG, created_by=user)
        tag = SearchTag.objects.create(
            project=project,
            job=job,
            user=user,
            q=q,
            label_pk=label.pk,
            label_name=label.name,
            into=into,
        )
    job.task_id = search_tag.enqueue(job.pk, tag.pk).id
    job.save(update_fields=["task_id"])
    return job


@task
def search_tag(job_id: int, tag_id: int) -> dict[str, Any] | None:
    return job_run(job_id, lambda job: _search_tag(job, tag_id))


def _search_tag(job: Job, tag_id: int) -> dict[str, int]:
    tag = SearchTag.objects.select_related("project", "user").filter(pk=tag_id).first()
    label = Label.objects.filter(project=tag.project_id, pk=tag.label_pk).first() if tag else None
    if label is None:
        raise JobFailed("The label of this tag has been deleted since; nothing was stored.")
    hits = PhraseHits(Search(project=tag.project, user=tag.user, q=tag.q))
    found = hits.counts()
    job.advance(1, 10)  # reading the documents is the first tenth
    if tag.into == TagInto.SUGGESTIONS:
        tagged, refused = _suggest(tag, hits, label)
    else:
        tagged, refused = _spans(tag, hits, label)
    return {
        "documents": len(found),
        "hits": sum(n for _, n in found),
        "tagged": tagged,
        "refused": refused,
    }


def _suggest(tag: SearchTag, hits: PhraseHits, label: Label) -> tuple[int, int]:
    # The phrase in another case finds the same places: they are suggested once.
    already = set(
        Suggestion.objects.filter(
            project=tag.project, source__iexact=tag.source, label=label
        ).values_list("document_id", "start", "end")
    )
    rows, refused = [], 0
    for document, places in hits.all():
        for start, end in places:
            if (document, start, end) in already:
                refused += 1
                continue
            rows.append(
                Suggestion(
                    project=tag.project,
                    document_id=document,
                    label=label,
                    start=start,
                    end=end,
                    source=tag.source,
                )
            )
    try:
        with transaction.atomic():
            stored = Suggestion.objects.bulk_create(rows, batch_size=1000)
            tag.suggestions = [row.pk for row in stored]
            tag.save(update_fields=["suggestions"])
    except IntegrityError:
        raise JobFailed(
            "The same phrase was tagged with this label at the same time; nothing was "
            "stored. Start the tag again."
        ) from None
    return len(stored), refused


def _spans(tag: SearchTag, hits: PhraseHits, label: Label) -> tuple[int, int]:
    """One batch of spans a document, all in one transaction; the documents' disputes
    decided once at the end (a document at a time, they were three quarters of the time)."""
    gold = tag.into == TagInto.GOLD
    tagged = refused = 0
    with transaction.atomic():
        events = []
        tagged_documents = []
        for document_id, places in hits.all():
            document = Document.objects.get(pk=document_id)
            items = [{"start": s, "end": e, "label": label} for s, e in places]
            stored = _spans_create(tag, document, items, gold=gold)
            refused += len(items) - len(stored)
            if stored:
                tagged += len(stored)
                tagged_documents.append(document_id)
                events.append(
                    SpanEvent.objects.filter(
                        project=tag.project,
                        document=document,
                        actor=tag.user,
                        gold=gold,
                        action=SpanAction.CREATED,
                    )
                    .order_by("-id")
                    .values_list("pk", flat=True)
                    .first()
                )
        if not gold:
            disputes_refresh(tag.project_id, tagged_documents)
        tag.events = events
        tag.save(update_fields=["events"])
    return tagged, refused


def _spans_create(tag: SearchTag, document: Document, items: list, *, gold: bool) -> list[Span]:
    """Store the items the layer takes: those it refuses (overlap, duplicate) are left
    out, and the rest are stored as one batch."""
    for _attempt in range(2):
        if not items:
            return []
        try:
            return services.spans_create(
                project=tag.project,
                document=document,
                annotator=tag.user,
                items=items,
                gold=gold,
                disputes_later=True,
            )
        except services.BatchErrors as refused:
            items = [item for index, item in enumerate(items) if str(index) not in refused.errors]
    return []


def search_tag_undo(*, tag: SearchTag, user) -> dict[str, int]:
    """Undo a tag in one step: its spans leave their layer (each document's batch reverted,
    as the workspace's undo would), or its suggestions nobody has decided are deleted.
    Spans changed since, and decided suggestions, stay (``kept``)."""
    with transaction.atomic():
        tag = SearchTag.objects.select_for_update().get(pk=tag.pk)
        if tag.undone_at is not None:
            raise ValidationError("This tag has been undone already.")
        if not tag.job.finished:
            raise ValidationError("This tag is still running: undo it when it is done.")
        if tag.into == TagInto.SUGGESTIONS:
            removed, kept = _unsuggest(tag)
        else:
            removed, kept = _unspan(tag, user)
        tag.undone_at = timezone.now()
        tag.save(update_fields=["undone_at"])
    return {"removed": removed, "kept": kept}


def _unsuggest(tag: SearchTag) -> tuple[int, int]:
    removed = 0
    for first in range(0, len(tag.suggestions), 1000):
        chunk = tag.suggestions[first : first + 1000]
        undecided = Suggestion.objects.filter(pk__in=chunk).exclude(
            pk__in=SuggestionDecision.objects.filter(suggestion__in=chunk).values("suggestion")
        )
        removed += undecided.delete()[1].get(Suggestion._meta.label, 0)
    return removed, len(tag.suggestions) - removed


def _unspan(tag: SearchTag, user) -> tuple[int, int]:
    gold = tag.into == TagInto.GOLD
    removed = kept = 0
    untagged = []  # their disputes decided once, at the end
    events = SpanEvent.objects.filter(pk__in=tag.events, reverted_by__isnull=True)
    for event in events.select_related("document").order_by("id"):
        services.lock_layer(tag.project, event.document, tag.user.pk, gold=gold)
        layer = Span.objects.filter(project=tag.project, document=event.document_id, gold=gold)
        if not gold:
            layer = layer.filter(annotator=tag.user)
        made = {pk: (start, end, label) for pk, start, end, label in event.spans or []}
        if event.spans is None:
            made = {event.span_id: (event.after_start, event.after_end, event.after_label_id)}
        spans = [
            span
            for span in layer.filter(pk__in=made)
            if made[span.pk] == (span.start, span.end, span.label_id)
        ]
        kept += len(made) - len(spans)
        removed += len(spans)
        if len(spans) == 1 and event.spans is None:
            services.span_delete(span=spans[0], reverts=event, actor=user, disputes_later=True)
        else:
            services.spans_delete(spans=spans, reverts=event, actor=user, disputes_later=True)
        if spans and not gold:
            untagged.append(event.document_id)
    if untagged:
        disputes_refresh(tag.project_id, untagged)
    return removed, kept
