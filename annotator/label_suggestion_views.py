"""The workspace's decisions on suggested document labels (the dashed chips of the category
bar) and suggested relations (the relation panel's list). Thin: the services decide; a
document label's answer is the bar, as a toggle's is; a relation's reject answers with the
panel, its accept draws the page afresh (its ends may have become spans of the article)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from . import services
from .label_suggestions import CategorySuggestion, RelationSuggestion
from .models import Project
from .permissions import Action, document_or_404, project_view
from .suggestion_views import _decider
from .views import _categories_changed, _message, _relations_changed


def _found(model, project: Project, suggestion_id: int):
    suggestion = model.objects.filter(project=project, pk=suggestion_id).first()
    if suggestion is None:
        raise Http404("No such suggestion.")
    suggestion.project = project  # the one already read, with the user's role on it
    suggestion.document = document_or_404(project, suggestion.document_id)
    return suggestion


def _category_decision(request, project: Project, suggestion_id: int, *, accept: bool):
    gold = _decider(request, project)
    suggestion = _found(CategorySuggestion, project, suggestion_id)
    decide = services.category_suggestion_accept if accept else services.category_suggestion_reject
    try:
        decide(suggestion=suggestion, user=request.user, gold=gold)
    except ValidationError as error:
        return _categories_changed(
            request, project, suggestion.document, gold=gold, refused=_message(error), status=422
        )
    name = suggestion.label.name
    notice = f"Document label {name} given." if accept else f"Suggested {name} rejected."
    return _categories_changed(
        request, project, suggestion.document, gold=gold, notice=notice, can_undo=accept
    )


@require_POST
@project_view(Action.ANNOTATE)
def category_suggestion_accept(request, project: Project, suggestion_id: int):
    return _category_decision(request, project, suggestion_id, accept=True)


@require_POST
@project_view(Action.ANNOTATE)
def category_suggestion_reject(request, project: Project, suggestion_id: int):
    return _category_decision(request, project, suggestion_id, accept=False)


@require_POST
@project_view(Action.ANNOTATE)
def relation_suggestion_accept(request, project: Project, suggestion_id: int):
    gold = _decider(request, project)
    suggestion = _found(RelationSuggestion, project, suggestion_id)
    document = suggestion.document
    try:
        relation = services.relation_suggestion_accept(
            suggestion=suggestion, user=request.user, gold=gold
        )
    except ValidationError as error:
        return _relations_changed(request, project, document, gold=gold, refused=_message(error))
    if not request.htmx:
        return _relations_changed(
            request, project, document, gold=gold, notice=f"Related: {relation.type.name}."
        )
    # Its ends may be new spans of the article: the page is drawn again, with them.
    return HttpResponseClientRefresh()


@require_POST
@project_view(Action.ANNOTATE)
def relation_suggestion_reject(request, project: Project, suggestion_id: int):
    gold = _decider(request, project)
    suggestion = _found(RelationSuggestion, project, suggestion_id)
    document = suggestion.document
    try:
        services.relation_suggestion_reject(suggestion=suggestion, user=request.user, gold=gold)
    except ValidationError as error:  # accepted already (another tab, a stale list)
        return _relations_changed(request, project, document, gold=gold, refused=_message(error))
    notice = f"Suggested {suggestion.type.name} rejected."
    return _relations_changed(
        request, project, document, gold=gold, notice=notice, suggestion_removed=suggestion.pk
    )
