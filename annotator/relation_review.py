"""The review page's list of the analysts' relations: each relation once per type and pair
of ends (offsets and label of both spans), with who drew it and whether gold has it, to be
accepted into gold in one step (``services.relation_accept``)."""

from corpus.models import Document

from .models import Project
from .relation_panel import row
from .relations import Relation


def analysts(project: Project, document: Document) -> dict:
    """The page's context: ``analyst_relations``, in the order they were first drawn (the
    first drawing's id is the one accepted). One query."""
    relations = (
        Relation.objects.filter(project=project, document=document)
        .select_related("type", "source__label", "target__label", "annotator")
        .order_by("id")
    )
    text = document.text
    drawn: dict[tuple, dict] = {}
    in_gold: set[tuple] = set()
    for relation in relations:
        ends = [
            (span.start, span.end, span.label_id) for span in (relation.source, relation.target)
        ]
        if not relation.type.directed:
            ends.sort()
        key = (relation.type_id, *ends)
        if relation.gold:
            in_gold.add(key)
            continue
        item = drawn.setdefault(key, {**row(relation, text), "by": []})
        item["by"].append(relation.annotator.username)
    for key, item in drawn.items():
        item["in_gold"] = key in in_gold
    return {"analyst_relations": list(drawn.values())}
