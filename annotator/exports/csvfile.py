"""CSV, one span a row, for spreadsheets; Django's streaming-CSV pattern (a pseudo-buffer)."""

import csv
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .base import Format, buffered

if TYPE_CHECKING:
    from .engine import Export

HEADER = ["document_id", "external_id", "start", "end", "label", "text", "annotator", "layer"]


class Echo:
    """A file-like object whose ``write`` hands the row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


class Csv(Format):
    """Columns ``document_id, external_id, start, end, label, text, annotator, layer``
    (+ ``split``); UTF-8 without a byte-order mark, RFC 4180 quoting."""

    name = "csv"
    extension = "csv"
    media_type = "text/csv; charset=utf-8"

    def stream(self, export: "Export") -> Iterator[bytes]:
        return buffered(self._rows(export))

    def _rows(self, export: "Export") -> Iterator[bytes]:
        writer = csv.writer(Echo())
        split = export.options.split is not None
        yield writer.writerow([*HEADER, "split"] if split else HEADER).encode()
        for record in export.records():
            text = record.text
            tail = [record.split] if split else []
            rows = [
                writer.writerow(
                    [
                        record.id,
                        record.external_id or "",
                        span.start,
                        span.end,
                        span.label,
                        text[span.start : span.end],
                        span.annotator or "",
                        span.layer,
                        *tail,
                    ]
                )
                for span in record.spans
            ]
            if rows:
                yield "".join(rows).encode()
