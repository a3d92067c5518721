"""Search (../shared/API.md, "Search"): hits of a phrase or of annotations, paginated."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from corpus.search import PHRASE_MAX

from ..consistency import conflicts, consistency_layer, with_documents
from ..models import Status
from ..search import (
    AnnotationHits,
    hit_key,
    hits,
    key_parse,
    search_edit_check,
    search_edit_of,
    search_parse,
    search_tag_check,
    search_tag_of,
)
from ..search_edits import search_edit_later, search_edit_undo
from ..search_jobs import search_tag_later, search_tag_undo
from ..search_tags import EditKind, TagInto
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
    OpenApiParameter("after", str, description="From a `next` link: read on after this hit."),
    OpenApiParameter("before", str, description="From a `previous` link: the hits before this."),
]


class HitsPagination(Pagination):
    """Page numbers, as every list. Spans as hits (no ``q``) add to the ``next`` link the
    key of the page's last hit (``after``) and to ``previous`` that of its first
    (``before``): following a link reads on from there, as fast on page 5,000 as on page 2,
    rather than counting past every hit before the page."""

    def paginate_queryset(self, queryset, request, view=None):
        self.keyed = isinstance(queryset, AnnotationHits)
        given = {way: request.query_params.get(way) for way in ("after", "before")}
        given = {way: raw for way, raw in given.items() if raw is not None}
        if len(given) > 1:
            raise ValidationError({"before": ["Give after or before, not both."]})
        for way, raw in given.items():
            try:
                key = key_parse(raw)
            except ValueError:
                raise ValidationError(
                    {way: ["Must be a hit's key from a next or previous link."]}
                ) from None
            if self.keyed:
                queryset.cursor = (way, key)
        self.results = super().paginate_queryset(queryset, request, view)
        return self.results

    def get_next_link(self):
        url = super().get_next_link()
        if url is None or not self.keyed or not self.results:
            return url
        url = remove_query_param(url, "before")
        return replace_query_param(url, "after", hit_key(self.results[-1]))

    def get_previous_link(self):
        url = super().get_previous_link()
        if url is None or not self.keyed or not self.results:
            return url
        url = remove_query_param(url, "after")
        return replace_query_param(url, "before", hit_key(self.results[0]))


class SearchView(ProjectScoped, APIView):
    """Whole-word, case-insensitive phrase hits with their context, or (no ``q``) the
    spans a label or layer selects."""

    pagination_class = HitsPagination

    @extend_schema(parameters=SEARCH_PARAMETERS, responses={200: HITS_PAGE})
    def get(self, request, *args, **kwargs):
        try:
            search = search_parse(self.project, request.user, request.query_params)
        except DjangoValidationError as error:
            raise _refused(error) from None
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(hits(search), request, view=self)
        return paginator.get_paginated_response(page)


class SearchTagSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=PHRASE_MAX)
    label = serializers.CharField(help_text="A label's name (or id).")
    # ``as`` is a Python keyword: a field of that name is declared through the class body's
    # namespace.
    locals()["as"] = serializers.ChoiceField(choices=TagInto.values, default=TagInto.SUGGESTIONS)


class SearchTagView(ProjectScoped, APIView):
    """Tag every hit of a phrase with a label, as suggestions (source ``search:<q>``), in my
    layer, or in gold (reviewers): a background job, undone in one step."""

    @extend_schema(
        request=SearchTagSerializer,
        responses={202: inline_serializer("SearchTagJob", {"job": serializers.IntegerField()})},
    )
    def post(self, request, *args, **kwargs):
        body = SearchTagSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            q, label, into = search_tag_check(self.project, request.user, body.validated_data)
        except DjangoValidationError as error:
            raise _refused(error) from None
        job = search_tag_later(project=self.project, user=request.user, q=q, label=label, into=into)
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)


class SearchTagUndoView(ProjectScoped, APIView):
    """Undo a search's tag (named by its job) in one step: ``{"removed", "kept"}``."""

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "SearchTagUndone",
                {"removed": serializers.IntegerField(), "kept": serializers.IntegerField()},
            )
        },
    )
    def post(self, request, *args, **kwargs):
        tag = search_tag_of(self.project, request.user, self.kwargs["job_pk"])
        if tag is None:
            raise NotFound()
        try:
            return Response(search_tag_undo(tag=tag, user=request.user))
        except DjangoValidationError as error:
            raise _refused(error) from None


