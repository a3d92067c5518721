"""Models (../shared/API.md, "Jobs and models"): trained on the project's reviewed gold in a
background job, listed with their metrics, and run over the documents not yet reviewed as
suggestions. Reviewers and managers read them (their errors show gold); managers train and
run them (``permissions.can_see_models``, ``can_train``)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from .. import services
from ..ner_models import ModelStatus, NerModel
from ..permissions import REFUSED, Action, can_see_models, can_train
from .parsers import JSONBodyParser
from .views import ProjectScoped, _refused

# What a model not (yet) measured shows: the contract's shape, every figure null.
UNMEASURED = {"precision": None, "recall": None, "f1": None, "per_label": {}}


class NerModelSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ModelStatus.choices, read_only=True)
    metrics = serializers.JSONField(
        read_only=True,
        help_text='{"precision", "recall", "f1", "per_label": {label: {"precision", "recall", '
        '"f1", "support"}}} on the evaluation slice; every figure null before training or '
        "without one.",
    )
    source = serializers.CharField(read_only=True)
    job = serializers.IntegerField(source="job_id", read_only=True, allow_null=True)

    class Meta:
        model = NerModel
        fields = [
            "id",
            "version",
            "status",
            "documents",
            "evaluated",
            "created_at",
            "finished_at",
            "metrics",
            "source",
            "seconds",
            "error",
            "job",
            "config",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data["metrics"] is None:
            data["metrics"] = dict(UNMEASURED)
        return data


class NerModelDetailSerializer(NerModelSerializer):
    evaluation = serializers.JSONField(
        read_only=True,
        allow_null=True,
        help_text='{"confusion": {gold label: {predicted label: n}}, "errors": [[document, '
        'start, end, gold label, predicted label]]} ("" where there is no label).',
    )

    trained_on = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="The ids of the documents it learnt from.",
    )

    class Meta(NerModelSerializer.Meta):
        fields = [*NerModelSerializer.Meta.fields, "trained_on", "evaluation"]
        read_only_fields = fields


class SeesModels(BasePermission):
    message = REFUSED[Action.REVIEW]

    def has_permission(self, request, view) -> bool:
        return can_see_models(request.user, view.project)


JOB = inline_serializer("ModelJob", {"job": serializers.IntegerField()})


class NerModelViewSet(
    ProjectScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The project's models, newest first; ``POST`` trains the next one (a job)."""

    permission_classes = [*ProjectScoped.permission_classes, SeesModels]
    parser_classes = [JSONBodyParser]
    lookup_value_regex = "[0-9]+"

    def get_serializer_class(self):
        return NerModelDetailSerializer if self.action == "retrieve" else NerModelSerializer

    def get_queryset(self):
        models = NerModel.objects.filter(project=self.project).order_by("-version")
        if self.action == "retrieve":
            return models.defer("data")
        return models.only(*NerModel.LISTED)

    def _managers_only(self) -> None:
        if not can_train(self.request.user, self.project):
            raise PermissionDenied(REFUSED[Action.MANAGE])

    @extend_schema(request=None, responses={202: JOB})
    def create(self, request, *args, **kwargs):
        self._managers_only()
        try:
            model = services.model_train(project=self.project, user=request.user)
        except DjangoValidationError as error:
            raise _refused(error) from None
        return Response({"job": model.job_id}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: JOB})
    @action(detail=True, methods=["post"])
    def suggest(self, request, *args, **kwargs):
        self._managers_only()
        model = self.get_object()
        try:
            job = services.model_suggest(model=model, user=request.user)
        except DjangoValidationError as error:
            raise _refused(error) from None
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)
