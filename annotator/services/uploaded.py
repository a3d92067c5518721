"""What a document upload gives beside its spans: the document's labels (``categories``)
and the relations between its spans (``relations``, whose ends are the ids the item gives
its spans). Planned and checked here by the rules of ``categories`` and ``relations``,
then stored by ``documents_import`` in its transaction, with their history.

The shapes are those of the native ``jsonl`` export, so that an export loads back."""

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from django.db.models import Q

from ..categories import Category, CategoryAction, CategoryEvent
from ..label_suggestions import CategorySuggestion, RelationSuggestion
from ..models import Label, Project, Span
from ..relations import Relation, RelationAction, RelationEvent, RelationType
from ..suggestions import IMPORT_SOURCE, Suggestion, source_problem
from .categories import category_errors, layer_categories_errors
from .relations import relation_end_problem
from .rows import bulk_insert

# ``layer`` and ``origin`` as the JSONL export writes them (``origin``, a suggestion's source,
# is not kept: a document label given by an upload is the uploader's).
CATEGORY_FIELDS = {"label", "annotator", "gold", "layer", "origin"}
RELATION_FIELDS = {"type", "source", "target", "annotator"}

# (annotator id, gold) of the layer a span or category names, or the message refusing it.
LayerOf = Callable[[Mapping[str, Any], str], "tuple[int, bool] | str"]


class PlannedCategory(NamedTuple):
    number: int  # in its document's list
    annotator_id: int  # the uploader's for gold
    gold: bool
    label: Label | None
    raw_label: object

    @property
    def layer(self) -> tuple[int, bool]:
        return (0 if self.gold else self.annotator_id, self.gold)


class PlannedRelation(NamedTuple):
    number: int
    type: RelationType
    source: int  # the numbers of its spans in the item's list
    target: int


def unknown_fields(raw: Mapping, allowed: set[str]) -> str | None:
    unknown = set(raw) - allowed
    if unknown:
        return f"unknown field(s) {', '.join(sorted(map(str, unknown)))}."
    return None


def categories_planned(
    raw_items: Sequence[object],
    layer_of: LayerOf,
    label_of: Callable[[object], Label | None],
    messages: dict[int, list[str]],
) -> list[PlannedCategory]:
    """An item's categories (a name alone is ``{"label": name}``), their layers chosen as
    its spans' are; a message for each that cannot be read."""
    planned = []
    for number, raw in enumerate(raw_items):
        if isinstance(raw, str):
            raw = {"label": raw}
        if not isinstance(raw, Mapping):
            messages[number] = ["expected a label's name or an object with a label."]
            continue
        problem = unknown_fields(raw, CATEGORY_FIELDS)
        layer = problem or layer_of(raw, "document label")
        if isinstance(layer, str):
            messages[number] = [layer]
            continue
        raw_label = raw.get("label")
        planned.append(PlannedCategory(number, *layer, label_of(raw_label), raw_label))
    return planned


def categories_check(
    project: Project,
    categories: Sequence[PlannedCategory],
    stored: Mapping[tuple[int, bool], list[Label]],
    messages: dict[int, list[str]],
) -> None:
    """Check a document's categories a layer at a time against what the layer holds
    (``layer_categories_errors``: kind, once a layer, ``single``)."""
    layers: dict[tuple[int, bool], list[PlannedCategory]] = {}
    for category in categories:
        layers.setdefault(category.layer, []).append(category)
    for layer, given in layers.items():
        found = layer_categories_errors(
            project, [category.label for category in given], stored.get(layer, [])
        )
        for position, problems in found.items():
            category = given[position]
            if category.label is None:
                problems = [f"Unknown label {category.raw_label!r} for this project."]
            messages[category.number] = problems


def categories_stored(
    project: Project, document_ids: Sequence[int]
) -> dict[tuple[int, tuple[int, bool]], list[Label]]:
    """The labels each layer of these (reused) documents gives them: (document, layer)."""
    stored: dict[tuple[int, tuple[int, bool]], list[Label]] = {}
    if not document_ids:
        return stored
    rows = Category.objects.filter(project=project, document__in=document_ids).select_related(
        "label"
    )
    for category in rows.order_by("id"):
        layer = (0 if category.gold else category.annotator_id, category.gold)
        stored.setdefault((category.document_id, layer), []).append(category.label)
    return stored


