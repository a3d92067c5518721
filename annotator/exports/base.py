"""What the engine hands a format (``Record``), and what a format is (``Format``)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from .rules import ExportSpan

if TYPE_CHECKING:
    from .engine import Export
    from .options import ExportOptions


class ExportCategory(NamedTuple):
    """A document label given to the document in the exported layer."""

    label: str
    annotator: str | None  # None for majority: no one person's
    layer: str  # "annotator", "gold", "majority" or "suggestions"
    origin: str | None = None  # a suggested one's source


class ExportRelation(NamedTuple):
    """A relation between two exported spans (by their ids), and both spans' (start, end,
    label): a format that merges identical spans finds the one it kept."""

    type: str
    source: int
    target: int
    annotator: str | None
    source_key: tuple[int, int, str]
    target_key: tuple[int, int, str]


@dataclass(slots=True)
class Record:
    """One document of the export with the spans the format will write (token formats get
    theirs in a ``batch.TokenBatch``, with the tokens as arrays)."""

    id: int
    external_id: str | None
    title: str
    text: str
    meta: dict[str, Any]
    split: str | None
    spans: list[ExportSpan]
    # The document labels of the layer (API.md, "Document labels"), by label then annotator.
    categories: list[ExportCategory] = field(default_factory=list)
    # The relations of the layer between spans of this record (API.md, "Relations").
    relations: list[ExportRelation] = field(default_factory=list)


class Format:
    """An export format: turns the engine's records into bytes.

    ``rule`` says what happens to spans the format cannot hold (see ``rules``); ``tokens``
    says the format writes spaCy tokens (``"tokens"``) or tokens in sentences
    (``"sentences"``): it reads ``Export.batches()`` rather than ``Export.records()``.
    """

    name: ClassVar[str]
    extension: ClassVar[str]
    media_type: ClassVar[str]
    rule: ClassVar[str] = "keep_all"
    tokens: ClassVar[str | None] = None
    relations: ClassVar[bool] = False  # whether it writes relations between spans
    zipped_always: ClassVar[bool] = False
    zipped_when_split: ClassVar[bool] = False

    def zipped(self, options: "ExportOptions") -> bool:
        return self.zipped_always or (self.zipped_when_split and options.split is not None)

    def content_type(self, options: "ExportOptions") -> str:
        return "application/zip" if self.zipped(options) else self.media_type

    def tag_names(self, labels: list[str]) -> list[str] | None:
        """The IOB2 tag set, for the formats that write tags."""
        return None

    def stream(self, export: "Export") -> Iterator[bytes]:
        raise NotImplementedError


def iob_tag_names(labels: list[str]) -> list[str]:
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


def buffered(chunks: Iterator[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    """Join small pieces into blocks of about ``size`` bytes: fewer writes to the socket."""
    pending: list[bytes] = []
    length = 0
    for chunk in chunks:
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b"".join(pending)
            pending, length = [], 0
    if pending:
        yield b"".join(pending)
