"""Other tools' exports, read unchanged: doccano's JSONL (per user, collaborative, with
relations) and Label Studio's JSON export.

Parsing only, as ``importers``: each document becomes a ``Record`` whose ``fields`` are
those the import service takes, spans with their offsets as the tool wrote them (the
annotator app decides how to read them), and whose ``extra`` carries the rest:

- ``comments``: ``[{"author": name or None, "body": str}]``;
- ``key``: the tool's own id of the document (``("doccano", 12)``), so that one user's
  file and another's land on the same document;
- ``skipped``: what Margin cannot hold yet, counted (``{"cancelled annotation": 1}``);
- ``categories``: document labels a person gave (``[{"label", "annotator"}]``);
- ``relations``: ``[{"from", "to", "type"}]``, their ends the ``ref`` of the record's
  spans (doccano's entity id, Label Studio's result id in its annotation);
- ``users``: Label Studio's annotators as its export names them (``{"#1": {...}}``);
- ``collaborative``: a doccano file of everyone's spans without attribution.

doccano 1.8 exports a project as a .zip: one ``<username>.jsonl`` a member, each line a
document (``id``, ``text``, its meta fields spread beside them, ``label`` as
``[[start, end, "LABEL"]]`` and ``Comments`` as that member's comment texts), or a single
``all.jsonl`` for a collaborative project. With relations on, ``label`` becomes
``entities`` (``{id, label, start_offset, end_offset}``) and ``relations``, and each comment
``{id, comment}``.
"""

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .records import ParseError, Record
from .storable import NotFinite, json_loads, value_problem

COLLABORATIVE_FILE = "all"  # doccano's file of a collaborative project
DOCCANO_COMMENTS = "Comments"
# A doccano line's own keys; every other key is one of the document's meta fields.
DOCCANO_KEYS = {"id", "text", "label", "labels", "entities", "relations", DOCCANO_COMMENTS}
DOCUMENT_KEYS = {"title", "external_id"}


def is_doccano(value: dict[str, Any]) -> bool:
    """Whether a JSONL line is doccano's sequence-labelling shape."""
    return "label" in value or "labels" in value or "entities" in value


def owner_of(member: str) -> str | None:
    """The doccano user a file of its export's zip belongs to: its name without ``.jsonl``
    (``admin.jsonl`` → ``admin``), at the top of the archive."""
    path = PurePosixPath(member.replace("\\", "/"))
    return path.stem if len(path.parts) == 1 and path.suffix.lower() == ".jsonl" else None


def from_doccano(where: str, value: dict[str, Any], owner: str | None = None) -> Record:
    """One line of doccano's export; spans go to ``owner``'s layer when the file is a
    member's (none for the collaborative ``all.jsonl`` or a loose file)."""
    collaborative = owner == COLLABORATIVE_FILE
    annotator = None if collaborative else owner
    spans = [
        {"start": start, "end": end, "label": label}
        | ({"annotator": annotator} if annotator else {})
        | ({"ref": str(ref)} if ref is not None else {})
        for start, end, label, ref in _doccano_spans(where, value)
    ]
    meta = {key: item for key, item in value.items() if key not in DOCCANO_KEYS | DOCUMENT_KEYS}
    if value.get("id") is not None:
        meta["doccano_id"] = value["id"]
    fields: dict[str, Any] = {"text": value.get("text"), "spans": spans}
    if meta:
        fields["meta"] = meta
    for key in DOCUMENT_KEYS & set(value):
        fields[key] = value[key]
    extra: dict[str, Any] = {
        "comments": [
            {"author": annotator, "body": body} for body in _doccano_comments(where, value)
        ],
        "relations": _doccano_relations(where, value),
        "collaborative": collaborative,
        "tool": "doccano",
    }
    if value.get("id") is not None:
        extra["key"] = ("doccano", value["id"])
    return Record(where=where, fields=fields, extra=extra)


def _doccano_relations(where: str, value: dict[str, Any]) -> list[dict[str, Any]]:
    raw = value.get("relations") or []
    if not isinstance(raw, list):
        raise ParseError(where, "'relations' must be a list of {from_id, to_id, type}")
    relations = []
    for number, relation in enumerate(raw):
        if not (
            isinstance(relation, dict)
            and {"from_id", "to_id"} <= set(relation)
            and isinstance(relation.get("type"), str)
        ):
            raise ParseError(where, f"relation {number} must have from_id, to_id and type")
        relations.append(
            {
                "from": str(relation["from_id"]),
                "to": str(relation["to_id"]),
                "type": relation["type"],
            }
        )
    return relations


