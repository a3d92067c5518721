"""Document labels given to documents (../shared/API.md, "Document labels"): a document's
categories in one layer, adding one, and removing one by id."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from .. import services
from ..categories import Category
from ..permissions import can_edit_layer, visible_categories
from .pagination import SpanPagination
from .serializers import LabelField
from .views import GOLD_ONLY, APIDefaults, DocumentScoped, LayerRow, LayerRows, _refused, gold_asked


class CategorySerializer(serializers.ModelSerializer):
    """``{"id", "label", "annotator", "layer", "created_at"}``; ``label`` by name or id
    (a document label of the project)."""

    label = LabelField()
    annotator = serializers.CharField(source="annotator.username", read_only=True)
    layer = serializers.ChoiceField(choices=["annotator", "gold"], read_only=True)

    class Meta:
        model = Category
        fields = ["id", "label", "annotator", "layer", "created_at"]
        read_only_fields = ["id", "created_at"]


@extend_schema(
    parameters=[
        OpenApiParameter(
            "layer", enum=["annotator", "gold"], description="`gold`: reviewers and managers."
        ),
        OpenApiParameter(
            "annotator",
            description="Reviewers and managers: a member's username, or `all` (every "
            "annotator's layer).",
        ),
    ]
)
class DocumentCategoryViewSet(
    LayerRows,
    DocumentScoped,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """One document's document labels in one layer: mine by default. With the project's
    ``document_labels`` set to ``single``, a new one replaces mine."""

    serializer_class = CategorySerializer
    pagination_class = SpanPagination
    model = Category
    related = ("label", "annotator")

    def create(self, request, *args, **kwargs):
        user, project = request.user, self.project
        gold = gold_asked(self.request)
        if not can_edit_layer(user, project, annotator_id=user.pk, gold=gold):
            raise PermissionDenied(GOLD_ONLY)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            category = services.category_add(
                project=project,
                document=self.document,
                annotator=user,
                label=serializer.validated_data["label"],
                gold=gold,
            )
        except DjangoValidationError as error:
            raise _refused(error) from None
        return Response(self.get_serializer(category).data, status=status.HTTP_201_CREATED)


class CategoryViewSet(
    LayerRow,
    APIDefaults,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One document label given to a document, by id: read where the user may see its
    layer, removed where they may change it (403 when only the first holds, 404 when
    neither does)."""

    serializer_class = CategorySerializer
    http_method_names = ["get", "delete", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        categories = Category.objects.filter(visible_categories(self.request.user))
        return categories.select_related("label", "annotator", "project")

    def perform_destroy(self, category: Category) -> None:
        services.category_delete(category=category, actor=self.request.user)
