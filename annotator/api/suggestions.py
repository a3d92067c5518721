"""Suggestions (../shared/API.md, "Suggestions"): a document's pending ones, accepting and
rejecting them, per-source figures, and rule sets applied as background jobs."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..permissions import (
    Action,
    IsManager,
    can_decide,
    can_see_decisions,
    project_for,
    require,
    visible_suggestions,
)
from ..rules import PatternsRefused, patterns_read
from ..suggestion_jobs import rules_apply_later
from ..suggestions import RULE_NAME_MAX, RuleSet, Suggestion
from .pagination import SpanPagination
from .parsers import JSONBodyParser
from .serializers import SpanSerializer
from .views import GOLD_ONLY, APIDefaults, DocumentScoped, ProjectScoped, _refused, gold_asked

LAYER = OpenApiParameter(
    "layer", enum=["annotator", "gold"], description="`gold`: reviewers and managers."
)


def list_asked(request, project) -> tuple[bool, bool]:
    """What a document's list of suggestions (of spans, document labels or relations) is
    asked for: ``?all=1``, every suggestion with everyone's decision counts, and
    ``?layer=gold``, gold's pending ones — both for reviewers and managers only."""
    every = request.query_params.get("all") not in (None, "", "0")
    gold = gold_asked(request)
    if gold and not can_see_decisions(request.user, project):
        raise PermissionDenied(GOLD_ONLY)
    if every and not can_see_decisions(request.user, project):
        raise PermissionDenied("Only the project's reviewers and managers may see all.")
    return every, gold


SUGGESTION_SHAPE = inline_serializer(
    "Suggestion",
    {
        "id": serializers.IntegerField(),
        "start": serializers.IntegerField(),
        "end": serializers.IntegerField(),
        "label": serializers.CharField(),
        "text": serializers.CharField(),
        "source": serializers.CharField(),
        "score": serializers.FloatField(allow_null=True),
        "decisions": inline_serializer(
            "SuggestionDecisions",
            {"accepted": serializers.IntegerField(), "rejected": serializers.IntegerField()},
            required=False,
        ),
    },
)


class DocumentSuggestionsView(DocumentScoped, APIView):
    """The document's suggestions I have not decided (gold's with ``?layer=gold``); every
    suggestion with everyone's decision counts with ``?all=1`` (reviewers, managers)."""

    pagination_class = SpanPagination

    @extend_schema(
        parameters=[LAYER, OpenApiParameter("all", enum=["1"])],
        responses={200: SUGGESTION_SHAPE},
    )
    def get(self, request, *args, **kwargs):
        project, document, user = self.project, self.document, request.user
        every, gold = list_asked(request, project)
        if every:
            suggestions = services.with_decision_counts(
                Suggestion.objects.filter(project=project, document=document)
            ).order_by("start", "end", "id")
            columns = ("id", "start", "end", "label__name", "source", "score")
            rows = suggestions.values_list(*columns, "accepted_count", "rejected_count")
        else:
            suggestions = services.pending(project, document, user, gold=gold)
            rows = suggestions.values_list("id", "start", "end", "label__name", "source", "score")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        text = document.text
        results = []
        for row in page:
            pk, start, end, label, source, score = row[:6]
            item = {
                "id": pk,
                "start": start,
                "end": end,
                "label": label,
                "text": text[start:end],
                "source": source,
                "score": score,
            }
            if every:
                item["decisions"] = {"accepted": row[6], "rejected": row[7]}
            results.append(item)
        return paginator.get_paginated_response(results)


class BulkAcceptSerializer(serializers.Serializer):
    ids = serializers.ListField(
        # An id past a 64-bit key is no suggestion: refused here, not an overflow below.
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=10_000,
    )
    source = serializers.CharField(required=False, trim_whitespace=False, max_length=100)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in data) == ("source" in data):
            raise ValidationError(
                {"non_field_errors": ["Give either 'ids' (a list of suggestion ids) or 'source'."]}
            )
        return data


class DocumentSuggestionsAcceptView(DocumentScoped, APIView):
    """Accept many of the document's pending suggestions into my layer (or gold)."""

    @extend_schema(
        parameters=[LAYER],
        request=BulkAcceptSerializer,
        responses={
            201: inline_serializer(
                "SuggestionsAccepted",
                {
                    "created": serializers.ListField(child=serializers.IntegerField()),
                    "refused": serializers.DictField(child=serializers.CharField()),
                },
            )
        },
    )
    def post(self, request, *args, **kwargs):
        project, document, user = self.project, self.document, request.user
        gold = gold_asked(request)
        if not can_decide(user, project, gold=gold):
            raise PermissionDenied(GOLD_ONLY)
        body = BulkAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            created, refused = services.suggestions_accept(
                project=project, document=document, user=user, gold=gold, **body.validated_data
            )
        except DjangoValidationError as error:
            raise _refused(error) from None
        return Response({"created": created, "refused": refused}, status=status.HTTP_201_CREATED)


