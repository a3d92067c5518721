"""Training and prediction in a worker (DESIGN.md, "Background work", "Models"): a model
learns from the gold of the project's reviewed documents outside the evaluation slice, is
measured on those inside it, and suggests spans on the documents not yet reviewed."""

from collections import defaultdict
from typing import Any

from django.db.models import Max
from django.tasks import task
from django.utils import timezone

from corpus.models import Document

from . import ner
from .jobs import Job, JobFailed, JobKind, JobStatus, job_run
from .models import Label, Project, Review, Span
from .ner_models import ModelStatus, NerModel
from .suggestions import Suggestion

# Documents read (and predicted) at once.
CHUNK = 200
# Errors on the evaluation slice kept with a model, for its page.
ERRORS_KEPT = 500


def train_later(*, project: Project, user, reviewed: int, automatic: bool) -> NerModel:
    """Queue the next version's training (inside the caller's transaction, which holds the
    project's lock: versions are numbered one by one)."""
    last = NerModel.objects.filter(project=project).aggregate(last=Max("version"))["last"]
    job = Job.objects.create(project=project, kind=JobKind.TRAIN, created_by=user)
    model = NerModel.objects.create(
        project=project,
        version=(last or 0) + 1,
        reviewed=reviewed,
        automatic=automatic,
        config=ner.CONFIG,
        job=job,
        created_by=user,
    )
    job.task_id = model_train.enqueue(job.pk, model.pk).id
    job.save(update_fields=["task_id"])
    return model


def suggest_later(*, model: NerModel, user) -> Job:
    job = Job.objects.create(project_id=model.project_id, kind=JobKind.SUGGEST, created_by=user)
    job.task_id = model_suggest.enqueue(job.pk, model.pk).id
    job.save(update_fields=["task_id"])
    return job


@task
def model_train(job_id: int, model_id: int) -> dict[str, Any] | None:
    try:
        return job_run(job_id, lambda job: _train(job, model_id))
    finally:
        _failed(model_id, job_id)


def _failed(model_id: int, job_id: int) -> None:
    """A run whose job failed leaves its model failed, saying why (the job's words)."""
    job = Job.objects.filter(pk=job_id, status=JobStatus.FAILED).only("error").first()
    if job is not None:
        NerModel.objects.filter(pk=model_id).exclude(status=ModelStatus.READY).update(
            status=ModelStatus.FAILED, error=job.error, finished_at=timezone.now()
        )


def _gold(project: Project, ids: list[int]) -> tuple[list[str], list[list[ner.Span]]]:
    """The texts of these documents and their gold spans, in the order of ``ids``."""
    texts = dict(Document.objects.filter(pk__in=ids).values_list("pk", "text"))
    spans: dict[int, list[ner.Span]] = defaultdict(list)
    rows = Span.objects.filter(project=project, gold=True, document__in=ids).values_list(
        "document_id", "start", "end", "label__name"
    )
    for document_id, start, end, label in rows:
        spans[document_id].append((start, end, label))
    return [texts[pk] for pk in ids], [sorted(spans[pk]) for pk in ids]


