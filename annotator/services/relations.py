"""Relations: relation types (a manager's vocabulary, with the labels each may join) and
relations between two spans of one layer, created, deleted, and deleted with their spans
in the same step of the history."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from corpus.models import Document

from ..models import Label, LabelKind, Project, Span, label_name
from ..relations import Relation, RelationAction, RelationType, type_change_breaks
from .relation_rows import _event
from .spans import lock_layer

RELATION_NAME_MAX = 100


def relation_type_errors(
    project: Project,
    *,
    name: str,
    source_labels: Iterable[Label],
    target_labels: Iterable[Label],
    relation_type: RelationType | None = None,
) -> dict[str, list[str]]:
    """What is wrong with these values for a relation type of ``project``, by field."""
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the relation type a name, e.g. SUPPLIES."]
    elif len(name) > RELATION_NAME_MAX:
        errors["name"] = [f"A relation type's name is at most {RELATION_NAME_MAX} characters."]
    else:
        try:
            label_name(name)
        except ValidationError as error:
            errors["name"] = [m.replace("label name", "relation type's name") for m in error]
        others = project.relation_types.filter(name__iexact=name)
        if relation_type is not None:
            others = others.exclude(pk=relation_type.pk)
        same = others.values_list("name", flat=True).first()
        if same is not None:
            errors["name"] = [f"The project already has a relation type {same}."]
    for field, labels in (("source_labels", source_labels), ("target_labels", target_labels)):
        document = [label.name for label in labels if label.kind == LabelKind.DOCUMENT]
        if document:
            errors[field] = [
                f"{', '.join(document)}: document labels tag documents, not spans; a relation "
                "joins spans."
            ]
    return errors


def relation_type_create(
    *,
    project: Project,
    name: str,
    source_labels: Sequence[Label] = (),
    target_labels: Sequence[Label] = (),
    directed: bool = True,
) -> RelationType:
    """Add a relation type; empty label lists mean any label."""
    name = name.strip()
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        errors = relation_type_errors(
            project, name=name, source_labels=source_labels, target_labels=target_labels
        )
        if errors:
            raise ValidationError(errors)
        relation_type = RelationType.objects.create(project=project, name=name, directed=directed)
        relation_type.source_labels.set(source_labels)
        relation_type.target_labels.set(target_labels)
    return relation_type


def relation_type_change_errors(
    relation_type: RelationType,
    *,
    name: str,
    source_labels: Iterable[Label],
    target_labels: Iterable[Label],
    directed: bool,
) -> dict[str, list[str]]:
    """What is wrong with changing ``relation_type`` to these values, by field: the rules
    of a new type, and its relations, which must still fit (``relations.type_change_breaks``)
    and, made undirected, may not join the same spans both ways."""
    errors = relation_type_errors(
        relation_type.project,
        name=name,
        source_labels=source_labels,
        target_labels=target_labels,
        relation_type=relation_type,
    )
    broken = type_change_breaks(relation_type, source=source_labels, target=target_labels)
    if broken:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            f"{broken} relation{'s' if broken != 1 else ''} of {relation_type.name} would "
            "no longer fit these labels: delete them first, or keep their labels."
        )
    if not directed and relation_type.directed:
        reverse = Relation.objects.filter(
            type=OuterRef("type"), source=OuterRef("target"), target=OuterRef("source")
        )
        both = relation_type.relations.filter(Exists(reverse)).count()
        if both:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                f"{both} relations of {relation_type.name} join the same spans both ways: "
                "delete one of each pair before making it undirected."
            )
    return errors


def relation_type_update(
    *,
    relation_type: RelationType,
    name: str,
    source_labels: Sequence[Label] = (),
    target_labels: Sequence[Label] = (),
    directed: bool = True,
) -> RelationType:
    """Change a relation type (the admin's form), checked again under the project's lock
    (``relation_type_change_errors``)."""
    name = name.strip()
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=relation_type.project_id).first()
        errors = relation_type_change_errors(
            relation_type,
            name=name,
            source_labels=source_labels,
            target_labels=target_labels,
            directed=directed,
        )
        if errors:
            raise ValidationError(errors)
        relation_type.name, relation_type.directed = name, directed
        relation_type.save(update_fields=["name", "directed"])
        relation_type.source_labels.set(source_labels)
        relation_type.target_labels.set(target_labels)
    return relation_type


def relation_type_in_use(relation_type: RelationType) -> str | None:
    """Why the type may not be deleted (how many relations use it), or None."""
    used = relation_type.relations.count()
    if not used:
        return None
    return (
        f"{used} relation{'s' if used != 1 else ''} use the type {relation_type.name}: "
        "delete them first."
    )


def relation_type_delete(*, relation_type: RelationType) -> None:
    """Delete a relation type no relation uses; ValidationError naming how many do."""
    with transaction.atomic():
        problem = relation_type_in_use(relation_type)
        if problem:
            raise ValidationError(problem)
        relation_type.delete()


def relation_errors(
    *,
    project: Project,
    document: Document,
    annotator_id: int,
    gold: bool,
    relation_type: RelationType | None,
    source: Span | None,
    target: Span | None,
) -> dict[str, list[str]]:
    """Why this relation may not join the layer, by field; empty when it may."""
    errors: dict[str, list[str]] = {}
    if relation_type is None or relation_type.project_id != project.pk:
        errors["type"] = ["Unknown relation type: it is not one of this project's."]
    for field, span in (("source", source), ("target", target)):
        if span is None or span.project_id != project.pk or span.document_id != document.pk:
            errors[field] = ["No such span in this document."]
        elif span.gold != gold or (not gold and span.annotator_id != annotator_id):
            where = "gold" if gold else "your layer"
            errors[field] = [
                f"Span {span.pk} is in another layer: a relation joins two spans of {where}."
            ]
    if errors:
        return errors
    if source.pk == target.pk:
        return {"target": ["A span cannot be related to itself: choose another target."]}
    for field, span, allowed in (
        ("source", source, relation_type.source_labels.all()),
        ("target", target, relation_type.target_labels.all()),
    ):
        problem = relation_end_problem(relation_type, field, span.label, list(allowed))
        if problem:
            errors[field] = [problem]
    if errors:
        return errors
    if Relation.objects.filter(type=relation_type, source=source, target=target).exists():
        errors["non_field_errors"] = [
            f"This {relation_type.name} relation from span {source.pk} to span {target.pk} "
            "already exists."
        ]
    elif (
        not relation_type.directed
        and Relation.objects.filter(type=relation_type, source=target, target=source).exists()
    ):
        errors["non_field_errors"] = [
            f"This {relation_type.name} relation already joins these spans (it is undirected)."
        ]
    return errors


def relation_create(
    *,
    project: Project,
    document: Document,
    annotator,
    relation_type: RelationType | None,
    source: Span | None,
    target: Span | None,
    gold: bool = False,
    actor=None,
) -> Relation:
    """Relate two spans of the annotator's layer (or gold), as ``actor`` (the annotator
    unless named); refused (400) across layers, to itself, twice, or when a span's label is
    not one the type allows."""
    try:
        with transaction.atomic():
            lock_layer(project, document, annotator.pk, gold=gold)
            errors = relation_errors(
                project=project,
                document=document,
                annotator_id=annotator.pk,
                gold=gold,
                relation_type=relation_type,
                source=source,
                target=target,
            )
            if errors:
                raise ValidationError(errors)
            relation = Relation.objects.create(
                project=project,
                document=document,
                type=relation_type,
                source=source,
                target=target,
                annotator=annotator,
                gold=gold,
            )
            _event(relation, RelationAction.CREATED, (actor or annotator).pk).save()
    except IntegrityError as error:
        raise ValidationError({"non_field_errors": ["This relation already exists."]}) from error
    return relation


def relation_delete(*, relation: Relation, actor=None) -> None:
    """Remove a relation from its layer, as ``actor`` (its annotator unless named)."""
    with transaction.atomic():
        _event(relation, RelationAction.DELETED, (actor or relation.annotator).pk).save()
        relation.delete()


def relation_end_problem(
    relation_type: RelationType, field: str, label: Label, allowed: Sequence[Label]
) -> str | None:
    """Why a span labelled ``label`` may not be the ``field`` (source or target) of a
    relation of this type, whose labels there are ``allowed`` (none: any)."""
    if RelationType.takes(allowed, label.pk):
        return None
    names = ", ".join(other.name for other in allowed)
    return f"A {relation_type.name} relation's {field} must be one of {names}, not {label.name}."
