"""Writes that touch several rows, each in one transaction.

The workspace views, the API, the admin and the importers all call these, so a span is
validated the same way whichever door it comes through (``models.span_errors``).
"""

import dataclasses
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Field, Model, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.db.models.options import Options
from django.utils import timezone

from corpus.importers import ParseError, Record
from corpus.models import Document, text_hash

from . import history, sql
from .models import (
    DocumentStatus,
    Label,
    Membership,
    Origin,
    Project,
    Role,
    Span,
    SpanAction,
    SpanEvent,
    Status,
    spans_errors,
    validate_span,
)
from .permissions import role_of, takes_a_place


class BatchErrors(ValidationError):
    """A list refused as a whole: ``errors`` maps an item's index to its field messages."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]):
        super().__init__("The list was refused; nothing was stored.")
        self.errors = errors


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


def _touch(status: DocumentStatus) -> None:
    if status.status == Status.NEW:
        status.status = Status.IN_PROGRESS
        status.save(update_fields=["status", "updated_at"])


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
    reverts: SpanEvent | None = None,
    actor=None,
) -> Span:
    """Validate and store one span in the annotator's layer (or gold).

    ``actor`` is who does it, for the history: the annotator unless someone else is named
    (a manager restoring an analyst's span). ``reverts`` is the deletion this brings back
    (an undo, or a restoration from the history): the span returns under its old id, so
    its history stays one thread.
    """
    try:
        with transaction.atomic():
            status = lock_layer(project, document, annotator.pk, gold=gold)
            validate_span(
                text=document.text,
                project=project,
                start=start,
                end=end,
                label=label,
                layer=sql.layer_keys(project.pk, document.pk, annotator.pk, gold=gold),
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
            )
            sql.insert(span)
            history.record_created(span, actor_id=(actor or annotator).pk, reverts=reverts)
            if status is not None:
                _touch(status)
    except IntegrityError as error:
        # The layer is locked and checked above, so only a span brought back twice at
        # once can get here; the transaction is rolled back whole, without a savepoint.
        raise ValidationError(
            {"non_field_errors": ["This exact span is already in the layer."]}
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
            span.project_id, span.document_id, span.annotator_id, gold=span.gold, excluding=span.pk
        )
        validate_span(
            text=span.document.text,
            project=span.project,
            start=new_start,
            end=new_end,
            label=new_label,
            layer=others,
        )
        before = {"start": span.start, "end": span.end, "label_id": span.label_id}
        span.label, span.start, span.end = new_label, new_start, new_end
        span.save(update_fields=["label", "start", "end", "updated_at"])
        actor_id = actor.pk if actor else span.annotator_id
        history.record_changed(span, actor_id=actor_id, **before, reverts=reverts)
    return span


def span_delete(*, span: Span, reverts: SpanEvent | None = None, actor=None) -> None:
    """Remove a span from its layer, as ``actor`` (its annotator unless named); ``reverts``
    is the creation this undoes."""
    with transaction.atomic():
        actor_id = actor.pk if actor else span.annotator_id
        history.record_deleted(span, actor_id=actor_id, reverts=reverts)
        sql.delete_span(span.pk)


def span_restore(*, event: SpanEvent, user) -> Span:
    """Bring back the span a deletion event removed, under its old id, validated again
    through ``span_create`` (its label must still exist, and it must fit its layer as it
    is now)."""
    if event.action != SpanAction.DELETED:
        raise ValidationError("Only a deleted span can be restored.")
    if event.before_label is None:
        raise ValidationError("Its label has been deleted since: the span cannot come back.")
    if event.annotator is None:
        raise ValidationError("Its annotator's account has been deleted since.")
    with transaction.atomic():
        # Locked so that two managers restoring the same span make one span, not two.
        event = SpanEvent.objects.select_for_update().get(pk=event.pk)
        if SpanEvent.objects.filter(reverts=event).exists():
            raise ValidationError("This span has already been restored.")
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
    actor=None,
) -> list[Span]:
    """Store a list of spans ({start, end, label: Label|None}) in one layer, all or nothing,
    as ``actor`` (the annotator unless named).

    Errors come back by item index: ``{"0": {"end": [...]}}``.
    """
    with transaction.atomic():
        status = lock_layer(project, document, annotator.pk, gold=gold)
        layer = sql.layer_keys(project.pk, document.pk, annotator.pk, gold=gold)
        errors = spans_errors(text=document.text, project=project, items=items, layer=layer)
        if errors:
            raise BatchErrors({str(index): problems for index, problems in errors.items()})
        now = timezone.now()
        same = (project.pk, document.pk, annotator.pk, gold, origin)
        ids = bulk_insert(
            Span,
            ["label", "start", "end", "project", "document", "annotator", "gold", "origin"],
            [(item["label"].pk, item["start"], item["end"], *same) for item in items],
            now=now,
        )
        history.record_many_created(ids, actor_id=(actor or annotator).pk)
        if not gold and ids:
            _touch(status)
    return _stored_spans(
        ids,
        items,
        project=project,
        document=document,
        annotator=annotator,
        gold=gold,
        origin=origin,
        now=now,
    )


def _stored_spans(
    ids: Sequence[int],
    items: Sequence[Mapping[str, Any]],
    *,
    project: Project,
    document: Document,
    annotator,
    gold: bool,
    origin: str,
    now: datetime,
) -> list[Span]:
    """The instances of spans just stored (``ids`` in the items' order), made as the ORM
    makes the rows it reads (``Model.from_db``), their related objects set, not fetched:
    ``Span(**fields)`` takes twice as long, a tenth of a second more for 10,000."""
    meta = Span._meta
    names = [field.attname for field in meta.concrete_fields]
    shared = {
        "project_id": project.pk,
        "document_id": document.pk,
        "annotator_id": annotator.pk,
        "gold": gold,
        "origin": origin,
        "created_at": now,
        "updated_at": now,
    }
    related = {"project": project, "document": document, "annotator": annotator}
    spans = []
    for pk, item in zip(ids, items, strict=True):
        label, start, end = item["label"], item["start"], item["end"]
        row = {**shared, "id": pk, "label_id": label.pk, "start": start, "end": end}
        span = Span.from_db(connection.alias, names, [row[name] for name in names])
        for name, value in {**related, "label": label}.items():
            meta.get_field(name).set_cached_value(span, value)
        spans.append(span)
    return spans


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
        .order_by("-claims", "id")
    )
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
    return status


def project_create(*, creator, **fields: Any) -> Project:
    """Create a project; its creator becomes its manager."""
    with transaction.atomic():
        project = Project.objects.create(created_by=creator, **fields)
        Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
    return project


def documents_import(
    *, project: Project, items: Sequence[Mapping[str, Any]], uploader
) -> list[Document]:
    """Add documents (with optional pre-annotated spans) to a project, all or nothing.

    Each item: ``text``, and optionally ``title``, ``external_id``, ``meta``, ``source``
    and ``spans`` — a list of ``{start, end, label}`` where label is a name or an id, with
    an optional ``annotator`` username (managers only) for other people's work. A document
    whose ``external_id`` is already stored with the same text is reused, not duplicated.
    Raises ``BatchErrors`` with every problem, by item index, and stores nothing then.

    Spans are checked with ``models.spans_errors``, a layer at a time; a reused document's
    layers are first locked as a tag locks one (``_layers_lock``), then read, so that a tag
    at the same moment is checked against the import or the import against the tag.
    """
    labels = {label.name: label for label in project.labels.all()}
    labels_by_id = {label.pk: label for label in labels.values()}
    external_ids = [
        item["external_id"]
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("external_id"), str)
    ]
    existing = {
        document.external_id: document
        for document in Document.objects.filter(external_id__in=external_ids)
    }
    usernames = {
        span.get("annotator")
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("spans"), list)
        for span in item["spans"]
        if isinstance(span, Mapping) and isinstance(span.get("annotator"), str)
    }
    users = {
        user.username: user
        for user in get_user_model().objects.filter(
            username__in=[name for name in usernames if isinstance(name, str)],
            memberships__project=project,
        )
    }
    uploader_is_manager = role_of(uploader, project) == Role.MANAGER

    errors: dict[str, dict[str, list[str]]] = {}
    plan: list[_Planned] = []
    seen_external_ids: set[str] = set()
    for index, item in enumerate(items):
        item_errors: dict[str, list[str]] = {}

        def add(field: str, message: str, item_errors=item_errors) -> None:
            item_errors.setdefault(field, []).append(message)

        if not isinstance(item, Mapping):
            errors[str(index)] = {"non_field_errors": ["Expected an object with a 'text'."]}
            continue
        unknown = set(item) - {"text", "title", "external_id", "meta", "source", "spans"}
        for field in sorted(unknown):
            add(field, "Unknown field.")
        text = item.get("text")
        if not isinstance(text, str):
            add("text", "Required: the document text as a string.")
        elif text == "":
            add("text", "Empty text is refused.")
        elif "\x00" in text:
            add("text", "Contains a NUL character, which cannot be stored.")
        title = item.get("title", "")
        if title is None:
            title = ""
        if not isinstance(title, str) or len(title) > 500:
            add("title", "Must be a string of at most 500 characters.")
        source = item.get("source", "")
        if not isinstance(source, str) or len(source) > 500:
            add("source", "Must be a string of at most 500 characters.")
        meta = item.get("meta", {})
        if meta is None:
            meta = {}
        if not isinstance(meta, Mapping):
            add("meta", "Must be an object.")
        external_id = item.get("external_id")
        if external_id == "":
            external_id = None
        document = None
        if external_id is not None:
            if not isinstance(external_id, str) or len(external_id) > 255:
                add("external_id", "Must be a string of at most 255 characters.")
            elif external_id in seen_external_ids:
                add("external_id", f"'{external_id}' appears twice in this import.")
            else:
                seen_external_ids.add(external_id)
                document = existing.get(external_id)
                if document and isinstance(text, str) and document.content_hash != text_hash(text):
                    add(
                        "external_id",
                        f"'{external_id}' is already used by a document with different text; "
                        "a changed text is a new document with a new external_id.",
                    )
        raw_spans = item.get("spans", [])
        if raw_spans is None:
            raw_spans = []
        if not isinstance(raw_spans, list):
            add("spans", "Must be a list of {start, end, label} objects.")
            raw_spans = []
        if item_errors:
            errors[str(index)] = item_errors
            continue

        reused = document is not None
        if document is None:
            document = Document(
                title=title, text=text, external_id=external_id, source=source, meta=dict(meta)
            )
        planned = _Planned(index, document, reused)
        for number, raw in enumerate(raw_spans):
            if not isinstance(raw, Mapping):
                planned.messages[number] = ["expected an object with start, end, label."]
                continue
            annotator_id = uploader.pk
            name = raw.get("annotator")
            if name is not None and name != uploader.username:
                if not uploader_is_manager:
                    planned.messages[number] = [
                        "only a manager may import spans for another annotator."
                    ]
                    continue
                annotator = users.get(name) if isinstance(name, str) else None
                if annotator is None:
                    planned.messages[number] = [
                        f"annotator {name!r} is not a member of this project."
                    ]
                    continue
                annotator_id = annotator.pk
            raw_label = raw.get("label")
            label = (
                labels_by_id.get(raw_label)
                if isinstance(raw_label, int) and not isinstance(raw_label, bool)
                else labels.get(raw_label)
                if isinstance(raw_label, str)
                else None
            )
            item = {"start": raw.get("start"), "end": raw.get("end"), "label": label}
            item["quoted"] = raw.get("text")
            planned.spans.append(_PlannedSpan(number, annotator_id, raw_label, item))
        plan.append(planned)

    with transaction.atomic():
        # Locked before they are read; in (document, user) order, as every import does.
        reused_layers = sorted(
            {(p.document.pk, span.annotator_id) for p in plan if p.reused for span in p.spans}
        )
        _layers_lock(project, reused_layers)
        stored: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        for document_id, annotator_id, *extent in Span.objects.filter(
            project=project, document__in={document for document, _ in reused_layers}, gold=False
        ).values_list("document_id", "annotator_id", "start", "end", "label_id"):
            stored.setdefault((document_id, annotator_id), []).append(tuple(extent))
        for planned in plan:
            _spans_check(project, planned, stored)
            if planned.messages:
                errors[str(planned.index)] = {
                    "spans": [
                        f"span {number}: {message}"
                        for number in sorted(planned.messages)
                        for message in planned.messages[number]
                    ]
                }
        if errors:
            raise BatchErrors(dict(sorted(errors.items(), key=lambda pair: int(pair[0]))))

        _documents_insert([p.document for p in plan if not p.reused])
        reused_ids = {p.document.pk for p in plan if p.reused}
        # Only a reused document can be in the project already (no m2m_changed receivers
        # to skip: the links are rows like the others).
        linked = set(project.documents.filter(pk__in=reused_ids).values_list("pk", flat=True))
        bulk_insert(
            Project.documents.through,
            ["project", "document"],
            [(project.pk, p.document.pk) for p in plan if p.document.pk not in linked],
        )
        # 200,000 spans are 200,000 rows, not model instances.
        span_ids = bulk_insert(
            Span,
            ["project", "document", "label", "annotator", "start", "end", "origin"],
            [
                (project.pk, p.document.pk, *span.columns, Origin.IMPORTED)
                for p in plan
                for span in p.spans
            ],
        )
        history.record_many_created(span_ids, actor_id=uploader.pk)
        # A reused document's layers have their status already (``_layers_lock``).
        _statuses_in_progress(
            project,
            {(p.document.pk, span.annotator_id) for p in plan if not p.reused for span in p.spans},
        )
    return [p.document for p in plan]


class _PlannedSpan(NamedTuple):
    number: int  # in its document's list
    annotator_id: int
    raw_label: object  # as given: a name or an id
    item: dict[str, Any]  # for ``spans_errors``

    @property
    def columns(self) -> tuple[int, int, int, int]:
        """Its label, annotator, start and end, as a Span row holds them."""
        item = self.item
        return item["label"].pk, self.annotator_id, item["start"], item["end"]


@dataclasses.dataclass
class _Planned:
    """A document of an import whose own fields passed: its spans, and the messages
    about them by span number."""

    index: int
    document: Document
    reused: bool
    spans: list[_PlannedSpan] = dataclasses.field(default_factory=list)
    messages: dict[int, list[str]] = dataclasses.field(default_factory=dict)


def _spans_check(
    project: Project, planned: _Planned, stored: Mapping[tuple[int, int], list]
) -> None:
    """Validate a planned document's spans, a layer at a time, against the layer as stored
    (reused documents); add their messages to ``planned.messages``."""
    layers: dict[int, list[_PlannedSpan]] = {}
    for span in planned.spans:
        layers.setdefault(span.annotator_id, []).append(span)
    for annotator_id, spans in layers.items():
        layer = stored.get((planned.document.pk, annotator_id), []) if planned.reused else []
        found = spans_errors(
            text=planned.document.text,
            project=project,
            items=[span.item for span in spans],
            layer=layer,
        )
        for position, problems in found.items():
            span = spans[position]
            if span.item["label"] is None and "label" in problems:
                problems["label"] = [f"Unknown label {span.raw_label!r} for this project."]
            planned.messages[span.number] = [
                f"{'' if name == 'non_field_errors' else f'{name}: '}{message}"
                for name, messages in problems.items()
                for message in messages
            ]


def _layers_lock(project: Project, layers: Sequence[tuple[int, int]]) -> None:
    """Lock analysts' layers, (document id, user id) sorted, as ``lock_layer`` locks one.

    Through their status rows: those missing are made first (``ON CONFLICT DO NOTHING``:
    a row a tag makes at the same moment is waited for, then left as it is), then every
    one is locked, in the same order, so that two imports never wait on each other in a
    circle; a tag locks one layer only.
    """
    if not layers:
        return
    DocumentStatus.objects.bulk_create(
        [
            DocumentStatus(
                project=project, document_id=document, user_id=user, status=Status.IN_PROGRESS
            )
            for document, user in layers
        ],
        ignore_conflicts=True,
    )
    sql.lock_statuses(project.pk, layers)


def _documents_insert(documents: Sequence[Document]) -> None:
    # As save() would: the hash, the creation time, and the ids, in the instances.
    now = timezone.now()
    for document in documents:
        document.content_hash = text_hash(document.text)
        document.created_at = now
    fields = ["title", "text", "external_id", "source", "meta", "content_hash", "created_at"]
    rows = [[getattr(document, name) for name in fields] for document in documents]
    for document, pk in zip(documents, bulk_insert(Document, fields, rows), strict=True):
        document.pk = pk
        document._state.adding = False
        document._state.db = connection.alias


def _statuses_in_progress(project: Project, layers: Iterable[tuple[int, int]]) -> None:
    # Layers of documents this import stores: no one else can have made their status rows.
    bulk_insert(
        DocumentStatus,
        ["project", "document", "user", "status"],
        [(project.pk, document, user, Status.IN_PROGRESS) for document, user in sorted(layers)],
    )


class ImportRefused(ValueError):
    """A file import refused; ``problems`` are messages naming the file and line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


def records_import(*, project: Project, records: Iterable[Record], uploader) -> list[Document]:
    """Import records read from files (``corpus.importers``), all or nothing.

    Raises ``ImportRefused`` naming each bad file and line; nothing is stored then.
    """
    try:
        records = list(records)
    except ParseError as error:
        raise ImportRefused([str(error)]) from None
    if not records:
        raise ImportRefused(["nothing to import: the files hold no documents"])
    try:
        return documents_import(
            project=project, items=[record.fields for record in records], uploader=uploader
        )
    except BatchErrors as refused:
        problems = [
            f"{records[int(index)].where}: {field}: {message}"
            for index, fields in refused.errors.items()
            for field, messages in fields.items()
            for message in messages
        ]
        raise ImportRefused(problems) from None


class LabelInUse(ValidationError):
    """A label cannot be deleted while spans use it (``Span.label`` is protected)."""


def label_delete(*, label: Label) -> None:
    """Delete a label no span uses; raise ``LabelInUse`` naming how many spans do."""
    with transaction.atomic():
        used = label.spans.count()
        if used:
            raise LabelInUse(
                f"{used} span{'s' if used != 1 else ''} use the label {label.name!r}: "
                "delete or relabel them first (or rename the label instead)."
            )
        label.delete()


def member_set(*, project: Project, user, role: str) -> tuple[Membership, bool]:
    """Add the user to the project with ``role``, or change their role; True when added.

    A project keeps at least one manager, so the last one cannot step down.
    """
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            project=project, user=user, defaults={"role": role}
        )
        if not created and membership.role != role:
            _keep_a_manager(membership, role)
            membership.role = role
            membership.save(update_fields=["role"])
    return membership, created


def member_remove(*, membership: Membership) -> None:
    """Take a user out of a project (their spans stay); never its last manager."""
    with transaction.atomic():
        _keep_a_manager(membership)
        membership.delete()


NEEDS_A_MANAGER = "A project needs a manager: make someone else manager first."


def managers_left(
    project: Project, changes: Mapping[int, str | None], *, lock: bool = True
) -> bool:
    """Whether the project still has a manager after ``changes`` (membership id → new
    role, None for removed). Locks the managers' rows unless told not to (a page asking
    whether to offer a button): call it inside the transaction that makes the changes."""
    managers = Membership.objects.filter(project=project, role=Role.MANAGER)
    if lock:
        managers = managers.select_for_update()
    staying = {pk for pk in managers.values_list("pk", flat=True) if pk not in changes}
    return bool(staying) or Role.MANAGER in changes.values()


def _keep_a_manager(membership: Membership, role: str | None = None) -> None:
    if membership.role == Role.MANAGER and not managers_left(
        membership.project, {membership.pk: role}
    ):
        raise ValidationError({"role": [NEEDS_A_MANAGER]})


def bulk_insert(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Store rows built in code, many times faster than ``bulk_create``; their ids, in order.

    Each row holds the values of ``fields`` (ids for foreign keys). The model's other
    fields take their default, ``auto_now``/``auto_now_add`` ones one timestamp for all the
    rows (``now``, or the time of the call). Values are passed as they are; only fields
    that need converting (dates, JSON, …) go through ``get_db_prep_save``, where
    ``bulk_create`` prepares every value of every row. PostgreSQL takes the rows by
    ``COPY``, with ids drawn from the table's sequence first; other databases by one
    multi-row ``INSERT … RETURNING`` per batch. No signals, no ``save()``, no expressions
    as values.
    """
    if not rows:
        return []
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    plain = {"BooleanField", "CharField", "TextField", "ForeignKey", "OneToOneField"}
    plain |= {name for name in _INTEGER_FIELDS}
    convert = [
        None if field.get_internal_type() in plain else field.get_db_prep_save for field in given
    ]
    if any(convert):
        rows = [
            [
                value if prep is None else prep(value, connection)
                for prep, value in zip(convert, row, strict=True)
            ]
            for row in rows
        ]
    now = now or timezone.now()
    filled = [
        field for field in meta.concrete_fields if not field.primary_key and field not in given
    ]
    defaults = tuple(
        field.get_db_prep_save(
            now
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            else field.get_default(),
            connection,
        )
        for field in filled
    )
    if defaults:
        rows = [(*row, *defaults) for row in rows]
    if connection.vendor == "postgresql":
        return _copy_rows(meta, [*given, *filled], rows)
    return _insert_rows(meta, [*given, *filled], rows)


def _copy_rows(meta: Options, fields: list[Field], rows: Sequence[Sequence[Any]]) -> list[int]:
    # COPY is PostgreSQL's bulk path: the rows stream in while the server stores them, with
    # no statement to parse. In binary, with the columns' types given, psycopg formats the
    # values in C. COPY returns no ids, so they are drawn from the sequence beforehand.
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), meta.pk
    columns = ", ".join(quote(field.column) for field in [pk, *fields])
    copy = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    types = [field.db_type(connection).partition("(")[0] for field in [pk, *fields]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(rows)],
        )
        ids = [value for (value,) in cursor.fetchall()]
        with connection.wrap_database_errors, cursor.copy(copy) as stream:
            stream.set_types(types)
            for row_id, row in zip(ids, rows, strict=True):
                stream.write_row((row_id, *row))
    return ids


def _insert_rows(meta: Options, fields: list[Field], rows: Sequence[Sequence[Any]]) -> list[int]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(2000, connection.ops.bulk_batch_size(fields, rows)))
    insert = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
    ids: list[int] = []
    with connection.cursor() as cursor:
        for first in range(0, len(rows), size):
            batch = rows[first : first + size]
            cursor.execute(
                f"{insert}{', '.join([one_row] * len(batch))} RETURNING {quote(meta.pk.column)}",
                [value for row in batch for value in row],
            )
            # Rows come back in VALUES order on SQLite (bulk_create relies on the same).
            ids.extend(value for (value,) in cursor.fetchall())
    return ids


_INTEGER_FIELDS = (
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallAutoField",
    "SmallIntegerField",
)
