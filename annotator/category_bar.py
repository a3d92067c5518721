"""The workspace's document labels: a bar of toggles above the article, one per document
label of the project, pressed when the layer (the person's own, or gold on the review page)
gives the document that label. On the review page each toggle also names the analysts
whose layers give it, so that the reviewer sets gold knowing who said what.

A toggle's answer is this bar alone (with the status line and the document's actions out
of band): a few hundred bytes, whatever the length of the article.
"""

from collections import defaultdict

from django.urls import reverse

from corpus.models import Document

from .categories import Category
from .models import Label, LabelKind, Project
from .permissions import can_decide
from .services.label_suggestions import category_suggestions_pending


def document_labels(labels: list[Label]) -> list[Label]:
    return [label for label in labels if label.kind == LabelKind.DOCUMENT]


def bar(request, project: Project, document: Document, labels: list[Label], *, gold: bool) -> dict:
    """The bar's context: each document label with whether the layer has it (and, on the
    review page, who among the analysts gave it). No query when the project has no
    document labels; one, or two on the review page, when it has."""
    kinds = document_labels(labels)
    url = reverse("category_toggle", args=[project.pk, document.pk])
    context = {"category_url": f"{url}?layer=gold" if gold else url, "categories": []}
    if not kinds:
        return context
    layer = Category.objects.filter(project=project, document=document)
    layer = layer.gold() if gold else layer.by(request.user)
    mine = dict(layer.values_list("label_id", "pk"))
    given: dict[int, list[str]] = defaultdict(list)
    if gold:
        analysts = Category.objects.filter(project=project, document=document, gold=False)
        for label_id, username in analysts.order_by("annotator__username").values_list(
            "label_id", "annotator__username"
        ):
            given[label_id].append(username)
    context["categories"] = [
        {"label": label, "on": label.pk in mine, "by": ", ".join(given.get(label.pk, []))}
        for label in kinds
    ]
    context["category_suggestions"] = suggested(request, project, document, gold=gold)
    return context


def suggested(request, project: Project, document: Document, *, gold: bool) -> list[dict]:
    """The suggested document labels pending for the layer, as dashed chips beside the
    toggles, each with the URLs that accept and reject it (one query; none for whoever may
    not decide for this layer)."""
    if not can_decide(request.user, project, gold=gold):
        return []
    layer = "?layer=gold" if gold else ""
    rows = category_suggestions_pending(project, document, request.user, gold=gold)
    return [
        {
            "id": pk,
            "label": label,
            "label_id": label_id,
            "source": source,
            "score": score,
            "accept": reverse("category_suggestion_accept", args=[project.pk, pk]) + layer,
            "reject": reverse("category_suggestion_reject", args=[project.pk, pk]) + layer,
        }
        for pk, label_id, label, source, score in rows.values_list(
            "pk", "label_id", "label__name", "source", "score"
        )
    ]
