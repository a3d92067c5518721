"""The export engine: one selection of documents and spans for every format.

``Export.records()`` walks the project's documents in id order with
``iterator(chunk_size=CHUNK_SIZE)`` and fetches the spans (and, where the layer needs them,
the completion marks) of each chunk of documents in one query — a bounded number of
queries whatever the size of the project, and memory that does not grow with it. It applies
the layer, the status and label filters, the split and the format's rule for spans it
cannot hold, and counts everything in the ``Report`` that becomes the dataset card. Token
formats take ``Export.batches()`` instead: the same records in ``TokenBatch``es, each
document tokenised once by spaCy, aligned, tagged and split into sentences on whole arrays
(see ``batch``). A format only turns records or batches into bytes.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import cached_property
from itertools import batched
from operator import itemgetter
from typing import Any

import numpy
from django.contrib.auth import get_user_model

from ..categories import Category
from ..label_suggestions import CategorySuggestion, RelationSuggestion
from ..layers import completed_documents, majority_spans, reviewed, span_filter
from ..models import DocumentStatus, LabelKind, Project, Span, Status
from ..relations import Relation
from ..suggestions import Suggestion
from . import rules
from .base import ExportCategory, ExportRelation, Format, Record
from .batch import (
    COLUMN_IDX,
    COLUMN_LENGTH,
    COLUMN_ORTH,
    COLUMN_PUNCT,
    COLUMN_SPACE,
    INDEX,
    TokenBatch,
    interior,
    sentence_starts,
    tokenize,
)
from .card import Report, card
from .formats import FORMATS
from .names import export_filename
from .options import ExportOptions
from .rules import ExportSpan, Problem
from .split import split_of, stratified

CHUNK_SIZE = 100  # documents per span query: their texts are what an export holds at once
BATCH_CODE_POINTS = 1 << 16  # text per token batch: its arrays stay a few megabytes


class Export:
    """One export of a project with given options; ``stream()`` yields the file's bytes."""

    def __init__(self, *, project: Project, options: ExportOptions):
        self.project = project
        self.options = options
        self.format: Format = FORMATS[options.format]
        self.report = Report()
        labels = list(project.labels.values_list("pk", "name", "kind"))
        self._label_names = {pk: name for pk, name, _ in labels}
        wanted = [row for row in labels if not options.labels or row[1] in options.labels]
        # Span labels tag text (entities, IOB tags); document labels tag whole documents
        # (``categories``, ``cats``, ``doc.cats``, ``labels``).
        self.label_names = [name for _, name, kind in wanted if kind != LabelKind.DOCUMENT]
        self.document_label_names = [name for _, name, kind in wanted if kind == LabelKind.DOCUMENT]
        self.has_document_labels = any(kind == LabelKind.DOCUMENT for *_, kind in labels)
        self._label_ids = [pk for pk, name, _ in wanted]
        self._document_label_ids = [pk for pk, _, kind in wanted if kind == LabelKind.DOCUMENT]
        self._usernames: dict[int, str] = {}
        self._splits: dict[int, str] | None = None

    @cached_property
    def relation_types(self) -> list[tuple[str, list[str], list[str]]]:
        """The project's relation types as (name, source label names, target label names),
        read when a format asks (those that write relations)."""
        return [
            (
                relation_type.name,
                [label.name for label in relation_type.source_labels.all()],
                [label.name for label in relation_type.target_labels.all()],
            )
            for relation_type in self.project.relation_types.prefetch_related(
                "source_labels", "target_labels"
            )
        ]

    @property
    def has_relation_types(self) -> bool:
        return bool(self.relation_types)

    # The file -------------------------------------------------------------------------

    @property
    def filename(self) -> str:
        return export_filename(project=self.project, options=self.options, format_=self.format)

    @property
    def content_type(self) -> str:
        return self.format.content_type(self.options)

    def stream(self) -> Iterator[bytes]:
        """The export file, block by block; ``report`` is complete once it is consumed."""
        return self.format.stream(self)

    def account(self, *, tokens: bool = True) -> Report:
        """Run the selection and the format's rules without writing: the card's figures.

        Token formats are tokenised (no sentences) because alignment decides what they
        drop and adjust; the other formats never need the texts. ``tokens=False`` skips
        the texts and tokens altogether: only what the overlap rule merges and drops is
        counted (the response headers, known before the body).
        """
        if self.format.tokens and tokens:
            for _ in self.batches():
                pass
        else:
            for _ in self.records(text=False):
                pass
        return self.report

    def card(self) -> dict[str, Any]:
        """The dataset card of what has been recorded so far (after ``stream``/``account``)."""
        return card(
            export=self, report=self.report, tag_names=self.format.tag_names(self.label_names)
        )

    def card_bytes(self) -> Iterator[bytes]:
        """The card as a file, computed when the archive reaches it (after every record)."""
        yield json.dumps(self.card(), ensure_ascii=False, indent=2).encode()

    # The records ----------------------------------------------------------------------

    def records(self, *, split: str | None = None, text: bool = True) -> Iterator[Record]:
        """The exported documents in id order, with their spans, counted in ``report``.

        ``split`` keeps only that split's documents (for archives with a file per split).
        Without ``text`` the documents' texts are not read: the spans then went through the
        format's overlap rule only, not through token alignment (which needs the text).
        """
        if self.format.tokens and text:
            for batch in self.batches(split=split):
                yield from batch.records
            return
        for records, voters in self._chunks(split=split, text=text):
            for record in records:
                rule_problems = self._apply_rule(record)
                self._report(record, voters, *rule_problems)
                yield record

    def batches(self, *, split: str | None = None, sentences: bool = False) -> Iterator[TokenBatch]:
        """The records of a token format, a ``TokenBatch`` at a time (see ``batch``).

        Each document is tokenised once; spans are made flat by the format's rule, then
        contracted to whole tokens; ``sentences`` adds the sentence blocks.
        """
        for records, voters in self._chunks(split=split, text=True):
            for group in _by_size(records, BATCH_CODE_POINTS):
                yield self._batch(group, voters, sentences=sentences)

    def _chunks(
        self, *, split: str | None, text: bool
    ) -> Iterator[tuple[list[Record], dict[int, set[str]]]]:
        """Chunks of ``CHUNK_SIZE`` documents with their layer's spans (one query each),
        and who voted in each document (majority)."""
        options = self.options
        fields = ["pk", "external_id", "title", "meta"] + (["text"] if text else [])
        documents = self.project.documents.order_by("pk")
        if options.status == "complete":
            documents = documents.filter(pk__in=completed_documents(options.layer, self.project))
        # A gold export of documents not yet reviewed says how many (the card): counted on
        # the documents' own rows, so no query more.
        count_unreviewed = options.layer.kind == "gold" and options.status != "complete"
        if count_unreviewed:
            documents = documents.annotate(reviewed=reviewed(self.project))
            fields.append("reviewed")
        if options.split and options.stratify and self._splits is None:
            self._splits = self._stratified(documents)
        documents = documents.values_list(*fields)
        for chunk in batched(documents.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE, strict=False):
            if self._splits is not None:
                splits = [self._splits[row[0]] for row in chunk]
            elif options.split:
                splits = [split_of(row[0], options.seed, options.split) for row in chunk]
            else:
                splits = [None] * len(chunk)
            if split is not None:
                chunk = [row for row, name in zip(chunk, splits, strict=True) if name == split]
                splits = [split] * len(chunk)
                if not chunk:
                    continue
            if count_unreviewed:
                self.report.unreviewed += sum(not row[-1] for row in chunk)
            spans, voters = self._spans([row[0] for row in chunk])
            categories = self._categories([row[0] for row in chunk])
            # Not for the card's figures (no texts): nothing there counts relations.
            relations = self._relations([row[0] for row in chunk], spans) if text else {}
            records = [
                Record(
                    id=row[0],
                    external_id=row[1],
                    title=row[2],
                    meta=row[3],
                    text=row[4] if text else "",
                    split=name,
                    spans=spans.get(row[0], []),
                    categories=categories.get(row[0], []),
                    relations=relations.get(row[0], []),
                )
                for row, name in zip(chunk, splits, strict=True)
            ]
            del chunk, spans
            yield records, voters

    def _spans(self, ids: list[int]) -> tuple[dict[int, list[ExportSpan]], dict[int, set[str]]]:
        """The layer's spans of these documents (one query), and who voted for majority."""
        layer, options = self.options.layer, self.options
        if layer.kind == "suggestions":
            rows = Suggestion.objects.filter(project=self.project, document_id__in=ids)
            if layer.source is not None:
                rows = rows.filter(source=layer.source)
            rows = rows.order_by().values_list(
                "document_id", "start", "end", "label_id", "source", "id"
            )
        else:
            rows = (
                Span.objects.filter(project=self.project, document_id__in=ids)
                .filter(span_filter(layer))
                .order_by()
                .values_list(
                    "document_id", "annotator_id", "start", "end", "label_id", "source", "id"
                )
            )
        if options.labels:
            rows = rows.filter(label_id__in=self._label_ids)
        rows = list(rows)
        if layer.kind == "suggestions":
            return self._suggestions(ids, rows), {}
        completed: dict[int, set[int]] = defaultdict(set)
        if layer.kind == "majority" or (layer.kind == "all" and options.status == "complete"):
            for document_id, user_id in DocumentStatus.objects.filter(
                project=self.project, document_id__in=ids, status=Status.COMPLETE
            ).values_list("document_id", "user_id"):
                completed[document_id].add(user_id)
        self._learn_usernames(set(map(itemgetter(1), rows)).union(*completed.values()))
        names, labels = self._usernames, self._label_names

        by_document: dict[int, list[ExportSpan]] = defaultdict(list)
        voters: dict[int, set[str]] = {}
        if layer.kind == "majority":
            layers: dict[int, dict[int, list[tuple[int, int, int]]]] = defaultdict(
                lambda: defaultdict(list)
            )
            for document_id, user_id, start, end, label_id, *_ in rows:
                layers[document_id][user_id].append((start, end, label_id))
            for document_id in ids:
                agreed = majority_spans(layers.get(document_id, {}), completed[document_id])
                if len(completed[document_id]) >= 2:
                    voters[document_id] = {names[u] for u in completed[document_id]}
                by_document[document_id] = [
                    ExportSpan(start, end, labels[label_id], None, "majority")
                    for start, end, label_id in agreed
                ]
        else:
            if layer.kind == "all" and options.status == "complete":
                rows = [row for row in rows if row[1] in completed[row[0]]]
            # Grouped by document with one sort of the rows (tuples: compared in C) and a
            # comprehension, not a Python step and a dict lookup per span. The layer decides
            # gold: no per-row boolean to fetch and convert.
            kind = "gold" if layer.kind == "gold" else "annotator"
            rows.sort()
            spans = [
                ExportSpan(start, end, labels[label_id], names[user_id], kind, source or None, pk)
                for _, user_id, start, end, label_id, source, pk in rows
            ]
            position = 0
            for document_id, count in Counter(map(itemgetter(0), rows)).items():
                by_document[document_id] = spans[position : position + count]
                position += count
        # By (start, end, label, annotator): the tuple order itself, since every span of an
        # export has the same layer and either all have an annotator or none (majority).
        for spans in by_document.values():
            spans.sort()
        return by_document, voters

    def _relations(
        self, ids: list[int], spans: dict[int, list[ExportSpan]]
    ) -> dict[int, list[ExportRelation]]:
        """The layer's relations of these documents whose both spans are exported (one
        query; none without relation types or for majority, whose spans are no one's
        stored spans; for suggestions, the suggested relations of the source asked for)."""
        if self.options.layer.kind == "majority" or not self.format.relations:
            return {}
        if not self.has_relation_types:
            return {}
        exported = {span.id: span for records in spans.values() for span in records}
        if self.options.layer.kind == "suggestions":
            # Suggested relations, between the suggestions exported (their ids), of the
            # source asked for, as the spans and document labels are.
            suggested = RelationSuggestion.objects.filter(project=self.project, document_id__in=ids)
            if self.options.layer.source is not None:
                suggested = suggested.filter(source=self.options.layer.source)
            rows = [
                (*row, None)  # no one's
                for row in suggested.order_by("id").values_list(
                    "document_id", "type__name", "from_suggestion_id", "to_suggestion_id"
                )
            ]
        else:
            rows = (
                Relation.objects.filter(project=self.project, document_id__in=ids)
                .filter(span_filter(self.options.layer))
                .order_by("id")
                .values_list("document_id", "type__name", "source_id", "target_id", "annotator_id")
            )
        by_document: dict[int, list[ExportRelation]] = defaultdict(list)
        for document_id, name, source_id, target_id, user_id in rows:
            source, target = exported.get(source_id), exported.get(target_id)
            if source is None or target is None:
                continue  # a span left out (a label subset, a layer still in progress)
            by_document[document_id].append(
                ExportRelation(
                    name,
                    source_id,
                    target_id,
                    self._usernames.get(user_id),
                    (source.start, source.end, source.label),
                    (target.start, target.end, target.label),
                )
            )
        return by_document

    def _category_rows(self, ids) -> list[tuple[int, int, int]]:
        """(document id, annotator id, label id) of the layer's categories of these
        documents (a list of ids, or a subquery), one query; none for suggestions."""
        layer = self.options.layer
        if not self._document_label_ids:
            return []
        if layer.kind == "suggestions":
            # Suggested document labels: (document, source, label).
            rows = CategorySuggestion.objects.filter(project=self.project, document_id__in=ids)
            if layer.source is not None:
                rows = rows.filter(source=layer.source)
            rows = rows.filter(label_id__in=self._document_label_ids).order_by()
            return list(rows.values_list("document_id", "source", "label_id"))
        rows = (
            Category.objects.filter(project=self.project, document_id__in=ids)
            .filter(span_filter(layer))
            .filter(label_id__in=self._document_label_ids)
            .order_by()
            .values_list("document_id", "annotator_id", "label_id")
        )
        return list(rows)

    def _categories(self, ids: list[int]) -> dict[int, list[ExportCategory]]:
        """The layer's document labels of these documents, as the spans are chosen: for
        ``majority`` those more than half of the completed annotators gave; for ``all``
        with ``status=complete`` only the layers of those who completed the document."""
        rows = self._category_rows(ids)
        if not rows:
            return {}
        layer, options = self.options.layer, self.options
        completed: dict[int, set[int]] = defaultdict(set)
        if layer.kind == "majority" or (layer.kind == "all" and options.status == "complete"):
            for document_id, user_id in DocumentStatus.objects.filter(
                project=self.project, document_id__in=ids, status=Status.COMPLETE
            ).values_list("document_id", "user_id"):
                completed[document_id].add(user_id)
        labels = self._label_names
        by_document: dict[int, list[ExportCategory]] = defaultdict(list)
        if layer.kind == "suggestions":
            for document_id, source, label_id in rows:
                by_document[document_id].append(
                    ExportCategory(labels[label_id], None, "suggestions", source)
                )
        elif layer.kind == "majority":
            given: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
            for document_id, user_id, label_id in rows:
                given[document_id][user_id].append(label_id)
            for document_id, layers in given.items():
                for label_id in majority_spans(layers, completed[document_id]):
                    by_document[document_id].append(
                        ExportCategory(labels[label_id], None, "majority")
                    )
        else:
            if layer.kind == "all" and options.status == "complete":
                rows = [row for row in rows if row[1] in completed[row[0]]]
            self._learn_usernames({user_id for _, user_id, _ in rows})
            kind = "gold" if layer.kind == "gold" else "annotator"
            for document_id, user_id, label_id in rows:
                by_document[document_id].append(
                    ExportCategory(labels[label_id], self._usernames[user_id], kind)
                )
        for categories in by_document.values():
            categories.sort()
        return by_document

    def _stratified(self, documents) -> dict[int, str]:
        """Every exported document's split, stratified by its set of document labels in
        the layer (``split.stratified``): the ids and their labels, read once (two queries),
        before the first record."""
        ids = list(documents.values_list("pk", flat=True))
        strata: dict[int, set[str]] = {document_id: set() for document_id in ids}
        for document_id, _, label_id in self._category_rows(documents.values("pk")):
            if document_id in strata:
                strata[document_id].add(self._label_names[label_id])
        return stratified(
            {pk: tuple(sorted(names)) for pk, names in strata.items()},
            self.options.seed,
            self.options.split,
        )

    def _suggestions(self, ids: list[int], rows: list[tuple]) -> dict[int, list[ExportSpan]]:
        """The suggestion layer's rows by document: no one person's, each with its source."""
        labels = self._label_names
        by_document: dict[int, list[ExportSpan]] = {document_id: [] for document_id in ids}
        for document_id, start, end, label_id, source, pk in rows:
            # Its id, which the suggested relations name.
            by_document[document_id].append(
                ExportSpan(start, end, labels[label_id], None, "suggestions", source, pk)
            )
        for spans in by_document.values():
            spans.sort()
        return by_document

    def _learn_usernames(self, user_ids: set[int]) -> None:
        unknown = user_ids - self._usernames.keys()
        if unknown:
            self._usernames.update(
                get_user_model().objects.filter(pk__in=unknown).values_list("pk", "username")
            )

    def _apply_rule(self, record: Record) -> tuple[list[Problem], list[Problem]]:
        """The format's overlap rule on the record's spans: (merged, dropped)."""
        if self.format.rule == "distinct":
            record.spans, merged = rules.distinct(record.spans)
            return merged, []
        if self.format.rule == "flat":
            record.spans, merged, dropped = rules.flat(record.spans)
            return merged, dropped
        return [], []

    def _report(
        self,
        record: Record,
        voters: dict[int, set[str]],
        merged: list[Problem],
        dropped: list[Problem],
        adjusted: list[Problem] = (),
        misaligned: list[Problem] = (),
    ) -> None:
        """Count an exported record (its spans as written) and what it could not hold."""
        where = (record.id, record.external_id)
        if merged:
            self.report.merged.add(where, merged)
        if dropped:
            self.report.dropped.add(where, dropped)
        if adjusted:
            self.report.adjusted.add(where, adjusted)
        if misaligned:
            self.report.dropped.add(where, misaligned)
        annotators = {s.annotator for s in record.spans if s.annotator}
        annotators |= {c.annotator for c in record.categories if c.annotator}
        self.report.categories.update(c.label for c in record.categories)
        self.report.count(
            record.split,
            [s.label for s in record.spans],
            annotators | voters.get(record.id, set()),
            [s.origin for s in record.spans],
        )

    def _batch(
        self, records: list[Record], voters: dict[int, set[str]], *, sentences: bool
    ) -> TokenBatch:
        """Tokenise, apply the rule, align to tokens (``rules.align``'s contract rule, on
        arrays), count; with ``sentences``, the sentence blocks."""
        text, bases, table, token_bounds = tokenize(records)
        lengths = numpy.diff(token_bounds)
        words = numpy.flatnonzero(table[:, COLUMN_SPACE] == 0)
        starts = table[words, COLUMN_IDX].astype(INDEX)
        starts += numpy.repeat(bases[:-1], lengths)[words]
        ends = starts + table[words, COLUMN_LENGTH].astype(INDEX)
        record_of_token = numpy.repeat(numpy.arange(len(records), dtype=INDEX), lengths)
        counts = numpy.bincount(record_of_token[words], minlength=len(records))
        word_bounds = numpy.concatenate(([0], numpy.cumsum(counts))).astype(INDEX)

        # Every kept span of the batch at once: the first word starting at or after its
        # start, the last ending at or before its end. Searching the whole batch gives the
        # same as searching its document: a span with no whole token finds first >= last.
        rule_problems = [self._apply_rule(record) for record in records]
        base_list = bases[:-1].tolist()
        span_starts = numpy.fromiter(
            (base + s.start for base, r in zip(base_list, records, strict=True) for s in r.spans),
            INDEX,
        )
        span_ends = numpy.fromiter(
            (base + s.end for base, r in zip(base_list, records, strict=True) for s in r.spans),
            INDEX,
        )
        first = numpy.searchsorted(starts, span_starts, side="left")
        last = numpy.searchsorted(ends, span_ends, side="right")
        kept = first < last
        exact = kept.copy()
        exact[kept] = (starts[first[kept]] == span_starts[kept]) & (
            ends[last[kept] - 1] == span_ends[kept]
        )
        exact_list = exact.tolist()
        position = 0
        for base, record, (merged, dropped) in zip(base_list, records, rule_problems, strict=True):
            spans = record.spans
            end = position + len(spans)
            adjusted: list[Problem] = []
            misaligned: list[Problem] = []
            if not all(exact_list[position:end]):
                aligned = []
                for n, span in enumerate(spans, start=position):
                    if exact_list[n]:
                        aligned.append(span)
                    elif not kept[n]:
                        misaligned.append(Problem(span, rules.MISALIGNED))
                    else:
                        a, b = int(starts[first[n]]) - base, int(ends[last[n] - 1]) - base
                        adjusted.append(Problem(span, rules.contracted(a, b, record.text)))
                        aligned.append(span)
                record.spans = aligned
            self._report(record, voters, merged, dropped, adjusted, misaligned)
            position = end
        first, last = first[kept], last[kept]
        label_position = {name: n for n, name in enumerate(self.label_names)}
        labels = numpy.fromiter(
            (label_position[s.label] for r in records for s in r.spans), INDEX, count=len(first)
        )
        batch = TokenBatch(
            records=records,
            text=text,
            bases=bases,
            table=table,
            token_bounds=token_bounds,
            words=words,
            starts=starts,
            ends=ends,
            word_bounds=word_bounds,
            entity_first=first,
            entity_last=last,
            entity_label=labels,
        )
        if sentences:
            batch.sentence_bounds = self._sentences(batch)
        return batch

    @staticmethod
    def _sentences(batch: TokenBatch) -> numpy.ndarray:
        """Each sentence's first word over the batch (then the number of words): spaCy's
        sentencizer rule, every document starting a sentence, and a sentence break inside
        a span ignored — a span never straddles two blocks."""
        table, words, token_bounds = batch.table, batch.words, batch.token_bounds
        doc_starts = token_bounds[:-1][numpy.diff(token_bounds) > 0]
        first_tokens = sentence_starts(table[:, COLUMN_ORTH], table[:, COLUMN_PUNCT], doc_starts)
        starting = numpy.zeros(len(table), dtype=bool)
        starting[first_tokens] = True
        sentence_of_word = numpy.cumsum(starting)[words]
        breaks = numpy.flatnonzero(numpy.diff(sentence_of_word)) + 1
        inside = interior(batch.entity_first, batch.entity_last, len(words))
        breaks = breaks[~inside[breaks]]
        return numpy.union1d(breaks, batch.word_bounds).astype(INDEX)


def _by_size(records: list[Record], size: int) -> Iterator[list[Record]]:
    """The records in runs of about ``size`` code points of text (at least one record)."""
    group: list[Record] = []
    length = 0
    for record in records:
        group.append(record)
        length += len(record.text)
        if length >= size:
            yield group
            group, length = [], 0
    if group:
        yield group
