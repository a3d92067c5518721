"""Places on documents: the queue, assignment, complete and reopen (DESIGN.md, "Places
on a document": only annotators take places, at every way of claiming one)."""

import random
import time
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from corpus.models import Document

from .. import sql
from ..models import (
    DocumentConfidence,
    DocumentStatus,
    Membership,
    Project,
    QueueOrder,
    Span,
    Status,
)
from ..permissions import takes_a_place
from .disputes import disputes_recount


def status_claim(*, project: Project, document: Document, user_id: int) -> DocumentStatus:
    """The user's status row for the document, locked until the transaction ends.

    Usually it exists (the document was offered): one locking read. Made when missing,
    which for an annotator claims one of the document's places: refused when the document
    already has its ``annotators_per_document`` annotators. Run inside a transaction.
    """
    status = sql.lock_status(project.pk, document.pk, user_id)
    if status is not None:
        return status
    if takes_a_place(_member_role(project, user_id)):
        # Counted under the document's lock: two claims at once see each other.
        sql.lock_document(document.pk)
        if not _place_left(project, document):
            raise ValidationError({"non_field_errors": [_full(project)]})
    try:
        # A row this transaction inserts is as good as locked: a concurrent insert of the
        # same row waits on the unique constraint until we commit.
        with transaction.atomic():
            return DocumentStatus.objects.create(
                project=project, document=document, user_id=user_id
            )
    except IntegrityError:
        return sql.lock_status(project.pk, document.pk, user_id)


def _member_role(project: Project, user_id: int) -> str | None:
    """The user's membership role (not ``project.role``, which is the requester's)."""
    memberships = Membership.objects.filter(project=project, user_id=user_id)
    return memberships.values_list("role", flat=True).first()


def _place_left(project: Project, document: Document) -> bool:
    taken = DocumentStatus.objects.places().filter(project=project, document=document).count()
    return taken < project.annotators_per_document


def _full(project: Project) -> str:
    n = project.annotators_per_document
    people = "annotator" if n == 1 else f"{n} annotators"
    return f"This document already has its {people}; ask a manager for another one."


def document_next(*, project: Project, user) -> Document | None:
    """The document the user should annotate next, claiming a place on it; None when done.

    A document the user has open (claimed, not complete) comes back until they complete
    it. Otherwise the user gets a document that still needs annotators, preferring ones
    others have started so that documents get finished. The claim is a ``DocumentStatus``
    row; documents are locked while counted so that concurrent callers never put more
    than ``annotators_per_document`` people on one document.
    """
    open_status = (
        DocumentStatus.objects.filter(project=project, user=user)
        .exclude(status=Status.COMPLETE)
        .select_related("document")
        .order_by("created_at", "id")
        .first()
    )
    if open_status is not None:
        return open_status.document
    mine = DocumentStatus.objects.filter(project=project, user=user).values("document")
    if not takes_a_place(_member_role(project, user.pk)):
        # Reviewers and managers annotate beside the annotators, claiming nothing.
        return project.documents.exclude(pk__in=mine).order_by("id").first()
    claims = (
        DocumentStatus.objects.places()
        .filter(project=project, document=OuterRef("pk"))
        .values("document")
        .annotate(total=Count("pk"))
        .values("total")
    )
    candidates = (
        project.documents.exclude(pk__in=mine)
        .annotate(claims=Coalesce(Subquery(claims), 0))
        .filter(claims__lt=project.annotators_per_document)
    )
    candidates = _in_queue_order(project, candidates)
    for _ in range(MAX_CLAIM_ATTEMPTS):
        with transaction.atomic():
            document = candidates.select_for_update(skip_locked=True, of=("self",)).first()
            if document is None:
                if not candidates.exists():
                    return None
                # Every candidate is locked by someone else's claim right now: once those
                # commit, a place may still be free, so look again rather than give up.
                time.sleep(0.01)
                continue
            # Counted again under the lock: the first count may predate a claim that
            # another caller committed while we waited.
            if _place_left(project, document):
                DocumentStatus.objects.create(project=project, document=document, user=user)
                return document
    return None


MAX_CLAIM_ATTEMPTS = 20

# The picks of the ``uncertainty`` order left to chance (``random_fraction`` of them).
_chance = random.Random()


