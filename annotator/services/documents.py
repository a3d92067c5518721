"""Documents and their import: all or nothing, spans checked like any other, the
layers written locked as a tag locks them."""

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from corpus.models import Document, text_hash

from .. import sql
from ..models import (
    DocumentStatus,
    Membership,
    Origin,
    Project,
    Span,
    Status,
    spans_errors,
)
from ..permissions import can_manage, can_review, takes_a_place
from ..suggestions import IMPORT_SOURCE, Suggestion, suggestions_errors
from .disputes import disputes_refresh
from .rows import bulk_insert, spans_insert
from .spans import BatchErrors


def documents_import(
    *, project: Project, items: Sequence[Mapping[str, Any]], uploader, again: bool = False
) -> list[Document]:
    """Add documents (with optional pre-annotated spans) to a project, all or nothing: see
    ``_documents_import``. Imports into one project run one at a time (its row is locked,
    in the mode that leaves tags free), so an ``external_id`` stays unique in it."""
    with transaction.atomic():
        list(Project.objects.select_for_update(no_key=True).filter(pk=project.pk).values("pk"))
        return _documents_import(project=project, items=items, uploader=uploader, again=again)


def _documents_import(
    *, project: Project, items: Sequence[Mapping[str, Any]], uploader, again: bool = False
) -> list[Document]:
    """Add documents (with optional pre-annotated spans) to a project, all or nothing;
    inside ``documents_import``'s transaction.

    Each item's own fields come checked (``api.serializers.DocumentInputSerializer``):
    ``text``, ``title``, ``external_id`` (None for none), ``meta``, ``source`` and
    ``spans`` — a list of ``{start, end, label}`` where label is a name or an id, with an
    optional ``annotator`` username (managers only) for other people's work, or ``gold``
    true (reviewers and managers) for the gold layer. A document of
    the project whose ``external_id`` is stored with the same text is reused, not
    duplicated. With ``again`` (a file imported again, or another person's file of the same
    documents), a document of the project with identical text is reused too (one stored
    document for each item of that text, in id order), and spans and suggestions already
    stored as given are left out rather than refused: importing twice adds nothing.
    Raises ``BatchErrors`` with every problem, by item index, and stores nothing then.

    Spans are checked with ``models.spans_errors``, a layer at a time; a reused document's
    layers are first locked as a tag locks one (``_layers_lock``), then read, so that a tag
    at the same moment is checked against the import or the import against the tag.
    """
    labels = {label.name: label for label in project.labels.all()}
    labels_by_id = {label.pk: label for label in labels.values()}
    # This project's documents only: another project's ids are neither reused nor named.
    existing = {
        document.external_id: document
        for document in project.documents.filter(
            external_id__in=[item["external_id"] for item in items if item.get("external_id")]
        )
    }
    by_text: dict[str, list[Document]] = {}
    if again:
        hashes = {text_hash(item["text"]) for item in items if not item.get("external_id")}
        for document in project.documents.filter(content_hash__in=hashes).order_by("pk"):
            by_text.setdefault(document.content_hash, []).append(document)
    usernames = {
        span.get("annotator")
        for item in items
        for span in item.get("spans") or []
        if isinstance(span, Mapping) and isinstance(span.get("annotator"), str)
    }
    users = {
        user.username: user
        for user in get_user_model().objects.filter(
            username__in=usernames, memberships__project=project
        )
    }
    uploader_is_manager = can_manage(uploader, project)
    uploader_reviews = can_review(uploader, project)

    errors: dict[str, dict[str, list[str]]] = {}
    plan: list[_Planned] = []
    seen_external_ids: set[str] = set()
    for index, item in enumerate(items):
        text, external_id = item["text"], item.get("external_id")
        document = None
        if external_id is not None:
            problem = None
            if external_id in seen_external_ids:
                problem = f"'{external_id}' appears twice in this import."
            else:
                seen_external_ids.add(external_id)
                document = existing.get(external_id)
                if document and document.content_hash != text_hash(text):
                    problem = (
                        f"'{external_id}' is already used by a document with different text; "
                        "a changed text is a new document with a new external_id."
                    )
            if problem:
                errors[str(index)] = {"external_id": [problem]}
                continue
        if document is None and external_id is None and again:
            # Each stored document of this text takes one item: a corpus with the same
            # text twice keeps its two documents.
            document = next(iter(by_text.get(text_hash(text), [])), None)
            if document is not None:
                by_text[document.content_hash].remove(document)
        raw_spans = item.get("spans") or []
        item_suggestions = item.get("suggestions") or []
        reused = document is not None
        if document is None:
            document = Document(
                title=item.get("title") or "",
                text=text,
                external_id=external_id,
                source=item.get("source") or "",
                meta=dict(item.get("meta") or {}),
            )
        planned = _Planned(index, document, reused)
        for number, raw in enumerate(raw_spans):
            if not isinstance(raw, Mapping):
                planned.messages[number] = ["expected an object with start, end, label."]
                continue
            annotator_id = uploader.pk
            name = raw.get("annotator")
            gold = raw.get("gold", False)
            if not isinstance(gold, bool) or (gold and name is not None):
                planned.messages[number] = [
                    "gold must be true or false, and a gold span names no annotator."
                ]
                continue
            if gold and not uploader_reviews:
                planned.messages[number] = ["only reviewers and managers may import into gold."]
                continue
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
            label = _label_of(raw_label, labels, labels_by_id)
            item = {"start": raw.get("start"), "end": raw.get("end"), "label": label}
            item["quoted"] = raw.get("text")
            planned.spans.append(_PlannedSpan(number, annotator_id, raw_label, item, gold))
        planned.suggestions = _suggestions_planned(
            item_suggestions, labels, labels_by_id, planned.suggestion_messages
        )
        plan.append(planned)

    # Locked before they are read; in (document, user) order, as every import does. Gold is
    # locked through its document's row, which ``_places_check`` locks for every reused one.
    reused_layers = sorted(
        {
            (p.document.pk, span.annotator_id)
            for p in plan
            if p.reused
            for span in p.spans
            if not span.gold
        }
    )
    reused_gold = {p.document.pk for p in plan if p.reused and any(s.gold for s in p.spans)}
    _places_check(project, plan)
    _layers_lock(project, reused_layers)
    stored: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for document_id, annotator_id, gold, *extent in Span.objects.filter(
        Q(document__in={document for document, _ in reused_layers}, gold=False)
        | Q(document__in=reused_gold, gold=True),
        project=project,
    ).values_list("document_id", "annotator_id", "gold", "start", "end", "label_id"):
        layer = GOLD_LAYER if gold else annotator_id
        stored.setdefault((document_id, layer), []).append(tuple(extent))
    suggested = _suggestions_stored(project, [p.document.pk for p in plan if p.reused])
    for planned in plan:
        if again and planned.reused:
            _stored_left_out(planned, stored, suggested)
        _spans_check(project, planned, stored)
        _suggestions_check(project, planned, suggested)
        if planned.messages:
            errors[str(planned.index)] = {
                "spans": [
                    f"span {number}: {message}" if number >= 0 else message
                    for number in sorted(planned.messages)
                    for message in planned.messages[number]
                ]
            }
        if planned.suggestion_messages:
            errors.setdefault(str(planned.index), {})["suggestions"] = [
                f"suggestion {number}: {message}"
                for number in sorted(planned.suggestion_messages)
                for message in planned.suggestion_messages[number]
            ]
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
    # 200,000 spans are 200,000 rows, not model instances; stored with their history.
    names = ["document", "label", "annotator", "start", "end"]
    for gold in (False, True):
        rows = [(p.document.pk, *s.columns) for p in plan for s in p.spans if s.gold == gold]
        if gold and not rows:
            continue
        spans_insert(
            dict(zip(names, zip(*rows, strict=True) if rows else [()] * 5, strict=True)),
            {"project": project.pk, "origin": Origin.IMPORTED, "gold": gold},
            actor_id=uploader.pk,
        )
        if not gold and rows:
            # Spans into analysts' layers of documents already in the project (and maybe
            # completed): their agreement is decided again.
            disputes_refresh(project.pk, {p.document.pk for p in plan if p.reused})
    Suggestion.objects.bulk_create(
        [
            Suggestion(project=project, document=p.document, **item)
            for p in plan
            for item in p.suggestions
        ],
        batch_size=2000,
    )
    # A reused document's layers have their status already (``_layers_lock``).
    _statuses_in_progress(
        project,
        {
            (p.document.pk, span.annotator_id)
            for p in plan
            if not p.reused
            for span in p.spans
            if not span.gold
        },
    )
    return [p.document for p in plan]


