"""Search a project's documents and annotations (../shared/API.md, "Search").

Two kinds of hits, both in code-point offsets with up to ``CONTEXT`` characters each side:

- a phrase (``q``): every whole-word, case-insensitive occurrence in the texts, found in
  the documents the search index narrows to (``corpus.search``); with span filters
  (``label``, ``layer``, ``annotator``, ``source``, ``disputed``), only the occurrences
  that overlap a span (or suggestion) those filters select;
- no phrase, but span filters: the spans (or suggestions) themselves.

What a user may search is what they may read (``permissions``): an annotator searches the
texts, their own layer and the suggestion layer; other layers, gold and disputes are for
reviewers and managers.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from corpus.models import Document
from corpus.search import (
    PHRASE_MAX,
    counted,
    find,
    index_first,
    narrow,
    phrase_pattern,
    phrase_words,
)

from .models import DisputedSpan, DocumentStatus, Label, Membership, Project, Span, Status
from .permissions import REFUSED, Action, can, can_edit_layer
from .search_tags import SEARCH_PREFIX, SearchEdit, SearchTag, TagInto
from .services.disputes import disputed_spans
from .suggestions import SOURCE_MAX, Suggestion

CONTEXT = 40
SUGGESTIONS = "suggestions"
# Documents read at a time while tagging a phrase's hits.
CHUNK = 200
# Up to this many documents are named in a statement rather than found by a subquery.
NAMED_DOCUMENTS = 2000
FILTERS = ["q", "label", "layer", "annotator", "status", "disputed", "source"]


@dataclass(frozen=True)
class Search:
    """A checked search: what to look for, and which annotations narrow it."""

    project: Project
    user: Any
    q: str | None
    label: Label | None = None
    layer: str | None = None  # "mine", "gold", "suggestions", or None (every readable layer)
    annotator: Any = None
    status: str | None = None
    disputed: bool = False
    source: str | None = None

    @property
    def spans_filtered(self) -> bool:
        return bool(self.label or self.layer or self.annotator or self.disputed or self.source)

    @property
    def suggestions(self) -> bool:
        return self.layer == SUGGESTIONS


def search_parse(project: Project, user, params: Mapping[str, str]) -> Search:
    """Check a search's parameters: ``ValidationError`` (by field) for a bad value,
    ``PermissionDenied`` for a layer the user may not read."""
    errors: dict[str, list[str]] = {}
    q = " ".join(phrase_words(params.get("q") or "")) or None
    if q is not None and len(q) > PHRASE_MAX:
        errors["q"] = [f"At most {PHRASE_MAX} characters."]
    label = None
    if params.get("label"):
        label = project.labels.filter(name__iexact=params["label"]).first()
        if label is None:
            names = ", ".join(project.labels.values_list("name", flat=True))
            errors["label"] = [
                f"Unknown label {params['label']!r}: this project's labels are {names}."
            ]
    layer, annotator = parse_layer(project, user, params.get("layer"), errors)
    if params.get("annotator"):
        named = _member(project, params["annotator"], "annotator", errors)
        if annotator is not None and named is not None and named.pk != annotator.pk:
            errors["annotator"] = ["Names another layer than `layer`."]
        annotator = annotator or named
    status = params.get("status") or None
    if status is not None and status not in Status.values:
        errors["status"] = [f"Must be one of {', '.join(Status.values)}."]
    disputed = params.get("disputed") or "0"
    if disputed not in {"0", "1"}:
        errors["disputed"] = ["Must be 1 (or 0)."]
    source = params.get("source") or None
    if source is not None and len(source) > SOURCE_MAX:
        errors["source"] = [f"At most {SOURCE_MAX} characters."]
    if layer == SUGGESTIONS and annotator is not None:
        errors["annotator"] = ["Suggestions have no annotator."]
    if layer in {SUGGESTIONS, "gold"} and disputed == "1":
        errors["disputed"] = ["Disputes are between annotators' layers."]
    if errors:
        raise ValidationError(errors)
    search = Search(
        project=project,
        user=user,
        q=q,
        label=label,
        layer=layer,
        annotator=annotator,
        status=status,
        disputed=disputed == "1",
        source=source,
    )
    if q is None and not search.spans_filtered:
        raise ValidationError({"q": ["Give a phrase (q), or a label or layer to list its spans."]})
    others = annotator is not None and annotator.pk != user.pk
    if (layer == "gold" or others or search.disputed) and not can(user, project, Action.REVIEW):
        raise PermissionDenied(REFUSED[Action.REVIEW])
    return search


def parse_layer(project: Project, user, layer: str | None, errors: dict) -> tuple[str | None, Any]:
    """``mine``, ``gold``, ``suggestions`` or ``user:<name>``: the layer's kind and its
    annotator (problems go into ``errors``)."""
    if not layer:
        return None, None
    if layer in {"mine", "gold", SUGGESTIONS}:
        return layer, (user if layer == "mine" else None)
    if layer.startswith("user:"):
        return "user", _member(project, layer.removeprefix("user:"), "layer", errors)
    errors["layer"] = ["Must be mine, gold, suggestions or user:<username>."]
    return None, None


def _member(project: Project, username: str, field: str, errors: dict):
    """A member of the project (or a past one whose spans are still there), by username."""
    users = get_user_model()._default_manager
    user = users.filter(username=username).first()
    if user is None or not (
        Membership.objects.filter(project=project, user=user).exists()
        or Span.objects.filter(project=project, annotator=user).exists()
    ):
        errors[field] = [f"{username!r} is not in this project."]
        return None
    return user


def _documents(search: Search) -> QuerySet:
    documents = Document.objects.filter(projects=search.project)
    if search.status is not None:
        mine = DocumentStatus.objects.filter(
            project=search.project, user=search.user.pk, document=OuterRef("pk")
        )
        if search.status == Status.NEW:
            documents = documents.exclude(Exists(mine.exclude(status=Status.NEW)))
        else:
            documents = documents.filter(Exists(mine.filter(status=search.status)))
    return documents


def annotations(search: Search) -> QuerySet:
    """The spans (or suggestions) the search's filters select, among those the user may
    read: an annotator reads their own layer (and the suggestions), reviewers every one."""
    project = search.project
    if search.suggestions:
        rows = Suggestion.objects.filter(project=project)
        if search.source:
            rows = rows.filter(source=search.source)
    else:
        rows = Span.objects.filter(project=project)
        if search.layer == "gold":
            rows = rows.filter(gold=True)
        elif search.annotator is not None:
            rows = rows.filter(annotator=search.annotator, gold=False)
        elif not can(search.user, project, Action.REVIEW):
            rows = rows.filter(annotator=search.user, gold=False)
        if search.source:
            rows = rows.filter(source=search.source)
        if search.disputed:
            rows = disputed_spans(rows, project.pk, search.label and search.label.pk)
    if search.label is not None:
        rows = rows.filter(label=search.label)
    if search.status is not None:
        rows = rows.filter(document__in=_documents(search).values("pk"))
    return rows


def disputed_stored(search: Search) -> QuerySet | None:
    """The stored rows (``DisputedSpan``) of the disputed spans ``annotations`` selects, to
    count them without reading the spans (21,000 of a label's 581,666); None when a filter
    needs the span itself (its origin, ``source``). Kept in step with ``annotations``'
    filters (disputes are for reviewers, who read every analyst's layer)."""
    if not search.disputed or search.source:
        return None
    rows = DisputedSpan.objects.filter(project=search.project)
    if search.label is not None:
        rows = rows.filter(label_id=search.label.pk)
    if search.annotator is not None:
        rows = rows.filter(annotator_id=search.annotator.pk)
    if search.status is not None:
        rows = rows.filter(document__in=_documents(search).values("pk"))
    return rows


def hit(document: int, title: str, text: str, start: int, end: int) -> dict[str, Any]:
    return {
        "document": document,
        "title": title,
        "start": start,
        "end": end,
        "text": text[start:end],
        "left": text[max(0, start - CONTEXT) : start],
        "right": text[end : end + CONTEXT],
    }


class PhraseHits:
    """A phrase's hits as a sequence the paginator slices: counting reads the candidate
    documents once (one statement); a page reads its own documents again."""

    def __init__(self, search: Search):
        self.search = search
        self.pattern = phrase_pattern(search.q)
        self._counts: list[tuple[int, int]] | None = None
        self._places: dict[int, list[tuple[int, int]]] | None = None

    def candidates(self) -> QuerySet:
        documents = narrow(_documents(self.search), self.search.q)
        if self.search.spans_filtered:
            # The documents with a selected span, already read: named when they are few
            # (a subquery would run the span filters, disputes included, a second time).
            annotated = self._annotated()
            if len(annotated) <= NAMED_DOCUMENTS:
                documents = documents.filter(pk__in=list(annotated))
        return documents

    def _annotated(self) -> dict[int, list[tuple[int, int]]]:
        """With span filters: the (start, end) of the selected spans, by document."""
        if self._places is None:
            self._places = {}
            if self.search.spans_filtered:
                rows = annotations(self.search).filter(
                    document__in=narrow(_documents(self.search), self.search.q).values("pk")
                )
                for document, start, end in rows.values_list("document_id", "start", "end"):
                    self._places.setdefault(document, []).append((start, end))
        return self._places

    def places(self, document: int, text: str) -> list[tuple[int, int]]:
        if not self.search.spans_filtered:
            return list(find(self.pattern, text))
        spans = self._annotated().get(document)
        if not spans:
            return []
        found = list(find(self.pattern, text))
        return [(s, e) for s, e in found if any(a < e and s < b for a, b in spans)]

    def counts(self) -> list[tuple[int, int]]:
        """(document id, hits in it) for every document with a hit, in document order."""
        if self._counts is None and not self.search.spans_filtered:
            in_database = counted(_documents(self.search), self.search.q)
            if in_database is not None:
                with index_first():
                    self._counts = list(in_database.order_by("pk"))
        if self._counts is None:
            self._annotated()
            rows = self.candidates().order_by("pk").values_list("pk", "text")
            # One plain statement: PostgreSQL's server-side cursor (``iterator()``) plans
            # for the first rows and holds the result, ten times slower here.
            with index_first():
                rows = list(rows)
            self._counts = [(pk, n) for pk, text in rows if (n := len(self.places(pk, text)))]
        return self._counts

    def count(self) -> int:
        return sum(n for _, n in self.counts())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        first, stop = window.start or 0, window.stop
        wanted, seen = [], 0
        for document, n in self.counts():
            if seen + n > first and (stop is None or seen < stop):
                wanted.append((document, seen))
            seen += n
        rows = Document.objects.filter(pk__in=[d for d, _ in wanted]).values_list(
            "pk", "title", "text"
        )
        texts = {pk: (title, text) for pk, title, text in rows}
        hits = []
        for document, offset in wanted:
            title, text = texts[document]
            for index, (start, end) in enumerate(self.places(document, text), start=offset):
                if index >= first and (stop is None or index < stop):
                    hits.append(hit(document, title, text, start, end))
        return hits

    def all(self) -> Iterator[tuple[int, list[tuple[int, int]]]]:
        """Every document with hits and their places, for tagging them (in chunks)."""
        counted = self.counts()
        for first in range(0, len(counted), CHUNK):
            ids = [document for document, _ in counted[first : first + CHUNK]]
            rows = Document.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "text")
            for document, text in rows:
                yield document, self.places(document, text)


class AnnotationHits:
    """Spans (or suggestions) as hits: counted and sliced by the database, in reading order
    (document, start, end, id).

    A page deep in the list is read by its key, not by counting past every hit before it
    (``OFFSET``, 1.8 s for page 5,817 of 581,666 spans): after the key of the hit before
    it when a ``next`` link gives one (``cursor``), before the key of the hit after it for
    a ``previous`` link. A page asked by its number alone starts at the key of its first
    hit (in the second half of the list: ends at that of its last, counted from the end),
    found within the same statement by a subquery that counts past the keys alone, in an
    index that holds them (``span_label_reading_order``, ``disputed_span_label``), rather
    than past every hit's row (page 2,908 of 5,817 of WEAPONS: 320 ms → 50 ms,
    ``bench/search.py``).

    Disputed spans are ordered and keyed by their stored rows' copy of the same columns
    (``DisputedSpan``), which PostgreSQL reads from their own index."""

    def __init__(self, search: Search):
        self.search = search
        rows = annotations(search)
        quote = connection.ops.quote_name
        if search.disputed:
            table, names = DisputedSpan._meta.db_table, ["document_id", "start", "end", "span_id"]
        else:
            table, names = rows.model._meta.db_table, ["document_id", "start", "end", "id"]
        self.columns = [f"{quote(table)}.{quote(name)}" for name in names]
        self.rows = rows.order_by(*self._order())
        self.cursor: tuple[str, tuple[int, int, int, int]] | None = None  # ("after", key)
        self._count: int | None = None

    def _order(self, *, backwards: bool = False) -> list:
        keys = [RawSQL(column, [], output_field=BigIntegerField()) for column in self.columns]
        return [key.desc() if backwards else key.asc() for key in keys]

    def count(self) -> int:
        if self._count is None:
            stored = disputed_stored(self.search)
            self._count = (stored if stored is not None else self.rows).count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _beyond(self, rows: QuerySet, key: tuple[int, ...], sign: str) -> QuerySet:
        """The rows after (``>``) or before (``<``) ``key``, as one row comparison, which
        PostgreSQL answers from the index in reading order (``span_reading_order``)."""
        columns = ", ".join(self.columns)
        condition = RawSQL(f"({columns}) {sign} (%s, %s, %s, %s)", key, output_field=BooleanField())
        return rows.filter(condition)

    def _from(self, rows: QuerySet, ordered: QuerySet, offset: int, sign: str) -> QuerySet:
        """The rows from (``>=``) or up to (``<=``) the key of the row at ``offset`` of
        ``ordered``, which a subquery of the keys alone finds in the same statement."""
        keys = {
            f"key{n}": RawSQL(column, [], output_field=BigIntegerField())
            for n, column in enumerate(self.columns)
        }
        found = ordered.annotate(**keys).values_list(*keys)[offset : offset + 1]
        query, params = found.query.sql_with_params()
        columns = ", ".join(self.columns)
        condition = RawSQL(f"({columns}) {sign} ({query})", params, output_field=BooleanField())
        return rows.filter(condition)

    def _page(self, window: slice) -> list:
        first, stop = window.start or 0, window.stop
        rows = self.rows.select_related(
            "label", *([] if self.search.suggestions else ["annotator"])
        )
        backwards = self._order(backwards=True)
        if self.cursor is not None:
            way, key = self.cursor
            if way == "after":
                return list(self._beyond(rows, key, ">")[: stop - first])
            found = self._beyond(rows, key, "<").order_by(*backwards)
            return list(found[: stop - first])[::-1]
        if first == 0:
            return list(rows[:stop])
        count = self.count()
        if first > count // 2:
            # The page's last hit, counted from the end: the page ends there.
            last = min(stop, count)
            ordered = self.rows.order_by(*backwards)
            found = self._from(rows, ordered, count - last, "<=").order_by(*backwards)
            return list(found[: last - first])[::-1]
        return list(self._from(rows, self.rows, first, ">=")[: stop - first])

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        page = self._page(window)
        rows = Document.objects.filter(pk__in={row.document_id for row in page}).values_list(
            "pk", "title", "text"
        )
        texts = {pk: (title, text) for pk, title, text in rows}
        hits = []
        for row in page:
            title, text = texts[row.document_id]
            found = hit(row.document_id, title, text, row.start, row.end)
            found["id"] = row.pk
            found["label"] = row.label.name
            if self.search.suggestions:
                found.update(annotator=None, layer=SUGGESTIONS, source=row.source)
            else:
                found.update(
                    annotator=row.annotator.username,
                    layer=row.layer,
                    origin=row.source or None,
                )
            hits.append(found)
        return hits


def hit_key(found: Mapping[str, Any]) -> str:
    """A hit's place in the list of spans as hits, for a link's ``after``/``before``."""
    return f"{found['document']}.{found['start']}.{found['end']}.{found['id']}"


def key_parse(raw: str) -> tuple[int, int, int, int]:
    """An ``after``/``before`` key: four whole numbers joined by dots (``ValueError``)."""
    parts = raw.split(".")
    if len(parts) != 4 or not all(part.isdecimal() and len(part) < 19 for part in parts):
        raise ValueError(raw)
    return tuple(int(part) for part in parts)


def hits(search: Search) -> PhraseHits | AnnotationHits:
    """The search's hits, to be counted and sliced (a page at a time)."""
    return PhraseHits(search) if search.q is not None else AnnotationHits(search)


def search_tag_check(project: Project, user, data: Mapping[str, Any]) -> tuple[str, Label, str]:
    """What a "tag every hit" asks, checked: the phrase, the label and where the spans go
    (``ValidationError`` by field; ``PermissionDenied`` when the user may not write there)."""
    into = data.get("as") or TagInto.SUGGESTIONS
    action = Action.REVIEW if into == TagInto.GOLD else Action.ANNOTATE
    if not can(user, project, action):
        raise PermissionDenied(REFUSED[action])
    errors: dict[str, list[str]] = {}
    q = " ".join(phrase_words(data.get("q") or ""))
    if not q:
        errors["q"] = ["Give the phrase whose hits are tagged."]
    elif not q.isprintable():
        errors["q"] = ["May not contain control characters."]
    elif into == TagInto.SUGGESTIONS and len(SEARCH_PREFIX + q) > SOURCE_MAX:
        errors["q"] = [
            f"At most {SOURCE_MAX - len(SEARCH_PREFIX)} characters when tagging suggestions "
            f"(their source is {SEARCH_PREFIX}<phrase>)."
        ]
    key = str(data.get("label") or "")
    labels = project.labels.all()
    label = labels.filter(pk=int(key)) if key.isdecimal() else labels.filter(name__iexact=key)
    label = label.first()
    if label is None:
        names = ", ".join(labels.values_list("name", flat=True))
        errors["label"] = [f"Unknown label {key!r}: this project's labels are {names}."]
    if errors:
        raise ValidationError(errors)
    return q, label, into


def search_tag_of(project: Project, user, job_id: int):
    """The user's own tag of the project started by job ``job_id``, or None."""
    return (
        SearchTag.objects.select_related("project", "user", "job")
        .filter(project=project, job=job_id, user=user.pk)
        .first()
    )


def search_edit_check(
    project: Project, user, data: Mapping[str, Any], *, relabel: bool
) -> tuple[Search, dict[str, str], Label | None]:
    """What a "relabel (or delete) every listed span" asks, checked: a search that lists
    spans (a label or layer, no phrase, not the suggestions), its filters, and the target
    label. ``PermissionDenied`` when it names a layer the user may not edit."""
    if not isinstance(data, Mapping):
        raise ValidationError("Send a JSON object of the search's filters.")
    filters = {key: str(data[key]) for key in FILTERS if data.get(key) not in (None, "")}
    search = search_parse(project, user, filters)
    errors: dict[str, list[str]] = {}
    if search.q is not None:
        errors["q"] = ["Relabel and delete act on listed spans: give a label or layer, no q."]
    if search.suggestions:
        errors["layer"] = ["Suggestions are accepted or rejected, not relabelled or deleted."]
    others = search.annotator is not None and search.annotator.pk != user.pk
    gold_refused = search.layer == "gold" and not can_edit_layer(
        user, project, annotator_id=None, gold=True
    )
    if others or gold_refused:
        raise PermissionDenied("You may not edit that layer.")
    if not editable_layers(search):
        raise PermissionDenied(REFUSED[Action.ANNOTATE])
    label = None
    if relabel:
        key = str(data.get("to") or "")
        labels = project.labels.all()
        label = labels.filter(name__iexact=key).first() if key else None
        if label is None:
            names = ", ".join(labels.values_list("name", flat=True))
            errors["to"] = [f"Unknown label {key!r}: this project's labels are {names}."]
    if errors:
        raise ValidationError(errors)
    return search, filters, label


def editable_layers(search: Search) -> Q | None:
    """A filter on Span for the layers of the search the user may write into (their own;
    gold for reviewers and managers; never another annotator's), or None."""
    user, project = search.user, search.project
    parts = []
    if search.layer != "gold" and can_edit_layer(user, project, annotator_id=user.pk, gold=False):
        parts.append(Q(gold=False, annotator=user.pk))
    if search.layer in {None, "gold"} and can_edit_layer(
        user, project, annotator_id=None, gold=True
    ):
        parts.append(Q(gold=True))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else parts[0] | parts[1]


def search_edit_of(project: Project, user, job_id: int):
    """The user's own relabel or delete of the project started by job ``job_id``, or None."""
    return (
        SearchEdit.objects.select_related("project", "user", "job")
        .filter(project=project, job=job_id, user=user.pk)
        .first()
    )
