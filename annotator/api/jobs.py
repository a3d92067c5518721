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
    """Import files (``files``: .txt, native or doccano JSONL, .zip of them) as a job."""

    permission_classes = [*ProjectScoped.permission_classes, IsManager]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ImportFiles", {"files": serializers.ListField(child=serializers.FileField())}
            )
        },
        responses={
            202: inline_serializer("JobId", {"job": serializers.IntegerField()}),
            400: OpenApiResponse(description='{"files": [messages]}'),
        },
    )
    def post(self, request, *args, **kwargs):
        uploads = [Upload(file.name, file.read()) for file in request.FILES.getlist("files")]
        try:
            uploads_check(uploads)
        except ImportRefused as refused:
            return Response({"files": refused.problems}, status=status.HTTP_400_BAD_REQUEST)
        job = import_later(project=self.project, uploads=uploads, uploader=request.user)
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)
