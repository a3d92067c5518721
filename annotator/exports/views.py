"""Export through the web page, the API and (via the page) the admin: one engine behind all.

The download is a ``StreamingHttpResponse`` over the engine's generator. Its headers are
sent before the body, so for the formats whose overlap rule may merge or drop spans
(doccano, conll, spacy, hf) the engine first runs the same selection over the spans alone —
no texts, no tokens (``Export.account(tokens=False)``) — and ``X-Margin-Merged`` and
``X-Margin-Dropped`` carry what that rule merges and drops. What token alignment adjusts or
drops is only known while the body is written, each document being tokenised once: it is
counted in the dataset card (``card.json`` at the end of the zips, ``X-Margin-Card``
points at the card endpoint, which has every reason).
"""

import json
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from ..layers import LAYER_CHOICES, review_counts
from ..models import Project, Role
from ..ner_models import ModelStatus, NerModel, model_source
from ..permissions import REFUSED, Action, can, can_export_layer, project_or_404
from .card import unreviewed_note
from .engine import Export
from .options import FORMAT_CHOICES, STATUS_CHOICES, BadParameter, ExportOptions, options_parse

FORBIDDEN = REFUSED[Action.EXPORT]


def export_response(export: Export) -> StreamingHttpResponse:
    """The streamed file with its name and the counts of what its overlap rule merges and
    drops (token alignment's are in the card)."""
    counts = {"Dropped": 0, "Merged": 0}
    if export.format.rule != "keep_all":
        report = Export(project=export.project, options=export.options).account(tokens=False)
        counts = {"Dropped": report.dropped.total, "Merged": report.merged.total}
    response = StreamingHttpResponse(export.stream(), content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    for name, value in counts.items():
        response[f"X-Margin-{name}"] = str(value)
    card_url = reverse("api_export_card", args=[export.project.pk])
    response["X-Margin-Card"] = f"{card_url}?{urlencode(export.options.query())}"
    return response


# API -----------------------------------------------------------------------------------


class AnyAccept(BaseContentNegotiation):
    """The export answers with its file (or JSON errors) whatever ``Accept`` says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


PARAMETERS = [
    OpenApiParameter("format", str, enum=FORMAT_CHOICES, description="Default jsonl."),
    OpenApiParameter(
        "layer",
        str,
        description="all, gold, majority, mine, user:<name>, suggestions or model:<version>.",
    ),
    OpenApiParameter("status", str, enum=STATUS_CHOICES, description="Default any."),
    OpenApiParameter("labels", str, description="A subset, comma-separated: WEAPONS,PERSON."),
    OpenApiParameter("split", str, description="train,dev,test fractions: 0.8,0.1,0.1."),
    OpenApiParameter("seed", int, description="The split's seed (default 0)."),
    OpenApiParameter(
        "stratify",
        str,
        enum=["0", "1"],
        description="1: the split keeps each set of document labels in the given fractions.",
    ),
]


@extend_schema_view(
    get=extend_schema(
        parameters=PARAMETERS,
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, streamed, named (Content-Disposition) "
                "<project>_<layer>[_reviewed|_complete]_<format>[_<split>].<extension>; "
                "X-Margin-Merged and X-Margin-Dropped count "
                "what the format's overlap rule merged and dropped, X-Margin-Card is the "
                "card's URL.",
            ),
            400: OpenApiTypes.OBJECT,
        },
    )
)
class ExportView(APIView):
    """``GET /api/projects/{pid}/export/?format=&layer=&status=&labels=&split=&seed=``."""

    content_negotiation_class = AnyAccept

    def options(self, request, project_id: int) -> tuple[Project, ExportOptions]:
        project = project_or_404(request.user, project_id)
        try:
            options = options_parse(request.query_params, project=project, user=request.user)
        except BadParameter as error:
            raise exceptions.ValidationError(error.errors) from None
        if not can_export_layer(request.user, project, options.layer.name):
            raise exceptions.PermissionDenied(FORBIDDEN)
        return project, options

    def get(self, request, project_id: int):
        project, options = self.options(request, project_id)
        return export_response(Export(project=project, options=options))


@extend_schema_view(
    get=extend_schema(
        parameters=PARAMETERS, responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT}
    )
)
class ExportCardView(ExportView):
    """``GET /api/projects/{pid}/export/card/`` with the same parameters: the dataset card."""

    def get(self, request, project_id: int):
        project, options = self.options(request, project_id)
        export = Export(project=project, options=options)
        export.account()
        return Response(export.card())


api_export = login_not_required(ExportView.as_view())
api_export_card = login_not_required(ExportCardView.as_view())


# Web page ------------------------------------------------------------------------------


@require_GET
def export(request: HttpRequest, project_id: int) -> HttpResponse:
    """The export form; once submitted, the dataset card of that export and a download."""
    project = project_or_404(request.user, project_id)
    if "format" not in request.GET:
        return _page(request, project, params=request.GET, errors={})
    options = _allowed_options(request, project)
    if isinstance(options, HttpResponse):
        return options
    preview = Export(project=project, options=options)
    report = preview.account()
    card = preview.card()
    return _page(
        request,
        project,
        params=request.GET,
        errors={},
        card=card,
        card_json=json.dumps(card, ensure_ascii=False, indent=2),
        lines=report.lines(),
        query=urlencode(options.query()),
        filename=preview.filename,
    )


@require_GET
def export_download(request: HttpRequest, project_id: int) -> HttpResponse:
    """The file itself, streamed."""
    project = project_or_404(request.user, project_id)
    options = _allowed_options(request, project)
    if isinstance(options, HttpResponse):
        return options
    return export_response(Export(project=project, options=options))


@require_GET
def export_notice(request: HttpRequest, project_id: int) -> HttpResponse:
    """The page's notice for the form as it now stands (htmx asks when layer or status
    change): a gold export of documents not yet reviewed says so before the download."""
    project = project_or_404(request.user, project_id)
    return render(
        request,
        "annotator/export_notice.html",
        {"project": project, "notice": _review_notice(request, project, request.GET)},
    )


def _review_notice(request, project, params) -> dict | None:
    """How many of the documents a gold export takes have not been reviewed, with the
    link that asks for the reviewed ones only; None when that is not the question."""
    if params.get("layer") != "gold" or params.get("status") == "complete":
        return None
    if not can_export_layer(request.user, project, "gold"):
        return None
    documents, reviewed = review_counts(project)
    if documents == reviewed:
        return None
    only_reviewed = params.copy()  # the same export otherwise, shown with its card
    only_reviewed.setdefault("format", "jsonl")
    only_reviewed["status"] = "complete"
    return {
        "unreviewed": documents - reviewed,
        "reviewed": reviewed,
        "documents": documents,
        "text": unreviewed_note(documents - reviewed, documents),
        "reviewed_only": f"{reverse('export', args=[project.pk])}?{only_reviewed.urlencode()}",
    }


def _allowed_options(request, project) -> ExportOptions | HttpResponse:
    """The export the page asks for, or the page again saying why it cannot be had."""
    try:
        options = options_parse(request.GET, project=project, user=request.user)
    except BadParameter as error:
        return _page(request, project, params=request.GET, errors=error.errors, status=400)
    if not can_export_layer(request.user, project, options.layer.name):
        return _page(
            request, project, params=request.GET, errors={"layer": [FORBIDDEN]}, status=403
        )
    return options


def _page(request, project, *, params, errors, status=200, **extra) -> HttpResponse:
    reviewer = can(request.user, project, Action.EXPORT)
    layers = list(LAYER_CHOICES) if reviewer else ["mine"]
    if reviewer:
        layers += [
            f"user:{name}"
            for name in project.memberships.filter(role=Role.ANNOTATOR)
            .order_by("user__username")
            .values_list("user__username", flat=True)
        ]
        # A ready model's suggestions, to compare with gold (the card names the version).
        layers += [
            model_source(version)
            for version in NerModel.objects.filter(project=project, status=ModelStatus.READY)
            .order_by("-version")
            .values_list("version", flat=True)
        ]
    given = params.getlist("labels") if hasattr(params, "getlist") else []
    chosen_labels = {name for value in given for name in value.split(",")} - {""}
    context = {
        "project": project,
        "errors": errors,
        "formats": _choices(FORMAT_CHOICES, params.get("format", "jsonl")),
        "layers": _choices(layers, params.get("layer", "all" if reviewer else "mine")),
        "statuses": _choices(STATUS_CHOICES, params.get("status", "any")),
        "labels": [
            {"value": name, "selected": name in chosen_labels}
            for name in project.labels.values_list("name", flat=True)
        ],
        "split": params.get("split", ""),
        "seed": params.get("seed", "0"),
        "notice": _review_notice(request, project, params),
        **extra,
    }
    return render(request, "annotator/export.html", context, status=status)


def _choices(values, selected: str) -> list[dict]:
    return [{"value": value, "selected": value == selected} for value in values]
