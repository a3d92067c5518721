"""What a reader yields: a document's fields as read, and where they were read."""

from dataclasses import dataclass, field
from typing import Any


class ParseError(ValueError):
    """A file that cannot be read; ``where`` names the file and line."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass
class Record:
    where: str  # "file.jsonl:12": where the record came from, for error messages
    fields: dict[str, Any] = field(default_factory=dict)
    # What another tool's export carries beside the document's own fields, for the
    # annotator app to place (``foreign.Extra``): comments, the tool's own document id,
    # what Margin does not hold (counted), its users.
    extra: dict[str, Any] = field(default_factory=dict)
