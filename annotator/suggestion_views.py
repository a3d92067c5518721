"""The workspace's suggestion decisions: accept or reject one, accept every pending one of
a source in the document, and the pending list the page asks for when its own is out of
step (suggestion_panel). Thin: the services decide, ``views._patched`` answers as a tag
does (only what changed), naming the suggestions decided."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from . import patches, services, suggestion_panel
from .models import Project, Span
from .permissions import Action, can_decide, document_or_404, project_view
from .rendering import SpanRow
from .services.suggestions import pending
from .suggestions import Suggestion
from .views import _gold, _labels, _message, _patched, _quote, _refuse


def _decider(request, project: Project) -> bool:
    """Gold (``?layer=gold``, reviewers only) or the user's own layer; 403 unless the user
    may decide for it."""
    gold = _gold(request, project)
    if not can_decide(request.user, project, gold=gold):
        raise PermissionDenied("You may not decide suggestions for this layer.")
    return gold


def _suggestion(project: Project, suggestion_id: int) -> Suggestion:
    suggestion = (
        Suggestion.objects.filter(project=project, pk=suggestion_id).select_related("label").first()
    )
    if suggestion is None:
        raise Http404("No such suggestion.")
    suggestion.project = project  # the one already read, with the user's role on it
    suggestion.document = document_or_404(project, suggestion.document_id)
    return suggestion


def _described(suggestion: Suggestion) -> str:
    text = suggestion.document.text[suggestion.start : suggestion.end]
    return f"{suggestion.label.name} “{_quote(text)}” ({suggestion.source})"


@require_POST
@project_view(Action.ANNOTATE)
def suggestion_accept(request, project: Project, suggestion_id: int):
    gold = _decider(request, project)
    suggestion = _suggestion(project, suggestion_id)
    document = suggestion.document
    names = {pk: label.name for pk, label in _labels(project).items()}
    try:
        span = services.suggestion_accept(suggestion=suggestion, user=request.user, gold=gold)
    except ValidationError as error:
        # Kept, saying why (as a refused tag): an overlap, or already accepted.
        return _refuse(request, project, document, _message(error), gold=gold, names=names)
    return _patched(
        request,
        project,
        document,
        patches.Change(after=(span,)),
        gold=gold,
        names=names,
        notice=f"Accepted {_described(suggestion)}.",
        can_undo=True,
        suggestions_removed=[suggestion.pk],
    )


@require_POST
@project_view(Action.ANNOTATE)
def suggestion_reject(request, project: Project, suggestion_id: int):
    gold = _decider(request, project)
    suggestion = _suggestion(project, suggestion_id)
    try:
        services.suggestion_reject(suggestion=suggestion, user=request.user, gold=gold)
    except ValidationError as error:
        return _refuse(request, project, suggestion.document, _message(error), gold=gold)
    return _patched(
        request,
        project,
        suggestion.document,
        patches.Change(),
        gold=gold,
        notice=f"Rejected {_described(suggestion)}.",
        suggestions_removed=[suggestion.pk],
    )


@require_POST
@project_view(Action.ANNOTATE)
def suggestions_accept_source(request, project: Project, document_id: int):
    """Every suggestion of one source pending in this document, in one batch of the
    history (one undo takes them back)."""
    gold = _decider(request, project)
    document = document_or_404(project, document_id)
    source = request.POST.get("source", "")
    if not source:
        return _refuse(request, project, document, "Name the source to accept.", gold=gold)
    offered = list(
        pending(project, document, request.user, gold=gold)
        .filter(source=source)
        .values_list("pk", flat=True)
    )
    created, refused = services.suggestions_accept(
        project=project, document=document, user=request.user, gold=gold, source=source
    )
    if not created and not refused:
        return _refuse(
            request, project, document, f"No suggestion from {source} waits here.", gold=gold
        )
    made = Span.objects.filter(pk__in=created).values_list("pk", "start", "end", "label_id")
    spans = tuple(SpanRow(*row) for row in made)
    decided = [pk for pk in offered if str(pk) not in refused]
    notice = f"Accepted {len(created)} suggestion{'s' if len(created) != 1 else ''} from {source}."
    if refused:
        notice += f" {len(refused)} kept: {next(iter(refused.values()))}"
    return _patched(
        request,
        project,
        document,
        patches.Change(after=spans),
        gold=gold,
        notice=notice,
        can_undo=bool(created),
        suggestions_removed=decided,
    )


@require_GET
@project_view(Action.ANNOTATE)
def suggestions_pending(request, project: Project, document_id: int):
    """The pending list as the page's island holds it, for a page whose list is out of step."""
    gold = _decider(request, project)
    document = document_or_404(project, document_id)
    return JsonResponse(suggestion_panel.data(project, document, request.user, gold=gold))