def _in_queue_order(project: Project, candidates):
    """Documents others have started come first, so that documents get finished; then, in
    the ``uncertainty`` order, those the latest model was least sure of (documents it has
    not read after them), except for ``random_fraction`` of the picks, made at random so
    that what gets reviewed (and evaluated) is not only what the model finds hard."""
    if project.order != QueueOrder.UNCERTAINTY:
        return candidates.order_by("-claims", "id")
    if _chance.random() < project.random_fraction:
        return candidates.order_by("-claims", "?")
    confidence = DocumentConfidence.objects.filter(project=project, document=OuterRef("pk")).values(
        "confidence"
    )[:1]
    return candidates.annotate(confidence=Subquery(confidence)).order_by(
        "-claims", F("confidence").asc(nulls_last=True), "id"
    )


def documents_assign(
    *, project: Project, documents: Iterable[Document], user
) -> tuple[list[Document], list[Document]]:
    """Give these documents to a member: the same claim ``document_next`` makes, so the
    member is offered them first. An annotator gets only documents with a place left.

    Returns the documents newly assigned and those refused because they are full (ones
    already the member's are in neither).
    """
    with transaction.atomic():
        places = takes_a_place(_member_role(project, user.pk))
        documents = sorted(documents, key=lambda document: document.pk)
        if places and connection.features.has_select_for_update:
            # Locked in id order, as ``document_next`` claims: no deadlock between them.
            ids = [document.pk for document in documents]
            list(Document.objects.filter(pk__in=ids).order_by("pk").select_for_update())
        theirs = set(
            DocumentStatus.objects.filter(project=project, user=user).values_list(
                "document_id", flat=True
            )
        )
        taken = dict(
            DocumentStatus.objects.places()
            .filter(project=project, document__in=documents)
            .values("document")
            .annotate(n=Count("pk"))
            .values_list("document", "n")
        )
        assigned, full = [], []
        for document in documents:
            if document.pk in theirs:
                continue
            if places and taken.get(document.pk, 0) >= project.annotators_per_document:
                full.append(document)
            else:
                assigned.append(document)
        DocumentStatus.objects.bulk_create(
            DocumentStatus(project=project, document=document, user=user) for document in assigned
        )
    return assigned, full


def documents_unassign(
    *, project: Project, documents: Iterable[Document], user
) -> tuple[list[Document], list[Document]]:
    """Take documents back from a member: their claim is removed, freeing its place for
    someone else, where they have not begun (status "new", nothing in their layer).

    A document they have begun keeps its claim (an unassignment never strands their work):
    returns the documents taken back and those kept because begun.
    """
    documents = sorted(documents, key=lambda document: document.pk)
    with transaction.atomic():
        claims = DocumentStatus.objects.filter(project=project, user=user, document__in=documents)
        begun = set(claims.exclude(status=Status.NEW).values_list("document_id", flat=True)) | set(
            Span.objects.filter(project=project, document__in=documents, annotator=user)
            .filter(gold=False)
            .values_list("document_id", flat=True)
        )
        claimed = set(claims.values_list("document_id", flat=True))
        taken = [d for d in documents if d.pk in claimed and d.pk not in begun]
        claims.filter(document__in=taken).delete()
    return taken, [d for d in documents if d.pk in claimed and d.pk in begun]


def document_complete(*, project: Project, document: Document, user) -> DocumentStatus:
    """Mark the document complete in the user's layer (claiming a place if it must)."""
    return _status_set(project, document, user, Status.COMPLETE, completed_at=timezone.now())


def document_reopen(*, project: Project, document: Document, user) -> DocumentStatus:
    """Take the 'complete' mark back: the document is in progress again for the user."""
    return _status_set(project, document, user, Status.IN_PROGRESS, completed_at=None)


def _status_set(project, document, user, value: str, **fields: Any) -> DocumentStatus:
    with transaction.atomic():
        status = status_claim(project=project, document=document, user_id=user.pk)
        status.status = value
        for name, field_value in fields.items():
            setattr(status, name, field_value)
        status.save(update_fields=["status", *fields, "updated_at"])
        disputes_recount(project.pk, [document.pk])
    return status
