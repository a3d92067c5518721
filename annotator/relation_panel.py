"""The workspace's relations: the layer's relations between its spans, listed in the side
panel, and the types a new one may take. A relation is drawn by choosing its source span,
"Relate…", moving to the target with the arrow keys (or clicking it) and picking the type
(``static/annotator/relations.js``); the answer carries the row added or removed alone
(``patch``): with fifty relations, the whole panel was about 20 KB.
"""

from collections.abc import Sequence

from django.urls import reverse

from corpus.models import Document

from .models import Project
from .permissions import can_decide
from .relations import Relation, RelationType
from .rendering import trimmed
from .services.label_suggestions import relation_suggestions_pending


def _quoted(text: str, start: int, end: int, limit: int = 30) -> str:
    start, end = trimmed(text, start, end)
    words = " ".join(text[start:end].split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


def panel(request, project: Project, document: Document, *, gold: bool) -> dict:
    """The panel's context; no query beyond one when the project has no relation types,
    two when it has."""
    types = list(RelationType.objects.filter(project=project).order_by("name"))
    if not types:
        return {"relation_types": []}
    relations = Relation.objects.filter(project=project, document=document, gold=gold)
    if not gold:
        relations = relations.filter(annotator=request.user)
    relations = relations.select_related("type", "source__label", "target__label").order_by("id")
    text = document.text
    add = reverse("relation_add", args=[project.pk, document.pk])
    return {
        "relation_types": types,
        "relation_url": f"{add}?layer=gold" if gold else add,
        "relation_delete_url": reverse("relation_remove", args=[project.pk, 0]),
        "relations": [row(relation, text) for relation in relations],
        "relation_suggestions": suggested(request, project, document, gold=gold),
    }


def row(relation: Relation, text: str) -> dict:
    """One relation's row of the panel (its spans, with their labels, fetched)."""
    return {
        "id": relation.pk,
        "type": relation.type.name,
        "source": relation.source_id,
        "target": relation.target_id,
        "from": f"{relation.source.label.name} “"
        f"{_quoted(text, relation.source.start, relation.source.end)}”",
        "to": f"{relation.target.label.name} “"
        f"{_quoted(text, relation.target.start, relation.target.end)}”",
    }


def patch(
    request,
    document: Document,
    *,
    gold: bool,
    added: Relation | None = None,
    removed: Sequence[int] = (),
) -> dict:
    """The context of an answer that carries only what one change did to the panel: the
    row ``added`` (appended to the list) or the ids ``removed`` (their rows deleted: one
    relation, or those a span's deletion took), and the layer's count. The page's rows are
    keyed by id, so a page another tab has changed meanwhile still gets the right rows in or
    out. One query (the count)."""
    relations = Relation.objects.filter(document=document, gold=gold)
    if not gold:
        relations = relations.filter(annotator=request.user)
    return {
        "relation_added": row(added, document.text) if added is not None else None,
        "relations_removed": list(removed),
        "relation_count": relations.count(),
    }


def suggested(request, project: Project, document: Document, *, gold: bool) -> list[dict]:
    """The suggested relations pending for the layer, listed under its relations with the
    URLs that accept and reject each (one query; none for whoever may not decide)."""
    if not can_decide(request.user, project, gold=gold):
        return []
    layer = "?layer=gold" if gold else ""
    rows = relation_suggestions_pending(project, document, request.user, gold=gold)
    rows = rows.select_related("type", "from_suggestion__label", "to_suggestion__label")
    text = document.text
    return [
        {
            "id": suggestion.pk,
            "type": suggestion.type.name,
            "source": suggestion.source,
            "from": f"{ends[0].label.name} “{_quoted(text, ends[0].start, ends[0].end)}”",
            "to": f"{ends[1].label.name} “{_quoted(text, ends[1].start, ends[1].end)}”",
            "accept": reverse("relation_suggestion_accept", args=[project.pk, suggestion.pk])
            + layer,
            "reject": reverse("relation_suggestion_reject", args=[project.pk, suggestion.pk])
            + layer,
        }
        for suggestion in rows
        for ends in [(suggestion.from_suggestion, suggestion.to_suggestion)]
    ]
