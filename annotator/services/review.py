"""Review: gold curated from the analysts' layers, rejections, comments, reviewed marks."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from corpus.models import Document

from ..models import Comment, Project, Rejection, Review, Span
from ..relations import Relation
from .ner import train_if_due
from .relations import relation_create
from .spans import BatchErrors, spans_create

Key = tuple[int, int, int]  # (start, end, label_id), as ``curation.compare`` names them


def gold_accept(*, project: Project, document: Document, reviewer, keys: list[Key]) -> list[Span]:
    """Copy these spans into gold (those not there yet), all or nothing."""
    labels = {label.pk: label for label in project.labels.all()}
    stored = set(
        Span.objects.filter(project=project, document=document, gold=True).values_list(
            "start", "end", "label_id"
        )
    )
    items = [
        {"start": start, "end": end, "label": labels.get(label_id)}
        for start, end, label_id in dict.fromkeys(keys)
        if (start, end, label_id) not in stored
    ]
    return spans_create(
        project=project, document=document, annotator=reviewer, items=items, gold=True
    )


def span_reject(*, span: Span, reviewer, reason: str) -> Rejection:
    """Reject an analyst's span; the analyst sees the reason beside it."""
    rejection, _ = Rejection.objects.update_or_create(
        span=span, defaults={"reviewer": reviewer, "reason": reason}
    )
    return rejection


def comment_add(
    *, project: Project, document: Document, author, body: str, span: Span | None = None
) -> Comment:
    """A note for the team on the document (or on one of its spans)."""
    return Comment.objects.create(
        project=project,
        document=document,
        author=author,
        body=body,
        span=span,
        layer_annotator_id=span.annotator_id if span else None,
        layer_gold=span.gold if span else False,
    )


def comments_import(*, project: Project, comments: Sequence[tuple[Document, object, str]]) -> int:
    """Notes on documents brought from another tool, ``(document, author, body)``; a note
    the document already has from that author, word for word, is not added again.
    Returns how many were added."""
    documents = {document.pk for document, _, _ in comments}
    stored = set(
        Comment.objects.filter(project=project, document__in=documents, span=None).values_list(
            "document_id", "author_id", "body"
        )
    )
    new = []
    for document, author, body in comments:
        key = (document.pk, author.pk, body)
        if key not in stored:
            stored.add(key)
            new.append(Comment(project=project, document=document, author=author, body=body))
    Comment.objects.bulk_create(new, batch_size=2000)
    return len(new)


def document_mark_reviewed(*, project: Project, document: Document, reviewer) -> Review:
    """Mark the document's gold layer as curated; a newly reviewed document may start a
    model's training (the project's ``train_every``)."""
    with transaction.atomic():
        review, created = Review.objects.update_or_create(
            project=project, document=document, defaults={"reviewer": reviewer}
        )
        if created:
            train_if_due(project=project, actor=reviewer)
    return review


def document_reopen_review(*, project: Project, document: Document) -> None:
    """Take the 'reviewed' mark back."""
    Review.objects.filter(project=project, document=document).delete()


def relation_accept(*, relation: Relation, reviewer) -> Relation:
    """Copy an analyst's relation into gold, as ``reviewer``: its two spans first, where gold
    does not have them yet (the same offsets and label), then the relation between gold's
    spans; all or nothing, refused in words (a span that would overlap gold's, a relation
    gold already has)."""
    if relation.gold:
        raise ValidationError({"non_field_errors": ["This relation is already gold's."]})
    ends = [relation.source, relation.target]
    with transaction.atomic():
        keys = [(span.start, span.end, span.label_id) for span in ends]
        try:
            gold_accept(
                project=relation.project, document=relation.document, reviewer=reviewer, keys=keys
            )
        except BatchErrors as refused:
            raise ValidationError({"non_field_errors": refused.problems()}) from refused
        gold = Span.objects.filter(project=relation.project, document=relation.document, gold=True)
        source, target = (gold.get(start=s, end=e, label_id=label) for s, e, label in keys)
        return relation_create(
            project=relation.project,
            document=relation.document,
            annotator=reviewer,
            relation_type=relation.type,
            source=source,
            target=target,
            gold=True,
        )