def relations_planned(
    raw_items: Sequence[object],
    span_ids: Mapping[object, int],
    spans: Mapping[int, Any],
    type_of: Callable[[object], RelationType | None],
    messages: dict[int, list[str]],
    usernames: Mapping[int, str],
) -> list[PlannedRelation]:
    """An item's relations, each between two of its spans named by the ids it gives them
    (``span_ids``: id → the span's number; ``spans``: number → its planned span, those the
    upload could read), checked by the relation rules: a known type, both ends in one
    layer, not a span to itself, labels the type allows, and once."""
    planned: list[PlannedRelation] = []
    seen: set[tuple[int, int, int]] = set()
    for number, raw in enumerate(raw_items):
        if not isinstance(raw, Mapping):
            messages[number] = ["expected an object with type, source and target."]
            continue
        problem = unknown_fields(raw, RELATION_FIELDS)
        if problem:
            messages[number] = [problem]
            continue
        problems: list[str] = []
        relation_type = type_of(raw.get("type"))
        if relation_type is None:
            problems.append(
                f"type: Unknown relation type {raw.get('type')!r}: it is not one of this project's."
            )
        ends = {}
        for field in ("source", "target"):
            given = raw.get(field)
            key = given if isinstance(given, str | int) and not isinstance(given, bool) else None
            if key is None or key not in span_ids:
                problems.append(f"{field}: No span of this document has the id {given!r}.")
            elif span_ids[key] in spans:
                ends[field] = spans[span_ids[key]]
        if problems or len(ends) < 2:
            messages[number] = problems  # a span not read has its own message
            continue
        source, target = ends["source"], ends["target"]
        if source.number == target.number:
            messages[number] = [
                "target: A span cannot be related to itself: choose another target."
            ]
            continue
        if source.layer != target.layer:
            messages[number] = [
                "target: The span is in another layer than the source: a relation joins two "
                "spans of one layer."
            ]
            continue
        named = raw.get("annotator")
        if named is not None and not source.gold and named != usernames.get(source.annotator_id):
            messages[number] = [f"annotator: {named!r} is not the annotator of its spans' layer."]
            continue
        for field, span, allowed in (
            ("source", source, relation_type.source_labels.all()),
            ("target", target, relation_type.target_labels.all()),
        ):
            label = span.item["label"]
            problem = label and relation_end_problem(relation_type, field, label, list(allowed))
            if problem:
                problems.append(f"{field}: {problem}")
        key = (relation_type.pk, source.number, target.number)
        reverse = (relation_type.pk, target.number, source.number)
        if not problems and (key in seen or (not relation_type.directed and reverse in seen)):
            problems.append(
                f"This {relation_type.name} relation from span {raw['source']!r} to span "
                f"{raw['target']!r} is given twice."
            )
        if problems:
            messages[number] = problems
            continue
        seen.add(key)
        planned.append(PlannedRelation(number, relation_type, source.number, target.number))
    return planned


def relation_types(project: Project) -> Callable[[object], RelationType | None]:
    """The project's relation types by name or id, with their labels (two queries)."""
    types: dict[object, RelationType] = {}
    for relation_type in project.relation_types.prefetch_related("source_labels", "target_labels"):
        types[relation_type.name] = types[relation_type.pk] = relation_type

    def type_of(raw: object) -> RelationType | None:
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            return None
        return types.get(raw)

    return type_of


def categories_insert(
    project: Project, rows: Sequence[tuple[int, PlannedCategory]], actor_id: int
) -> None:
    """Store (document id, category) rows and their history, one ``created`` event each."""
    if not rows:
        return
    ids = bulk_insert(
        Category,
        ["project", "document", "label", "annotator", "gold"],
        [(project.pk, document, c.label.pk, c.annotator_id, c.gold) for document, c in rows],
    )
    bulk_insert(
        CategoryEvent,
        [
            "project",
            "document",
            "category_id",
            "action",
            "actor",
            "annotator",
            "gold",
            "after_label",
        ],
        [
            (
                project.pk,
                document,
                pk,
                CategoryAction.CREATED,
                actor_id,
                c.annotator_id,
                c.gold,
                c.label.pk,
            )
            for pk, (document, c) in zip(ids, rows, strict=True)
        ],
    )


class RelationRow(NamedTuple):
    document: int
    type: RelationType
    source: int  # span ids
    target: int
    annotator_id: int
    gold: bool


