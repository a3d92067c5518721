"""Search (../shared/API.md, "Search"): hits of a phrase or of annotations, paginated."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView

from ..models import Status
from ..search import hits, search_parse
from .pagination import Pagination
from .views import ProjectScoped, _refused

HIT_SHAPE = inline_serializer(
    "SearchHit",
    {
        "document": serializers.IntegerField(),
        "title": serializers.CharField(),
        "start": serializers.IntegerField(),
        "end": serializers.IntegerField(),
        "text": serializers.CharField(),
        "left": serializers.CharField(),
        "right": serializers.CharField(),
        "id": serializers.IntegerField(required=False),
        "label": serializers.CharField(required=False),
        "annotator": serializers.CharField(required=False, allow_null=True),
        "layer": serializers.CharField(required=False),
        "origin": serializers.CharField(required=False, allow_null=True),
        "source": serializers.CharField(required=False),
    },
    many=True,
)
HITS_PAGE = inline_serializer(
    "SearchHits",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": HIT_SHAPE,
    },
)
SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="A phrase: whole words, any case."),
    OpenApiParameter("label", str, description="A label's name."),
    OpenApiParameter(
        "layer", str, description="`mine`, `gold`, `suggestions` or `user:<username>`."
    ),
    OpenApiParameter("annotator", str, description="A username: that annotator's layer."),
    OpenApiParameter("status", enum=Status.values, description="My status of the document."),
    OpenApiParameter("disputed", enum=["0", "1"], description="Where annotators disagree."),
    OpenApiParameter("source", str, description="A suggestion's source (or a span's origin)."),
]


class SearchView(ProjectScoped, APIView):
    """Whole-word, case-insensitive phrase hits with their context, or (no ``q``) the
    spans a label or layer selects."""

    pagination_class = Pagination

    @extend_schema(parameters=SEARCH_PARAMETERS, responses={200: HITS_PAGE})
    def get(self, request, *args, **kwargs):
        try:
            search = search_parse(self.project, request.user, request.query_params)
        except DjangoValidationError as error:
            raise _refused(error) from None
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(hits(search), request, view=self)
        return paginator.get_paginated_response(page)
