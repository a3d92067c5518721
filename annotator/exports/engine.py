"""The export engine: one selection of documents and spans for every format.

``Export.records()`` walks the project's documents in id order with
``iterator(chunk_size=CHUNK_SIZE)`` and fetches the spans (and, where the layer needs them,
the completion marks) of each chunk of documents in one query — a bounded number of
queries whatever the size of the project, and memory that does not grow with it. It applies
the layer, the status and label filters, the split, the format's rule for spans it cannot
hold and, for token formats, spaCy tokenisation and alignment, and counts everything in the
``Report`` that becomes the dataset card. A format only turns records into bytes.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from itertools import batched, pairwise
from typing import Any

import numpy
from django.contrib.auth import get_user_model
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH

from ..layers import completed_documents, majority_spans, span_filter
from ..models import DocumentStatus, Project, Span, Status
from ..tokens import pipeline
from . import rules
from .base import Format, Record
from .card import Report, card
from .formats import FORMATS
from .options import ExportOptions
from .rules import ExportSpan
from .split import split_of

CHUNK_SIZE = 500  # documents per span query; SQLite allows 999 parameters in one query


class Export:
    """One export of a project with given options; ``stream()`` yields the file's bytes."""

    def __init__(self, *, project: Project, options: ExportOptions):
        self.project = project
        self.options = options
        self.format: Format = FORMATS[options.format]
        self.report = Report()
        labels = list(project.labels.values_list("pk", "name"))
        self._label_names = dict(labels)
        self.label_names = [
            name for _, name in labels if not options.labels or name in options.labels
        ]
        self._label_ids = [pk for pk, name in labels if name in self.label_names]
        self._usernames: dict[int, str] = {}

    # The file -------------------------------------------------------------------------

    @property
    def filename(self) -> str:
        stem = f"margin-project-{self.project.pk}-{self.options.layer.name.replace(':', '-')}"
        return self.format.filename(stem, self.options)

    @property
    def content_type(self) -> str:
        return self.format.content_type(self.options)

    def stream(self) -> Iterator[bytes]:
        """The export file, block by block; ``report`` is complete once it is consumed."""
        return self.format.stream(self)

    def account(self) -> Report:
        """Run the selection and the format's rules without writing: the card's figures.

        Token formats are tokenised (tokens only, no sentences) because alignment decides
        what they drop; the other formats never need the texts for this.
        """
        tokens = "tokens" if self.format.tokens else None
        for _ in self.records(text=tokens is not None, tokens=tokens):
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

    def records(
        self, *, split: str | None = None, text: bool = True, tokens: str | None = None
    ) -> Iterator[Record]:
        """The exported documents in id order, with their spans, counted in ``report``.

        ``split`` keeps only that split's documents (for archives with a file per split);
        ``tokens`` (``"tokens"`` or ``"sentences"``) adds spaCy's tokens to each record.
        """
        options = self.options
        fields = ["pk", "external_id", "title", "meta"] + (["text"] if text else [])
        documents = self.project.documents.order_by("pk").values_list(*fields)
        if options.status == "complete":
            documents = documents.filter(pk__in=completed_documents(options.layer, self.project))
        for chunk in batched(documents.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE, strict=False):
            splits = (
                [split_of(row[0], options.seed, options.split) for row in chunk]
                if options.split
                else [None] * len(chunk)
            )
            if split is not None:
                chunk = [row for row, name in zip(chunk, splits, strict=True) if name == split]
                splits = [split] * len(chunk)
                if not chunk:
                    continue
            spans, voters = self._spans([row[0] for row in chunk])
            records = [
                Record(
                    id=row[0],
                    external_id=row[1],
                    title=row[2],
                    meta=row[3],
                    text=row[4] if text else "",
                    split=name,
                    spans=spans.get(row[0], []),
                )
                for row, name in zip(chunk, splits, strict=True)
            ]
            if tokens:
                records = self._tokenized(records, sentences=tokens == "sentences")
            for record in records:
                self._apply_rule(record)
                if record.entities is not None:
                    self._align(record)
                annotators = {s.annotator for s in record.spans if s.annotator}
                self.report.count(
                    record.split,
                    [s.label for s in record.spans],
                    annotators | voters.get(record.id, set()),
                )
                yield record
                # A spaCy Doc is large (a C struct per token): let it go once written.
                record.doc = None

    def _spans(self, ids: list[int]) -> tuple[dict[int, list[ExportSpan]], dict[int, set[str]]]:
        """The layer's spans of these documents (one query), and who voted for majority."""
        layer, options = self.options.layer, self.options
        rows = (
            Span.objects.filter(project=self.project, document_id__in=ids)
            .filter(span_filter(layer))
            .order_by()
            .values_list("document_id", "annotator_id", "start", "end", "label_id")
        )
        if options.labels:
            rows = rows.filter(label_id__in=self._label_ids)
        rows = list(rows)
        completed: dict[int, set[int]] = defaultdict(set)
        if layer.kind == "majority" or (layer.kind == "all" and options.status == "complete"):
            for document_id, user_id in DocumentStatus.objects.filter(
                project=self.project, document_id__in=ids, status=Status.COMPLETE
            ).values_list("document_id", "user_id"):
                completed[document_id].add(user_id)
        self._learn_usernames({row[1] for row in rows} | {u for s in completed.values() for u in s})
        names, labels = self._usernames, self._label_names

        by_document: dict[int, list[ExportSpan]] = defaultdict(list)
        voters: dict[int, set[str]] = {}
        if layer.kind == "majority":
            layers: dict[int, dict[int, list[tuple[int, int, int]]]] = defaultdict(
                lambda: defaultdict(list)
            )
            for document_id, user_id, start, end, label_id in rows:
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
            only_completed = layer.kind == "all" and options.status == "complete"
            # The layer decides gold: no per-row boolean to fetch and convert.
            kind = "gold" if layer.kind == "gold" else "annotator"
            for document_id, user_id, start, end, label_id in rows:
                if only_completed and user_id not in completed[document_id]:
                    continue
                by_document[document_id].append(
                    ExportSpan(
                        start,
                        end,
                        labels[label_id],
                        names[user_id],
                        kind,
                    )
                )
        for spans in by_document.values():
            spans.sort(key=lambda s: (s.start, s.end, s.label, s.annotator or ""))
        return by_document, voters

    def _learn_usernames(self, user_ids: set[int]) -> None:
        unknown = user_ids - self._usernames.keys()
        if unknown:
            self._usernames.update(
                get_user_model().objects.filter(pk__in=unknown).values_list("pk", "username")
            )

    def _apply_rule(self, record: Record) -> None:
        where = (record.id, record.external_id)
        if self.format.rule == "distinct":
            record.spans, merged = rules.distinct(record.spans)
            self.report.merged.add(where, merged)
        elif self.format.rule == "flat":
            record.spans, merged, dropped = rules.flat(record.spans)
            self.report.merged.add(where, merged)
            self.report.dropped.add(where, dropped)

    def _tokenized(self, records: list[Record], *, sentences: bool) -> Iterator[Record]:
        # The cached pipeline's tokenizer, one document at a time so that only one Doc is
        # alive; the sentencizer's rule is applied to whole arrays (``sentence_starts``)
        # instead of token by token.
        tokenizer = pipeline().tokenizer
        attrs = [IDX, LENGTH, IS_SPACE, ORTH, IS_PUNCT]
        for record in records:
            doc = tokenizer(record.text)
            array = doc.to_array(attrs).reshape((len(doc), len(attrs)))
            words = numpy.flatnonzero(array[:, 2] == 0)
            starts = array[words, 0].astype(numpy.int64)
            record.doc = doc
            record.token_index = words.tolist()
            record.starts = starts.tolist()
            record.ends = (starts + array[words, 1].astype(numpy.int64)).tolist()
            record.entities = []
            if sentences:
                # Indices (over the non-whitespace tokens) after which a sentence starts.
                first = numpy.zeros(len(doc), dtype=numpy.int64)
                first[sentence_starts(array[:, 3], array[:, 4])] = 1
                sentence_of = numpy.cumsum(first)[words]
                record.sentences = numpy.flatnonzero(numpy.diff(sentence_of)).tolist()
            yield record

    def _align(self, record: Record) -> None:
        starts, ends = record.starts, record.ends
        aligned, adjusted, dropped = rules.align(record.spans, starts, ends, record.text)
        where = (record.id, record.external_id)
        self.report.adjusted.add(where, adjusted)
        self.report.dropped.add(where, dropped)
        record.entities = aligned
        record.spans = [entity.span for entity in aligned]
        if record.sentences is not None:
            text = record.text
            record.words = list(map(text.__getitem__, map(slice, starts, ends)))
            # A sentence break inside a span is ignored: a span never straddles two blocks.
            inside = set()
            for entity in aligned:
                inside.update(range(entity.first + 1, entity.last))
            breaks = [b + 1 for b in record.sentences if b + 1 not in inside]
            bounds = [0, *breaks, len(starts)]
            record.sentences = [(a, b) for a, b in pairwise(bounds) if b > a]


