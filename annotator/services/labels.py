"""Labels: added, changed, reordered, deleted, and merged into another label in one batch
of the history.

``label_errors`` is the one rule for a label's values and ``label_in_use`` the one refusal
of a deletion: the labels page, the API and the admin all ask them, so each door refuses
the same values with the same words.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import history, palette
from ..models import Label, LabelKind, LabelMerge, Project, Span, SpanEvent, label_name
from ..relations import ends_carry_over, ends_taking_only, relabel_breaks, relabel_refusal
from .disputes import disputes_refresh

# Keys the workspace takes for itself (``onKeydown`` in static/annotator/workspace.js, and
# the suggestion keys of suggestions.js): a label on one of them would never be applied
# (a label given one of n, a, x, A before they were kept still wins in the workspace).
# Arrows, Enter, Escape, Delete and Backspace are names longer than one character, so no
# label can take them anyway.
WORKSPACE_KEYS = {
    "[": "goes to the previous document",
    "]": "goes to the next document",
    "?": "opens the guidelines",
    "n": "goes to the next suggestion",
    "a": "accepts the suggestion",
    "x": "rejects the suggestion",
    "A": "accepts every suggestion of its source",
    "r": "starts a relation from the chosen span",
}


NAME_MAX, DESCRIPTION_MAX = 100, 500  # the model's columns
NAME_MISSING = "Give the label a name, e.g. WEAPONS."
COLOR_SHAPE = "Give the colour as #rrggbb, e.g. #1d4ed8."
KEY_SHAPE = "A shortcut is one key: a single letter, digit or sign."
KIND_SHAPE = "A label's kind is span (it tags text) or document (it tags whole documents)."


def label_values(
    *, name: str = "", description: str = "", color: str = "", shortcut: str = ""
) -> dict[str, str]:
    """The values as a label stores them, whichever door they came through: words without
    the spaces around them, the colour in lower case; a key exactly as typed (a space is
    refused as a key, not taken for none)."""
    return {
        "name": name.strip(),
        "description": description.strip(),
        "color": color.strip().lower(),
        "shortcut": shortcut,
    }


def label_color(project: Project) -> str:
    """The colour a new label of ``project`` takes when none is given: the palette's next."""
    if not project.pk:
        return palette.next_color([])
    return palette.next_color(project.labels.values_list("color", flat=True))


def label_errors(
    project: Project,
    *,
    name: str,
    color: str,
    shortcut: str,
    description: str = "",
    label: Label | None = None,
    others: Iterable[tuple[str, str]] | None = None,
) -> dict[str, list[str]]:
    """What is wrong with these values for a label of ``project`` (``label`` itself, when it
    is being changed), by field; empty when they may be stored.

    The one rule for a label, asked by the labels page, the API and the admin. ``others``
    are the (name, shortcut) of the labels it must differ from, when they are not the
    project's stored ones (the admin's project page changes several at once).
    """
    errors: dict[str, list[str]] = {}
    if others is None:
        stored = project.labels.all() if project.pk else Label.objects.none()
        if label is not None and label.pk:
            stored = stored.exclude(pk=label.pk)
        others = stored.values_list("name", "shortcut")
    others = list(others)

    if not name:
        errors["name"] = [NAME_MISSING]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"A label name is at most {NAME_MAX} characters."]
    else:
        try:
            label_name(name)
        except ValidationError as error:
            errors["name"] = list(error.messages)
        same = next((other for other, _ in others if other.lower() == name.lower()), None)
        if same is not None:
            errors["name"] = [f"The project already has a label {same}."]

    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"A description is at most {DESCRIPTION_MAX} characters."]

    if not palette.HEX.fullmatch(color):
        errors["color"] = [COLOR_SHAPE]
    elif not palette.readable(color):
        ratio = palette.contrast(color, palette.TEXT_ON_LABEL)
        errors["color"] = [
            f"Too light: the label's white text on {color} has a contrast of {ratio:.1f}:1, "
            f"under {palette.MIN_CONTRAST}:1. Choose a darker colour."
        ]

    if shortcut:
        problem = shortcut_problem(shortcut)
        if problem is None:
            same = next(
                ((other, key) for other, key in others if key and key.lower() == shortcut.lower()),
                None,
            )
            if same is not None:
                problem = f"The label {same[0]} already uses the key {same[1]}."
        if problem:
            errors["shortcut"] = [problem]
    return errors


def shortcut_problem(key: str) -> str | None:
    """Why ``key`` cannot be a label's shortcut in the workspace, or None when it can."""
    if len(key) != 1:
        return KEY_SHAPE
    if key.isspace() or not key.isprintable():
        return "A shortcut must be a visible key, not a space or a control character."
    if key in WORKSPACE_KEYS:
        return f"The workspace already uses {key}: it {WORKSPACE_KEYS[key]}."
    return None


