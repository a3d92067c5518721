"""Token batches: a run of documents with spaCy's tokens held as whole numpy arrays.

The token formats (conll, hf, spacy) handle millions of tokens. Instead of a Python object
per token (a word string, a tag string, a tuple), the engine tokenises each document of a
batch once, stacks the token arrays of the whole batch, and does the alignment, the IOB2
tags and the sentence blocks with array operations. The formats then write a batch in one
go with ``gather``: the output is a list of *pieces* (a slice of the batch's text, or of a
small table of fixed strings such as ``"\\tB-PERSON\\n"``), and numpy copies the code points
of every piece into place.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH, SPACY

from ..tokens import pipeline
from .base import Record

# The columns of ``TokenBatch.table``, one ``Doc.to_array`` call per document.
ATTRS = [IDX, LENGTH, IS_SPACE, ORTH, IS_PUNCT, SPACY]
COLUMN_IDX, COLUMN_LENGTH, COLUMN_SPACE, COLUMN_ORTH, COLUMN_PUNCT, COLUMN_SPACY = range(6)
INDEX = numpy.int64
SMALL = numpy.int32  # offsets within a batch's source: a batch is far below 2**31 code points
SLAB = 1 << 16  # code points written at a time


@dataclass(slots=True, eq=False)
class TokenBatch:
    """Records (spans already flat and aligned) with their tokens as arrays.

    Offsets are code points into ``text``, the records' texts joined. *Words* are the
    non-whitespace tokens, the tokens the formats write.
    """

    records: list[Record]
    text: str
    bases: numpy.ndarray  # where each record's text starts in ``text``; one more at the end
    table: numpy.ndarray  # every token: the ATTRS columns, documents one after another
    token_bounds: numpy.ndarray  # each record's first token; one more at the end
    words: numpy.ndarray  # the index in ``table`` of each word
    starts: numpy.ndarray  # the words' offsets in ``text``
    ends: numpy.ndarray
    word_bounds: numpy.ndarray  # each record's first word; one more at the end
    entity_first: numpy.ndarray  # aligned spans: first word (index over the batch's words)
    entity_last: numpy.ndarray  # the word after the last
    entity_label: numpy.ndarray  # the label's position in ``Export.label_names``
    sentence_bounds: numpy.ndarray | None = None  # each sentence's first word; then len(words)

    def tags(self) -> numpy.ndarray:
        """IOB2 tag per word as a position in ``iob_tag_names``: 0 is O, then B-/I- of
        each label in turn."""
        tags = numpy.zeros(len(self.words), dtype=INDEX)
        inside = covering(self.entity_first, self.entity_last, len(self.words))
        where = numpy.flatnonzero(inside)
        tags[where] = 2 * self.entity_label[inside[where] - 1] + 2
        tags[self.entity_first] = 2 * self.entity_label + 1
        return tags

    def record_of(self, word_positions: numpy.ndarray) -> numpy.ndarray:
        """The record (position in ``records``) each of these words belongs to."""
        return numpy.searchsorted(self.word_bounds, word_positions, side="right") - 1


def tokenize(records: list[Record]) -> tuple[str, numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """The records' texts joined, where each starts, every token's ATTRS, each record's
    first token — one spaCy tokenizer call per document, nothing kept of its Doc."""
    tokenizer = pipeline().tokenizer
    arrays = [tokenizer(record.text).to_array(ATTRS) for record in records]
    lengths = numpy.fromiter((len(a) for a in arrays), dtype=INDEX, count=len(arrays))
    token_bounds = numpy.concatenate(([0], numpy.cumsum(lengths)))
    table = numpy.concatenate(arrays) if arrays else numpy.zeros((0, len(ATTRS)), numpy.uint64)
    text = "".join(record.text for record in records)
    sizes = numpy.fromiter((len(r.text) for r in records), dtype=INDEX, count=len(records))
    bases = numpy.concatenate(([0], numpy.cumsum(sizes)))
    return text, bases, table, token_bounds


def covering(first: numpy.ndarray, last: numpy.ndarray, size: int) -> numpy.ndarray:
    """For ``size`` positions and non-overlapping ranges ``[first, last)``: 1 + the number of
    the range covering each position, 0 where none does."""
    ids = numpy.arange(1, len(first) + 1, dtype=INDEX)
    delta = numpy.zeros(size + 1, dtype=INDEX)
    numpy.add.at(delta, first, ids)
    numpy.add.at(delta, last, -ids)
    return numpy.cumsum(delta[:size])


def interior(first: numpy.ndarray, last: numpy.ndarray, size: int) -> numpy.ndarray:
    """Positions strictly inside a range ``[first, last)``: after its first position."""
    delta = numpy.zeros(size + 1, dtype=INDEX)
    numpy.add.at(delta, first + 1, 1)
    numpy.add.at(delta, last, -1)
    return numpy.cumsum(delta[:size]) > 0


@lru_cache(maxsize=1)
def _punct_hashes() -> numpy.ndarray:
    nlp = pipeline()
    chars = nlp.get_pipe("sentencizer").punct_chars
    return numpy.array(sorted(nlp.vocab.strings.add(c) for c in chars), dtype=numpy.uint64)


def sentence_starts(
    orth: numpy.ndarray, is_punct: numpy.ndarray, doc_starts: numpy.ndarray | None = None
) -> numpy.ndarray:
    """The tokens spaCy's sentencizer would start sentences at, computed on whole arrays.

    Its rule: after a token in ``punct_chars``, the next token that is neither punctuation
    nor in ``punct_chars`` starts a sentence. So a "plain" token starts one exactly when a
    ``punct_chars`` token lies between it and the previous plain token *of its document*.
    ``doc_starts`` (the first token of each document, ascending) lets several documents be
    done in one call; without it the arrays are one document. Same result as
    ``pipeline()``'s sentencizer (tested), without a Python step per token.
    """
    if len(orth) == 0:
        return numpy.zeros(0, dtype=INDEX)
    if doc_starts is None:
        doc_starts = numpy.zeros(1, dtype=INDEX)
    # Only punctuation tokens can be sentence-closing characters: test those alone.
    closing = numpy.zeros(len(orth), dtype=bool)
    punct = numpy.flatnonzero(is_punct)
    closing[punct] = numpy.isin(orth[punct], _punct_hashes())
    plain = numpy.flatnonzero((is_punct == 0) & ~closing)
    counted = numpy.cumsum(closing)
    seen = counted[plain]
    previous = numpy.concatenate(([0], seen[:-1]))
    # A document's count starts afresh: what closed the previous document does not count.
    before = (counted - closing)[doc_starts]
    document = numpy.searchsorted(doc_starts, plain, side="right") - 1
    previous = numpy.maximum(previous, before[document])
    return numpy.union1d(doc_starts, plain[seen > previous]).astype(INDEX)


# Writing --------------------------------------------------------------------------------


def codepoints(text: str) -> numpy.ndarray:
    return numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)


def encoded(points: numpy.ndarray) -> bytes:
    """Code points back to UTF-8 bytes."""
    return points.tobytes().decode("utf-32-le", "surrogatepass").encode()


class Pieces:
    """Output assembled from pieces of a source: ``text`` then fixed strings added later.

    ``add(string)`` appends a string to the source and returns where it starts;
    ``write(starts, lengths)`` concatenates ``source[start : start + length]`` for every
    piece in order, as UTF-8 blocks.
    """

    def __init__(self, text_points: numpy.ndarray) -> None:
        self._parts = [text_points]
        self._size = len(text_points)

    def add(self, string: str) -> int:
        points = codepoints(string)
        self._parts.append(points)
        self._size += len(points)
        return self._size - len(points)

    def write(self, starts: numpy.ndarray, lengths: numpy.ndarray) -> Iterator[bytes]:
        """The pieces in order as UTF-8, in blocks of about ``SLAB`` code points, so that
        the index arrays stay small whatever the batch."""
        source = numpy.concatenate(self._parts)
        ends = numpy.cumsum(lengths)
        cuts = numpy.searchsorted(ends, numpy.arange(SLAB, ends[-1], SLAB) if len(ends) else [])
        for a, b in pairwise([0, *numpy.unique(cuts).tolist(), len(lengths)]):
            if b <= a:
                continue
            size = lengths[a:b]
            offset = ends[a] - size[0]
            shift = numpy.repeat((starts[a:b] - (ends[a:b] - size - offset)).astype(SMALL), size)
            shift += numpy.arange(len(shift), dtype=SMALL)
            yield encoded(source[shift])


def strings_table(pieces: Pieces, strings: list[str]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Add ``strings`` to the source (as one string): (their starts, their lengths)."""
    lengths = numpy.fromiter(map(len, strings), dtype=INDEX, count=len(strings))
    starts = pieces.add("".join(strings)) + numpy.cumsum(lengths) - lengths
    return starts, lengths


# JSON string escapes (ensure_ascii=False): how many characters each ASCII code point takes.
_ESCAPED = numpy.ones(128, dtype=INDEX)
_ESCAPED[:32] = 6  # \u00XX
_ESCAPED[[ord(c) for c in '\b\t\n\f\r"\\']] = 2


def json_offsets(points: numpy.ndarray) -> numpy.ndarray:
    """Where each code point (and the end) lands in the JSON-escaped text."""
    widths = _ESCAPED[numpy.minimum(points, 127)]
    return numpy.concatenate(([0], numpy.cumsum(widths)))