class SuggestionDecisionView(APIDefaults, APIView):
    """``/api/suggestions/{id}/accept/`` and ``…/reject/`` (and those of suggested document
    labels and relations, with their ``model``): my decision (gold's with ``?layer=gold``)
    on one suggestion of a project I belong to (404 otherwise). ``decide`` answers with
    what an acceptance made, serialized, or None (204)."""

    model = Suggestion
    related: tuple[str, ...] = ("label", "document")

    def _suggestion(self):
        suggestion = (
            self.model.objects.filter(visible_suggestions(self.request.user))
            .select_related(*self.related)
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if suggestion is None:
            raise NotFound()
        # The project with the user's role on it, as every permission asks it.
        suggestion.project = project_for(self.request.user, suggestion.project_id)
        if suggestion.project is None:
            raise NotFound()
        return suggestion

    def decide(self, suggestion, user, gold: bool) -> dict | None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        suggestion = self._suggestion()
        gold = gold_asked(request)
        if not can_decide(request.user, suggestion.project, gold=gold):
            raise PermissionDenied(GOLD_ONLY)
        try:
            made = self.decide(suggestion, request.user, gold)
        except DjangoValidationError as error:
            raise _refused(error) from None
        except IntegrityError:
            # The same person's two acceptances at once: the second finds the first's row.
            raise ValidationError(
                {"non_field_errors": ["This suggestion was decided at the same moment."]}
            ) from None
        if made is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(made, status=status.HTTP_201_CREATED)


class SuggestionAcceptView(SuggestionDecisionView):
    @extend_schema(request=None, parameters=[LAYER], responses={201: SpanSerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def decide(self, suggestion, user, gold: bool) -> dict:
        span = services.suggestion_accept(suggestion=suggestion, user=user, gold=gold)
        return SpanSerializer(span, context={"document": suggestion.document}).data


class SuggestionRejectView(SuggestionDecisionView):
    @extend_schema(request=None, parameters=[LAYER], responses={204: None})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def decide(self, suggestion, user, gold: bool) -> None:
        services.suggestion_reject(suggestion=suggestion, user=user, gold=gold)


# What the stats count: span suggestions by default (the contract), or suggested document
# labels or relations.
STATS = {
    "spans": services.suggestion_stats,
    "document_labels": services.category_suggestion_stats,
    "relations": services.relation_suggestion_stats,
}


class SuggestionStatsView(ProjectScoped, APIView):
    """Per source: offered, accepted, rejected, pending, precision and recall against gold
    on reviewed documents (reviewers and managers); of span suggestions, or with
    ``?kind=document_labels`` or ``?kind=relations`` of those."""

    @extend_schema(
        parameters=[OpenApiParameter("kind", enum=list(STATS), default="spans")],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='One entry per source, by its name: {"offered", "accepted", '
                '"rejected", "pending", "precision", "recall"} (the last two null without '
                "reviewed gold).",
            ),
            400: OpenApiResponse(description="An unknown kind."),
        },
    )
    def get(self, request, *args, **kwargs):
        require(request.user, self.project, Action.REVIEW)
        kind = request.query_params.get("kind", "spans")
        if kind not in STATS:
            raise ValidationError({"kind": [f"kind is one of {', '.join(STATS)}."]})
        return Response(STATS[kind](self.project))


# Rule sets ------------------------------------------------------------------------------


class RuleSetSerializer(serializers.ModelSerializer):
    """Its fields' types; what a set may hold is ``services.rule_set_create``'s to say."""

    name = serializers.CharField(max_length=RULE_NAME_MAX)
    patterns = serializers.JSONField(
        help_text='spaCy EntityRuler patterns: [{"label": "WEAPONS", "pattern": "Kinzhal"}, '
        '{"label": …, "pattern": [{"LOWER": "hwasong"}, {"IS_DIGIT": true}]}]'
    )
    case_sensitive = serializers.BooleanField(required=False, default=False)
    source = serializers.CharField(read_only=True)

    class Meta:
        model = RuleSet
        fields = ["id", "name", "patterns", "case_sensitive", "source", "created_at"]
        read_only_fields = ["id", "created_at"]


class RuleSetViewSet(
    ProjectScoped, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """A project's rule sets; managers add them (JSON, or a ``.jsonl``/``.tsv`` file), apply
    them (a background job) and delete them."""

    serializer_class = RuleSetSerializer
    parser_classes = [JSONBodyParser, MultiPartParser]
    lookup_value_regex = "[0-9]+"

    def get_permissions(self):
        permissions = super().get_permissions()
        return permissions if self.action == "list" else [*permissions, IsManager()]

    def get_queryset(self):
        return RuleSet.objects.filter(project=self.project).order_by("name")

    @extend_schema(request=RuleSetSerializer, responses={201: RuleSetSerializer})
    def create(self, request, *args, **kwargs):
        data = request.data
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            try:
                patterns = patterns_read(upload.name, upload.read())
            except PatternsRefused as refused:
                raise ValidationError({"file": refused.problems}) from None
            data = {
                "name": data.get("name") or upload.name.rsplit(".", 1)[0],
                "patterns": patterns,
                "case_sensitive": data.get("case_sensitive", False),
            }
        serializer = self.get_serializer(data=data)
        serializer.is_valid(raise_exception=True)
        try:
            rule_set = services.rule_set_create(
                project=self.project, user=request.user, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(self.get_serializer(rule_set).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Delete the set and its undecided suggestions (decided ones stay, with their
        spans)."""
        services.rule_set_delete(rule_set=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={202: inline_serializer("RulesJob", {"job": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, *args, **kwargs):
        rule_set = self.get_object()
        job = rules_apply_later(rule_set=rule_set, user=request.user)
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)
