"""Models trained on the project's reviewed gold: queued by a manager or by ``train_every``,
never more than one waiting; their predictions stored as suggestions (``model:<version>``)
that replace an older model's undecided ones, and as each document's confidence."""

from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from ..jobs import Job
from ..models import Project, Review
from ..ner_models import MODEL_PREFIX, DocumentConfidence, ModelStatus, NerModel, model_source
from ..suggestions import Suggestion, SuggestionDecision
from .suggestions import suggestions_store

NOTHING_REVIEWED = (
    "No document of this project is reviewed yet: a model learns from reviewed gold. "
    "Mark some documents reviewed first."
)
WAITING = "A model of this project is already waiting to be trained; it will learn from "


def model_train(*, project: Project, user, automatic: bool = False) -> NerModel:
    """Queue the training of the project's next model version; the model (its ``job``
    set). Refused when nothing is reviewed, or when a run is already waiting (one queued
    at most: it will read the gold as it is when it starts)."""
    from ..ner_jobs import train_later

    with transaction.atomic():
        # The project's row, locked: two requests at once do not queue two runs.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        reviewed = Review.objects.filter(project=project).count()
        if not reviewed:
            raise ValidationError({"non_field_errors": [NOTHING_REVIEWED]})
        waiting = NerModel.objects.filter(project=project, status=ModelStatus.QUEUED).first()
        if waiting is not None:
            raise ValidationError(
                {
                    "non_field_errors": [
                        f"{WAITING}the gold as it is when it starts (version "
                        f"{waiting.version}, job {waiting.job_id})."
                    ]
                }
            )
        return train_later(project=project, user=user, reviewed=reviewed, automatic=automatic)


def train_if_due(*, project: Project, actor) -> NerModel | None:
    """After a document is marked reviewed: queue a run when ``train_every`` documents have
    been reviewed since the last one was queued (none while one waits). Inside the
    review's transaction, so that the run is queued with it or not at all."""
    if project.train_every <= 0:
        return None
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if NerModel.objects.filter(project=project, status=ModelStatus.QUEUED).exists():
        return None
    last = (
        NerModel.objects.filter(project=project)
        .exclude(status=ModelStatus.FAILED)
        .order_by("-version")
        .values_list("reviewed", flat=True)
        .first()
    )
    reviewed = Review.objects.filter(project=project).count()
    if reviewed - (last or 0) < project.train_every:
        return None
    from ..ner_jobs import train_later

    return train_later(project=project, user=actor, reviewed=reviewed, automatic=True)


def model_suggest(*, model: NerModel, user) -> Job:
    """Queue the model's predictions on the project's documents not yet reviewed."""
    from ..ner_jobs import suggest_later

    if model.status != ModelStatus.READY:
        raise ValidationError(
            {"non_field_errors": [f"Model {model.version} is {model.status}, not ready."]}
        )
    with transaction.atomic():
        return suggest_later(model=model, user=user)


def unreviewed(project: Project):
    """The project's documents that are not reviewed, in id order."""
    reviewed = Review.objects.filter(project=project, document=OuterRef("pk"))
    return project.documents.exclude(Exists(reviewed)).order_by("pk")


def predictions_store(
    *,
    model: NerModel,
    suggestions: Sequence[Suggestion],
    confidences: Mapping[int, float],
) -> int:
    """Store a model's predictions on the unreviewed documents, in one transaction: its
    suggestions replace the undecided ones of this and every older model there (decided
    ones stay, with the spans they became), and each document's confidence is the newest
    model's. How many suggestions were stored."""
    project = model.project
    older = [
        model_source(version)
        for version in NerModel.objects.filter(
            project=project, version__lte=model.version
        ).values_list("version", flat=True)
    ]
    reviewed = Review.objects.filter(project=project, document=OuterRef("document"))
    with transaction.atomic():
        undecided = (
            Suggestion.objects.filter(project=project, source__in=older)
            .exclude(Exists(SuggestionDecision.objects.filter(suggestion=OuterRef("pk"))))
            .exclude(Exists(reviewed))
        )
        undecided.delete()
        before = Suggestion.objects.filter(project=project, source=model.source).count()
        suggestions_store(suggestions)
        stored = Suggestion.objects.filter(project=project, source=model.source).count() - before
        DocumentConfidence.objects.filter(project=project).exclude(Exists(reviewed)).delete()
        DocumentConfidence.objects.bulk_create(
            [
                DocumentConfidence(
                    project=project, document_id=document_id, model=model, confidence=confidence
                )
                for document_id, confidence in confidences.items()
            ],
            batch_size=2000,
        )
    return stored


def is_model_source(source: str) -> bool:
    return source.startswith(MODEL_PREFIX)
