"""Hugging Face token classification: JSONL with ``tokens`` and ``ner_tags`` (IOB2 strings)."""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .base import Format, buffered, iob_tag_names, iob_tags

if TYPE_CHECKING:
    from .engine import Export


class Hf(Format):
    """One sentence a line: ``id`` ("<document>-<sentence>"), ``document_id``,
    ``external_id``, ``sentence``, ``tokens``, ``ner_tags`` (+ ``split``), for
    ``datasets.load_dataset("json", data_files=…)``. The tag names are in the card
    (``tag_names``); tokens and overlaps as in CoNLL."""

    name = "hf"
    extension = "jsonl"
    media_type = "application/x-ndjson; charset=utf-8"
    rule = "flat"
    tokens = "sentences"

    def tag_names(self, labels: list[str]) -> list[str]:
        return iob_tag_names(labels)

    def stream(self, export: "Export") -> Iterator[bytes]:
        return buffered(self._lines(export))

    def _lines(self, export: "Export") -> Iterator[bytes]:
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for record in export.records(tokens="sentences"):
            words = record.words
            tags = iob_tags(len(words), record.entities)
            lines = []
            for number, (first, last) in enumerate(record.sentences):
                line = {
                    "id": f"{record.id}-{number}",
                    "document_id": record.id,
                    "external_id": record.external_id,
                    "sentence": number,
                    "tokens": words[first:last],
                    "ner_tags": tags[first:last],
                }
                if record.split is not None:
                    line["split"] = record.split
                lines.append(dumps(line) + "\n")
            yield "".join(lines).encode()
