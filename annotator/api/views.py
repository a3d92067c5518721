"""The API's views: projects, labels, members, documents, spans, the token, the docs."""

from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import (
    APIException,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from corpus.models import Document

from .. import services
from ..models import DocumentStatus, Membership, Project, Span, Status
from ..permissions import (
    Action,
    IsManager,
    IsMember,
    IsStaffToCreate,
    ManagersWrite,
    can_edit_layer,
    can_see_layer,
    document_for,
    project_for,
    require,
    visible_spans,
)
from .authentication import TokenAuthentication
from .pagination import SpanPagination
from .parsers import JSONBodyParser
from .serializers import (
    DocumentDetailSerializer,
    DocumentInputSerializer,
    DocumentSerializer,
    LabelSerializer,
    MemberSerializer,
    ProjectSerializer,
    ProjectSettingsSerializer,
    SpanListSerializer,
    SpanSerializer,
)
from .uploads import documents_upload

# A single request may carry at most this many documents or spans; bigger loads are
# sent in several requests (each one all-or-nothing).
MAX_ITEMS = 10_000
# ... and an upload at most this many spans across its documents (a list of spans is
# bounded by MAX_ITEMS): the time a worker spends checking one request stays bounded.
MAX_SPANS = 50_000


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with what is stored."
    default_code = "conflict"


def _refused(error: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's: a 400 with the same field messages."""
    if hasattr(error, "error_dict"):
        return ValidationError(error.message_dict)
    return ValidationError({"non_field_errors": error.messages})


class APIDefaults:
    """What every API view shares: JSON in and out, token (then session) authentication.

    Token first, so that a request without credentials gets 401 with
    ``WWW-Authenticate: Token`` rather than the session's 403.
    """

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONBodyParser]
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs) -> None:
        # A NUL in a lookup would reach the database (PostgreSQL refuses it with a 500), and
        # so would an id past 64 bits (SQLite's driver raises OverflowError): no such row.
        if any(
            "\x00" in str(value) or (str(value).isdigit() and int(value) > 2**63 - 1)
            for value in kwargs.values()
        ):
            raise NotFound()
        for name, value in request.query_params.items():
            if "\x00" in value:
                raise ValidationError({name: ["May not contain NUL characters."]})
        super().initial(request, *args, **kwargs)


def gold_asked(request) -> bool:
    """Whether ``?layer=`` asks for gold (else the user's own layer); 400 for other values."""
    layer = request.query_params.get("layer", "annotator")
    if layer not in {"annotator", "gold"}:
        raise ValidationError({"layer": ["Must be 'annotator' or 'gold'."]})
    return layer == "gold"


class ProjectScoped(APIDefaults):
    """Views under ``/projects/{project_pk}/``."""

    permission_classes = [IsAuthenticated, IsMember]

    @cached_property
    def project(self) -> Project:
        project = project_for(self.request.user, self.kwargs["project_pk"])
        if project is None:
            raise NotFound()
        return project

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["project"] = self.project
        return context


class DocumentScoped(ProjectScoped):
    """Views under ``/projects/{project_pk}/documents/{document_pk}/``: every request needs
    both, the project with the user's role in it and the document (404 when either is
    missing or out of reach), read in one go."""

    @cached_property
    def _scope(self) -> tuple[Project, Document]:
        found = document_for(
            self.request.user, self.kwargs["project_pk"], self.kwargs["document_pk"]
        )
        if found is None:
            raise NotFound()
        return found

    @property
    def project(self) -> Project:
        return self._scope[0]

    @property
    def document(self) -> Document:
        return self._scope[1]


def _count(queryset: QuerySet, by: str = "project") -> Coalesce:
    """A correlated COUNT(*) of ``queryset`` rows per ``by``, 0 when there are none."""
    counted = queryset.values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), Value(0), output_field=IntegerField())


