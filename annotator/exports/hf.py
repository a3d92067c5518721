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
    (``tag_names``); tokens and overlaps as in CoNLL. A project with document labels adds
    each sentence's document's ``"labels": [names]`` after ``ner_tags``."""

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
            yield from hf_bytes(batch, names, labels=export.has_document_labels)


dumps = json.JSONEncoder(ensure_ascii=False).encode
encode_basestring = json.encoder.encode_basestring  # what ``dumps`` does to a string


def hf_bytes(batch: TokenBatch, tag_names: list[str], *, labels: bool = False) -> Iterator[bytes]:
    """A batch as JSON lines, the same bytes as ``json.dumps(line, ensure_ascii=False)``
    of each sentence's dict, laid out as pieces: per sentence its head (``{"id": …,
    "tokens": [``, five pieces), per word ``"`` or ``", "`` and its JSON-escaped text, then
    ``"], "ner_tags": [``, per word its quoted tag, and the tail (``]`` + split + ``}``)."""
    escaped = encode_basestring(batch.text)[1:-1]
    if len(escaped) == len(batch.text):  # nothing escaped: the offsets stay
        pieces, word_starts, word_ends = Pieces(codepoints(escaped)), batch.starts, batch.ends
    else:
        offsets = json_offsets(codepoints(batch.text))
        pieces = Pieces(codepoints(escaped))
        word_starts, word_ends = offsets[batch.starts], offsets[batch.ends]
    quoted = [dumps(tag) for tag in tag_names]
    first_tag = strings_table(pieces, quoted)
    next_tag = strings_table(pieces, [", " + tag for tag in quoted])
    quote, between, middle = pieces.add('"'), pieces.add('", "'), pieces.add('"], "ner_tags": [')
    records = batch.records

    def tail(record) -> str:
        given = f', "labels": {dumps(sorted({c.label for c in record.categories}))}'
        split = f', "split": {dumps(record.split)}' if record.split else ""
        return "]" + (given if labels else "") + split + "}\n"

    of_record = [tail(record) for record in records]
    tails = {text: n for n, text in enumerate(sorted(set(of_record)))}
    tail_start, tail_length = strings_table(pieces, list(tails))
    tail_of_record = numpy.array([tails[text] for text in of_record], dtype=INDEX)

    bounds, word_bounds = batch.sentence_bounds, batch.word_bounds
    first_word = bounds[:-1]
    sizes = numpy.diff(bounds)
    record_of_sentence = batch.record_of(first_word)
    number = (
        numpy.arange(len(first_word), dtype=INDEX)
        - numpy.searchsorted(first_word, word_bounds[:-1], side="left")[record_of_sentence]
    )
    # A sentence's head is five pieces: '{"id": "<document>-', its number, '",
    # "document_id": …, "sentence": ', its number again, '"tokens": ['.
    ids = [record.id for record in records]
    before = strings_table(pieces, [f'{{"id": "{i}-' for i in ids])
    after = strings_table(
        pieces,
        [
            f'", "document_id": {record.id}, "external_id": {dumps(record.external_id)}, '
            '"sentence": '
            for record in records
        ],
    )
    numbers = strings_table(pieces, [str(n) for n in range(int(number.max(initial=0)) + 1)])
    tokens_key = pieces.add(', "tokens": [')
    words, sentences = len(batch.words), len(first_word)
    starts = numpy.empty(3 * words + 7 * sentences, dtype=INDEX)
    lengths = numpy.empty_like(starts)
    # Sentence s starting at word a takes pieces from 7s + 3a: five for its head, two per
    # word, the middle, one per tag, the tail.
    base = 7 * numpy.arange(sentences, dtype=INDEX) + 3 * first_word
    for at, (table_starts, table_lengths), index in (
        (base, before, record_of_sentence),
        (base + 1, numbers, number),
        (base + 2, after, record_of_sentence),
        (base + 3, numbers, number),
    ):
        starts[at], lengths[at] = table_starts[index], table_lengths[index]
    starts[base + 4], lengths[base + 4] = tokens_key, len(', "tokens": [')
    base += 4
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
