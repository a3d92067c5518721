"""Native JSONL: one document a line, every span of the layer with its annotator (API.md)."""

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .base import Format, buffered

if TYPE_CHECKING:
    from .engine import Export


class Jsonl(Format):
    """``{"id", "external_id", "title", "text", "meta", "spans": [{start, end, label, text,
    annotator, layer, origin}]}`` (+ ``"split"``). ``annotator`` is null for majority spans
    and suggestions; ``origin`` is the suggestion's source, null for spans made by hand.
    A project with document labels adds ``"categories": [{label, annotator}]`` after the
    spans; one with relation types gives each span its ``"id"`` (first) and adds
    ``"relations": [{type, source, target, annotator}]`` (span ids) last but the split."""

    name = "jsonl"
    relations = True
    extension = "jsonl"
    media_type = "application/x-ndjson; charset=utf-8"

    def stream(self, export: "Export") -> Iterator[bytes]:
        return buffered(self._lines(export))

    def _lines(self, export: "Export") -> Iterator[bytes]:
        # The same bytes as json.dumps(line, ensure_ascii=False) of the dict API.md shows,
        # written with f-strings: no dict per span. Labels and annotators are few: their
        # JSON is made once.
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        string = json.encoder.encode_basestring
        labels = Encoded(string)
        tails = Encoded(
            lambda key: (
                f', "annotator": {dumps(key[0])}, "layer": {string(key[1])}, '
                f'"origin": {dumps(key[2])}}}'
            )
        )
        categories = export.has_document_labels
        relations = export.has_relation_types
        for record in export.records():
            text = record.text
            spans = ", ".join(
                [
                    f'{{{_span_id(pk) if relations else ""}"start": {start}, "end": {end}, '
                    f'"label": {labels[label]}, '
                    f'"text": {string(text[start:end])}{tails[annotator, layer, origin]}'
                    for start, end, label, annotator, layer, origin, pk in record.spans
                ]
            )
            tail = ""
            if categories:
                given = [
                    {"label": c.label, "annotator": c.annotator}
                    | ({} if c.origin is None else {"origin": c.origin})
                    for c in record.categories
                ]
                tail += f', "categories": {dumps(given)}'
            if relations:
                related = [
                    {
                        "type": r.type,
                        "source": r.source,
                        "target": r.target,
                        "annotator": r.annotator,
                    }
                    for r in record.relations
                ]
                tail += f', "relations": {dumps(related)}'
            if record.split is not None:
                tail += f', "split": {string(record.split)}'
            yield (
                f'{{"id": {record.id}, "external_id": {dumps(record.external_id)}, '
                f'"title": {dumps(record.title)}, "text": {string(text)}, '
                f'"meta": {dumps(record.meta)}, "spans": [{spans}]{tail}}}\n'
            ).encode()


def _span_id(pk: int | None) -> str:
    return f'"id": {"null" if pk is None else pk}, '


class Encoded(dict):
    """A cache of JSON text: ``encoded[key]`` computes ``encode(key)`` the first time."""

    def __init__(self, encode: Callable[[Any], str]) -> None:
        super().__init__()
        self.encode = encode

    def __missing__(self, key: Any) -> str:
        value = self[key] = self.encode(key)
        return value
