"""Which documents' analysts disagree, stored (``models.DocumentDispute``).

The rule is the review page's (``curation``, ``layers.majority_spans``): a document is
disputed when two or more analysts completed it and some span of an analyst's layer
(anyone's, completed or not) is not marked — same start, end and label — by more than
half of those who completed it. Gold plays no part.

Written here in SQL, once: ``disputes_refresh`` decides it again for the documents a write
touched, in the write's transaction, with the spans it finds disputed (``DisputedSpan``,
what search lists). A write to an analyst's layer costs one plain lookup (which finds no
row, and does nothing more, unless two or more completed the document; then the rule's
``UPDATE``, and its disputed spans deleted and selected again: three more); a status
becoming complete or not recounts the document's row first. The test that walks every write path:
``tests/annotator/test_disputes.py``.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .. import sql
from ..models import DisputedSpan, DocumentDispute, DocumentStatus, Span, Status

CHUNK = 2000  # documents named in one statement (SQLite's limit on parameters)
# What a ``DisputedSpan`` row copies from its span (``weak_rows``' columns, in this order).
STORED = {
    "project_id": "project_id",
    "document_id": "document_id",
    "span_id": "id",
    "label_id": "label_id",
    "annotator_id": "annotator_id",
    "start": "start",
    "end": "end",
}


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


def disputed_spans(spans: QuerySet, project_id: int, label_id: int | None = None) -> QuerySet:
    """Of ``spans``, those the review page shows as disputed in a disputed document: in an
    analyst's layer, marked by at most half of those who completed the document (stored:
    ``DisputedSpan``); with ``label_id``, the stored rows of that label only, which
    PostgreSQL reads from their own index (``disputed_span_label``) rather than every span
    of the label."""
    # A join, not ``IN``/``EXISTS``: PostgreSQL made those a semi-join whose list it
    # misjudged at one row, then compared each span with all 42,000 (45 s for a page of
    # 100 at 2,000,000 spans, ``bench/search.py``); joined, it hashes the list once.
    quote = connection.ops.quote_name
    table, spans_table = quote(DisputedSpan._meta.db_table), quote(Span._meta.db_table)
    where = [f"{table}.span_id = {spans_table}.id", f"{table}.project_id = %s"]
    params = [project_id]
    if label_id is not None:
        where.append(f"{table}.label_id = %s")
        params.append(label_id)
    return spans.filter(gold=False).extra(
        tables=[DisputedSpan._meta.db_table], where=where, params=params
    )


def weak_rows(
    project_id: int,
    document_ids: list[int] | None = None,
    *,
    span_model=Span,
    status_model=DocumentStatus,
    dispute_model=DocumentDispute,
    columns: Iterable[str] = ("project_id", "document_id", "id"),
) -> QuerySet:
    """``columns`` of every span the rule calls weak in the documents that two or more
    completed (a row in ``dispute_model``), for ``DisputedSpan``: by default project,
    document and id, what migration 0017 stores; the services store ``STORED``."""
    completed = dispute_model.objects.filter(
        project=project_id, document=OuterRef("document")
    ).values("completed")
    spans = span_model.objects.filter(project=project_id, gold=False)
    if document_ids is not None:
        spans = spans.filter(document__in=document_ids)
    votes = _votes(project_id, span_model=span_model, status_model=status_model)
    return (
        spans.alias(doubled=votes * 2, completed=Subquery(completed))
        .filter(doubled__lte=F("completed"))
        .values_list(*columns)
        .order_by()
    )


def _spans_store(rows: QuerySet, table: str) -> None:
    """``INSERT … SELECT``: the rows go from the query to the table within the database."""
    query, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in STORED)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(table)} ({columns}) {query}", params)


def disputes_refresh(project_id: int, document_ids: Iterable[int] | None = None) -> None:
    """Decide again whether the documents (every one of the project's, with ``None``)
    are disputed, after a write to an analyst's layer: a lookup of their dispute rows
    (there is one only where two or more completed the document), one ``UPDATE`` of those,
    then their disputed spans written again."""
    rows = DocumentDispute.objects.filter(project=project_id)
    ids = None if document_ids is None else sorted(set(document_ids))
    chunks = [None] if ids is None else [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    for chunk in chunks:
        if chunk is not None:
            # Most writes touch a document that fewer than two analysts completed (no row):
            # a plain lookup says so. The rule's UPDATE, built with its subqueries, cost a
            # workspace tag 6–8 ms of CPU in Django alone (bench/floor.py: tag 16.2 ms of
            # CPU with it on every write, against 8.5 before the stored state).
            chunk = sql.disputed_rows(project_id, chunk)
            if not chunk:
                continue
        these = rows if chunk is None else rows.filter(document__in=chunk)
        if not these.update(disputed=Exists(weak_spans(project_id))) and chunk is not None:
            continue
        stale = DisputedSpan.objects.filter(project=project_id)
        (stale if chunk is None else stale.filter(document__in=chunk)).delete()
        weak = weak_rows(project_id, chunk, columns=STORED.values())
        _spans_store(weak, DisputedSpan._meta.db_table)


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
        gone = DocumentDispute.objects.filter(project=project_id, document__in=chunk).exclude(
            document__in=list(two)
        )
        DisputedSpan.objects.filter(
            project=project_id, document__in=gone.values("document")
        ).delete()
        gone.delete()
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


def disputes_fill(project_id: int) -> None:
    """Decide every document of the project from scratch: for rows written around the
    services (the benchmarks' ``COPY``), in a few statements."""
    DisputedSpan.objects.filter(project=project_id).delete()
    DocumentDispute.objects.filter(project=project_id).delete()
    completed = (
        DocumentStatus.objects.filter(project=project_id, status=Status.COMPLETE)
        .values("document")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .values_list("document", "n")
    )
    DocumentDispute.objects.bulk_create(
        (
            DocumentDispute(project_id=project_id, document_id=document, completed=n)
            for document, n in completed.iterator()
        ),
        batch_size=2000,
    )
    disputes_refresh(project_id)
