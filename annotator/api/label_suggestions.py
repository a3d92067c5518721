"""Suggested document labels and relations (API.md, "Suggestions"): a document's pending
ones, and my decision (gold's with ``?layer=gold``) on one, as for span suggestions."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView

from .. import services
from ..label_suggestions import (
    CategorySuggestion,
    CategorySuggestionDecision,
    RelationSuggestion,
    RelationSuggestionDecision,
)
from ..services.label_suggestions import with_counts
from .categories import CategorySerializer
from .pagination import SpanPagination
from .relations import RelationSerializer
from .suggestions import LAYER, SuggestionDecisionView, list_asked
from .views import DocumentScoped

DECISIONS = inline_serializer(
    "LabelSuggestionDecisions",
    {"accepted": serializers.IntegerField(), "rejected": serializers.IntegerField()},
    required=False,
)
CATEGORY_SUGGESTION = inline_serializer(
    "CategorySuggestion",
    {
        "id": serializers.IntegerField(),
        "label": serializers.CharField(),
        "source": serializers.CharField(),
        "score": serializers.FloatField(allow_null=True),
        "decisions": DECISIONS,
    },
)
RELATION_SUGGESTION = inline_serializer(
    "RelationSuggestion",
    {
        "id": serializers.IntegerField(),
        "type": serializers.CharField(),
        "from": serializers.IntegerField(help_text="The span suggestion it starts at."),
        "to": serializers.IntegerField(help_text="The span suggestion it ends at."),
        "source": serializers.CharField(),
        "score": serializers.FloatField(allow_null=True),
        "decisions": DECISIONS,
    },
)


class _DocumentLabelSuggestions(DocumentScoped, APIView):
    """Pending for me (gold's with ``?layer=gold``); every one with everyone's decision
    counts with ``?all=1`` (reviewers and managers)."""

    pagination_class = SpanPagination
    model = CategorySuggestion
    decision_model = CategorySuggestionDecision
    columns = ("id", "label__name", "source", "score")
    keys = ("id", "label", "source", "score")

    def pending(self, gold: bool):
        return services.category_suggestions_pending(
            self.project, self.document, self.request.user, gold=gold
        )

    def get(self, request, *args, **kwargs):
        project, document = self.project, self.document
        every, gold = list_asked(request, project)
        if every:
            suggestions = with_counts(
                self.model.objects.filter(project=project, document=document),
                self.decision_model,
            ).order_by("id")
            rows = suggestions.values_list(*self.columns, "accepted_count", "rejected_count")
        else:
            rows = self.pending(gold).values_list(*self.columns)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        results = []
        for row in page:
            item = dict(zip(self.keys, row, strict=False))
            if every:
                item["decisions"] = {"accepted": row[-2], "rejected": row[-1]}
            results.append(item)
        return paginator.get_paginated_response(results)


class DocumentCategorySuggestionsView(_DocumentLabelSuggestions):
    @extend_schema(
        parameters=[LAYER, OpenApiParameter("all", enum=["1"])],
        responses={200: CATEGORY_SUGGESTION},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DocumentRelationSuggestionsView(_DocumentLabelSuggestions):
    model = RelationSuggestion
    decision_model = RelationSuggestionDecision
    columns = ("id", "type__name", "from_suggestion_id", "to_suggestion_id", "source", "score")
    keys = ("id", "type", "from", "to", "source", "score")

    def pending(self, gold: bool):
        return services.relation_suggestions_pending(
            self.project, self.document, self.request.user, gold=gold
        )

    @extend_schema(
        parameters=[LAYER, OpenApiParameter("all", enum=["1"])],
        responses={200: RELATION_SUGGESTION},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _Decision(SuggestionDecisionView):
    """Decisions on suggested document labels (and, with its ``model``, relations)."""

    model = CategorySuggestion
    related = ("document",)


class CategorySuggestionAcceptView(_Decision):
    @extend_schema(request=None, parameters=[LAYER], responses={201: CategorySerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def decide(self, suggestion, user, gold: bool):
        category = services.category_suggestion_accept(suggestion=suggestion, user=user, gold=gold)
        return CategorySerializer(category, context={"project": suggestion.project}).data


class CategorySuggestionRejectView(_Decision):
    @extend_schema(request=None, parameters=[LAYER], responses={204: None})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def decide(self, suggestion, user, gold: bool):
        services.category_suggestion_reject(suggestion=suggestion, user=user, gold=gold)


class RelationSuggestionAcceptView(_Decision):
    model = RelationSuggestion

    @extend_schema(request=None, parameters=[LAYER], responses={201: RelationSerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def decide(self, suggestion, user, gold: bool):
        relation = services.relation_suggestion_accept(suggestion=suggestion, user=user, gold=gold)
        return RelationSerializer(relation).data


class RelationSuggestionRejectView(_Decision):
    model = RelationSuggestion

    @extend_schema(request=None, parameters=[LAYER], responses={204: None})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def decide(self, suggestion, user, gold: bool):
        services.relation_suggestion_reject(suggestion=suggestion, user=user, gold=gold)