def _check(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def label_create(
    *,
    project: Project,
    name: str,
    description: str = "",
    color: str = "",
    shortcut: str = "",
    order: int | None = None,
    kind: str | None = None,
) -> Label:
    """Add a label (at the end of the project's list unless ``order`` says where);
    without a colour, it takes the next of the palette. ``kind``: a span label, or a
    document label (a category of whole documents)."""
    values = label_values(name=name, description=description, color=color, shortcut=shortcut)
    with transaction.atomic():
        # Two managers adding labels at once take their places one after the other.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        if not values["color"]:
            values["color"] = label_color(project)
        kind = kind or LabelKind.SPAN
        errors = label_errors(project, **values)
        if kind not in LabelKind.values:
            errors["kind"] = [KIND_SHAPE]
        _check(errors)
        label = Label(
            project=project,
            order=project.labels.next_order() if order is None else order,
            kind=kind,
            **values,
        )
        _save(label)
    return label


def label_update(
    *,
    label: Label,
    name: str | None = None,
    description: str | None = None,
    color: str | None = None,
    shortcut: str | None = None,
    order: int | None = None,
    kind: str | None = None,
) -> Label:
    """Change a label's name, description, colour, key, place or kind (what is not given
    stays); its spans keep it. Its kind changes only while nothing uses it."""
    given = {"name": name, "description": description, "color": color, "shortcut": shortcut}
    values = label_values(
        **{f: getattr(label, f) if value is None else value for f, value in given.items()}
    )
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=label.project_id).first()
        errors = label_errors(label.project, label=label, **values)
        if kind is not None and kind != label.kind:
            if kind not in LabelKind.values:
                errors["kind"] = [KIND_SHAPE]
            elif label.spans.exists() or label.categories.exists():
                errors["kind"] = [
                    f"The label {label.name} is in use: a label's kind changes only while no "
                    "span or document uses it."
                ]
        _check(errors)
        for field, value in values.items():
            setattr(label, field, value)
        fields = list(values)
        if kind is not None:
            label.kind = kind
            fields.append("kind")
        if order is not None:
            label.order = order
            fields.append("order")
        _save(label, update_fields=fields)
    return label


def _save(label: Label, **kwargs) -> None:
    try:
        with transaction.atomic():
            label.save(**kwargs)
    except IntegrityError:
        # The project's row is locked above, so only a write from elsewhere (the API, the
        # admin) between the check and the save can get here.
        raise ValidationError(
            {"name": ["Another label was saved with this name or key just now; try again."]}
        ) from None


class LabelInUse(ValidationError):
    """A label cannot be deleted while spans use it (``Span.label`` is protected)."""


def label_in_use(label: Label, used: int | None = None) -> str | None:
    """Why ``label`` cannot be deleted (``used`` spans use it, counted when not given), or
    None when it can."""
    if used is None:
        used = label.spans.count()
    if not used:
        documents = label.categories.count()
        if documents:
            return (
                f"{documents} document label{'s' if documents != 1 else ''} use the label "
                f"{label.name}: remove them first."
            )
        ends = ends_taking_only(label.pk)
        if ends:
            which = (
                f"Relation type {ends[0]} takes"
                if len(ends) == 1
                else (f"Relation types {', '.join(ends)} take")
            )
            return (
                f"{which} only {label.name}: without it, any label would do there. Change "
                "the relation type first."
            )
        return None
    return (
        f"{used} span{'s' if used != 1 else ''} use the label {label.name}: relabel or "
        "delete them first, or merge them into another label."
    )


def label_delete(*, label: Label) -> None:
    """Delete a label no span uses; raise ``LabelInUse`` naming how many spans do."""
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=label.project_id).first()
        problem = label_in_use(label)
        if problem:
            raise LabelInUse(problem)
        label.delete()


def label_move(*, label: Label, by: int) -> bool:
    """Move a label ``by`` places up (negative) or down its project's list; False when it
    is already at that end. The list is renumbered 0, 1, 2… in its shown order."""
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=label.project_id).first()
        labels = list(Label.objects.filter(project=label.project_id).order_by("order", "name"))
        at = next(index for index, other in enumerate(labels) if other.pk == label.pk)
        to = min(max(at + by, 0), len(labels) - 1)
        if to == at:
            return False
        labels.insert(to, labels.pop(at))
        changed = []
        for order, other in enumerate(labels):
            if other.order != order:
                other.order = order
                changed.append(other)
        Label.objects.bulk_update(changed, ["order"])
        label.order = to
    return True


