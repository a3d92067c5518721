"""Relations (../shared/API.md, "Relations"): a project's relation types, a document's
relations in one layer, and one relation by id."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import services
from ..models import Span
from ..permissions import (
    IsMember,
    ManagersWrite,
    can_edit_layer,
    visible_relations,
)
from ..relations import Relation, RelationType
from .pagination import SpanPagination
from .views import (
    GOLD_ONLY,
    APIDefaults,
    Conflict,
    DocumentScoped,
    LayerRow,
    LayerRows,
    ProjectScoped,
    _refused,
    gold_asked,
)


class LabelNames(serializers.ListField):
    """A list of the project's span labels by name (empty: any label)."""

    child = serializers.CharField()

    def to_internal_value(self, data):
        names = super().to_internal_value(data)
        labels = {label.name: label for label in self.context["project"].labels.all()}
        unknown = [name for name in names if name not in labels]
        if unknown:
            raise ValidationError(
                f"Unknown label(s) {', '.join(map(repr, unknown))}: this project's labels are "
                f"{', '.join(sorted(labels)) or 'none'}."
            )
        return [labels[name] for name in dict.fromkeys(names)]

    def to_representation(self, value):
        return [label.name for label in value.all()]


class RelationTypeSerializer(serializers.ModelSerializer):
    """``{"id", "name", "source_labels", "target_labels", "directed"}``."""

    name = serializers.CharField(max_length=100)
    source_labels = LabelNames(required=False, default=list)
    target_labels = LabelNames(required=False, default=list)
    directed = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = RelationType
        fields = ["id", "name", "source_labels", "target_labels", "directed"]


class RelationTypeViewSet(
    ProjectScoped,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A project's relation types, with the labels each may join; managers change them."""

    serializer_class = RelationTypeSerializer
    permission_classes = [IsAuthenticated, IsMember, ManagersWrite]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return self.project.relation_types.prefetch_related("source_labels", "target_labels")

    def perform_create(self, serializer) -> None:
        try:
            serializer.instance = services.relation_type_create(
                project=self.project, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise _refused(error) from None

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description="Relations use it."),
        }
    )
    def destroy(self, request, *args, **kwargs):
        try:
            services.relation_type_delete(relation_type=self.get_object())
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class RelationSerializer(serializers.ModelSerializer):
    """``{"id", "type", "source", "target", "annotator", "layer"}``: ``type`` by name (or
    id), ``source`` and ``target`` span ids."""

    type = serializers.CharField(source="type.name")
    # Ids a bigint holds: a larger number is no span (and no database takes it).
    source = serializers.IntegerField(source="source_id", min_value=1, max_value=2**63 - 1)
    target = serializers.IntegerField(source="target_id", min_value=1, max_value=2**63 - 1)
    annotator = serializers.CharField(source="annotator.username", read_only=True)
    layer = serializers.ChoiceField(choices=["annotator", "gold"], read_only=True)

    class Meta:
        model = Relation
        fields = ["id", "type", "source", "target", "annotator", "layer"]


LAYER_PARAMETERS = [
    OpenApiParameter(
        "layer", enum=["annotator", "gold"], description="`gold`: reviewers and managers."
    ),
    OpenApiParameter(
        "annotator",
        description="Reviewers and managers: a member's username, or `all` (every "
        "annotator's layer).",
    ),
]


@extend_schema(parameters=LAYER_PARAMETERS)
class DocumentRelationViewSet(
    LayerRows,
    DocumentScoped,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """One document's relations in one layer: mine by default."""

    serializer_class = RelationSerializer
    pagination_class = SpanPagination
    model = Relation
    related = ("type", "annotator")

    def create(self, request, *args, **kwargs):
        user, project, document = request.user, self.project, self.document
        gold = gold_asked(self.request)
        if not can_edit_layer(user, project, annotator_id=user.pk, gold=gold):
            raise PermissionDenied(GOLD_ONLY)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        key = values["type"]["name"]
        types = project.relation_types.all()
        relation_type = (
            types.filter(pk=int(key)).first() if key.isdecimal() and len(key) < 19 else None
        ) or types.filter(name=key).first()
        spans = {
            span.pk: span
            for span in Span.objects.filter(
                project=project, pk__in=[values["source_id"], values["target_id"]]
            ).select_related("label")
        }
        try:
            relation = services.relation_create(
                project=project,
                document=document,
                annotator=user,
                relation_type=relation_type,
                source=spans.get(values["source_id"]),
                target=spans.get(values["target_id"]),
                gold=gold,
            )
        except DjangoValidationError as error:
            raise _refused(error) from None
        return Response(self.get_serializer(relation).data, status=status.HTTP_201_CREATED)


class RelationViewSet(
    LayerRow,
    APIDefaults,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One relation by id: read where the user may see its layer, deleted where they may
    change it (403 when only the first holds, 404 when neither does)."""

    serializer_class = RelationSerializer
    http_method_names = ["get", "delete", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        relations = Relation.objects.filter(visible_relations(self.request.user))
        return relations.select_related("type", "annotator", "project")

    def perform_destroy(self, relation: Relation) -> None:
        services.relation_delete(relation=relation, actor=self.request.user)