# The gold layer's key where an analyst's is their user id (no user has this one).
GOLD_LAYER = -1


class _PlannedSpan(NamedTuple):
    number: int  # in its document's list
    annotator_id: int  # the uploader's for gold
    raw_label: object  # as given: a name or an id
    item: dict[str, Any]  # for ``spans_errors``
    gold: bool = False

    @property
    def layer(self) -> int:
        return GOLD_LAYER if self.gold else self.annotator_id

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
    # Its suggestions ({start, end, label, source, score}) and their problems by number.
    suggestions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    suggestion_messages: dict[int, list[str]] = dataclasses.field(default_factory=dict)


def _label_of(raw: object, labels: Mapping[str, Any], labels_by_id: Mapping[int, Any]):
    """The label an upload names, by name or by id (a bool is neither); None if unknown."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return labels_by_id.get(raw)
    return labels.get(raw) if isinstance(raw, str) else None


def _suggestions_planned(
    raw_items: Sequence[object],
    labels: Mapping[str, Any],
    labels_by_id: Mapping[int, Any],
    messages: dict[int, list[str]],
) -> list[dict[str, Any]]:
    """An item's suggestions with their labels looked up (``import`` their source when
    none is given); a message for each that is not an object."""
    items = []
    for number, raw in enumerate(raw_items):
        if not isinstance(raw, Mapping):
            messages[number] = ["expected an object with start, end, label."]
            continue
        unknown = set(raw) - {"start", "end", "label", "source", "score"}
        if unknown:
            messages[number] = [f"unknown field(s) {', '.join(sorted(map(str, unknown)))}."]
            continue
        raw_label = raw.get("label")
        label = _label_of(raw_label, labels, labels_by_id)
        items.append(
            {
                "number": number,
                "raw_label": raw_label,
                "start": raw.get("start"),
                "end": raw.get("end"),
                "label": label,
                "source": IMPORT_SOURCE if raw.get("source") is None else raw.get("source"),
                "score": raw.get("score"),
            }
        )
    return items


def _stored_left_out(planned: "_Planned", stored: Mapping, suggested: set[tuple]) -> None:
    """Leave out of a reused document's plan the spans and suggestions stored as given."""
    pk = planned.document.pk
    planned.spans = [
        span
        for span in planned.spans
        if span.item["label"] is None
        or (span.item["start"], span.item["end"], span.item["label"].pk)
        not in stored.get((pk, span.layer), ())
    ]
    planned.suggestions = [
        item
        for item in planned.suggestions
        if item["label"] is None
        or (pk, item["source"], item["start"], item["end"], item["label"].pk) not in suggested
    ]


