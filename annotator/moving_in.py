"""Moving in from doccano or Label Studio: their exports' records (``corpus.foreign``)
placed in a project, nothing shifted, lost or doubled.

- **Who**: each span of a doccano member's file (``admin.jsonl`` in doccano's zip) or a
  Label Studio annotation goes to that person's layer; the person must be a member of the
  project (one message a person otherwise). Label Studio names its users by id, and by
  email in a snapshot export: the member with that email (or that username) is the one,
  unless ``user_map`` (``{"3": "alice"}``) says.
- **The same documents**: one document's lines from several users' files become one
  document with several layers (doccano's id says which), and a document the project
  already holds with identical text is reused (``services.documents_import(again=True)``),
  so that importing a second time adds nothing.
- **Offsets**: doccano wrote code points through its API and UTF-16 code units from its
  web page, unmarked, and Label Studio's browser counts UTF-16 too. Where a text has
  characters beyond the BMP the two readings of a span differ after them: the one that
  fits is taken (the quoted text a Label Studio span carries, or else both ends on token
  boundaries, inside the text); when both or neither fit, the span is not imported and
  the summary shows both readings. Nothing is ever stored shifted.
- **Labels**: the missing ones are created with the palette's colours when asked
  (``create_labels``; a Label Studio choice's as a document label), or named once in the
  refusal; so are relation types (matched by name, whatever its case; created allowing any
  labels).
- **Document labels and relations**: a Label Studio annotation's choices become its
  author's categories, and its relations (doccano's too) relations between the spans they
  join, in the same layer; one whose span was left out (unclear offsets) is left out and
  counted. Those already stored are not added again.
- A Label Studio prediction's spans become suggestions, its choices suggested document
  labels and its relations suggested relations between its spans' suggestions (one whose
  span was left out is counted, not imported).
- What Margin does not hold is counted in the summary, not silently dropped.
"""

import bisect
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from corpus.importers import Record

from . import services
from .api.uploads import ImportRefused, records_upload
from .categories import Category
from .models import DocumentLabels, LabelKind, Project, Span
from .relations import Relation
from .suggestions import Suggestion

DOCCANO_SOURCE = "import:doccano"  # the source of doccano's spans made suggestions


@dataclass
class Summary:
    """What an import did, as a job's result keeps it (``as_dict``)."""

    documents: int = 0  # in the files, each once
    new_documents: int = 0
    spans: int = 0  # added to layers
    spans_utf16: int = 0  # of those read, the ones read as UTF-16 code units
    suggestions: int = 0
    comments: int = 0
    categories: int = 0  # document labels added to layers
    relations: int = 0  # added to layers
    relations_left_out: int = 0  # a span they join was not imported
    labels_created: list[str] = field(default_factory=list)
    relation_types_created: list[str] = field(default_factory=list)
    spans_refused: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "new_documents": self.new_documents,
            "spans": self.spans,
            "spans_utf16": self.spans_utf16,
            "suggestions": self.suggestions,
            "comments": self.comments,
            "categories": self.categories,
            "relations": self.relations,
            "relations_left_out": self.relations_left_out,
            "labels_created": self.labels_created,
            "relation_types_created": self.relation_types_created,
            "spans_refused": self.spans_refused,
            "skipped": dict(sorted(self.skipped.items())),
        }


