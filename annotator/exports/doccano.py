"""doccano's sequence-labelling JSONL: ``{"text", "label": [[start, end, "LABEL"], ...]}``."""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .base import Format, buffered

if TYPE_CHECKING:
    from .engine import Export


class Doccano(Format):
    """One line a document: ``id``, ``text``, ``label`` (+ ``external_id``, ``title``,
    ``split``). A line has no annotator, so identical spans are merged (rule ``distinct``).
    doccano's own offsets are code points too. A project with document labels adds
    ``"cats": [names]`` (each label once, whoever gave it), doccano's field for them."""

    name = "doccano"
    extension = "jsonl"
    media_type = "application/x-ndjson; charset=utf-8"
    rule = "distinct"

    def stream(self, export: "Export") -> Iterator[bytes]:
        return buffered(self._lines(export))

    def _lines(self, export: "Export") -> Iterator[bytes]:
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for record in export.records():
            line = {
                "id": record.id,
                "text": record.text,
                "label": [[span.start, span.end, span.label] for span in record.spans],
                "external_id": record.external_id,
                "title": record.title,
            }
            if export.has_document_labels:
                line["cats"] = sorted({category.label for category in record.categories})
            if record.split is not None:
                line["split"] = record.split
            yield (dumps(line) + "\n").encode()
