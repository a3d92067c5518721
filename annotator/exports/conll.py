"""CoNLL-2003-style IOB2: ``token<TAB>tag`` lines, sentences separated by a blank line."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .base import Format, buffered, iob_tag_names, iob_tags
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
        for record in export.records(split=split, tokens="sentences"):
            words = record.words
            tags = iob_tags(len(words), record.entities)
            lines = [DOCSTART]
            for first, last in record.sentences:
                # "\t".join over (word, tag) pairs runs in C: no Python step per token.
                pairs = zip(words[first:last], tags[first:last], strict=True)
                lines.append("\n".join(map("\t".join, pairs)))
                lines.append("\n\n")
            yield "".join(lines).encode()