def _suggestions_stored(project: Project, document_ids: Sequence[int]) -> set[tuple]:
    """(document, source, start, end, label) of the suggestions reused documents hold."""
    if not document_ids:
        return set()
    return set(
        Suggestion.objects.filter(project=project, document__in=document_ids).values_list(
            "document_id", "source", "start", "end", "label_id"
        )
    )


def _suggestions_check(project: Project, planned: "_Planned", stored: set[tuple]) -> None:
    """Validate a planned document's suggestions (``suggestions_errors``, then against those
    its source already made on a reused document); keep only the fields to store."""
    items = planned.suggestions
    found = suggestions_errors(text=planned.document.text, project=project, items=items)
    for position, item in enumerate(items):
        problems = found.get(position)
        if problems is None and planned.reused:
            key = (planned.document.pk, item["source"], item["start"], item["end"])
            if (*key, item["label"].pk) in stored:
                problems = {"non_field_errors": ["this source already suggests this span."]}
        if problems:
            if item["label"] is None and "label" in problems:
                problems["label"] = [f"Unknown label {item['raw_label']!r} for this project."]
            planned.suggestion_messages[item["number"]] = [
                f"{'' if name == 'non_field_errors' else f'{name}: '}{message}"
                for name, messages in problems.items()
                for message in messages
            ]
    planned.suggestions = [
        {name: item[name] for name in ("start", "end", "label", "source", "score")}
        for item in items
    ]


def _spans_check(
    project: Project, planned: _Planned, stored: Mapping[tuple[int, int], list]
) -> None:
    """Validate a planned document's spans, a layer at a time, against the layer as stored
    (reused documents); add their messages to ``planned.messages``."""
    layers: dict[int, list[_PlannedSpan]] = {}
    for span in planned.spans:
        layers.setdefault(span.layer, []).append(span)
    for key, spans in layers.items():
        layer = stored.get((planned.document.pk, key), []) if planned.reused else []
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


def _places_check(project: Project, plan: Sequence[_Planned]) -> None:
    """Spans imported into annotators' layers claim places on their documents, as a first
    tag would: a document may not end up with more annotators than the project's
    ``annotators_per_document`` (a manager's own layer claims nothing). Adds a message to
    each planned document that would."""
    annotator_ids = {span.annotator_id for planned in plan for span in planned.spans}
    roles = dict(
        Membership.objects.filter(project=project, user__in=annotator_ids).values_list(
            "user_id", "role"
        )
    )
    reused = sorted(planned.document.pk for planned in plan if planned.reused)
    if reused and connection.features.has_select_for_no_key_update:
        # Counted under the documents' locks, in id order, as the queue claims them.
        list(Document.objects.filter(pk__in=reused).order_by("pk").select_for_update(no_key=True))
    holders: dict[int, set[int]] = {}
    for document_id, user_id in (
        DocumentStatus.objects.places()
        .filter(project=project, document__in=reused)
        .values_list("document_id", "user_id")
    ):
        holders.setdefault(document_id, set()).add(user_id)
    limit = project.annotators_per_document
    for planned in plan:
        held = holders.get(planned.document.pk, set())
        claiming = {
            span.annotator_id
            for span in planned.spans
            if not span.gold and takes_a_place(roles.get(span.annotator_id))
        }
        if claiming - held and len(held | claiming) > limit:
            planned.messages.setdefault(-1, []).append(
                f"The document would have {len(held | claiming)} annotators; the project "
                f"takes {limit} a document: raise its annotators per document to import this."
            )


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