def _doccano_spans(where: str, value: dict[str, Any]) -> list[tuple[Any, Any, Any, Any]]:
    if "entities" in value:
        entities = value["entities"]
        if not isinstance(entities, list):
            raise ParseError(
                where, "'entities' must be a list of {label, start_offset, end_offset}"
            )
        spans = []
        for number, entity in enumerate(entities):
            if not (isinstance(entity, dict) and {"start_offset", "end_offset"} <= set(entity)):
                raise ParseError(
                    where, f"entity {number} must have start_offset, end_offset and label"
                )
            spans.append(
                (
                    entity["start_offset"],
                    entity["end_offset"],
                    entity.get("label"),
                    entity.get("id"),
                )
            )
        return spans
    raw_labels = value.get("label", value.get("labels"))
    if not isinstance(raw_labels, list):
        raise ParseError(where, "'label' must be a list of [start, end, \"LABEL\"] triples")
    spans = []
    for number, entry in enumerate(raw_labels):
        if not (isinstance(entry, list) and len(entry) == 3):
            raise ParseError(where, f'label {number} must be [start, end, "LABEL"], got {entry!r}')
        spans.append((*entry, None))
    return spans


def _doccano_comments(where: str, value: dict[str, Any]) -> list[str]:
    """A line's comments: texts, or ``{id, comment}`` in a project with relations."""
    raw = value.get(DOCCANO_COMMENTS) or []
    if not isinstance(raw, list):
        raise ParseError(where, f"'{DOCCANO_COMMENTS}' must be a list")
    bodies = []
    for comment in raw:
        body = comment.get("comment") if isinstance(comment, dict) else comment
        if not isinstance(body, str):
            raise ParseError(where, f"a comment must be text, got {comment!r}")
        if body.strip():
            bodies.append(body)
    return bodies


# Label Studio ------------------------------------------------------------------------

# The ``type`` of a result Margin holds as a span (offsets into a plain text); others,
# HyperTextLabels' XPath ranges among them, are counted as skipped.
LS_SPAN_TYPES = {"labels"}


def from_label_studio(name: str, content: str) -> list[Record]:
    """Label Studio's JSON export: a list of tasks, each ``{id, data: {text}, annotations,
    predictions}``. An annotation's spans, ``Choices`` (document labels) and ``Relation``
    results go to the layer of its ``completed_by`` user (named ``#<id>`` until the
    annotator app finds the Margin user); a prediction's spans become suggestions of
    source ``model:<model_version>``, its choices suggested document labels and its
    relations suggested relations between them (``suggested_categories``,
    ``suggested_relations``). Cancelled annotations and other results are counted in
    ``skipped``."""
    try:
        tasks = json_loads(content)
    except (ValueError, RecursionError, NotFinite) as error:
        raise ParseError(name, f"not valid JSON ({error})") from None
    if not isinstance(tasks, list):
        raise ParseError(name, "expected Label Studio's JSON export: a list of tasks")
    problem = value_problem(tasks)
    if problem:
        raise ParseError(name, problem)
    return [_from_task(f"{name}: task {number}", task) for number, task in enumerate(tasks, 1)]


def _from_task(where: str, task: object) -> Record:
    if isinstance(task, dict) and isinstance(task.get("id"), int | str):
        where = f"{where.rsplit(': task', 1)[0]}: task {task['id']}"  # as Label Studio shows it
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise ParseError(where, "expected a Label Studio task with 'data'")
    data = task["data"]
    text = data.get("text")
    if text is None:
        strings = [item for item in data.values() if isinstance(item, str)]
        text = strings[0] if len(strings) == 1 else None
    if not isinstance(text, str):
        raise ParseError(where, "its 'data' has no 'text' (or no single text field)")
    skipped: dict[str, int] = {}
    users: dict[str, dict[str, Any]] = {}
    spans: list[dict[str, Any]] = []
    categories: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    for number, annotation in enumerate(_list(where, task, "annotations")):
        if annotation.get("was_cancelled"):
            skipped["cancelled annotation"] = skipped.get("cancelled annotation", 0) + 1
            continue
        user = _ls_user(where, annotation)
        users[user["key"]] = user
        found = _Found(scope=str(number))
        for item in _results(where, annotation, skipped, found):
            spans.append(item | {"annotator": user["key"]})
        categories += [{"label": name, "annotator": user["key"]} for name in found.choices]
        relations += found.relations
    suggestions: list[dict[str, Any]] = []
    predictions = task.get("predictions") or []
    if isinstance(predictions, list) and all(isinstance(item, int) for item in predictions):
        # The quick export names predictions by id only (a snapshot export has them whole).
        if predictions:
            skipped["prediction (by id only)"] = len(predictions)
        predictions = []
    else:
        predictions = _list(where, task, "predictions")
    suggested_categories: list[dict[str, Any]] = []
    suggested_relations: list[dict[str, Any]] = []
    for number, prediction in enumerate(predictions):
        version = str(prediction.get("model_version") or "").strip() or "unknown"
        source = f"model:{version}"
        # Its choices and relations are suggested too: ``p<n>`` scopes its result ids.
        found = _Found(scope=f"p{number}")
        for item in _results(where, prediction, skipped, found):
            score = item.pop("score", None)
            if score is None:
                score = prediction.get("score")
            ref = item.pop("ref", None)
            suggestions.append(
                item | {"source": source, "score": score} | ({} if ref is None else {"id": ref})
            )
        suggested_categories += [
            {"label": name, "source": source, "score": prediction.get("score")}
            for name in found.choices
        ]
        suggested_relations += [
            {"type": r["type"], "from": r["from"], "to": r["to"], "source": source}
            for r in found.relations
        ]
    meta = {key: item for key, item in data.items() if item is not text}
    if isinstance(task.get("meta"), dict):
        meta |= task["meta"]
    if task.get("id") is not None:
        meta["label_studio_id"] = task["id"]
    fields: dict[str, Any] = {"text": text, "spans": spans, "suggestions": suggestions}
    if suggested_categories:
        fields["suggested_categories"] = suggested_categories
    if suggested_relations:
        fields["suggested_relations"] = suggested_relations
    if meta:
        fields["meta"] = meta
    extra: dict[str, Any] = {
        "skipped": skipped,
        "users": users,
        "categories": categories,
        "relations": relations,
        "comments": [],
        "tool": "label-studio",
    }
    if task.get("id") is not None:
        extra["key"] = ("label-studio", task["id"])
    return Record(where=where, fields=fields, extra=extra)


