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
        # The same bytes as json.dumps(line, ensure_ascii=False) of the dict API.md shows,
        # written with templates: no dict per span. Labels and annotators are few: each is
        # encoded once.
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        string = json.encoder.encode_basestring
        names: dict[str | None, str] = {None: "null"}
        for record in export.records():
            text = record.text
            spans = []
            for start, end, label, annotator, layer in record.spans:
                if (label_json := names.get(label)) is None:
                    label_json = names[label] = string(label)
                if (annotator_json := names.get(annotator)) is None:
                    annotator_json = names[annotator] = string(annotator)
                spans.append(
                    SPAN % (start, end, label_json, string(text[start:end]), annotator_json, layer)
                )
            split = "" if record.split is None else f', "split": {string(record.split)}'
            yield (
                f'{{"id": {record.id}, "external_id": {dumps(record.external_id)}, '
                f'"title": {dumps(record.title)}, "text": {string(text)}, '
                f'"meta": {dumps(record.meta)}, "spans": [{", ".join(spans)}]{split}}}\n'
            ).encode()


SPAN = '{"start": %d, "end": %d, "label": %s, "text": %s, "annotator": %s, "layer": "%s"}'
