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
    """The id of the candidate's row on the review page."""
    return "candidate-{}-{}-{}".format(*key)


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

    def for_review(self) -> list[Candidate]:
        """The candidates in the order a reviewer works through them: disputed first,
        then the rest, each in reading order."""
        return sorted(self.candidates, key=lambda c: (not c.disputed, c.start, c.end))


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
