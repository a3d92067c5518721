"""Which documents' analysts disagree, stored (``models.DocumentDispute``).

The rule is the review page's (``curation``, ``layers.majority_spans``): a document is
disputed when two or more analysts completed it and some span of an analyst's layer
(anyone's, completed or not) is not marked — same start, end and label — by more than
half of those who completed it. Gold plays no part.

Written here in SQL, once: ``disputes_refresh`` decides it again for the documents a write
touched, in the write's transaction. A write to an analyst's layer costs one ``UPDATE``
(which finds no row, and does nothing, unless two or more completed the document); a
status becoming complete or not recounts the document's row first.
"""

from collections.abc import Iterable

from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ..models import DocumentDispute, DocumentStatus, Span, Status

CHUNK = 2000  # documents named in one statement (SQLite's limit on parameters)


def _votes(project_id, *, span_model=Span, status_model=DocumentStatus) -> Subquery:
    """How many analysts who completed the outer span's document marked that span (same
    start, end and label), for the outer query's span."""
    completed_vote = status_model.objects.filter(
        project=project_id,
        document=OuterRef("document"),
        user=OuterRef("annotator"),
        status=Status.COMPLETE,
    )
    votes = (
        span_model.objects.filter(
            project=project_id,
            document=OuterRef("document"),
            start=OuterRef("start"),
            end=OuterRef("end"),
            label=OuterRef("label"),
            gold=False,
        )
        .filter(Exists(completed_vote))
        .values("document")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(votes), 0, output_field=IntegerField())


def weak_spans(project_id, *, span_model=Span, status_model=DocumentStatus) -> QuerySet:
    """The analysts' spans of the outer query's ``document`` that at most half of its
    ``completed`` analysts marked (the rule's "not in the majority"). The models are
    parameters so that the migration that fills the table asks the same rule."""
    votes = _votes(project_id, span_model=span_model, status_model=status_model)
    return (
        span_model.objects.filter(project=project_id, document=OuterRef("document"), gold=False)
        .alias(doubled=votes * 2)
        .filter(doubled__lte=OuterRef("completed"))
    )


def disputed_spans(spans: QuerySet, project_id: int) -> QuerySet:
    """Of ``spans``, those the review page shows as disputed in a disputed document: in an
    analyst's layer, marked by at most half of those who completed the document."""
    documents = DocumentDispute.objects.filter(project=project_id, disputed=True)
    completed = documents.filter(document=OuterRef("document")).values("completed")
    return (
        spans.filter(gold=False, document__in=documents.values("document"))
        .alias(doubled=_votes(project_id) * 2, completed=Subquery(completed))
        .filter(doubled__lte=F("completed"))
    )


def disputes_refresh(project_id: int, document_ids: Iterable[int] | None = None) -> None:
    """Decide again whether the documents (every one of the project's, with ``None``)
    are disputed, after a write to an analyst's layer: one ``UPDATE`` of their rows."""
    rows = DocumentDispute.objects.filter(project=project_id)
    if document_ids is None:
        rows.update(disputed=Exists(weak_spans(project_id)))
        return
    ids = sorted(set(document_ids))
    for first in range(0, len(ids), CHUNK):
        chunk = rows.filter(document__in=ids[first : first + CHUNK])
        chunk.update(disputed=Exists(weak_spans(project_id)))


def disputes_recount(project_id: int, document_ids: Iterable[int]) -> None:
    """After a status changed (complete, reopened, removed): how many analysts completed
    each document, its row made, changed or removed (fewer than two), then decided."""
    ids = sorted(set(document_ids))
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        counts = dict(
            DocumentStatus.objects.filter(
                project=project_id, document__in=chunk, status=Status.COMPLETE
            )
            .values("document")
            .annotate(n=Count("pk"))
            .values_list("document", "n")
        )
        two = {document: n for document, n in counts.items() if n >= 2}
        DocumentDispute.objects.filter(project=project_id, document__in=chunk).exclude(
            document__in=list(two)
        ).delete()
        if two:
            DocumentDispute.objects.bulk_create(
                [
                    DocumentDispute(project_id=project_id, document_id=document, completed=n)
                    for document, n in two.items()
                ],
                update_conflicts=True,
                unique_fields=["project", "document"],
                update_fields=["completed"],
            )
            disputes_refresh(project_id, two)
