"""Inconsistent labelling: the same text given different labels within one layer (gold by
default, or one annotator's), most conflicting first (API.md, "Search")."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, QuerySet
from django.db.models.functions import Lower, Substr

from corpus.models import Document

from .models import Project, Span
from .permissions import REFUSED, Action, can
from .search import parse_layer


def consistency_layer(project: Project, user, params: Mapping[str, str]) -> QuerySet:
    """The spans of the layer ``?layer=`` names (``gold`` by default, ``mine``,
    ``user:<name>``), when the user may read it."""
    errors: dict[str, list[str]] = {}
    name = params.get("layer") or "gold"
    layer, annotator = parse_layer(project, user, name, errors)
    if layer == "suggestions":
        errors["layer"] = ["Must be gold, mine or user:<username>."]
    if errors:
        raise ValidationError(errors)
    spans = Span.objects.filter(project=project)
    if layer == "gold":
        if not can(user, project, Action.REVIEW):
            raise PermissionDenied(REFUSED[Action.REVIEW])
        return spans.filter(gold=True)
    if annotator.pk != user.pk and not can(user, project, Action.REVIEW):
        raise PermissionDenied(REFUSED[Action.REVIEW])
    return spans.filter(gold=False, annotator=annotator)


def conflicts(spans: QuerySet) -> list[dict[str, Any]]:
    """Texts (compared without case) that the layer gives more than one label: ``{"text",
    "labels": {name: spans}, "documents": None}``, those with the most spans outside their
    commonest label first. ``documents`` is filled for a page by ``with_documents``."""
    said = spans.annotate(
        said=Lower(Substr(F("document__text"), F("start") + 1, F("end") - F("start")))
    )
    counts: dict[str, dict[str, int]] = {}
    for text, label, n in said.values_list("said", "label__name").annotate(n=Count("pk")):
        counts.setdefault(text, {})[label] = n
    rows = [
        {"text": text, "labels": dict(sorted(labels.items(), key=lambda kv: (-kv[1], kv[0])))}
        for text, labels in counts.items()
        if len(labels) > 1
    ]

    def conflicting(row: dict) -> tuple:
        values = row["labels"].values()
        return (-(sum(values) - max(values)), -sum(values), row["text"])

    return sorted(rows, key=conflicting)


def with_documents(spans: QuerySet, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with the ids of the documents where its text stands in the layer."""
    said = spans.annotate(
        said=Lower(Substr(F("document__text"), F("start") + 1, F("end") - F("start")))
    )
    found: dict[str, set[int]] = {}
    texts = [row["text"] for row in rows]
    for text, document in said.filter(said__in=texts).values_list("said", "document_id"):
        found.setdefault(text, set()).add(document)
    return [{**row, "documents": sorted(found.get(row["text"], ()))} for row in rows]


def report(project: Project, *, rows: int = 10, documents: int = 5) -> dict[str, Any]:
    """The dashboard's report on gold: the most conflicting texts, each with the first
    documents it stands in (ids and titles read in one query)."""
    spans = Span.objects.filter(project=project, gold=True)
    found = conflicts(spans)
    shown = with_documents(spans, found[:rows])
    wanted = {pk for row in shown for pk in row["documents"][:documents]}
    titles = {document.pk: document for document in Document.objects.filter(pk__in=wanted)}
    for row in shown:
        row["more"] = max(0, len(row["documents"]) - documents)
        row["documents"] = [titles[pk] for pk in row["documents"][:documents]]
    return {"conflicts": shown, "conflicts_total": len(found)}