class SearchEditSerializer(serializers.Serializer):
    label = serializers.CharField(required=False, help_text="A label's name.")
    layer = serializers.CharField(required=False, help_text="`mine`, `gold` or `user:<me>`.")
    annotator = serializers.CharField(required=False)
    status = serializers.CharField(required=False, help_text="My status of the document.")
    disputed = serializers.CharField(required=False, help_text="`1`: where annotators disagree.")
    source = serializers.CharField(required=False, help_text="A span's origin.")


class SearchRelabelSerializer(SearchEditSerializer):
    to = serializers.CharField(help_text="The label's name the listed spans get.")


EDIT_JOB = inline_serializer("SearchEditJob", {"job": serializers.IntegerField()})


class SearchDeleteView(ProjectScoped, APIView):
    """Delete every span the search (a label or layer, no phrase) lists, in the layers I
    may edit: a background job, undone in one step."""

    kind = EditKind.DELETE

    @extend_schema(request=SearchEditSerializer, responses={202: EDIT_JOB})
    def post(self, request, *args, **kwargs):
        # The filters are read from the body as given, so that an unknown ``q`` is refused.
        relabel = self.kind == EditKind.RELABEL
        try:
            _, filters, label = search_edit_check(
                self.project, request.user, request.data, relabel=relabel
            )
        except DjangoValidationError as error:
            raise _refused(error) from None
        job = search_edit_later(
            project=self.project, user=request.user, kind=self.kind, filters=filters, label=label
        )
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)


class SearchRelabelView(SearchDeleteView):
    """Relabel every span the search (a label or layer, no phrase) lists, in the layers I
    may edit, into ``to``: a background job, undone in one step. A span the new label would
    make a duplicate, or whose relation would no longer fit its type, is skipped, counted,
    and named in ``unchanged`` with the reason."""

    kind = EditKind.RELABEL

    @extend_schema(request=SearchRelabelSerializer, responses={202: EDIT_JOB})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class SearchEditUndoView(ProjectScoped, APIView):
    """Undo a search's relabel or deletion (named by its job) in one step:
    ``{"restored", "kept"}``."""

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "SearchEditUndone",
                {"restored": serializers.IntegerField(), "kept": serializers.IntegerField()},
            )
        },
    )
    def post(self, request, *args, **kwargs):
        edit = search_edit_of(self.project, request.user, self.kwargs["job_pk"])
        if edit is None:
            raise NotFound()
        try:
            return Response(search_edit_undo(edit=edit, user=request.user))
        except DjangoValidationError as error:
            raise _refused(error) from None


class ConsistencyView(ProjectScoped, APIView):
    """Texts the layer (``gold`` by default, ``mine``, ``user:<name>``) gives different
    labels, most conflicting first, with the documents they stand in."""

    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("layer", str, description="`gold` (default), `mine`, `user:<name>`.")
        ],
        responses={
            200: inline_serializer(
                "Inconsistencies",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": inline_serializer(
                        "Inconsistency",
                        {
                            "text": serializers.CharField(),
                            "labels": serializers.DictField(child=serializers.IntegerField()),
                            "documents": serializers.ListField(child=serializers.IntegerField()),
                        },
                        many=True,
                    ),
                },
            )
        },
    )
    def get(self, request, *args, **kwargs):
        try:
            spans = consistency_layer(self.project, request.user, request.query_params)
        except DjangoValidationError as error:
            raise _refused(error) from None
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(conflicts(spans), request, view=self)
        return paginator.get_paginated_response(with_documents(spans, page))
