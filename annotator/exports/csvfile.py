"""CSV, one span a row, for spreadsheets; Django's streaming-CSV pattern (a pseudo-buffer).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and
some read a leading tab or carriage return the same way): an external id, a label or a
tagged stretch of text written as ``=HYPERLINK(…)`` would run on the analyst's machine.
Every text cell starting so is written with a ``'`` before it, OWASP's rule for CSV
injection.
"""

import csv
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .base import Format, buffered

if TYPE_CHECKING:
    from .engine import Export

HEADER = ["document_id", "external_id", "start", "end", "label", "text", "annotator", "layer"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A text cell a spreadsheet shows as text: prefixed with ``'`` if it could start a
    formula (OWASP CSV injection rule)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class Echo:
    """A file-like object whose ``write`` hands the row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


class Csv(Format):
    """Columns ``document_id, external_id, start, end, label, text, annotator, layer``
    (+ ``split``); UTF-8 without a byte-order mark, RFC 4180 quoting, text cells that could
    start a formula prefixed with ``'``. A document label given to the document is a row
    with empty ``start``, ``end`` and ``text``."""

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
            tail = [cell(record.split)] if split else []
            external_id = cell(record.external_id or "")
            # Offsets and ids are numbers, written as such; every text cell goes through cell().
            rows = [
                writer.writerow(
                    [
                        record.id,
                        external_id,
                        span.start,
                        span.end,
                        cell(span.label),
                        cell(text[span.start : span.end]),
                        cell(span.annotator or ""),
                        cell(span.layer),
                        *tail,
                    ]
                )
                for span in record.spans
            ]
            rows += [
                writer.writerow(
                    [
                        record.id,
                        external_id,
                        "",
                        "",
                        cell(category.label),
                        "",
                        cell(category.annotator or ""),
                        cell(category.layer),
                        *tail,
                    ]
                )
                for category in record.categories
            ]
            if rows:
                yield "".join(rows).encode()
