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
from typing import TYPE_CHECKING

import numpy
import srsly
from spacy.attrs import ENT_TYPE, ORTH, SPACY
from spacy.tokens import DocBin, Span

from .base import Format
from .options import SPLIT_NAMES
from .zipstream import zip_stream

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from .engine import Export

ATTRS = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"]).attrs  # spaCy's order: ORTH first
STRING_COLUMNS = [ATTRS.index(ORTH), ATTRS.index(ENT_TYPE)]  # the columns holding string hashes
BLOCK = 1 << 20


class DocBinWriter:
    """Collects Docs into one DocBin, spooling token data to a temporary file."""

    def __init__(self) -> None:
        # Closed by chunks(), which may run much later: not a with-block here.
        self._tokens = tempfile.TemporaryFile()  # noqa: SIM115
        self._spaces = tempfile.TemporaryFile()  # noqa: SIM115
        self._lengths: list[int] = []
        self._strings: set[str] = {""}
        self._hashes: set[int] = set()
        self._span_groups = b""

    def add(self, doc: "Doc") -> None:
        array = doc.to_array(ATTRS).reshape((len(doc), len(ATTRS)))
        self._tokens.write(numpy.ascontiguousarray(array, dtype="uint64").tobytes("C"))
        self._spaces.write(numpy.asarray(doc.to_array(SPACY), dtype=bool).tobytes("C"))
        self._lengths.append(len(doc))
        # Only strings not seen before are looked up: a vocabulary, not a token count.
        for column in STRING_COLUMNS:
            new = set(numpy.unique(array[:, column]).tolist()) - self._hashes
            for key in new:
                if key:
                    self._strings.add(doc.vocab.strings[key])
            self._hashes |= new
        if not self._span_groups:
            self._span_groups = doc.spans.to_bytes()

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
        for key, item in (
            ("cats", _pack({})),
            ("flags", _pack({"has_unknown_spaces": False})),
            ("span_groups", _pack(self._span_groups or b"")),
        ):
            yield _pack(key) + _array_header(count)
            for start in range(0, count, 4096):
                yield item * min(4096, count - start)


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
    rule ``flat``, spans contracted to whole tokens. With a split, a zip of
    ``train.spacy``, ``dev.spacy``, ``test.spacy`` and ``card.json``."""

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
        for record in export.records(split=split, tokens="tokens"):
            doc, index = record.doc, record.token_index
            doc.ents = [
                Span(doc, index[e.first], index[e.last - 1] + 1, label=e.span.label)
                for e in record.entities
            ]
            writer.add(doc)
        yield from writer.chunks()