@lru_cache(maxsize=1)
def _punct_hashes() -> numpy.ndarray:
    nlp = pipeline()
    chars = nlp.get_pipe("sentencizer").punct_chars
    return numpy.array(sorted(nlp.vocab.strings.add(c) for c in chars), dtype=numpy.uint64)


def sentence_starts(orth: numpy.ndarray, is_punct: numpy.ndarray) -> numpy.ndarray:
    """The tokens spaCy's sentencizer would start sentences at, computed on whole arrays.

    Its rule: after a token in ``punct_chars``, the next token that is neither punctuation
    nor in ``punct_chars`` starts a sentence. So a "plain" token starts one exactly when a
    ``punct_chars`` token lies between it and the previous plain token. Same result as
    ``pipeline()``'s sentencizer (tested), without a Python step per token.
    """
    if len(orth) == 0:
        return numpy.zeros(0, dtype=numpy.int64)
    # Only punctuation tokens can be sentence-closing characters: test those alone.
    closing = numpy.zeros(len(orth), dtype=bool)
    punct = numpy.flatnonzero(is_punct)
    closing[punct] = numpy.isin(orth[punct], _punct_hashes())
    plain = numpy.flatnonzero((is_punct == 0) & ~closing)
    seen = numpy.cumsum(closing)[plain]
    previous = numpy.concatenate(([0], seen[:-1]))
    return numpy.union1d([0], plain[seen > previous])