def relations_insert(project: Project, rows: Sequence[RelationRow], actor_id: int) -> None:
    """Store relations and their history, leaving out those stored already (an upload
    ``again`` whose spans were all there)."""
    if not rows:
        return
    ends = {span for row in rows for span in (row.source, row.target)}
    existing = set(
        Relation.objects.filter(project=project, source__in=ends, target__in=ends).values_list(
            "type_id", "source_id", "target_id"
        )
    )
    rows = [
        row
        for row in rows
        if (row.type.pk, row.source, row.target) not in existing
        # An undirected type's relation is the same stored either way round.
        and (row.type.directed or (row.type.pk, row.target, row.source) not in existing)
    ]
    fields = ["project", "document", "type", "source", "target", "annotator", "gold"]
    ids = bulk_insert(
        Relation,
        fields,
        [
            (project.pk, r.document, r.type.pk, r.source, r.target, r.annotator_id, r.gold)
            for r in rows
        ],
    )
    bulk_insert(
        RelationEvent,
        [
            *fields[:2],
            "relation_id",
            "action",
            "actor",
            "annotator",
            "gold",
            "type",
            "source_id",
            "target_id",
        ],
        [
            (
                project.pk,
                r.document,
                pk,
                RelationAction.CREATED,
                actor_id,
                r.annotator_id,
                r.gold,
                r.type.pk,
                r.source,
                r.target,
            )
            for pk, r in zip(ids, rows, strict=True)
        ],
    )


def stored_span_ids(project: Project, wanted: Sequence[tuple]) -> dict[tuple, int]:
    """The ids of stored spans by (document, annotator id or 0 for gold, gold, start, end,
    label id): the ends of an upload's relations that an upload ``again`` left out because
    they were stored already."""
    if not wanted:
        return {}
    found = {}
    rows = Span.objects.filter(project=project, document__in={key[0] for key in wanted})
    rows = rows.filter(Q(gold=True) | Q(annotator__in={key[1] for key in wanted}))
    for row in rows.values_list(
        "pk", "document_id", "annotator_id", "gold", "start", "end", "label_id"
    ):
        pk, document, annotator, gold, *extent = row
        found[(document, 0 if gold else annotator, gold, *extent)] = pk
    return found


# Suggested document labels and relations --------------------------------------------

# An item's fields for them, and the noun its messages name each by.
SUGGESTED_FIELDS = {
    "suggested_categories": "suggested category",
    "suggested_relations": "suggested relation",
}


def _provenance_problems(raw: Mapping) -> tuple[str, list[str]]:
    """The source (``import`` when none is given) and what is wrong with it and the score."""
    source = IMPORT_SOURCE if raw.get("source") is None else raw.get("source")
    problems = []
    problem = source_problem(source)
    if problem:
        problems.append(f"source: {problem}")
    score = raw.get("score")
    if score is not None and (
        isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score)
    ):
        problems.append("score: Must be a number (or null).")
    return source, problems


def suggested_categories_planned(
    project: Project,
    raw_items: Sequence[object],
    label_of: Callable[[object], Label | None],
    messages: dict[str, dict[int, list[str]]],
) -> list[dict[str, Any]]:
    """An item's suggested document labels ({label, source?, score?}, or a name alone),
    checked as a category's label is; one source suggests a label once."""
    found = messages.setdefault("suggested_categories", {})
    planned, seen = [], set()
    for number, raw in enumerate(raw_items):
        if isinstance(raw, str):
            raw = {"label": raw}
        if not isinstance(raw, Mapping):
            found[number] = ["expected a label's name or an object with a label."]
            continue
        problem = unknown_fields(raw, {"label", "source", "score"})
        if problem:
            found[number] = [problem]
            continue
        label = label_of(raw.get("label"))
        source, problems = _provenance_problems(raw)
        if label is None:
            problems.insert(0, f"label: Unknown label {raw.get('label')!r} for this project.")
        else:
            problems[:0] = [f"label: {m}" for m in category_errors(project, label).get("label", [])]
        if not problems and (source, label.pk) in seen:
            problems.append("This source suggests this document label twice.")
        if problems:
            found[number] = problems
            continue
        seen.add((source, label.pk))
        planned.append(
            {"number": number, "label": label, "source": source, "score": raw.get("score")}
        )
    return planned


