"""CoNLL-2003-style IOB2: ``token<TAB>tag`` lines, sentences separated by a blank line."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy

from .base import Format, buffered, iob_tag_names
from .batch import INDEX, Pieces, TokenBatch, codepoints, strings_table
from .options import SPLIT_NAMES
from .zipstream import zip_stream

if TYPE_CHECKING:
    from .engine import Export

DOCSTART = "-DOCSTART-\tO\n\n"


class Conll(Format):
    """IOB2 over spaCy's tokens (whitespace tokens left out), one sentence a block, a
    ``-DOCSTART-`` block before each document. Overlaps are resolved by rule ``flat``; with a
    split, a zip of ``train.conll``, ``dev.conll``, ``test.conll`` and ``card.json``."""

    name = "conll"
    extension = "conll"
    media_type = "text/plain; charset=utf-8"
    rule = "flat"
    tokens = "sentences"
    zipped_when_split = True

    def tag_names(self, labels: list[str]) -> list[str]:
        return iob_tag_names(labels)

    def stream(self, export: "Export") -> Iterator[bytes]:
        if export.options.split is None:
            return buffered(self._blocks(export, None))
        entries = [(f"{name}.conll", self._blocks(export, name)) for name in SPLIT_NAMES]
        return zip_stream([*entries, ("card.json", export.card_bytes())])

    def _blocks(self, export: "Export", split: str | None) -> Iterator[bytes]:
        tag_lines = [f"\t{tag}\n" for tag in iob_tag_names(export.label_names)]
        for batch in export.batches(split=split, sentences=True):
            yield from conll_bytes(batch, tag_lines)


def conll_bytes(batch: TokenBatch, tag_lines: list[str]) -> Iterator[bytes]:
    """A batch as CoNLL, laid out as pieces: per document ``DOCSTART``, then per word its
    text and its ``"\\t<tag>\\n"``, and a ``"\\n"`` after each sentence."""
    pieces = Pieces(codepoints(batch.text))
    tag_start, tag_length = strings_table(pieces, tag_lines)
    newline, docstart = pieces.add("\n"), pieces.add(DOCSTART)
    bounds, word_bounds = batch.sentence_bounds, batch.word_bounds
    records, words, sentences = len(batch.records), len(batch.words), len(bounds) - 1
    record_of_word = numpy.repeat(numpy.arange(records, dtype=INDEX), numpy.diff(word_bounds))
    sentence_of_word = numpy.repeat(numpy.arange(sentences, dtype=INDEX), numpy.diff(bounds))
    starts = numpy.empty(2 * words + sentences + records, dtype=INDEX)
    lengths = numpy.empty_like(starts)
    # Before word w: its 2w word and tag pieces, a DOCSTART per document so far (its own
    # included) and a blank line per sentence ended.
    at = 2 * numpy.arange(words, dtype=INDEX) + sentence_of_word + record_of_word + 1
    starts[at], lengths[at] = batch.starts, batch.ends - batch.starts
    tags = batch.tags()
    starts[at + 1], lengths[at + 1] = tag_start[tags], tag_length[tags]
    ends = bounds[1:]
    at = 2 * ends + numpy.arange(sentences, dtype=INDEX) + record_of_word[ends - 1] + 1
    starts[at], lengths[at] = newline, 1
    sentences_before = numpy.searchsorted(bounds[:-1], word_bounds[:-1], side="left")
    at = 2 * word_bounds[:-1] + sentences_before + numpy.arange(records, dtype=INDEX)
    starts[at], lengths[at] = docstart, len(DOCSTART)
    return pieces.write(starts, lengths)
