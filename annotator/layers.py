"""Layers: which spans of a project make up an export or a review view.

A *layer* is one person's spans (or the project's gold spans). Exports and the reviewer
page choose one of:

- ``all``: every annotator's layer, each span carrying its annotator (gold is not included);
- ``gold``: the spans reviewers curated;
- ``majority``: the spans (same start, end and label) that more than half of the
  annotators who *completed* the document marked; a document with fewer than two
  completed annotators contributes none (see ``majority_spans``);
- ``mine``: the requesting user's own layer;
- ``user:<username>``: one member's layer;
- ``suggestions``: the project's suggestion layer (``annotator.suggestions``), every
  suggestion with its source, decided or not. No other layer holds a suggestion.
- ``model:<version>``: the suggestions of one of the project's models (source
  ``model:<version>``), decided or not: its predictions, to compare with gold.

"Complete" (``status=complete``) means, per layer:

- ``mine`` / ``user:<name>``: documents that user marked complete;
- ``all``: documents at least one annotator marked complete, with only the layers of
  the annotators who completed them (work still in progress is left out);
- ``majority``: documents that two or more annotators completed (the only ones that can
  have a majority);
- ``gold``: documents a reviewer marked reviewed (``models.Review``, the review page).
"""

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from .models import DocumentStatus, Project, Review, Status
from .ner_models import MODEL_PREFIX, NerModel

LAYER_CHOICES = ("all", "gold", "majority", "mine")
Kind = Literal["all", "gold", "majority", "user", "suggestions"]


class UnknownLayer(ValueError):
    """A layer name that is not one of the choices, or names an unknown user."""


@dataclass(frozen=True)
class Layer:
    kind: Kind
    name: str  # as asked for: "all", "mine", "user:alice"
    user_id: int | None = None
    username: str | None = None
    source: str | None = None  # the suggestions of one source only (a model's)

    @property
    def needs_completion(self) -> bool:
        """Whether the layer's spans depend on who completed each document."""
        return self.kind == "majority"


def layer_parse(value: str, *, project: Project, user) -> Layer:
    """The layer named by ``value`` for ``user`` in ``project``; raises ``UnknownLayer``."""
    value = (value or "all").strip()
    if value in {"all", "gold", "majority", "suggestions"}:
        return Layer(kind=value, name=value)
    if value == "mine":
        if not getattr(user, "is_authenticated", False):
            raise UnknownLayer("'mine' needs a user: whose layer is it?")
        return Layer(kind="user", name="mine", user_id=user.pk, username=user.username)
    if value.startswith(MODEL_PREFIX):
        version = value.removeprefix(MODEL_PREFIX)
        known = version.isdecimal() and (
            NerModel.objects.filter(project=project, version=int(version)).exists()
        )
        if not known:
            raise UnknownLayer(f"This project has no model {value!r}.")
        return Layer(kind="suggestions", name=value, source=value)
    if value.startswith("user:"):
        username = value.removeprefix("user:")
        found = (
            get_user_model()
            .objects.filter(username=username)
            .filter(Q(memberships__project=project) | Q(spans__project=project))
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            raise UnknownLayer(f"No member of this project is called {username!r}.")
        return Layer(kind="user", name=value, user_id=found, username=username)
    raise UnknownLayer(
        f"Unknown layer {value!r}: use all, gold, majority, mine, user:<username>, "
        "suggestions or model:<version>."
    )


def span_filter(layer: Layer) -> Q:
    """The spans a layer draws from (``majority`` is then decided per document)."""
    if layer.kind == "gold":
        return Q(gold=True)
    if layer.kind == "user":
        return Q(gold=False, annotator_id=layer.user_id)
    return Q(gold=False)


def completed_documents(layer: Layer, project: Project) -> QuerySet:
    """Ids of the documents that count as complete in this layer (see the module doc)."""
    done = DocumentStatus.objects.filter(project=project, status=Status.COMPLETE)
    if layer.kind == "user":
        return done.filter(user_id=layer.user_id).values("document_id")
    if layer.kind == "gold":
        return Review.objects.filter(project=project).values("document_id")
    if layer.kind == "majority":
        return (
            done.values("document_id")
            .annotate(completed=Count("user_id", distinct=True))
            .filter(completed__gte=2)
            .values("document_id")
        )
    return done.values("document_id")


def reviewed(project: Project) -> Exists:
    """Whether a document (the outer query's ``pk``) has its gold layer reviewed here."""
    return Exists(Review.objects.filter(project=project, document_id=OuterRef("pk")))


def review_counts(project: Project) -> tuple[int, int]:
    """(documents, reviewed documents) of the project, in one query."""
    counts = project.documents.aggregate(
        documents=Count("pk"), reviewed=Count("pk", filter=reviewed(project))
    )
    return counts["documents"], counts["reviewed"]


def majority_spans[Key: Hashable](
    spans_by_annotator: Mapping[Hashable, Iterable[Key]],
    completed_annotators: Collection[Hashable],
) -> list[Key]:
    """The spans more than half of the completed annotators marked, in sorted order.

    ``spans_by_annotator`` maps an annotator (id or name) to the spans of one document in
    that annotator's layer, each a hashable key such as ``(start, end, label)``: two spans
    agree when their keys are equal. Only the annotators in ``completed_annotators`` vote;
    with fewer than two of them the document has no majority and contributes no spans.
    A span needs strictly more than half of the votes: 2 of 2, 2 of 3, 3 of 4.
    """
    voters = set(completed_annotators)
    if len(voters) < 2:
        return []
    votes: Counter = Counter()
    for annotator in voters:
        votes.update(set(spans_by_annotator.get(annotator, ())))
    return sorted(key for key, count in votes.items() if 2 * count > len(voters))
