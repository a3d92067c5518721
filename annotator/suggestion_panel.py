"""What the workspace knows of the suggestions pending for the person (or gold) on one
document: the page's data island, and the state every change answers with.

The page draws suggestions from a compact JSON island (``json_script``: data, never run,
so the CSP allows it) rather than as elements in the article: the article's DOM stays as
the spans cut it, so a tag's answer still carries only the stretch it redrew, and 500
suggestions cost the page a few tens of KB instead of a mark each in every paragraph.

Each change to the layer answers with the pending set's ``state`` (how many, and the sum
of their ids): an accepted or rejected suggestion is named in the answer and taken out by
the page; anything else that changed the set (an undo or deletion offering a suggestion
again, propagation adding some, another tab) shows as a state the page does not hold,
and the page then asks for the list afresh.
"""

from collections.abc import Sequence

from django.db.models import Count, Sum
from django.urls import reverse

from corpus.models import Document

from .models import Project
from .permissions import can_decide
from .services.suggestions import pending


def state(project: Project, document: Document, user, *, gold: bool) -> str:
    """The pending set's fingerprint, in one aggregate query: ``count.sum`` of the ids."""
    totals = (
        pending(project, document, user, gold=gold)
        .order_by()
        .aggregate(count=Count("pk"), total=Sum("pk"))
    )
    return f"{totals['count']}.{totals['total'] or 0}"


def state_of(ids: Sequence[int]) -> str:
    return f"{len(ids)}.{sum(ids)}"


def data(project: Project, document: Document, user, *, gold: bool) -> dict:
    """The pending suggestions as the page's island holds them: sources once, then each
    suggestion as ``[id, start, end, label id, source index, score]``, in reading order."""
    rows = pending(project, document, user, gold=gold).values_list(
        "pk", "start", "end", "label_id", "source", "score"
    )
    sources: dict[str, int] = {}
    items = []
    for pk, start, end, label_id, source, score in rows:
        index = sources.setdefault(source, len(sources))
        items.append([pk, start, end, label_id, index, score])
    return {"sources": list(sources), "items": items}


def panel(request, project: Project, document: Document, *, gold: bool) -> dict:
    """The page's context for the suggestions' side list (nothing when the user may not
    decide for this layer: they see no list and no keys)."""
    if not can_decide(request.user, project, gold=gold):
        return {}
    found = data(project, document, request.user, gold=gold)
    layer = "?layer=gold" if gold else ""
    return {
        "suggestions": found,
        "suggestion_count": len(found["items"]),
        "suggestion_state": state_of([item[0] for item in found["items"]]),
        "suggestion_urls": {
            "accept": reverse("suggestion_accept", args=[project.pk, 0]) + layer,
            "reject": reverse("suggestion_reject", args=[project.pk, 0]) + layer,
            "source": reverse("suggestions_accept_source", args=[project.pk, document.pk]) + layer,
            "list": reverse("suggestions_pending", args=[project.pk, document.pk]) + layer,
        },
    }


def changes(
    request, project: Project, document: Document, *, gold: bool, removed: Sequence[int] = ()
) -> dict:
    """What a change's answer says of the suggestions: those it decided (``removed``) and
    the pending set's state after it."""
    if not can_decide(request.user, project, gold=gold):
        return {}
    return {
        "suggestion_changes": {
            "removed": " ".join(map(str, removed)),
            "state": state(project, document, request.user, gold=gold),
        }
    }
