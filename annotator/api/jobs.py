"""``/api/jobs/{id}/``: background jobs (../shared/API.md, "Jobs and models"), and
``/api/projects/{pid}/imports/``: files imported as one (Margin's own addition, API.md)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ..imports import Upload, import_later, uploads_check
from ..jobs import Job
from ..permissions import IsManager, visible_jobs
from .uploads import ImportRefused
from .views import APIDefaults, ProjectScoped


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "kind", "status", "progress", "result", "error"]


class JobViewSet(APIDefaults, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A job of a project the user belongs to, or one they started; 404 otherwise."""

    serializer_class = JobSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return Job.objects.filter(visible_jobs(self.request.user)).only(*JobSerializer.Meta.fields)


class ImportView(ProjectScoped, APIView):
    """Import files (``files``: .txt, native or doccano JSONL, .zip of them, doccano's
    export .zip, Label Studio's JSON export) as a job; ``create_labels`` adds the labels
    they use that the project lacks."""

    permission_classes = [*ProjectScoped.permission_classes, IsManager]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ImportFiles",
                {
                    "files": serializers.ListField(child=serializers.FileField()),
                    "create_labels": serializers.BooleanField(
                        required=False,
                        help_text="Create the labels the files use that the project lacks.",
                    ),
                },
            )
        },
        responses={
            202: inline_serializer("JobId", {"job": serializers.IntegerField()}),
            400: OpenApiResponse(description='{"files": [messages]}'),
        },
    )
    def post(self, request, *args, **kwargs):
        uploads = [Upload(file.name, file.read()) for file in request.FILES.getlist("files")]
        create_labels = serializers.BooleanField(required=False)
        try:
            create = create_labels.run_validation(request.data.get("create_labels", False))
        except serializers.ValidationError as error:
            return Response({"create_labels": error.detail}, status=status.HTTP_400_BAD_REQUEST)
        try:
            uploads_check(uploads)
        except ImportRefused as refused:
            return Response({"files": refused.problems}, status=status.HTTP_400_BAD_REQUEST)
        job = import_later(
            project=self.project, uploads=uploads, uploader=request.user, create_labels=create
        )
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)