def suggested_relations_planned(
    raw_items: Sequence[object],
    suggestion_ids: Mapping[object, int],
    suggestions: Mapping[int, Mapping[str, Any]],
    type_of: Callable[[object], RelationType | None],
    messages: dict[str, dict[int, list[str]]],
) -> list[dict[str, Any]]:
    """An item's suggested relations ({type, from, to, source?, score?}), ``from`` and
    ``to`` the ids its suggestions give themselves, checked by the relation rules (a known
    type, not to itself, the labels the type allows); one source suggests one once."""
    found = messages.setdefault("suggested_relations", {})
    planned, seen = [], set()
    for number, raw in enumerate(raw_items):
        if not isinstance(raw, Mapping):
            found[number] = ["expected an object with type, from and to."]
            continue
        problem = unknown_fields(raw, {"type", "from", "to", "source", "score"})
        if problem:
            found[number] = [problem]
            continue
        source, problems = _provenance_problems(raw)
        relation_type = type_of(raw.get("type"))
        if relation_type is None:
            problems.append(
                f"type: Unknown relation type {raw.get('type')!r}: it is not one of this project's."
            )
        ends = {}
        for field in ("from", "to"):
            given = raw.get(field)
            key = given if isinstance(given, str | int) and not isinstance(given, bool) else None
            if key is None or key not in suggestion_ids:
                problems.append(f"{field}: No suggestion of this document has the id {given!r}.")
            elif suggestion_ids[key] in suggestions:
                ends[field] = suggestions[suggestion_ids[key]]
        if problems or len(ends) < 2:
            if problems:
                found[number] = problems
            continue
        if ends["from"]["number"] == ends["to"]["number"]:
            found[number] = ["to: A span cannot be related to itself: choose another target."]
            continue
        for field, end, allowed in (
            ("from", ends["from"], relation_type.source_labels.all()),
            ("to", ends["to"], relation_type.target_labels.all()),
        ):
            name = "source" if field == "from" else "target"
            label = end["label"]
            problem = label and relation_end_problem(relation_type, name, label, list(allowed))
            if problem:
                problems.append(f"{field}: {problem}")
        key = (source, relation_type.pk, ends["from"]["number"], ends["to"]["number"])
        if not problems and key in seen:
            problems.append("This source suggests this relation twice.")
        if problems:
            found[number] = problems
            continue
        seen.add(key)
        planned.append(
            {
                "number": number,
                "type": relation_type,
                "from": ends["from"]["number"],
                "to": ends["to"]["number"],
                "source": source,
                "score": raw.get("score"),
            }
        )
    return planned


def suggested_check(project: Project, plan: Sequence[Any], *, again: bool) -> None:
    """Against what reused documents hold: a suggested document label its source already
    suggests is refused (left out with ``again``). One query, none without any."""
    reused = [p for p in plan if p.reused and p.suggested_categories]
    if not reused:
        return
    stored = set(
        CategorySuggestion.objects.filter(
            project=project, document__in=[p.document.pk for p in reused]
        ).values_list("document_id", "source", "label_id")
    )
    for planned in reused:
        kept = []
        for item in planned.suggested_categories:
            if (planned.document.pk, item["source"], item["label"].pk) not in stored:
                kept.append(item)
            elif not again:
                planned.extra_messages["suggested_categories"][item["number"]] = [
                    "This source already suggests this document label."
                ]
        planned.suggested_categories = kept


def suggested_insert(project: Project, plan: Sequence[Any], made: Mapping[tuple, int]) -> None:
    """Store the plan's suggested document labels and relations; ``made``: the ids of the
    suggestions just stored by (item index, number). An end left out of an upload ``again``
    (stored already) is found by its place; a relation its source suggested already is
    left out."""
    CategorySuggestion.objects.bulk_create(
        [
            CategorySuggestion(
                project=project,
                document=p.document,
                label=item["label"],
                source=item["source"],
                score=item["score"],
            )
            for p in plan
            for item in p.suggested_categories
        ],
        batch_size=2000,
    )
    if not any(p.suggested_relations for p in plan):
        return
    stored = {}
    if any(
        (p.index, n) not in made
        for p in plan
        for r in p.suggested_relations
        for n in (r["from"], r["to"])
    ):
        for pk, *key in Suggestion.objects.filter(
            project=project, document__in=[p.document.pk for p in plan if p.reused]
        ).values_list("pk", "document_id", "source", "start", "end", "label_id"):
            stored[tuple(key)] = pk

    def pk_of(planned, number: int) -> int | None:
        if (planned.index, number) in made:
            return made[planned.index, number]
        one = planned.read_suggestions[number]
        return stored.get(
            (planned.document.pk, one["source"], one["start"], one["end"], one["label"].pk)
        )

    RelationSuggestion.objects.bulk_create(
        [
            RelationSuggestion(
                project=project,
                document=p.document,
                type=item["type"],
                from_suggestion_id=pk_of(p, item["from"]),
                to_suggestion_id=pk_of(p, item["to"]),
                source=item["source"],
                score=item["score"],
            )
            for p in plan
            for item in p.suggested_relations
        ],
        batch_size=2000,
        ignore_conflicts=True,  # suggested again by its source (an upload ``again``)
    )
