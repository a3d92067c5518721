"""Categories: document labels given to a document in one layer — added, replaced
(``single`` projects), removed and brought back by undo, each recorded in the history
(``CategoryEvent``), under the layer's lock as spans are."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from corpus.models import Document

from .. import sql
from ..categories import Category, CategoryAction, CategoryEvent
from ..models import DocumentLabels, Label, LabelKind, Project
from .spans import _touch, lock_layer


def category_errors(project: Project, label: Label | None) -> dict[str, list[str]]:
    """What is wrong with ``label`` as a category of this project's documents."""
    if label is None or label.project_id != project.pk:
        return {"label": ["Unknown label: it is not one of this project's labels."]}
    if label.kind != LabelKind.DOCUMENT:
        return {
            "label": [
                f"{label.name} is a span label: tag a stretch of text with it. Only document "
                "labels are categories."
            ]
        }
    return {}


def layer_categories_errors(
    project: Project, labels: list[Label | None], stored: list[Label]
) -> dict[int, list[str]]:
    """What is wrong with giving a document ``labels`` in one layer that holds ``stored``
    already, by position, as if added one by one (an upload): each must be a document
    label of the project, given once, and with ``single`` the layer ends with one. The
    workspace and the API replace in a ``single`` project; an upload that would leave
    two in a layer is refused instead (which of them would it keep?)."""
    errors: dict[int, list[str]] = {}
    held = list(stored)
    for position, label in enumerate(labels):
        problems = category_errors(project, label)
        if problems:
            errors[position] = problems["label"]
        elif any(other.pk == label.pk for other in held):
            errors[position] = [f"This layer already gives the document the label {label.name}."]
        elif project.document_labels == DocumentLabels.SINGLE and held:
            errors[position] = [
                f"The project takes one document label a layer (single): this layer already "
                f"gives the document {held[0].name}."
            ]
        else:
            held.append(label)
    return errors


def _layer(project: Project, document: Document, annotator_id: int, gold: bool):
    categories = Category.objects.filter(project=project, document=document)
    return (
        categories.filter(gold=True)
        if gold
        else categories.filter(gold=False, annotator_id=annotator_id)
    )


def _event(category: Category, action: str, actor_id: int, **fields) -> CategoryEvent:
    event = CategoryEvent(
        project_id=category.project_id,
        document_id=category.document_id,
        category_id=category.pk,
        action=action,
        actor_id=actor_id,
        annotator_id=category.annotator_id,
        gold=category.gold,
        **fields,
    )
    sql.insert(event)
    return event


def category_add(
    *,
    project: Project,
    document: Document,
    annotator,
    label: Label | None,
    gold: bool = False,
    actor=None,
    reverts: CategoryEvent | None = None,
    pk: int | None = None,
) -> Category:
    """Give the document ``label`` in the annotator's layer (or gold), as ``actor`` (the
    annotator unless named). With the project's ``single`` setting the layer's other
    category of the document is replaced, in the same event. Refused (400) for a label
    that is not one of the project's document labels, or one the layer already has.

    ``reverts`` and ``pk``: an undo bringing back a removed category under its old id.
    """
    errors = category_errors(project, label)
    if errors:
        raise ValidationError(errors)
    actor_id = (actor or annotator).pk
    try:
        with transaction.atomic():
            status = lock_layer(project, document, annotator.pk, gold=gold)
            layer = list(_layer(project, document, annotator.pk, gold).select_related("label"))
            if any(category.label_id == label.pk for category in layer):
                raise ValidationError(
                    {"label": [f"This layer already gives the document the label {label.name}."]}
                )
            replaced = None
            if project.document_labels == DocumentLabels.SINGLE and layer:
                replaced = layer[0]
                Category.objects.filter(pk__in=[category.pk for category in layer]).delete()
            category = Category.objects.create(
                pk=pk,
                project=project,
                document=document,
                label=label,
                annotator=annotator,
                gold=gold,
            )
            if replaced is not None:
                _event(
                    category,
                    CategoryAction.REPLACED,
                    actor_id,
                    replaced_id=replaced.pk,
                    before_label_id=replaced.label_id,
                    after_label_id=label.pk,
                    reverts=reverts,
                )
            else:
                action = CategoryAction.RESTORED if reverts else CategoryAction.CREATED
                _event(category, action, actor_id, after_label_id=label.pk, reverts=reverts)
            if status is not None:
                _touch(status)
    except IntegrityError as error:
        # Two writes into the same layer at once get here only for gold, whose lock is the
        # document's row; the transaction is rolled back whole.
        raise ValidationError(
            {"label": [f"This layer already gives the document the label {label.name}."]}
        ) from error
    return category


def category_delete(
    *, category: Category, actor=None, reverts: CategoryEvent | None = None
) -> None:
    """Take a category out of its layer, as ``actor`` (its annotator unless named)."""
    actor_id = actor.pk if actor else category.annotator_id
    with transaction.atomic():
        _event(
            category,
            CategoryAction.DELETED,
            actor_id,
            before_label_id=category.label_id,
            reverts=reverts,
        )
        category.delete()


def category_unreplace(*, event: CategoryEvent, actor) -> Category:
    """Undo a replacement: the new category goes, the one it replaced comes back under its
    old id; one event that ``reverts`` the replacement."""
    with transaction.atomic():
        new = Category.objects.filter(pk=event.category_id).first()
        if new is None or event.before_label is None:
            raise ValidationError("Cannot undo: that document label is gone.")
        old = Category(
            pk=event.replaced_id,
            project_id=new.project_id,
            document_id=new.document_id,
            label=event.before_label,
            annotator_id=new.annotator_id,
            gold=new.gold,
        )
        new.delete()
        old.save(force_insert=True)
        _event(
            old,
            CategoryAction.REPLACED,
            actor.pk,
            replaced_id=new.pk,
            before_label_id=new.label_id,
            after_label_id=old.label_id,
            reverts=event,
        )
    return old
