"""doccano's sequence-labelling JSONL: ``{"text", "label": [[start, end, "LABEL"], ...]}``."""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .base import Format, buffered

if TYPE_CHECKING:
    from .base import Record
    from .engine import Export


class Doccano(Format):
    """One line a document: ``id``, ``text``, ``label`` (+ ``external_id``, ``title``,
    ``split``). A line has no annotator, so identical spans are merged (rule ``distinct``).
    doccano's own offsets are code points too. A project with document labels adds
    ``"cats": [names]`` (each label once, whoever gave it), doccano's field for them. A
    project with relation types uses doccano's relation shape instead of ``label``:
    ``"entities": [{id, start_offset, end_offset, label}]`` and ``"relations": [{id,
    from_id, to_id, type}]``, a relation joining the spans kept for its spans' extents."""

    name = "doccano"
    relations = True
    extension = "jsonl"
    media_type = "application/x-ndjson; charset=utf-8"
    rule = "distinct"

    def stream(self, export: "Export") -> Iterator[bytes]:
        return buffered(self._lines(export))

    def _lines(self, export: "Export") -> Iterator[bytes]:
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for record in export.records():
            line = {"id": record.id, "text": record.text}
            if export.has_relation_types:
                line |= relation_shape(record)
            else:
                line["label"] = [[span.start, span.end, span.label] for span in record.spans]
            line |= {"external_id": record.external_id, "title": record.title}
            if export.has_document_labels:
                line["cats"] = sorted({category.label for category in record.categories})
            if record.split is not None:
                line["split"] = record.split
            yield (dumps(line) + "\n").encode()


def relation_shape(record: "Record") -> dict:
    """doccano's entities and relations of a record (its spans already made distinct)."""
    kept = {(span.start, span.end, span.label): span.id for span in record.spans}
    relations, seen = [], set()
    for relation in record.relations:
        ends = (kept.get(relation.source_key), kept.get(relation.target_key), relation.type)
        if None in ends or ends in seen:
            continue  # two annotators' same relation, merged as their spans were
        seen.add(ends)
        relations.append(
            {"id": len(relations) + 1, "from_id": ends[0], "to_id": ends[1], "type": ends[2]}
        )
    return {
        "entities": [
            {"id": span.id, "start_offset": span.start, "end_offset": span.end, "label": span.label}
            for span in record.spans
        ],
        "relations": relations,
    }