def _train(job: Job, model_id: int) -> dict[str, Any]:
    project: Project = job.project
    model = NerModel.objects.filter(pk=model_id, project=project).defer("data").first()
    if model is None:
        raise JobFailed("The model has been deleted since; nothing was trained.")
    NerModel.objects.filter(pk=model.pk).update(status=ModelStatus.TRAINING)
    reviewed = sorted(
        Review.objects.filter(project=project)
        .filter(document__in=project.documents.values("pk"))
        .values_list("document_id", flat=True)
    )
    training = [pk for pk in reviewed if not ner.in_evaluation(pk)]
    held_out = [pk for pk in reviewed if ner.in_evaluation(pk)]
    if not training:
        raise JobFailed(
            f"None of the {len(reviewed)} reviewed document(s) is left to learn from: one "
            f"document in {ner.EVALUATION_ONE_IN} (by its id) is kept for evaluation. Review "
            "more documents and train again."
        )
    labels = list(Label.objects.filter(project=project).values_list("name", flat=True))
    texts, gold = _gold(project, training)
    if not any(gold):
        raise JobFailed(
            f"The {len(training)} reviewed document(s) to learn from have no gold span: "
            "there is nothing to learn. Curate gold spans and train again."
        )
    trained = ner.train(
        texts, gold, labels, config=model.config, progress=lambda done: job.advance(done, 1.25)
    )
    metrics = evaluation = None
    if held_out:
        nlp = ner.load(trained.data, trained.config)
        held_texts, held_gold = _gold(project, held_out)
        predicted = [
            [span[:3] for span in prediction.spans]
            for prediction in ner.predict(nlp, held_texts, beam_width=trained.config["beam_width"])
        ]
        scored = ner.evaluate(held_gold, predicted, labels)
        metrics = scored.metrics
        evaluation = {
            "confusion": scored.confusion,
            "errors": [
                [held_out[index], start, end, truth, guess]
                for index, start, end, truth, guess in scored.errors[:ERRORS_KEPT]
            ],
        }
    NerModel.objects.filter(pk=model.pk).update(
        status=ModelStatus.READY,
        data=trained.data,
        config=trained.config,
        documents=len(training),
        trained_on=training,
        evaluated=len(held_out),
        metrics=metrics,
        evaluation=evaluation,
        seconds=round(trained.seconds, 2),
        finished_at=timezone.now(),
    )
    result: dict[str, Any] = {
        "model": model.pk,
        "version": model.version,
        "documents": len(training),
        "evaluated": len(held_out),
        "f1": metrics["f1"] if metrics else None,
        "seconds": round(trained.seconds, 2),
    }
    if model.automatic:
        # Retrained by ``train_every``: its suggestions follow without anyone asking.
        result["suggest_job"] = suggest_later(model=model, user=job.created_by).pk
    return result


@task
def model_suggest(job_id: int, model_id: int) -> dict[str, Any] | None:
    return job_run(job_id, lambda job: _suggest(job, model_id))


def _suggest(job: Job, model_id: int) -> dict[str, Any]:
    from .services.ner import predictions_store, unreviewed

    project: Project = job.project
    model = NerModel.objects.filter(pk=model_id, project=project).first()
    if model is None or model.status != ModelStatus.READY or not model.data:
        raise JobFailed("The model is gone or not trained; nothing was suggested.")
    nlp = ner.load(bytes(model.data), model.config)
    labels = dict(Label.objects.filter(project=project).values_list("name", "pk"))
    beam_width = model.config.get("beam_width", ner.CONFIG["beam_width"])
    ids = list(unreviewed(project).values_list("pk", flat=True))
    suggestions: list[Suggestion] = []
    confidences: dict[int, float] = {}
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        rows = list(Document.objects.filter(pk__in=chunk).order_by("pk").values_list("pk", "text"))
        texts = [text for _, text in rows]
        for (document_id, _), prediction in zip(
            rows, ner.predict(nlp, texts, beam_width=beam_width), strict=True
        ):
            confidences[document_id] = prediction.confidence
            suggestions += [
                Suggestion(
                    project_id=project.pk,
                    document_id=document_id,
                    label_id=labels[label],
                    start=start,
                    end=end,
                    source=model.source,
                    score=score,
                )
                for start, end, label, score in prediction.spans
                # A label deleted since the model learnt it is suggested no more.
                if label in labels
            ]
        job.advance(first + len(chunk), len(ids) * 1.1)  # the last tenth: storing
    stored = predictions_store(model=model, suggestions=suggestions, confidences=confidences)
    return {
        "model": model.pk,
        "version": model.version,
        "documents": len(ids),
        "suggestions": stored,
    }
