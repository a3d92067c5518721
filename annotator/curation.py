"""Review: every analyst's layer of a document side by side (curating them into gold is
written by ``services.review``).

The agreement shown here is the export's: ``layers.majority_spans`` decides what "most
agree" means, over the annotators who completed the document, so what a reviewer accepts
as the majority is what the ``majority`` export would contain.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from corpus.models import Document

from .layers import majority_spans
from .models import DocumentStatus, Label, Project, Span, Status

Key = tuple[int, int, int]  # (start, end, label_id): spans agree when these are equal


@dataclass
class Cell:
    """What one analyst did about one candidate: their span (if any) and its rejection."""

    span: Span | None
    rejected: str = ""


@dataclass
class Candidate:
    """One distinct span (start, end, label) marked by analysts or in gold."""

    start: int
    end: int
    label: Label
    text: str
    marked_by: dict[int, Span] = field(default_factory=dict)  # annotator id -> span
    gold: Span | None = None
    in_majority: bool = False
    unanimous: bool = False
    cells: list[Cell] = field(default_factory=list)  # one per analyst, in column order

    @property
    def key(self) -> Key:
        return (self.start, self.end, self.label.pk)

    @property
    def disputed(self) -> bool:
        """Marked by some analysts but not by most of those who completed the document."""
        return bool(self.marked_by) and not self.in_majority

    @property
    def row_id(self) -> str:
        return row_id(self.key)


def row_id(key: Key) -> str:
    """The id of the review page's row of the candidate's stretch: one row per (start,
    end), whatever labels the analysts gave it."""
    return f"candidate-{key[0]}-{key[1]}"


@dataclass
class Mark:
    """One analyst's span on a stretch, as its row shows it."""

    candidate: Candidate
    span: Span
    rejected: str = ""


@dataclass
class Stretch:
    """The same start and end in any layer: one row of the review page. Analysts who
    gave it different labels are one conflict here, not several disputed rows."""

    start: int
    end: int
    text: str
    candidates: list[Candidate] = field(default_factory=list)  # one per label
    marks: list[list[Mark]] = field(default_factory=list)  # per analyst, in column order

    @property
    def row_id(self) -> str:
        return row_id((self.start, self.end, 0))

    @property
    def conflict(self) -> bool:
        """Analysts gave this stretch different labels."""
        return sum(1 for c in self.candidates if c.marked_by) >= 2

    @property
    def disputed(self) -> bool:
        return self.conflict or any(c.disputed for c in self.candidates)

    @property
    def agree(self) -> str:
        """The row's class: all, most or not agreeing."""
        if self.disputed:
            return "disagree"
        return "agree" if all(c.unanimous for c in self.candidates if c.marked_by) else "majority"

    @property
    def gold(self) -> list[Candidate]:
        return [c for c in self.candidates if c.gold is not None]

    @property
    def open(self) -> list[Candidate]:
        """The labels a reviewer may still accept here."""
        return [c for c in self.candidates if c.gold is None]


@dataclass
class Analyst:
    id: int
    username: str
    status: str
    span_count: int = 0


@dataclass
class Comparison:
    analysts: list[Analyst]
    candidates: list[Candidate]
    completed: list[int]  # ids of the analysts who completed the document

    @property
    def agreed(self) -> list[Candidate]:
        return [c for c in self.candidates if c.in_majority and c.gold is None]

    def stretches(self) -> list[Stretch]:
        """The candidates grouped by stretch (start, end), in reading order."""
        found: dict[tuple[int, int], Stretch] = {}
        for candidate in self.candidates:
            where = (candidate.start, candidate.end)
            if where not in found:
                found[where] = Stretch(*where, candidate.text, marks=[[] for _ in self.analysts])
            stretch = found[where]
            stretch.candidates.append(candidate)
            for column, cell in enumerate(candidate.cells):
                if cell.span is not None:
                    stretch.marks[column].append(Mark(candidate, cell.span, cell.rejected))
        return sorted(found.values(), key=lambda s: (s.start, s.end))

    def for_review(self, *, disputed_only: bool = False) -> list[Stretch]:
        """The rows in the order a reviewer works through them: disputed first (conflicts
        among them), then the rest, each in reading order."""
        rows = [s for s in self.stretches() if s.disputed or not disputed_only]
        return sorted(rows, key=lambda s: (not s.disputed, s.start, s.end))


def compare(project: Project, document: Document) -> Comparison:
    """Every analyst layer and gold for one document, lined up span by span."""
    labels = {label.pk: label for label in project.labels.all()}
    spans = list(
        Span.objects.filter(project=project, document=document)
        .select_related("rejection")
        .order_by("start", "end", "label_id")
    )
    statuses = dict(
        DocumentStatus.objects.filter(project=project, document=document).values_list(
            "user_id", "status"
        )
    )
    analyst_ids = {s.annotator_id for s in spans if not s.gold} | set(statuses)
    names = dict(get_user_model().objects.filter(pk__in=analyst_ids).values_list("pk", "username"))
    # Reviewers who only curate gold have no layer here; a status row alone (a claim)
    # does make someone an analyst of the document.
    analysts = sorted(
        (Analyst(pk, names[pk], statuses.get(pk, Status.NEW)) for pk in analyst_ids),
        key=lambda a: a.username,
    )
    candidates: dict[Key, Candidate] = {}
    layers: dict[int, list[Key]] = defaultdict(list)
    for span in spans:
        key = (span.start, span.end, span.label_id)
        if key not in candidates:
            candidates[key] = Candidate(
                span.start, span.end, labels[span.label_id], document.text[span.start : span.end]
            )
        if span.gold:
            candidates[key].gold = span
        else:
            candidates[key].marked_by[span.annotator_id] = span
            layers[span.annotator_id].append(key)
    for analyst in analysts:
        analyst.span_count = len(layers.get(analyst.id, []))
    completed = [a.id for a in analysts if a.status == Status.COMPLETE]
    majority = set(majority_spans(layers, completed))
    for key, candidate in candidates.items():
        candidate.in_majority = key in majority
        voters = [a for a in completed if a in candidate.marked_by]
        candidate.unanimous = len(completed) >= 2 and len(voters) == len(completed)
        for analyst in analysts:
            span = candidate.marked_by.get(analyst.id)
            rejection = getattr(span, "rejection", None) if span else None
            candidate.cells.append(Cell(span, rejection.reason if rejection else ""))
    return Comparison(analysts, list(candidates.values()), completed)
