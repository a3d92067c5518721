"""brat standoff: a zip of ``<id>.txt`` + ``<id>.ann`` pairs, ``annotation.conf`` and the card.

brat reads the .txt as UTF-8 and counts offsets in characters (code points), the same unit
as Margin's. A .ann line cannot hold a line break, so a span across one is written as
brat's discontinuous fragments (``start end;start end``) around the break.
"""

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .base import Format
from .zipstream import zip_stream

if TYPE_CHECKING:
    from .base import Record
    from .engine import Export

LINE_BREAK = re.compile(r"[\n\r\u0085\u2028\u2029\x0b\x0c\x1c\x1d\x1e]+")


class Brat(Format):
    """Zip of standoff pairs, one folder per split when split; every span is kept
    (brat holds overlaps) and its annotator is an ``AnnotatorNotes`` line; a relation is an
    ``R`` line between its spans' ``T`` ids, declared in ``annotation.conf``."""

    name = "brat"
    relations = True
    extension = "zip"
    media_type = "application/zip"
    zipped_always = True

    def stream(self, export: "Export") -> Iterator[bytes]:
        return zip_stream(self._entries(export))

    def _entries(self, export: "Export") -> Iterator[tuple[str, list[bytes]]]:
        conf = "[entities]\n" + "".join(f"{label}\n" for label in export.label_names)
        conf += "[relations]\n"
        for name, sources, targets in export.relation_types:
            source, target = "|".join(sources) or "<ENTITY>", "|".join(targets) or "<ENTITY>"
            conf += f"{name}\tArg1:{source}, Arg2:{target}\n"
        conf += "[events]\n[attributes]\n"
        yield "annotation.conf", [conf.encode()]
        for record in export.records():
            folder = f"{record.split}/" if record.split else ""
            stem = f"{folder}doc-{record.id}"
            yield f"{stem}.txt", [record.text.encode()]
            yield f"{stem}.ann", [ann(record).encode()]
        yield "card.json", export.card_bytes()


def ann(record: "Record") -> str:
    """The .ann text of one document."""
    lines = []
    text = record.text
    numbers = {span.id: n for n, span in enumerate(record.spans, start=1) if span.id is not None}
    for number, span in enumerate(record.spans, start=1):
        fragments = []
        position = span.start
        for match in LINE_BREAK.finditer(text, span.start, span.end):
            fragments.append((position, match.start()))
            position = match.end()
        fragments.append((position, span.end))
        fragments = [(a, b) for a, b in fragments if b > a]
        where = ";".join(f"{a} {b}" for a, b in fragments)
        covered = " ".join(text[a:b] for a, b in fragments)
        lines.append(f"T{number}\t{span.label} {where}\t{covered}\n")
        if span.annotator:
            lines.append(f"#{number}\tAnnotatorNotes T{number}\t{span.annotator}\n")
    for number, relation in enumerate(record.relations, start=1):
        source, target = numbers[relation.source], numbers[relation.target]
        lines.append(f"R{number}\t{relation.type} Arg1:T{source} Arg2:T{target}\n")
    return "".join(lines)
