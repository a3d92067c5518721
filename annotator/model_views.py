"""The models page (reviewers and managers): every version with its metrics, the learning
curve, and for one version its figures per label, its confusion table and its errors on the
evaluation slice, each linked to the document's review page. Managers train a new version
and run one over the documents not yet reviewed (background jobs); while one is queued or
training, the panel polls until it is done."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import services
from .learning_curve import curve
from .models import Project
from .ner_models import ModelStatus, NerModel
from .permissions import Action, can_train, project_view

TEMPLATE = "annotator/models.html"
ERRORS_SHOWN = 100
IN_PROGRESS = [ModelStatus.QUEUED, ModelStatus.TRAINING]


def _context(request, project: Project) -> dict:
    versions = list(
        NerModel.objects.filter(project=project).only(*NerModel.LISTED).order_by("-version")
    )
    wanted = request.GET.get("version", "")
    ready = [m for m in versions if m.status == ModelStatus.READY]
    shown = next((m for m in versions if str(m.version) == wanted), ready[0] if ready else None)
    evaluation, per_label, errors, labels = None, [], [], []
    if shown is not None:
        evaluation = (
            NerModel.objects.filter(pk=shown.pk).values_list("evaluation", flat=True).first()
        )
        per_label = sorted(((shown.metrics or {}).get("per_label") or {}).items())
    if evaluation:
        confusion = evaluation.get("confusion", {})
        labels = sorted(set(confusion) | {g for row in confusion.values() for g in row})
        # "" (no span there) last, as the table's "none" row and column.
        labels = [name for name in labels if name] + ([""] if "" in labels else [])
        rows = [
            (gold, [(guess, confusion.get(gold, {}).get(guess, 0)) for guess in labels])
            for gold in labels
        ]
        listed = evaluation.get("errors", [])[:ERRORS_SHOWN]
        titles = dict(
            project.documents.filter(pk__in={e[0] for e in listed}).values_list("pk", "title")
        )
        texts = dict(
            project.documents.filter(pk__in={e[0] for e in listed}).values_list("pk", "text")
        )
        errors = [
            {
                "document": document,
                "title": titles.get(document) or f"Document {document}",
                "text": texts.get(document, "")[start:end],
                "start": start,
                "gold": gold,
                "predicted": predicted,
            }
            for document, start, end, gold, predicted in listed
            if document in titles
        ]
        evaluation = {"rows": rows, "labels": labels, "total": len(evaluation.get("errors", []))}
    return {
        "project": project,
        "versions": versions,
        "shown": shown,
        "per_label": per_label,
        "evaluation": evaluation,
        "errors": errors,
        "curve": curve(versions),
        "can_train": can_train(request.user, project),
        "busy": any(m.status in IN_PROGRESS for m in versions),
    }


@require_GET
@project_view(Action.REVIEW)
def models_page(request, project: Project):
    context = _context(request, project)
    if request.htmx and request.GET.get("panel"):
        return render(request, f"{TEMPLATE}#panel", context)
    return render(request, TEMPLATE, context)


def _answer(request, project: Project, status: int = 200):
    """The panel again (htmx), or the page (a plain form's POST, then GET)."""
    if request.htmx:
        return render(request, f"{TEMPLATE}#panel", _context(request, project), status=status)
    return redirect("models", project.pk)


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_POST
@project_view(Action.MANAGE)
def model_train(request, project: Project):
    try:
        model = services.model_train(project=project, user=request.user)
    except ValidationError as error:
        messages.error(request, _refusal(error))
        return _answer(request, project, status=422)
    messages.success(
        request, f"Version {model.version} is queued for training (job {model.job_id})."
    )
    return _answer(request, project)


@require_POST
@project_view(Action.MANAGE)
def model_suggest(request, project: Project, model_id: int):
    model = NerModel.objects.filter(project=project, pk=model_id).only(*NerModel.LISTED).first()
    if model is None:
        messages.error(request, "There is no such model in this project.")
        return _answer(request, project, status=404)
    try:
        job = services.model_suggest(model=model, user=request.user)
    except ValidationError as error:
        messages.error(request, _refusal(error))
        return _answer(request, project, status=422)
    messages.success(
        request,
        f"Version {model.version} is suggesting spans on the documents not yet reviewed "
        f"(job {job.pk}); they appear as source {model.source}.",
    )
    return _answer(request, project)