@extend_schema_view(
    create=extend_schema(description="Staff only; the creator becomes the project's manager."),
)
class ProjectViewSet(
    APIDefaults,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The projects the user belongs to (superusers: all)."""

    serializer_class = ProjectSerializer
    permission_classes = [IsAuthenticated, IsStaffToCreate]
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        projects = Project.objects.visible_to(user).with_role(user)
        if self.action not in {"list", "retrieve", "create"}:
            return projects
        pid = OuterRef("pk")
        return projects.prefetch_related("labels").annotate(
            document_count=_count(Project.documents.through.objects.filter(project=pid)),
            member_count=_count(Membership.objects.filter(project=pid)),
            my_complete_count=_count(
                DocumentStatus.objects.filter(project=pid, user=user.pk, status=Status.COMPLETE)
            ),
        )

    def perform_create(self, serializer) -> None:
        fields = dict(serializer.validated_data)
        labels = fields.pop("labels", [])
        with transaction.atomic():  # the project with all its labels, or nothing
            project = services.project_create(creator=self.request.user, **fields)
            for index, label in enumerate(labels):
                try:
                    services.label_create(project=project, **label)
                except DjangoValidationError as error:
                    problems = getattr(error, "message_dict", {"name": error.messages})
                    raise serializers.ValidationError({"labels": {str(index): problems}}) from None
        serializer.instance = self.get_queryset().get(pk=project.pk)

    @extend_schema(request=ProjectSettingsSerializer, responses={200: ProjectSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Managers change the project's settings (any of them; unknown ones → 400)."""
        project = self.get_object()
        require(request.user, project, Action.MANAGE)
        settings_ = ProjectSettingsSerializer(project, data=request.data, partial=True)
        settings_.is_valid(raise_exception=True)
        services.project_update(project=project, **settings_.validated_data)
        self.action = "retrieve"  # the answer is the project as GET shows it
        project = self.get_queryset().get(pk=project.pk)
        return Response(self.get_serializer(project).data)

    @extend_schema(
        responses={
            200: DocumentDetailSerializer,
            204: OpenApiResponse(description="No document left for this user."),
        }
    )
    @action(detail=True, methods=["get"], url_path="next", url_name="next")
    def next_document(self, request, pk=None):
        project = self.get_object()
        document = services.document_next(project=project, user=request.user)
        if document is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        document = _documents(project, request.user).get(pk=document.pk)
        return Response(DocumentDetailSerializer(document).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def agreement(self, request, pk=None):
        project = self.get_object()
        require(request.user, project, Action.REVIEW)
        # Imported here: the agreement module pulls in spaCy and scikit-learn, which the
        # rest of the API does not need at start-up.
        from ..agreement import project_agreement

        return Response(project_agreement(project))


class LabelViewSet(ProjectScoped, viewsets.ModelViewSet):
    """A project's labels; managers change them."""

    serializer_class = LabelSerializer
    permission_classes = [IsAuthenticated, IsMember, ManagersWrite]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return self.project.labels.all()

    # Written by the services, which judge the values as the labels page and the admin do.
    def perform_create(self, serializer) -> None:
        try:
            serializer.instance = services.label_create(
                project=self.project, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise _refused(error) from None

    def perform_update(self, serializer) -> None:
        try:
            services.label_update(label=serializer.instance, **serializer.validated_data)
        except DjangoValidationError as error:
            raise _refused(error) from None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "into",
                description="Another label of the project (its id or name): the label's spans "
                "are relabelled as that one (one batch of the history), then it is deleted.",
            )
        ],
        responses={
            204: None,
            400: OpenApiResponse(description="`into` is not another label of the project."),
            409: OpenApiResponse(description="Spans use it (and no `into` was given)."),
        },
    )
    def destroy(self, request, *args, **kwargs):
        label = self.get_object()
        into = request.query_params.get("into")
        try:
            if into is None:
                services.label_delete(label=label)
            else:
                services.label_merge(label=label, into=self._label(into), actor=request.user)
        except services.LabelInUse as error:
            raise Conflict(error.message) from None
        except DjangoValidationError as error:
            raise _refused(error) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _label(self, key: str):
        """A label of the project by id or name (as spans name one)."""
        labels = self.project.labels.all()
        if key.isascii() and key.isdigit() and len(key) < 19:  # an id a bigint holds
            found = labels.filter(pk=int(key)).first()
        else:
            found = labels.filter(name=key).first()
        if found is None:
            raise ValidationError(
                {"into": [f"Unknown label {key!r}: give another label of this project."]}
            )
        return found


