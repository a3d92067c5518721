"""Review (../shared/API.md, "Review"): a document's gold layer marked reviewed, or reopened."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..permissions import Action, require
from .views import DocumentScoped


class ReviewedView(DocumentScoped, APIView):
    """Reviewers and managers: ``POST`` marks the document's gold layer reviewed (what
    ``layer=gold&status=complete`` exports), ``DELETE`` reopens it. Both are idempotent."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, *args, **kwargs):
        require(request.user, self.project, Action.REVIEW)
        services.document_mark_reviewed(
            project=self.project, document=self.document, reviewer=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        require(request.user, self.project, Action.REVIEW)
        services.document_reopen_review(project=self.project, document=self.document)
        return Response(status=status.HTTP_204_NO_CONTENT)