def label_merge(*, label: Label, into: Label, actor) -> LabelMerge:
    """Relabel every span of ``label`` as ``into`` and delete ``label``: one batch in the
    history (a ``relabelled`` event a span, all tied to one ``LabelMerge``), as ``actor``.

    Refused when a span would become an exact copy of another span of its layer (the same
    offsets with ``into``): that span's layer must be tidied first.
    """
    if into.project_id != label.project_id or into.pk == label.pk:
        raise ValidationError({"into": ["Choose another label of this project."]})
    if into.kind != label.kind:
        raise ValidationError({"into": ["Merge a label only into another label of its kind."]})
    if label.categories.exists():
        raise ValidationError(
            {"into": [f"Documents use the label {label.name}: remove those first."]}
        )
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=label.project_id).first()
        spans = list(Span.objects.filter(label=label).select_for_update().order_by("id"))
        clashes = Span.objects.filter(
            project=label.project_id,
            label=into,
            document__in={span.document_id for span in spans},
        ).values_list("document_id", "annotator_id", "gold", "start", "end")
        taken = {(d, None if g else a, s, e) for d, a, g, s, e in clashes}
        doubled = [
            span
            for span in spans
            if (span.document_id, None if span.gold else span.annotator_id, span.start, span.end)
            in taken
        ]
        if doubled:
            raise ValidationError(
                {
                    "into": [
                        f"{len(doubled)} span(s) of {label.name} have the same offsets as a "
                        f"{into.name} span in the same layer; merged, they would be copies. "
                        "Delete one of each pair first (e.g. from the review page)."
                    ]
                }
            )
        broken = relabel_breaks(Span.objects.filter(label=label), into.pk)
        if broken:
            raise ValidationError(
                {
                    "into": [
                        f"Merged into {into.name}, {len(broken)} relation(s) would no longer "
                        f"fit their type. {relabel_refusal(*broken[0], into.name)}"
                    ]
                }
            )
        merge = LabelMerge.objects.create(
            project_id=label.project_id,
            actor=actor,
            into=into,
            label_id=label.pk,
            name=label.name,
            description=label.description,
            color=label.color,
            shortcut=label.shortcut,
            order=label.order,
            span_count=len(spans),
        )
        now = timezone.now()
        # By label, not by a list of ids: a merge of 100,000 spans is one statement.
        Span.objects.filter(label=label).update(label=into, updated_at=now)
        events = []
        for span in spans:
            old = span.label_id
            span.label_id = into.pk
            events.append(history.relabel_event(span, actor_id=actor.pk, label_id=old))
        for event in events:
            event.merge = merge
        SpanEvent.objects.bulk_create(events, batch_size=2000)
        disputes_refresh(label.project_id)
        ends_carry_over(label.pk, into.pk)
        label.delete()
    return merge


def label_merge_undo(*, merge: LabelMerge, actor) -> Label:
    """Bring back a merged label (under its old id when it is free) and give it back the
    spans the merge moved that still carry the label they were merged into, unchanged since;
    each move back is recorded as the reversal of the merge's event. A span that a relation
    of its holds (its type does not take the label) stays: ``label.stayed`` counts them."""
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=merge.project_id).first()
        merge = LabelMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError("This merge has already been undone.")
        project = merge.project
        shortcut = merge.shortcut
        if shortcut and project.labels.filter(shortcut__iexact=shortcut).exists():
            shortcut = ""  # taken since: the label comes back without a key
        if project.labels.filter(name__iexact=merge.name).exists():
            raise ValidationError(
                f"The project has a label named {merge.name} again: rename it first."
            )
        label = Label(
            pk=None if Label.objects.filter(pk=merge.label_id).exists() else merge.label_id,
            project=project,
            name=merge.name,
            description=merge.description,
            color=merge.color,
            shortcut=shortcut,
            order=merge.order,
        )
        _save(label)
        events = list(
            merge.events.filter(reverted_by__isnull=True).only(
                "id", "span_id", "after_start", "after_end", "after_label_id"
            )
        )
        # Subqueries rather than lists of ids: a merge may have moved 100,000 spans.
        later = set(
            SpanEvent.objects.filter(
                project=merge.project_id, id__gt=min((event.pk for event in events), default=0)
            )
            .exclude(merge=merge)
            .values_list("span_id", flat=True)
        )
        # A span whose relation's type does not take the label back keeps the label it
        # was merged into (``relations.relabel_breaks``): counted in ``label.stayed``.
        held = {
            relation.source_id if end == "source" else relation.target_id
            for relation, end in relabel_breaks(
                Span.objects.filter(pk__in=merge.events.values("span_id"), label=merge.into_id),
                label.pk,
            )
        }
        stay = later | held
        back = [event for event in events if event.span_id not in stay]
        spans = {
            span.pk: span
            for span in Span.objects.select_for_update().filter(
                pk__in=merge.events.values("span_id"), label_id=merge.into_id
            )
        }
        reversals = []
        for event in back:
            span = spans.get(event.span_id)
            if span is None:
                continue
            span.label_id = label.pk
            reversal = history.relabel_event(span, actor_id=actor.pk, label_id=merge.into_id)
            reversal.reverts = event
            reversals.append(reversal)
        moved = [reversal.span_id for reversal in reversals]
        now = timezone.now()
        for first in range(0, len(moved), 2000):  # bounded statements on every database
            Span.objects.filter(pk__in=moved[first : first + 2000]).update(
                label=label, updated_at=now
            )
        SpanEvent.objects.bulk_create(reversals, batch_size=2000)
        label.stayed = len(held & {event.span_id for event in events})
        disputes_refresh(merge.project_id)
        merge.undone_at = timezone.now()
        merge.save(update_fields=["undone_at"])
    return label
