"""spaCy's ``.spacy`` DocBin with ``doc.ents``, the training data ``spacy train`` reads.

A DocBin is one zlib-compressed msgpack map whose token array is a single blob: its size
comes before its data. ``DocBinWriter`` therefore spools each document's token arrays to a
temporary file on disk and, once every document is in, writes the map around them through a
streaming compressor — the same bytes ``DocBin.to_bytes()`` would give (it is tested
against ``DocBin.from_bytes``), without holding the project in memory.
"""

import struct
import tempfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy
import srsly
from spacy.attrs import ENT_IOB, ENT_TYPE, ORTH, SPACY
from spacy.tokens import Doc, DocBin

from ..tokens import pipeline
from .base import Format
from .batch import COLUMN_ORTH, COLUMN_SPACY, TokenBatch, covering
from .options import SPLIT_NAMES
from .zipstream import zip_stream

if TYPE_CHECKING:
    from .engine import Export

ATTRS = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"]).attrs  # spaCy's order: ORTH first
STRING_COLUMNS = [ATTRS.index(ORTH), ATTRS.index(ENT_TYPE)]  # the columns holding string hashes
BLOCK = 1 << 20
IOB_INSIDE, IOB_OUTSIDE, IOB_BEGIN = 1, 2, 3  # spaCy's ENT_IOB codes


class DocBinWriter:
    """Collects Docs into one DocBin, spooling token data to a temporary file."""

    def __init__(self) -> None:
        # Closed by chunks(), which may run much later: not a with-block here.
        self._tokens = tempfile.TemporaryFile()  # noqa: SIM115
        self._spaces = tempfile.TemporaryFile()  # noqa: SIM115
        # Each document's ``doc.cats``, packed, spooled like the tokens (the map needs
        # their count before them).
        self._cats = tempfile.TemporaryFile()  # noqa: SIM115
        self._lengths: list[int] = []
        self._strings: set[str] = {""}
        self._hashes: set[int] = set()
        self._span_groups = b""

    def add(self, doc: "Doc") -> None:
        """One Doc, as ``DocBin.add`` stores it."""
        array = doc.to_array(ATTRS).reshape((len(doc), len(ATTRS)))
        spaces = numpy.asarray(doc.to_array(SPACY), dtype=bool)
        if not self._span_groups:
            self._span_groups = doc.spans.to_bytes()
        self.add_arrays(array, spaces, [len(doc)], doc.vocab.strings, [dict(doc.cats)])

    def add_arrays(
        self,
        array: numpy.ndarray,
        spaces: numpy.ndarray,
        lengths: list[int],
        strings,
        cats: list[dict[str, float]] | None = None,
    ) -> None:
        """Documents given as arrays: the ATTRS columns and the SPACY flag of their tokens,
        one document after another, ``lengths`` tokens each; ``strings`` (a StringStore)
        knows every hash in the string columns; ``cats`` each document's ``doc.cats``
        (none: empty)."""
        empty = _pack({})
        for values in cats if cats is not None else [{}] * len(lengths):
            self._cats.write(_pack(values) if values else empty)
        self._tokens.write(numpy.ascontiguousarray(array, dtype="uint64").tobytes("C"))
        self._spaces.write(numpy.ascontiguousarray(spaces, dtype=bool).tobytes("C"))
        self._lengths.extend(lengths)
        if not self._span_groups:
            self._span_groups = _no_span_groups()
        # Only strings not seen before are looked up: a vocabulary, not a token count.
        for column in STRING_COLUMNS:
            new = set(numpy.unique_values(array[:, column]).tolist()) - self._hashes
            for key in new:
                if key:
                    self._strings.add(strings[key])
            self._hashes |= new

    def chunks(self) -> Iterator[bytes]:
        """The .spacy file, compressed block by block; closes the temporary files."""
        # Level 1: the token blob is large and compresses well even at the fastest level.
        compressor = zlib.compressobj(1)
        try:
            for piece in self._msgpack():
                out = compressor.compress(piece)
                if out:
                    yield out
            yield compressor.flush()
        finally:
            self._tokens.close()
            self._spaces.close()
            self._cats.close()

    def _msgpack(self) -> Iterator[bytes]:
        count = len(self._lengths)
        yield b"\x89"  # a map of nine entries, in DocBin.to_bytes()'s order
        yield _pack("version") + _pack("0.1")
        yield _pack("attrs") + _pack(list(ATTRS))
        for key, spool in (("tokens", self._tokens), ("spaces", self._spaces)):
            yield _pack(key) + _bin_header(spool.tell())
            spool.seek(0)
            while block := spool.read(BLOCK):
                yield block
        yield _pack("lengths") + _pack(numpy.asarray(self._lengths, dtype="int32").tobytes("C"))
        yield _pack("strings") + _pack(sorted(self._strings))
        yield _pack("cats") + _array_header(count)
        self._cats.seek(0)
        while block := self._cats.read(BLOCK):
            yield block
        for key, item in (
            ("flags", _pack({"has_unknown_spaces": False})),
            ("span_groups", _pack(self._span_groups or b"")),
        ):
            yield _pack(key) + _array_header(count)
            for start in range(0, count, 4096):
                yield item * min(4096, count - start)