def summary_lines(counts: dict[str, Any]) -> list[str]:
    """An import's summary in words: a first line, then what needs a reader's eye."""
    documents = counts["documents"]
    new = counts.get("new_documents", documents)
    parts = [_count(documents, "document"), _count(counts["spans"], "span")]
    if new != documents:
        parts[0] += f" ({new} new, {documents - new} already here)"
    if counts.get("categories"):
        parts.append(_count(counts["categories"], "document label"))
    if counts.get("relations"):
        parts.append(_count(counts["relations"], "relation"))
    if counts.get("suggestions"):
        parts.append(_count(counts["suggestions"], "suggestion"))
    if counts.get("comments"):
        parts.append(_count(counts["comments"], "comment"))
    lines = [f"Imported {', '.join(parts[:-1])} and {parts[-1]}."]
    if counts.get("spans_utf16"):
        lines.append(
            f"{_count(counts['spans_utf16'], 'span')} read as UTF-16 code units (as a web "
            "page counts), where that reading alone fits the text."
        )
    if counts.get("labels_created"):
        lines.append(f"Labels created: {', '.join(counts['labels_created'])}.")
    if counts.get("relation_types_created"):
        lines.append(f"Relation types created: {', '.join(counts['relation_types_created'])}.")
    if counts.get("relations_left_out"):
        lines.append(
            f"{_count(counts['relations_left_out'], 'relation')} not imported: a span "
            "it joins was not imported."
        )
    skipped = counts.get("skipped") or {}
    if any(skipped.values()):
        held = ", ".join(_count(number, name) for name, number in skipped.items() if number)
        lines.append(f"Not imported (Margin does not hold them): {held}.")
    refused = counts.get("spans_refused") or []
    if refused:
        lines.append(f"{_count(len(refused), 'span')} not imported, their offsets unclear:")
        lines += refused
    return lines


def _count(number: int, word: str) -> str:
    """``2 relations``, ``1 prediction (by id only)``: the noun before any bracket."""
    noun, bracket, rest = word.partition(" (")
    return f"{number:,} {noun}{'' if number == 1 else 's'}{bracket}{rest}"


