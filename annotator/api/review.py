"""Review (../shared/API.md, "Review"): a document's gold layer marked reviewed, or reopened;
an analyst's relation accepted into gold."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..permissions import Action, project_for, require, visible_relations
from ..relations import Relation
from .relations import RelationSerializer
from .views import APIDefaults, DocumentScoped, _refused


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


class RelationAcceptView(APIDefaults, generics.GenericAPIView):
    """Reviewers and managers: copy an analyst's relation into gold, its two spans first
    where gold lacks them → 201 with the gold relation; 400 in words when gold refuses it
    (an overlap, a relation gold already has). 404 for a relation the user may not see,
    or one already in gold; 403 for an analyst on their own."""

    serializer_class = RelationSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        relations = Relation.objects.filter(visible_relations(self.request.user), gold=False)
        return relations.select_related("type", "document", "source", "target", "annotator")

    @extend_schema(request=None, responses={201: RelationSerializer})
    def post(self, request, *args, **kwargs):
        relation = self.get_object()
        relation.project = project_for(request.user, relation.project_id)
        require(request.user, relation.project, Action.REVIEW)
        try:
            gold = services.relation_accept(relation=relation, reviewer=request.user)
        except DjangoValidationError as error:
            raise _refused(error) from None
        return Response(self.get_serializer(gold).data, status=status.HTTP_201_CREATED)