def _list(where: str, task: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = task.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ParseError(where, f"'{key}' must be a list of objects")
    return items


def _ls_user(where: str, annotation: dict[str, Any]) -> dict[str, Any]:
    """Who made an annotation: ``completed_by`` is a user id, or an object with ``id`` and
    ``email`` (the export's ``created_username`` says "email, id" too)."""
    by = annotation.get("completed_by")
    email = None
    if isinstance(by, dict):
        email, by = by.get("email"), by.get("id")
    if email is None and isinstance(annotation.get("created_username"), str):
        email = annotation["created_username"].rsplit(",", 1)[0].strip() or None
    if isinstance(by, bool) or not isinstance(by, int | str):
        raise ParseError(where, "an annotation without 'completed_by'")
    return {"key": f"#{by}", "id": by, "email": email}


@dataclass
class _Found:
    """An annotation's choices and relations; ``scope`` makes its result ids the record's
    own (two annotations of a task may use the same ids)."""

    scope: str
    choices: list[str] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)

    def relation(self, result: dict[str, Any]) -> int:
        """Keep a relation result, one relation a type; how many it gave."""
        ends = [f"{self.scope}:{result.get('from_id')}", f"{self.scope}:{result.get('to_id')}"]
        if result.get("direction") == "left":
            ends.reverse()
        names = result.get("labels") or []
        before = len(self.relations)
        for name in names if isinstance(names, list) else [names]:
            if isinstance(name, str) and name.strip():
                self.relations.append({"from": ends[0], "to": ends[1], "type": name})
        return len(self.relations) - before


def _results(
    where: str,
    annotation: dict[str, Any],
    skipped: dict[str, int],
    found: _Found | None = None,
) -> list[dict[str, Any]]:
    """An annotation's (or prediction's) span results as ``{start, end, label, text, ref}``,
    one a label; an annotation's choices and relations into ``found``; the rest counted by
    kind."""
    results = annotation.get("result") or []
    if not isinstance(results, list):
        raise ParseError(where, "an annotation's 'result' must be a list")
    spans = []
    for result in results:
        kind = str(result.get("type", "")).lower() if isinstance(result, dict) else ""
        value = result.get("value") if isinstance(result, dict) else None
        if found is not None and kind == "choices" and isinstance(value, dict):
            choices = value.get("choices") or []
            for name in choices if isinstance(choices, list) else [choices]:
                if isinstance(name, str) and name.strip():
                    found.choices.append(name)
            continue
        if found is not None and kind == "relation":
            if not found.relation(result):
                skipped["relation without a type"] = skipped.get("relation without a type", 0) + 1
            continue
        if kind not in LS_SPAN_TYPES or not isinstance(value, dict) or "start" not in value:
            name = f"{kind or 'unknown'} result"
            skipped[name] = skipped.get(name, 0) + 1
            continue
        labels = value.get("labels") or []
        for number, label in enumerate(labels if isinstance(labels, list) else [labels]):
            span = {"start": value.get("start"), "end": value.get("end"), "label": label}
            if isinstance(value.get("text"), str):
                span["text"] = value["text"]
            if result.get("score") is not None:
                span["score"] = result["score"]
            # A region of several labels is several spans; a relation joins its first (an
            # id given twice would refuse the whole file).
            if found is not None and result.get("id") is not None and number == 0:
                span["ref"] = f"{found.scope}:{result['id']}"
            spans.append(span)
    return spans
