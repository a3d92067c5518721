"""Documents and their import: all or nothing, spans checked like any other, the
layers written locked as a tag locks them."""

import dataclasses
from collections import defaultdict
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
from . import uploaded
from .disputes import disputes_refresh
from .rows import bulk_insert, spans_insert
from .spans import BatchErrors

# The layers an export writes that no upload can go back into (``exports``): their spans and
# document labels go where those that name no layer go.
EXPORTED_ONLY = ("majority", "suggestions")


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
    ``text``, ``title``, ``external_id`` (None for none), ``meta``, ``source`` and ``spans``
    — a list of ``{start, end, label}`` where label is a name or an id, with an optional
    ``annotator`` username (managers only) for other people's work, or ``gold`` true (or
    ``layer`` "gold", as exported; reviewers and managers) for the gold layer;
    ``categories`` (document labels) go into layers the same way, and ``relations`` join
    spans by the ``id`` the item gives them; ``suggested_categories`` and
    ``suggested_relations`` (between the item's suggestions, by their ``id``) are
    suggestions (``uploaded``). A document of the project whose ``external_id`` is stored
    with the same text is reused, not duplicated. With ``again`` (a file imported again, or
    another person's file of the same documents), a document of the project with identical
    text is reused too (one stored document for each item of that text, in id order), and
    spans and suggestions already stored as given are left out rather than refused:
    importing twice adds nothing.
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
        given.get("annotator")
        for item in items
        for given in [*(item.get("spans") or []), *(item.get("categories") or [])]
        if isinstance(given, Mapping) and isinstance(given.get("annotator"), str)
    }
    users = {
        user.username: user
        for user in get_user_model().objects.filter(
            username__in=usernames, memberships__project=project
        )
    }
    uploader_is_manager = can_manage(uploader, project)
    uploader_reviews = can_review(uploader, project)

    def layer_of(raw: Mapping[str, Any], what: str) -> tuple[int, bool] | str:
        """The layer a span or category (``what``) names: (annotator id, gold), or why it
        may not. ``"layer": "gold"``, as the JSONL export writes it, is ``"gold": true``;
        the ``annotator`` beside it is the member who curated it."""
        name = raw.get("annotator")
        layer = raw.get("layer")
        if layer not in (None, "annotator", "gold", *EXPORTED_ONLY):
            return 'layer must be "annotator" or "gold".'
        if layer in EXPORTED_ONLY:
            # A majority or suggestions export's layer names no one's layer: the spans go
            # where unnamed ones go, as before uploads read ``layer``.
            layer = None
        gold = raw.get("gold", layer == "gold")
        if layer is not None and gold != (layer == "gold"):
            return f'a {what} in the layer "{layer}" cannot have gold {gold!r}.'
        if not isinstance(gold, bool) or (gold and name is not None and layer is None):
            return f"gold must be true or false, and a gold {what} names no annotator."
        if gold and not uploader_reviews:
            return "only reviewers and managers may import into gold."
        if name is None or name == uploader.username:
            return uploader.pk, gold
        if not gold and not uploader_is_manager:
            return f"only a manager may import {what}s for another annotator."
        annotator = users.get(name) if isinstance(name, str) else None
        if annotator is None:
            return f"annotator {name!r} is not a member of this project."
        return annotator.pk, gold

    def label_of(raw: object):
        return _label_of(raw, labels, labels_by_id)

    type_of = (
        uploaded.relation_types(project)
        if any(item.get("relations") or item.get("suggested_relations") for item in items)
        else lambda raw: None
    )
    usernames_by_id = {user.pk: name for name, user in users.items()}
    usernames_by_id[uploader.pk] = uploader.username

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
            problem = _span_id_problem(raw.get("id"), planned.span_ids)
            if problem:
                planned.messages[number] = [problem]
                continue
            if raw.get("id") is not None:
                planned.span_ids[raw["id"]] = number
            layer = layer_of(raw, "span")
            if isinstance(layer, str):
                planned.messages[number] = [layer]
                continue
            annotator_id, gold = layer
            raw_label = raw.get("label")
            span_item = {
                "start": raw.get("start"),
                "end": raw.get("end"),
                "label": label_of(raw_label),
            }
            span_item["quoted"] = raw.get("text")
            planned.spans.append(_PlannedSpan(number, annotator_id, raw_label, span_item, gold))
        planned.suggestions = _suggestions_planned(
            item_suggestions,
            labels,
            labels_by_id,
            planned.suggestion_messages,
            planned.suggestion_ids,
        )
        planned.read_suggestions = {one["number"]: one for one in planned.suggestions}
        planned.suggested_categories = uploaded.suggested_categories_planned(
            project, item.get("suggested_categories") or [], label_of, planned.extra_messages
        )
        planned.suggested_relations = uploaded.suggested_relations_planned(
            item.get("suggested_relations") or [],
            planned.suggestion_ids,
            planned.read_suggestions,
            type_of,
            planned.extra_messages,
        )
        planned.read_spans = {span.number: span for span in planned.spans}
        planned.categories = uploaded.categories_planned(
            item.get("categories") or [], layer_of, label_of, planned.category_messages
        )
        planned.relations = uploaded.relations_planned(
            item.get("relations") or [],
            planned.span_ids,
            planned.read_spans,
            type_of,
            planned.relation_messages,
            usernames_by_id,
        )
        plan.append(planned)

    # Locked before they are read; in (document, user) order, as every import does. Gold is
    # locked through its document's row, which ``_places_check`` locks for every reused one.
    reused_layers = sorted(
        {(p.document.pk, annotator_id) for p in plan if p.reused for annotator_id in p.analysts()}
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
    categorized = uploaded.categories_stored(
        project, [p.document.pk for p in plan if p.reused and p.categories]
    )
    uploaded.suggested_check(project, plan, again=again)
    categorized_by_document: dict[int, dict] = defaultdict(dict)
    for (document_id, layer), labels in categorized.items():
        categorized_by_document[document_id][layer] = labels
    for planned in plan:
        if again and planned.reused:
            _stored_left_out(planned, stored, suggested, categorized)
        _spans_check(project, planned, stored)
        _suggestions_check(project, planned, suggested)
        uploaded.categories_check(
            project,
            planned.categories,
            categorized_by_document.get(planned.document.pk, {}),
            planned.category_messages,
        )
        if planned.messages:
            errors[str(planned.index)] = {
                "spans": [
                    f"span {number}: {message}" if number >= 0 else message
                    for number in sorted(planned.messages)
                    for message in planned.messages[number]
                ]
            }
        for field, noun, found in (
            ("suggestions", "suggestion", planned.suggestion_messages),
            ("categories", "category", planned.category_messages),
            ("relations", "relation", planned.relation_messages),
            *(
                (field, noun, planned.extra_messages.get(field))
                for field, noun in uploaded.SUGGESTED_FIELDS.items()
            ),
        ):
            if found:
                errors.setdefault(str(planned.index), {})[field] = [
                    f"{noun} {number}: {message}"
                    for number in sorted(found)
                    for message in found[number]
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
    span_pks: dict[tuple[int, int], int] = {}  # (item index, span number) → its id
    for gold in (False, True):
        placed = [(p, s) for p in plan for s in p.spans if s.gold == gold]
        rows = [(p.document.pk, *s.columns) for p, s in placed]
        if gold and not rows:
            continue
        ids = spans_insert(
            dict(zip(names, zip(*rows, strict=True) if rows else [()] * 5, strict=True)),
            {"project": project.pk, "origin": Origin.IMPORTED, "gold": gold},
            actor_id=uploader.pk,
        )
        span_pks |= {(p.index, s.number): pk for (p, s), pk in zip(placed, ids, strict=True)}
        if not gold and rows:
            # Spans into analysts' layers of documents already in the project (and maybe
            # completed): their agreement is decided again.
            disputes_refresh(project.pk, {p.document.pk for p in plan if p.reused})
    uploaded.categories_insert(
        project, [(p.document.pk, c) for p in plan for c in p.categories], uploader.pk
    )
    uploaded.relations_insert(project, _relation_rows(project, plan, span_pks), uploader.pk)
    placed = [(p, item.pop("number")) for p in plan for item in p.suggestions]
    made = Suggestion.objects.bulk_create(
        [
            Suggestion(project=project, document=p.document, **item)
            for p in plan
            for item in p.suggestions
        ],
        batch_size=2000,
    )
    uploaded.suggested_insert(
        project,
        plan,
        {(p.index, number): one.pk for (p, number), one in zip(placed, made, strict=True)},
    )
    # A reused document's layers have their status already (``_layers_lock``).
    _statuses_in_progress(
        project,
        {
            (p.document.pk, annotator_id)
            for p in plan
            if not p.reused
            for annotator_id in p.analysts()
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
    def item_key(self) -> tuple[int, int, int]:
        """Its start, end and label id."""
        return self.item["start"], self.item["end"], self.item["label"].pk

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
    # The ids its spans give themselves (for its relations), → the span's number.
    span_ids: dict[object, int] = dataclasses.field(default_factory=dict)
    suggestion_ids: dict[object, int] = dataclasses.field(default_factory=dict)
    read_suggestions: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # Suggested document labels and relations, and their problems by field and number.
    suggested_categories: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    suggested_relations: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    extra_messages: dict[str, dict[int, list[str]]] = dataclasses.field(default_factory=dict)
    # Every span read, by number, before an upload ``again`` leaves out those stored.
    read_spans: dict[int, "_PlannedSpan"] = dataclasses.field(default_factory=dict)
    categories: list[uploaded.PlannedCategory] = dataclasses.field(default_factory=list)
    category_messages: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    relations: list[uploaded.PlannedRelation] = dataclasses.field(default_factory=list)
    relation_messages: dict[int, list[str]] = dataclasses.field(default_factory=dict)

    def analysts(self) -> set[int]:
        """The analysts whose layers its spans and categories write into (gold aside)."""
        given = [*self.spans, *self.categories]
        return {one.annotator_id for one in given if not one.gold}


def _span_id_problem(given: object, taken: Mapping[object, int]) -> str | None:
    """Why a span's ``id`` (for the item's relations to name it) cannot be used."""
    if given is None:
        return None
    if isinstance(given, bool) or not isinstance(given, int | str):
        return "id: give a whole number or a string, unique within the document."
    if given in taken:
        return f"id: span {taken[given]} has the id {given!r} already."
    return None


def _relation_rows(
    project: Project, plan: Sequence["_Planned"], span_pks: Mapping[tuple[int, int], int]
) -> list[uploaded.RelationRow]:
    """The relations to store, their ends' ids found: spans just stored, or (an upload
    ``again``) spans that were stored already and so left out of it."""

    def key(planned: "_Planned", number: int) -> tuple:
        span = planned.read_spans[number]
        layer = 0 if span.gold else span.annotator_id
        return (planned.document.pk, layer, span.gold, *span.item_key)

    wanted = [
        key(p, number)
        for p in plan
        for r in p.relations
        for number in (r.source, r.target)
        if (p.index, number) not in span_pks
    ]
    found = uploaded.stored_span_ids(project, wanted)
    rows = []
    for p in plan:
        for r in p.relations:
            source, target = (
                span_pks.get((p.index, number)) or found.get(key(p, number))
                for number in (r.source, r.target)
            )
            span = p.read_spans[r.source]
            if source and target:
                rows.append(
                    uploaded.RelationRow(
                        p.document.pk, r.type, source, target, span.annotator_id, span.gold
                    )
                )
    return rows


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
    ids: dict[object, int],
) -> list[dict[str, Any]]:
    """An item's suggestions with their labels looked up (``import`` their source when
    none is given); a message for each that is not an object. ``ids`` gets the ids they
    give themselves (for the item's suggested relations), → their numbers."""
    items = []
    for number, raw in enumerate(raw_items):
        if not isinstance(raw, Mapping):
            messages[number] = ["expected an object with start, end, label."]
            continue
        unknown = set(raw) - {"id", "start", "end", "label", "source", "score"}
        if unknown:
            messages[number] = [f"unknown field(s) {', '.join(sorted(map(str, unknown)))}."]
            continue
        problem = _span_id_problem(raw.get("id"), ids)
        if problem:
            messages[number] = [problem.replace("span ", "suggestion ")]
            continue
        if raw.get("id") is not None:
            ids[raw["id"]] = number
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


def _stored_left_out(
    planned: "_Planned", stored: Mapping, suggested: set[tuple], categorized: Mapping
) -> None:
    """Leave out of a reused document's plan the spans, suggestions and categories stored
    as given (its relations between stored spans are left out when stored)."""
    pk = planned.document.pk
    planned.categories = [
        category
        for category in planned.categories
        if category.label is None
        or all(label.pk != category.label.pk for label in categorized.get((pk, category.layer), []))
    ]
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
        {name: item[name] for name in ("start", "end", "label", "source", "score", "number")}
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
    annotator_ids = {annotator_id for planned in plan for annotator_id in planned.analysts()}
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
            annotator_id
            for annotator_id in planned.analysts()
            if takes_a_place(roles.get(annotator_id))
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