class MemberViewSet(ProjectScoped, viewsets.ModelViewSet):
    """``{"username", "role"}``; managers add members and change roles.

    POSTing a username that is already a member changes its role (200).
    """

    serializer_class = MemberSerializer
    permission_classes = [IsAuthenticated, IsMember, ManagersWrite]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return self.project.memberships.select_related("user").order_by("user__username")

    @extend_schema(responses={201: MemberSerializer, 200: MemberSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            membership, created = services.member_set(
                project=self.project,
                user=serializer.validated_data["user"],
                role=serializer.validated_data["role"],
            )
        except DjangoValidationError as error:
            raise _refused(error) from None
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(membership).data, status=code)

    def perform_update(self, serializer) -> None:
        membership = serializer.instance
        try:
            services.member_set(
                project=self.project,
                user=membership.user,
                role=serializer.validated_data.get("role", membership.role),
            )
        except DjangoValidationError as error:
            raise _refused(error) from None
        membership.refresh_from_db(fields=["role"])

    def get_serializer(self, *args, **kwargs):
        # The username names the member in the URL: a PATCH changes only the role.
        if kwargs.get("partial") and isinstance(kwargs.get("data"), dict):
            kwargs["data"] = {k: v for k, v in kwargs["data"].items() if k != "username"}
        return super().get_serializer(*args, **kwargs)

    def perform_destroy(self, membership) -> None:
        try:
            services.member_remove(membership=membership)
        except DjangoValidationError as error:
            raise _refused(error) from None


def _documents(project: Project, user) -> QuerySet:
    """The project's documents with ``length`` and this user's ``status`` annotated."""
    mine = DocumentStatus.objects.filter(project=project, document=OuterRef("pk"), user=user.pk)
    return project.documents.with_length().annotate(
        status=Coalesce(Subquery(mine.values("status")[:1]), Value(Status.NEW))
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("status", enum=Status.values, description="My status.")]
    ),
)
class DocumentViewSet(
    ProjectScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A project's documents; managers upload them, every member reads them."""

    lookup_value_regex = "[0-9]+"

    def get_serializer_class(self):
        return (
            DocumentSerializer if self.action in {"list", "complete"} else DocumentDetailSerializer
        )

    def get_permissions(self):
        permissions = super().get_permissions()
        return [*permissions, IsManager()] if self.action == "create" else permissions

    def get_queryset(self):
        documents = _documents(self.project, self.request.user)
        if self.action != "list":
            return documents
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in Status.values:
                raise ValidationError({"status": [f"Must be one of {', '.join(Status.values)}."]})
            documents = documents.filter(status=wanted)
        # The list never shows the text; its length is computed by the database.
        return documents.defer("text", "meta")

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="DocumentUpload",
            serializers=[DocumentInputSerializer, DocumentInputSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            201: inline_serializer("DocumentIds", {"ids": serializers.ListField()}),
            400: OpenApiResponse(description='{"errors": {"<index>": {field: [messages]}}}'),
        },
    )
    def create(self, request, *args, **kwargs):
        items = request.data
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list) or not items:
            raise ValidationError(
                {"non_field_errors": ["Send a document object or a non-empty list of them."]}
            )
        if len(items) > MAX_ITEMS:
            raise ValidationError(
                {"non_field_errors": [f"At most {MAX_ITEMS} documents a request."]}
            )
        # Spans, and as many document labels and relations again, each counted as spans are.
        for field in ("spans", "categories", "relations"):
            given = (item.get(field) if isinstance(item, dict) else None for item in items)
            if sum(len(listed) for listed in given if isinstance(listed, list)) > MAX_SPANS:
                raise ValidationError(
                    {"non_field_errors": [f"At most {MAX_SPANS:,} {field} a request."]}
                )
        try:
            documents = documents_upload(project=self.project, items=items, uploader=request.user)
        except services.BatchErrors as refused:
            return Response({"errors": refused.errors}, status=status.HTTP_400_BAD_REQUEST)
        ids = [document.pk for document in documents]
        return Response({"ids": ids}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DocumentSerializer, methods=["POST", "DELETE"])
    @action(detail=True, methods=["post", "delete"])
    def complete(self, request, *args, **kwargs):
        document = self.get_object()
        change = (
            services.document_complete if request.method == "POST" else services.document_reopen
        )
        try:
            change(project=self.project, document=document, user=request.user)
        except DjangoValidationError as error:
            raise _refused(error) from None
        document = self.get_queryset().get(pk=document.pk)
        return Response(DocumentSerializer(document).data)


LAYER_PARAMETERS = [
    OpenApiParameter(
        "annotator",
        description="Reviewers and managers: a member's username, or `all`. Default: me.",
    ),
    OpenApiParameter("layer", enum=["annotator", "gold"], description="`gold`: reviewers."),
]


