"""The home page: each project shown as its role needs it.

Annotators get "Continue", their progress and the rejections waiting for them; reviewers
the documents ready for review, disputed first; managers the team's progress. A statement
for the projects, one for the rejections, and a few for each project the user reviews:
never one per document.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.text import Truncator

from corpus.models import Document

from . import document_table
from .models import DocumentStatus, Project, Rejection, Review, Role, Status

READY_SHOWN = 5
REJECTIONS_SHOWN = 5


@dataclass
class Card:
    project: Project  # annotated: role, document_total, my_done, done_total
    needed: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    rejection_total: int = 0
    ready: list[tuple[Document, bool]] = field(default_factory=list)  # (document, disputed)
    ready_total: int = 0
    reviewed: int = 0

    @property
    def reviews(self) -> bool:
        return self.project.role in (Role.REVIEWER, Role.MANAGER)

    @property
    def manages(self) -> bool:
        return self.project.role == Role.MANAGER

    @property
    def my_percent(self) -> int:
        return _percent(self.project.my_done, self.project.document_total)

    @property
    def team_percent(self) -> int:
        return _percent(self.project.done_total, self.needed)

    @property
    def reviewed_percent(self) -> int:
        return _percent(self.reviewed, self.project.document_total)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _count(queryset) -> Subquery:
    return Coalesce(
        Subquery(queryset.values("project").annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def cards(user) -> list[Card]:
    statuses = DocumentStatus.objects.filter(project=OuterRef("pk"))
    complete = statuses.filter(status=Status.COMPLETE)
    projects = (
        Project.objects.visible_to(user)
        .with_role(user)
        .annotate(
            document_total=Count("documents", distinct=True),
            done_total=_count(complete.places()),
            my_done=_count(complete.filter(user=user)),
        )
        .order_by("name", "id")
    )
    cards = {project.pk: Card(project) for project in projects}
    for card in cards.values():
        card.needed = card.project.document_total * card.project.annotators_per_document
    _add_rejections(user, cards)
    reviewing = [card for card in cards.values() if card.reviews]
    for project_id, total in (
        Review.objects.filter(project__in=[card.project for card in reviewing])
        .values_list("project")
        .annotate(n=Count("pk"))
    ):
        cards[project_id].reviewed = total
    for card in reviewing:
        _add_ready(card)
    return list(cards.values())


def _add_rejections(user, cards: dict[int, Card]) -> None:
    """Rejections of the user's spans that they have not acted on since (a relabelled or
    moved span is their answer; a deleted one takes its rejection with it)."""
    waiting = Rejection.objects.filter(
        span__annotator=user,
        span__gold=False,
        span__project__in=list(cards),
        span__updated_at__lte=F("created_at"),
    )
    for project_id, total in waiting.values_list("span__project").annotate(n=Count("pk")):
        cards[project_id].rejection_total = total
    if not any(card.rejection_total for card in cards.values()):
        return
    newest = waiting.select_related("span__label", "span__document").order_by("-created_at")
    for rejection in newest[: REJECTIONS_SHOWN * len(cards)]:
        card = cards[rejection.span.project_id]
        if len(card.rejections) < REJECTIONS_SHOWN:
            span = rejection.span
            rejection.quote = Truncator(span.document.text[span.start : span.end]).chars(60)
            card.rejections.append(rejection)


def _add_ready(card: Card) -> None:
    """The documents waiting for review: disputed ones first, then the rest by id."""
    ready = document_table.ready_for_review(card.project)
    card.ready_total = ready.count()
    if not card.ready_total:
        return
    first = list(document_table.disputed(card.project, ready).only("id", "title")[:READY_SHOWN])
    card.ready = [(document, True) for document in first]
    if len(first) < READY_SHOWN:
        rest = document_table.disputed(card.project, ready, yes=False).only("id", "title")
        card.ready += [(document, False) for document in rest[: READY_SHOWN - len(first)]]
