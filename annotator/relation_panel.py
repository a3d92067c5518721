"""The workspace's relations: the layer's relations between its spans, listed in the side
panel, and the types a new one may take. A relation is drawn by choosing its source span,
"Relate…", moving to the target with the arrow keys (or clicking it) and picking the type
(``static/annotator/relations.js``); the answer is this panel alone.
"""

from django.urls import reverse

from corpus.models import Document

from .models import Project
from .relations import Relation, RelationType
from .rendering import trimmed


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
        "relations": [
            {
                "id": relation.pk,
                "type": relation.type.name,
                "source": relation.source_id,
                "target": relation.target_id,
                "from": f"{relation.source.label.name} “"
                f"{_quoted(text, relation.source.start, relation.source.end)}”",
                "to": f"{relation.target.label.name} “"
                f"{_quoted(text, relation.target.start, relation.target.end)}”",
            }
            for relation in relations
        ],
    }