@lru_cache(maxsize=1)
def _no_span_groups() -> bytes:
    """What ``doc.spans.to_bytes()`` gives for a Doc without span groups (ours)."""
    return Doc(pipeline().vocab).spans.to_bytes()


def _pack(value: object) -> bytes:
    return srsly.msgpack_dumps(value)


def _bin_header(size: int) -> bytes:
    if size < 1 << 8:
        return b"\xc4" + struct.pack(">B", size)
    if size < 1 << 16:
        return b"\xc5" + struct.pack(">H", size)
    return b"\xc6" + struct.pack(">I", size)


def _array_header(size: int) -> bytes:
    if size < 16:
        return bytes([0x90 | size])
    if size < 1 << 16:
        return b"\xdc" + struct.pack(">H", size)
    return b"\xdd" + struct.pack(">I", size)


class SpacyDocBin(Format):
    """``.spacy`` DocBin of spaCy tokens (blank "en" tokenizer) with ``doc.ents``; overlaps by
    rule ``flat``, spans contracted to whole tokens; ``doc.cats`` 1.0 for each document
    label the layer gives the document, 0.0 for the project's others. With a split, a zip
    of ``train.spacy``, ``dev.spacy``, ``test.spacy`` and ``card.json``."""

    name = "spacy"
    extension = "spacy"
    media_type = "application/octet-stream"
    rule = "flat"
    tokens = "tokens"
    zipped_when_split = True

    def stream(self, export: "Export") -> Iterator[bytes]:
        if export.options.split is None:
            return self._docbin(export, None)
        entries = [(f"{name}.spacy", self._docbin(export, name)) for name in SPLIT_NAMES]
        return zip_stream([*entries, ("card.json", export.card_bytes())])

    def _docbin(self, export: "Export", split: str | None) -> Iterator[bytes]:
        writer = DocBinWriter()
        strings = pipeline().vocab.strings
        hashes = numpy.array([strings.add(label) for label in export.label_names], "uint64")
        names = export.document_label_names
        for batch in export.batches(split=split):
            array, spaces = entity_arrays(batch, hashes)
            cats = [
                {name: float(name in {c.label for c in record.categories}) for name in names}
                for record in batch.records
            ]
            lengths = numpy.diff(batch.token_bounds).tolist()
            writer.add_arrays(array, spaces, lengths, strings, cats)
        yield from writer.chunks()


def entity_arrays(batch: TokenBatch, label_hashes: numpy.ndarray) -> tuple[numpy.ndarray, ...]:
    """The batch's tokens in ATTRS columns with ``doc.ents`` set to its aligned spans, as
    ``doc.ents = [...]`` would store them: B on an entity's first token, I on the rest
    (whitespace tokens inside it too), O everywhere else — and the SPACY flags."""
    table, words = batch.table, batch.words
    array = numpy.zeros((len(table), len(ATTRS)), dtype="uint64")
    array[:, ATTRS.index(ORTH)] = table[:, COLUMN_ORTH]
    iob = numpy.full(len(table), IOB_OUTSIDE, dtype="uint64")
    kind = numpy.zeros(len(table), dtype="uint64")
    first = words[batch.entity_first]
    last = words[batch.entity_last - 1] + 1
    inside = covering(first, last, len(table))
    where = numpy.flatnonzero(inside)
    iob[where] = IOB_INSIDE
    kind[where] = label_hashes[batch.entity_label[inside[where] - 1]]
    iob[first] = IOB_BEGIN
    array[:, ATTRS.index(ENT_IOB)] = iob
    array[:, ATTRS.index(ENT_TYPE)] = kind
    return array, table[:, COLUMN_SPACY].astype(bool)