def move_in(
    *,
    project: Project,
    records: Sequence[Record],
    uploader,
    create_labels: bool = False,
    user_map: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Import read records (their spans already sent where they go, ``imports.SpansTo``)
    all or nothing: ``ImportRefused`` names every problem, and nothing is stored then."""
    summary = Summary()
    problems: list[str] = []
    members = {m.user.username: m.user for m in project.memberships.select_related("user")}
    _name_people(records, members, user_map or {}, problems)
    for record in records:
        if record.extra.get("tool"):
            _read_offsets(record, summary)
        summary.skipped.update(record.extra.get("skipped") or {})
        if isinstance(record.fields.get("suggestions"), list):
            # The text a suggestion quotes served to read its offsets; it is not stored.
            record.fields["suggestions"] = [
                {k: v for k, v in item.items() if k != "text"} if isinstance(item, dict) else item
                for item in record.fields["suggestions"]
            ]
        _resolve_relations(record, summary)
    missing = _missing_labels(project, records)
    types = {t.name.lower(): t for t in project.relation_types.all()}
    missing_types: dict[str, str] = {}
    for record in records:
        suggested = [r for r in _items(record, "suggested_relations") if isinstance(r, dict)]
        for relation in [*(record.extra.get("relations") or []), *suggested]:
            name = relation.get("type")
            if isinstance(name, str) and name.lower() not in types:
                missing_types.setdefault(name.lower(), (name, record.where))
    records = _merged(records)
    for record in records:
        if record.extra.get("tool"):
            _once(record)
            _suggested_relations_kept(record, summary)
    if missing and not create_labels:
        named = [f"{name!r} (first used at {where})" for name, (where, _) in missing.items()]
        problems.append(
            (
                f"Unknown label {named[0]}"
                if len(named) == 1
                else f"Unknown labels for this project: {', '.join(named)}"
            )
            + f". Create {'them' if len(named) > 1 else 'it'} first, or import with "
            "--create-labels (on the Import page: “Create missing labels”)."
        )
    if missing_types and not create_labels:
        named = [f"{name!r} (first used at {where})" for name, where in missing_types.values()]
        problems.append(
            f"Unknown relation type{'s' if len(named) > 1 else ''} for this project: "
            f"{', '.join(named)}. Create {'them' if len(named) > 1 else 'it'} first, or "
            "import with --create-labels (on the Import page: “Create missing labels”)."
        )
    if problems:
        raise ImportRefused(problems)
    summary.documents = len(records)
    with transaction.atomic():
        for name, (_, kind) in missing.items():
            try:
                services.label_create(project=project, name=name, kind=kind)
            except ValidationError as error:
                message = f"The label {name!r} cannot be created: {error.messages[0]}"
                raise ImportRefused([message]) from None
        summary.labels_created = list(missing)
        for key, (name, _) in missing_types.items():
            try:
                types[key] = services.relation_type_create(project=project, name=name)
            except ValidationError as error:
                message = f"The relation type {name!r} cannot be created: {error.messages[0]}"
                raise ImportRefused([message]) from None
            summary.relation_types_created.append(name)
        for record in records:
            # The project's own spelling of each type (matched whatever its case).
            for relation in _items(record, "suggested_relations"):
                if isinstance(relation, dict) and isinstance(relation.get("type"), str):
                    found = types.get(relation["type"].lower())
                    relation["type"] = found.name if found else relation["type"]
        before = _stored(project)
        documents = records_upload(
            project=project, records=records, uploader=uploader, progress=progress, again=True
        )
        comments = [
            (document, members.get(note["author"]) or uploader, _body(note))
            for document, record in zip(documents, records, strict=True)
            for note in record.extra.get("comments") or []
        ]
        summary.comments = services.comments_import(project=project, comments=comments)
        summary.categories = _categories_store(
            project, documents, records, members, uploader, summary
        )
        summary.relations = _relations_store(
            project, documents, records, members, uploader, types, summary
        )
        after = _stored(project)
    summary.new_documents = after[0] - before[0]
    summary.spans = after[1] - before[1]
    summary.suggestions = after[2] - before[2]
    return summary


def _stored(project: Project) -> tuple[int, int, int]:
    """The project's documents, spans (analysts' and gold) and suggestions, counted."""
    return (
        project.documents.count(),
        Span.objects.filter(project=project).count(),
        Suggestion.objects.filter(project=project).count(),
    )


def _body(note: dict[str, Any]) -> str:
    # doccano's collaborative file keeps comments without their authors.
    if note.get("author") is None:
        return f"(from doccano; its author is not in the export) {note['body']}"
    return note["body"]


# Who --------------------------------------------------------------------------------


def _name_people(
    records: Sequence[Record], members: dict[str, Any], user_map: dict[str, str], problems
) -> None:
    """Give each span the Margin username of its annotator: Label Studio's users found
    among the members; every person named must be a member. One message a person."""
    by_email = {user.email.lower(): name for name, user in members.items() if user.email}
    found: dict[str, str | None] = {}
    told: set[str] = set()
    for record in records:
        file = record.where.split(":")[0]
        for key, person in (record.extra.get("users") or {}).items():
            if key in found:
                continue
            found[key] = _ls_member(person, members, by_email, user_map)
            if found[key] is None and key not in told:
                told.add(key)
                email = person.get("email") or "no email in this export"
                problems.append(
                    f"{file}: Label Studio's user {person['id']} ({email}) is no member of "
                    f"this project: add them (with that email), or say who they are with "
                    f"--label-studio-user {person['id']}=USERNAME."
                )
        names = [note.get("author") for note in record.extra.get("comments") or []]
        for category in record.extra.get("categories") or []:
            if category["annotator"] in found:
                category["annotator"] = found[category["annotator"]]
        for span in _items(record, "spans"):
            if isinstance(span, dict) and span.get("annotator") in found:
                span["annotator"] = found[span["annotator"]]
                if span["annotator"] is None:
                    continue  # told above
            if isinstance(span, dict):
                names.append(span.get("annotator"))
        for name in names:
            if isinstance(name, str) and name not in members and name not in told:
                told.add(name)
                problems.append(
                    f"{file}: {name} is not a member of this project: add them to the "
                    "project first (or leave their file out)."
                )


def _ls_member(person, members, by_email, user_map) -> str | None:
    mapped = user_map.get(str(person["id"]))
    if mapped is not None:
        return mapped if mapped in members else None
    email = (person.get("email") or "").lower()
    if not email:
        return None
    return by_email.get(email) or next(
        (name for name in (email, email.split("@")[0]) if name in members), None
    )


# Offsets ----------------------------------------------------------------------------


def _read_offsets(record: Record, summary: Summary) -> None:
    """Read each span's offsets as code points or as UTF-16 code units, whichever fits
    (see the module's docstring); a span neither or both fit is left out and told."""
    text = record.fields.get("text")
    if not isinstance(text, str) or text.isascii():
        return
    units = _utf16_starts(text)
    if units is None:
        return  # no character beyond the BMP: the two readings are one
    starts, ends = _token_bounds(text)

    def fits(start, end, quoted) -> bool:
        if start is None or end is None or not 0 <= start < end <= len(text):
            return False
        if quoted is not None:
            return text[start:end] == quoted
        return start in starts and end in ends

    def to_code_points(offset) -> int | None:
        position = bisect.bisect_left(units, offset)
        return position if position < len(units) and units[position] == offset else None

    for kind in ("spans", "suggestions"):
        items = record.fields.get(kind)
        if not isinstance(items, list):
            continue
        kept = []
        for number, item in enumerate(items):
            start, end = (item.get("start"), item.get("end")) if isinstance(item, dict) else (0, 0)
            if not all(isinstance(o, int) and not isinstance(o, bool) for o in (start, end)):
                kept.append(item)  # the import's checks name the problem
                continue
            utf16 = (to_code_points(start), to_code_points(end))
            if utf16 == (start, end):
                kept.append(item)
                continue
            quoted = item.get("text")
            as_points, as_units = fits(start, end, quoted), fits(*utf16, quoted)
            if as_points and not as_units:
                kept.append(item)
            elif as_units and not as_points:
                kept.append(item | {"start": utf16[0], "end": utf16[1]})
                summary.spans_utf16 += 1
            else:
                summary.spans_refused.append(
                    f"{record.where}: {kind[:-1]} {number} [{start}, {end}] "
                    f"{item.get('label')}: as code points {_reading(text, start, end)}, "
                    f"as UTF-16 {_reading(text, *utf16)}: "
                    f"{'both fit' if as_points else 'neither fits'} the text's words."
                )
        record.fields[kind] = kept


def _utf16_starts(text: str) -> list[int] | None:
    """Where each code point (and the end) starts in UTF-16 code units; None when both
    counts agree everywhere."""
    units, position = [], 0
    for character in text:
        units.append(position)
        position += 2 if ord(character) > 0xFFFF else 1
    units.append(position)
    return None if position == len(text) else units


def _token_bounds(text: str) -> tuple[set[int], set[int]]:
    from .tokens import parse  # spaCy: paid only by texts with characters beyond the BMP

    tokens = parse(text)
    return {token.idx for token in tokens}, {token.idx + len(token.text) for token in tokens}


def _reading(text: str, start, end) -> str:
    if start is None or end is None or not 0 <= start < end <= len(text):
        return f"[{start}, {end}] outside the text"
    return f"[{start}, {end}] “{text[start:end]}”"


# The same documents -------------------------------------------------------------------


def _merged(records: Sequence[Record]) -> list[Record]:
    """One record a document: the lines of several users' files for one document (the
    same tool id and text) joined, their spans, suggestions and comments together."""
    merged: dict[Any, Record] = {}
    out: list[Record] = []
    for record in records:
        key = record.extra.get("key")
        if key is None:
            out.append(record)
            continue
        key = (*key, record.fields.get("text"))
        first = merged.get(key)
        if first is None:
            merged[key] = record
            out.append(record)
            continue
        for kind in ("spans", "suggestions", "suggested_categories", "suggested_relations"):
            more = _items(record, kind)
            if more:
                first.fields[kind] = [*_items(first, kind), *more]
        for kind in ("categories", "relations"):
            first.extra[kind] = [*(first.extra.get(kind) or []), *(record.extra.get(kind) or [])]
        first.extra["comments"] = [
            *(first.extra.get("comments") or []),
            *(record.extra.get("comments") or []),
        ]
    return out


def _once(record: Record) -> None:
    """One of each identical span of a layer, and of each identical suggestion: doccano's
    collaborative file repeats a span every user made."""
    for kind, key in (("spans", "annotator"), ("suggestions", "source")):
        items = record.fields.get(kind)
        if not isinstance(items, list):
            continue
        seen: dict[tuple, Any] = {}
        kept = []
        for item in items:
            if isinstance(item, dict):
                same = tuple(repr(item.get(name)) for name in ("start", "end", "label", key))
                if same in seen:
                    if kind == "suggestions" and item.get("id") is not None:
                        # Its suggested relations name the one kept instead.
                        alias = record.extra.setdefault("suggestion_alias", {})
                        alias[item["id"]] = seen[same]
                    continue
                seen[same] = item.get("id")
            kept.append(item)
        record.fields[kind] = kept


def _items(record: Record, kind: str) -> list:
    """A record's spans or suggestions; none when they are not a list (the import's checks
    name that problem)."""
    items = record.fields.get(kind)
    return items if isinstance(items, list) else []


def _missing_labels(project: Project, records: Sequence[Record]) -> dict[str, tuple[str, str]]:
    """The label names the records use that the project lacks, in order of first use,
    with where each is first used and its kind (a choice's: a document label)."""
    known = set(project.labels.values_list("name", flat=True))
    missing: dict[str, tuple[str, str]] = {}
    for record in records:
        for kind in ("spans", "suggestions"):
            for item in _items(record, kind):
                label = item.get("label") if isinstance(item, dict) else None
                if isinstance(label, str) and label.strip() and label not in known:
                    missing.setdefault(label, (record.where, LabelKind.SPAN))
        suggested = [c for c in _items(record, "suggested_categories") if isinstance(c, dict)]
        for category in [*(record.extra.get("categories") or []), *suggested]:
            label = category.get("label")
            if isinstance(label, str) and label.strip() and label not in known:
                missing.setdefault(label, (record.where, LabelKind.DOCUMENT))
    return missing


def _suggested_relations_kept(record: Record, summary: Summary) -> None:
    """Leave out the suggested relations one of whose ends is no suggestion any more (its
    offsets fit neither reading of the text), counting them as skipped; an end that was
    the duplicate of another suggestion (``_once``) names the one kept."""
    relations = _items(record, "suggested_relations")
    if not relations:
        return
    ids = {item.get("id") for item in _items(record, "suggestions") if isinstance(item, dict)}
    alias = record.extra.get("suggestion_alias") or {}
    kept = []
    for relation in relations:
        if isinstance(relation, dict):
            relation = relation | {
                end: alias.get(relation.get(end), relation.get(end)) for end in ("from", "to")
            }
            if relation["from"] not in ids or relation["to"] not in ids:
                name = "suggested relation whose suggestion was not imported"
                summary.skipped[name] = summary.skipped.get(name, 0) + 1
                continue
        kept.append(relation)
    record.fields["suggested_relations"] = kept


# Document labels and relations --------------------------------------------------------


def _span_key(span: dict[str, Any]) -> tuple:
    """A span's place once stored: its layer (annotator's name, None for the uploader's;
    gold), offsets and label."""
    return (
        span.get("annotator"),
        bool(span.get("gold")),
        span.get("start"),
        span.get("end"),
        span.get("label"),
    )


def _resolve_relations(record: Record, summary: Summary) -> None:
    """Give each relation the places of the spans it joins (their offsets as read, before
    the spans of several files are merged); one whose span was left out is counted."""
    relations = record.extra.get("relations") or []
    if not relations:
        return
    spans = {
        span["ref"]: span
        for span in _items(record, "spans")
        if isinstance(span, dict) and span.get("ref") is not None
    }
    resolved = []
    for relation in relations:
        ends = spans.get(relation["from"]), spans.get(relation["to"])
        if None in ends:
            summary.relations_left_out += 1
            continue
        resolved.append(
            {"type": relation["type"], "source": _span_key(ends[0]), "target": _span_key(ends[1])}
        )
    record.extra["relations"] = resolved


SINGLE_LEFT_OUT = "document label beyond the one a layer gives in this project"


def _categories_store(project, documents, records, members, uploader, summary) -> int:
    """Each member's choices as categories of their layer, through the service, as the
    uploader; those the layer already has are left out. In a project of one document label
    a layer, a layer that has one keeps it (an import does not replace a person's choice)."""
    wanted = [
        (document, members[category["annotator"]], category["label"], record.where)
        for document, record in zip(documents, records, strict=True)
        for category in record.extra.get("categories") or []
    ]
    if not wanted:
        return 0
    labels = {label.name: label for label in project.labels.all()}
    have = set(
        Category.objects.filter(
            project=project, gold=False, document__in=[document for document, *_ in wanted]
        ).values_list("document_id", "annotator_id", "label__name")
    )
    single = project.document_labels == DocumentLabels.SINGLE
    labelled = {(document_id, annotator_id) for document_id, annotator_id, _ in have}
    added = 0
    for document, annotator, name, where in wanted:
        if (document.pk, annotator.pk, name) in have:
            continue
        if single and (document.pk, annotator.pk) in labelled:
            summary.skipped[SINGLE_LEFT_OUT] += 1
            continue
        try:
            services.category_add(
                project=project,
                document=document,
                annotator=annotator,
                label=labels.get(name),
                actor=uploader,
            )
        except ValidationError as error:
            raise ImportRefused(
                [f"{where}: document label {name!r}: {error.messages[0]}"]
            ) from None
        have.add((document.pk, annotator.pk, name))
        labelled.add((document.pk, annotator.pk))
        added += 1
    return added


def _relations_store(project, documents, records, members, uploader, types, summary) -> int:
    """Each relation between the stored spans it joins, in their layer, through the
    service, as the uploader; those already stored are left out."""
    wanted = [
        (document, relation, record.where)
        for document, record in zip(documents, records, strict=True)
        for relation in record.extra.get("relations") or []
    ]
    if not wanted:
        return 0
    spans = {}
    for span in Span.objects.filter(
        project=project, document__in={document.pk for document, *_ in wanted}
    ).select_related("label", "annotator"):
        spans[
            (span.document_id, span.gold, span.annotator_id, span.start, span.end, span.label.name)
        ] = span
    have = set(
        Relation.objects.filter(
            project=project, document__in={d.pk for d, *_ in wanted}
        ).values_list("type_id", "source_id", "target_id")
    )
    added = 0
    for document, relation, where in wanted:
        ends = []
        for name, gold, start, end, label in (relation["source"], relation["target"]):
            annotator_id = None if gold else (members[name] if name else uploader).pk
            ends.append(spans.get((document.pk, gold, annotator_id, start, end, label)))
        if None in ends:
            summary.relations_left_out += 1  # its span became a suggestion
            continue
        source, target = ends
        relation_type = types[relation["type"].lower()]
        same = {(relation_type.pk, source.pk, target.pk)}
        if not relation_type.directed:
            same.add((relation_type.pk, target.pk, source.pk))
        if same & have:
            continue
        try:
            services.relation_create(
                project=project,
                document=document,
                annotator=uploader if source.gold else source.annotator,
                relation_type=relation_type,
                source=source,
                target=target,
                gold=source.gold,
                actor=uploader,
            )
        except ValidationError as error:
            message = "; ".join(error.messages)
            raise ImportRefused([f"{where}: relation {relation['type']!r}: {message}"]) from None
        have.add((relation_type.pk, source.pk, target.pk))
        added += 1
    return added
