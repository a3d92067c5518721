"""Native JSONL: one document a line, every span of the layer with its annotator (API.md)."""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .base import Format, buffered

if TYPE_CHECKING:
    from .engine import Export


class Jsonl(Format):
    """``{"id", "external_id", "title", "text", "meta", "spans": [{start, end, label, text,
    annotator, layer}]}`` (+ ``"split"``). ``annotator`` is null for majority spans."""

    name = "jsonl"
    extension = "jsonl"
    media_type = "application/x-ndjson; charset=utf-8"

    def stream(self, export: "Export") -> Iterator[bytes]:
        return buffered(self._lines(export))

    def _lines(self, export: "Export") -> Iterator[bytes]:
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for record in export.records():
            text = record.text
            line = {
                "id": record.id,
                "external_id": record.external_id,
                "title": record.title,
                "text": text,
                "meta": record.meta,
                "spans": [
                    {
                        "start": span.start,
                        "end": span.end,
                        "label": span.label,
                        "text": text[span.start : span.end],
                        "annotator": span.annotator,
                        "layer": span.layer,
                    }
                    for span in record.spans
                ],
            }
            if record.split is not None:
                line["split"] = record.split
            yield (dumps(line) + "\n").encode()
