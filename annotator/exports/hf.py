"""Hugging Face token classification: JSONL with ``tokens`` and ``ner_tags`` (IOB2 strings)."""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy

from .base import Format, buffered, iob_tag_names
from .batch import INDEX, Pieces, TokenBatch, codepoints, json_offsets, strings_table

if TYPE_CHECKING:
    from .engine import Export


class Hf(Format):
    """One sentence a line: ``id`` ("<document>-<sentence>"), ``document_id``,
    ``external_id``, ``sentence``, ``tokens``, ``ner_tags`` (+ ``split``), for
    ``datasets.load_dataset("json", data_files=…)``. The tag names are in the card
    (``tag_names``); tokens and overlaps as in CoNLL."""

    name = "hf"
    extension = "jsonl"
    media_type = "application/x-ndjson; charset=utf-8"
    rule = "flat"
    tokens = "sentences"

    def tag_names(self, labels: list[str]) -> list[str]:
        return iob_tag_names(labels)

    def stream(self, export: "Export") -> Iterator[bytes]:
        return buffered(self._lines(export))

    def _lines(self, export: "Export") -> Iterator[bytes]:
        names = iob_tag_names(export.label_names)
        for batch in export.batches(sentences=True):
            yield hf_bytes(batch, names)


dumps = json.JSONEncoder(ensure_ascii=False).encode


def hf_bytes(batch: TokenBatch, tag_names: list[str]) -> bytes:
    """A batch as JSON lines, the same bytes as ``json.dumps(line, ensure_ascii=False)``
    of each sentence's dict, laid out as pieces: per sentence its head (``{"id": …,
    "tokens": [``), per word ``"`` or ``", "`` and its JSON-escaped text, then
    ``"], "ner_tags": [``, per word its quoted tag, and the tail (``]`` + split + ``}``)."""
    text = codepoints(batch.text)
    offsets = json_offsets(text)
    if offsets is None:
        pieces, word_starts, word_ends = Pieces(text), batch.starts, batch.ends
    else:
        escaped = codepoints(dumps(batch.text)[1:-1])
        pieces = Pieces(escaped)
        word_starts, word_ends = offsets[batch.starts], offsets[batch.ends]
    quoted = [dumps(tag) for tag in tag_names]
    first_tag = strings_table(pieces, quoted)
    next_tag = strings_table(pieces, [", " + tag for tag in quoted])
    quote, between, middle = pieces.add('"'), pieces.add('", "'), pieces.add('"], "ner_tags": [')
    records = batch.records
    splits = sorted({record.split or "" for record in records})
    tail_start, tail_length = strings_table(
        pieces, ["]" + (f', "split": {dumps(s)}' if s else "") + "}\n" for s in splits]
    )
    tail_of_record = numpy.array([splits.index(r.split or "") for r in records], dtype=INDEX)

    bounds, word_bounds = batch.sentence_bounds, batch.word_bounds
    first_word = bounds[:-1]
    sizes = numpy.diff(bounds)
    record_of_sentence = batch.record_of(first_word)
    number = (
        numpy.arange(len(first_word), dtype=INDEX)
        - numpy.searchsorted(first_word, word_bounds[:-1], side="left")[record_of_sentence]
    )
    heads = []
    for index, sentence in zip(record_of_sentence.tolist(), number.tolist(), strict=True):
        record = records[index]
        heads.append(
            f'{{"id": "{record.id}-{sentence}", "document_id": {record.id}, '
            f'"external_id": {dumps(record.external_id)}, "sentence": {sentence}, "tokens": ['
        )
    head_start, head_length = strings_table(pieces, heads)

    words, sentences = len(batch.words), len(first_word)
    starts = numpy.empty(3 * words + 3 * sentences, dtype=INDEX)
    lengths = numpy.empty_like(starts)
    # Sentence s starting at word a takes pieces from 3s + 3a: head, two per word, middle,
    # one per tag, tail.
    base = 3 * numpy.arange(sentences, dtype=INDEX) + 3 * first_word
    starts[base], lengths[base] = head_start, head_length
    sentence_of_word = numpy.repeat(numpy.arange(sentences, dtype=INDEX), sizes)
    within = numpy.arange(words, dtype=INDEX) - first_word[sentence_of_word]
    word_base = base[sentence_of_word]
    opening = within > 0
    at = word_base + 1 + 2 * within
    starts[at] = numpy.where(opening, between, quote)
    lengths[at] = numpy.where(opening, 4, 1)
    starts[at + 1], lengths[at + 1] = word_starts, word_ends - word_starts
    at = base + 1 + 2 * sizes
    starts[at], lengths[at] = middle, len('"], "ner_tags": [')
    tags = batch.tags()
    at = word_base + 2 + 2 * sizes[sentence_of_word] + within
    starts[at] = numpy.where(opening, next_tag[0][tags], first_tag[0][tags])
    lengths[at] = numpy.where(opening, next_tag[1][tags], first_tag[1][tags])
    at = base + 2 + 3 * sizes
    ending = tail_of_record[record_of_sentence]
    starts[at], lengths[at] = tail_start[ending], tail_length[ending]
    return pieces.write(starts, lengths)