@extend_schema_view(
    list=extend_schema(parameters=LAYER_PARAMETERS),
    create=extend_schema(
        parameters=[LAYER_PARAMETERS[1]],
        request=PolymorphicProxySerializer(
            component_name="SpanInput",
            serializers=[SpanSerializer, SpanSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="SpanCreated",
                serializers=[SpanSerializer, SpanSerializer(many=True)],
                resource_type_field_name=None,
                many=False,
            )
        },
    ),
)
class DocumentSpanViewSet(
    DocumentScoped, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """One document's spans in one layer: mine by default."""

    serializer_class = SpanSerializer
    pagination_class = SpanPagination

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["document"] = self.document
        return context

    def _gold(self) -> bool:
        return gold_asked(self.request)

    def list(self, request, *args, **kwargs):
        # Rows, not model instances: see SpanListSerializer.
        rows = self.get_queryset().values_list(*SpanListSerializer.columns)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_queryset(self):
        user, project = self.request.user, self.project
        spans = Span.objects.filter(project=project, document=self.document)
        spans = spans.select_related("label", "annotator").order_by("start", "end", "id")
        wanted = self.request.query_params.get("annotator") or user.username
        if self._gold():
            if not can_see_layer(user, project, annotator_id=None, gold=True):
                raise PermissionDenied(GOLD_ONLY)
            curator = self.request.query_params.get("annotator")
            if curator and curator != "all":
                spans = spans.filter(annotator=self._member(curator))
            return spans.gold()
        if wanted == user.username:
            return spans.by(user)
        # Asked before the name is looked up: an annotator learns nothing about who exists.
        if not can_see_layer(user, project, annotator_id=None, gold=False):
            raise PermissionDenied("Annotators read only their own layer.")
        if wanted == "all":
            return spans.annotations()
        return spans.annotations().filter(annotator=self._member(wanted))

    def _member(self, username: str) -> int:
        """The id of a member (or past member with spans here) of this project; every other
        name gets the same answer, so that no one learns which users exist elsewhere."""
        found = Membership.objects.filter(project=self.project, user__username=username)
        user_id = found.values_list("user_id", flat=True).first()
        if user_id is None:
            spans = Span.objects.filter(project=self.project, annotator__username=username)
            user_id = spans.values_list("annotator_id", flat=True).first()
        if user_id is None:
            raise ValidationError({"annotator": [f"{username!r} is not in this project."]})
        return user_id

    def create(self, request, *args, **kwargs):
        user, project, document = request.user, self.project, self.document
        gold = self._gold()
        if not can_edit_layer(user, project, annotator_id=user.pk, gold=gold):
            raise PermissionDenied(GOLD_ONLY)
        many = isinstance(request.data, list)
        if many and not 0 < len(request.data) <= MAX_ITEMS:
            raise ValidationError(
                {"non_field_errors": [f"Send from 1 to {MAX_ITEMS} spans in a list."]}
            )
        serializer = self.get_serializer(data=request.data, many=many)
        if many:
            if not serializer.is_valid():
                errors = serializer.errors
                # By index, as the service reports them (DRF gives a list or a dict).
                pairs = errors.items() if isinstance(errors, dict) else enumerate(errors)
                errors = {str(index): problem for index, problem in pairs if problem}
                return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
            try:
                created = services.spans_create(
                    project=project,
                    document=document,
                    annotator=user,
                    items=serializer.validated_data,
                    gold=gold,
                )
            except services.BatchErrors as refused:
                return Response({"errors": refused.errors}, status=status.HTTP_400_BAD_REQUEST)
        else:
            serializer.is_valid(raise_exception=True)
            try:
                created = services.span_create(
                    project=project,
                    document=document,
                    annotator=user,
                    gold=gold,
                    **serializer.validated_data,
                )
            except DjangoValidationError as error:
                raise _refused(error) from None
        # The validated serializer shows what was stored (its fields are already built); a
        # list as rows, the list serializer's quick path (10,000 spans: a tenth of the time).
        serializer.instance = created
        if many:
            rows = (
                {
                    "id": span.pk,
                    "document_id": document.pk,
                    "start": span.start,
                    "end": span.end,
                    "label__name": span.label.name,
                    "annotator__username": user.username,
                    "gold": gold,
                    "source": "",
                    "created_at": span.created_at,
                }
                for span in created
            )
            columns = SpanListSerializer.columns
            serializer.instance = [tuple(row[column] for column in columns) for row in rows]
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class LayerRow:
    """A row of a layer (a span, a document label, a relation) by id: read where the user
    may see its layer (the view's queryset), changed only where they may change it: 403
    when only the first holds, 404 when neither does."""

    def get_object(self):
        row = super().get_object()
        if self.request.method not in SAFE_METHODS and not can_edit_layer(
            self.request.user, row.project, annotator_id=row.annotator_id, gold=row.gold
        ):
            raise PermissionDenied("You may read this layer but not change it.")
        return row


GOLD_ONLY = "The gold layer is for reviewers and managers."


class LayerRows:
    """A document's rows of one layer (document labels, relations), as
    ``…/documents/{did}/<rows>/`` lists them: the user's own by default; ``?layer=gold``
    for reviewers and managers; ``?annotator=<username>|all`` for those who may read
    others' layers (403 otherwise, 400 for someone not in the project). The view names
    its ``model`` (with ``project``, ``document``, ``annotator`` and ``gold``) and the
    ``related`` rows its serializer reads."""

    model: type
    related: tuple[str, ...] = ()

    def get_queryset(self):
        user, project = self.request.user, self.project
        rows = self.model.objects.filter(project=project, document=self.document)
        rows = rows.select_related(*self.related).order_by("id")
        wanted = self.request.query_params.get("annotator") or user.username
        if gold_asked(self.request):
            if not can_see_layer(user, project, annotator_id=None, gold=True):
                raise PermissionDenied(GOLD_ONLY)
            return rows.filter(gold=True)
        if wanted == user.username:
            return rows.filter(gold=False, annotator=user)
        if not can_see_layer(user, project, annotator_id=None, gold=False):
            raise PermissionDenied("Annotators read only their own layer.")
        rows = rows.filter(gold=False)
        if wanted == "all":
            return rows
        member = Membership.objects.filter(project=project, user__username=wanted)
        user_id = member.values_list("user_id", flat=True).first()
        if user_id is None:
            raise ValidationError({"annotator": [f"{wanted!r} is not in this project."]})
        return rows.filter(annotator=user_id)


class SpanViewSet(
    LayerRow,
    APIDefaults,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One span by id: read it where the user may see its layer, change it where they may
    edit it (403 when only the first holds, 404 when neither does)."""

    serializer_class = SpanSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        spans = Span.objects.filter(visible_spans(self.request.user))
        return spans.select_related("label", "annotator", "document", "project")

    def get_object(self) -> Span:
        self.span = super().get_object()
        return self.span

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if hasattr(self, "span"):
            context["project"] = self.span.project
        return context

    def perform_update(self, serializer) -> None:
        try:
            services.span_update(
                span=serializer.instance, actor=self.request.user, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise _refused(error) from None

    def perform_destroy(self, span: Span) -> None:
        services.span_delete(span=span, actor=self.request.user)


class TokenView(APIDefaults, ObtainAuthToken):
    """``{"username", "password"}`` → ``{"token"}``: the header is ``Token <token>``.

    Throttled like the sign-in pages (settings ``AXES_*``): a locked login is a 429 with a
    JSON ``detail`` and ``Retry-After``.
    """

    # No session here: a browser's session cookie would otherwise demand a CSRF token.
    authentication_classes = []
    permission_classes = []
    parser_classes = [JSONBodyParser, FormParser, MultiPartParser]

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes marks the request it was given, DRF's here, so AxesMiddleware
            # (which sees Django's) cannot answer 429 as it does for the sign-in pages.
            if getattr(request, "axes_locked_out", False):
                raise Throttled(
                    wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                    detail=settings.AXES_COOLOFF_MESSAGE,
                ) from None
            raise


@extend_schema(exclude=True)
class RootView(APIDefaults, APIView):
    """``/api/``: where things are, for anyone (what they hold asks for a token)."""

    authentication_classes = []
    permission_classes = []

    def get(self, request):
        def url(name: str) -> str:
            return request.build_absolute_uri(reverse(name))

        return Response(
            {
                "projects": url("api:project-list"),
                "token": url("api:token"),
                "schema": url("api:schema"),
                "docs": url("api:docs"),
            }
        )


@extend_schema(exclude=True)
class NotFoundView(APIDefaults, APIView):
    """Any other path under ``/api/``: a JSON 404, as the rest of the API answers, not
    the site's HTML page."""

    authentication_classes = []
    permission_classes = []

    def initial(self, request, *args, **kwargs):
        raise NotFound("No such endpoint: see /api/ and /api/docs/.")


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from our static files; its start-up script is a separate same-origin
    file, so the page needs neither inline scripts nor inline styles (see SECURE_CSP)."""

    url_name = "api:schema"
    template_name = "api/docs.html"
