"""Undo in the workspace: a user's own changes to one layer of a document, newest first.

The stack is read from the span history (``SpanEvent``), so undo keeps nothing in the
session (no session write on each tag) and works whichever app server answers. It reaches
back through the changes made since the user signed in. A change stays undoable while
nobody else has changed its span since, so an undo never silently reverses someone
else's work. An undo goes through the services, and so through the one validation; its
event ``reverts`` the change, which takes that change off the stack.
"""

from collections.abc import Iterator
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction

from corpus.models import Document

from . import services
from .categories import Category, CategoryAction, CategoryEvent
from .models import Label, Project, Span, SpanAction, SpanEvent
from .patches import Change
from .relations import RelationAction, RelationEvent
from .rendering import SpanRow

# How far back the stack is read: far more changes than anyone undoes one by one. Counted
# in changes still in force: an undo (or a restoration) and what it reversed are left out by
# the query itself, so a long session of tags and undos costs the stack nothing to pass.
DEPTH = 500
# Read first: the newest changes, which hold what is undone now and what is left after it
# nearly always; the rest (up to DEPTH) only when these do not.
FIRST = 8


def last_change(
    project: Project, document: Document, user, *, gold: bool
) -> SpanEvent | CategoryEvent | None:
    """The user's newest change to the layer (its spans or its document labels) that can
    still be undone, or None."""
    return next(_stack(project, document, user, gold=gold), None)


def _stack(
    project: Project, document: Document, user, *, gold: bool
) -> Iterator[SpanEvent | CategoryEvent]:
    """The spans' and the document labels' stacks as one, newest first."""
    spans = _undoable(project, document, user, gold=gold)
    categories = _undoable_categories(project, document, user, gold=gold)
    span, category = next(spans, None), next(categories, None)
    while span is not None or category is not None:
        if category is None or (span is not None and span.at >= category.at):
            yield span
            span = next(spans, None)
        else:
            yield category
            category = next(categories, None)


def _in_force(model, project: Project, document: Document, user, *, gold: bool):
    """The layer's changes since the user signed in that are still in force (neither an
    undo or restoration, nor undone or restored), newest first: ``FIRST`` of them, then
    the rest up to ``DEPTH`` only if these hold nothing left to undo.

    One indexed statement a read (``services.changes_in_force``), where the whole stack
    since sign-in (up to 500 changes, undos and what they undid among them) was made into
    model instances and walked in Python: an undo of a tag on the long article took 17.4
    ms (SQLite) and 22.2 (PostgreSQL) of server time, median, a tag 5.5 and 9.0; now 6.3
    and 10.9 (bench/workspace.py, docs/performance.md). Their labels (and gold's curators)
    are read when an undo asks for them."""
    first = services.changes_in_force(model, project, document, user, gold=gold, limit=FIRST)
    yield from _own(first, user)
    if len(first) == FIRST:  # nothing left to undo among them: further back
        further = services.changes_in_force(
            model, project, document, user, gold=gold, before=first[-1].pk, limit=DEPTH - FIRST
        )
        yield from _own(further, user)


def _own(events: list, user) -> list:
    for event in events:
        if event.annotator_id == user.pk:
            event.annotator = user  # the user's own layer: not read again
    return events


def _undoable_categories(
    project: Project, document: Document, user, *, gold: bool
) -> Iterator[CategoryEvent]:
    """The document labels' stack, newest first, by the rule of ``_undoable``: a change
    stays undoable while nobody else has changed that label in the layer since."""
    changed_since: set[int | None] = set()  # labels a later change (not undone) touched
    for event in _in_force(CategoryEvent, project, document, user, gold=gold):
        labels = {event.before_label_id, event.after_label_id} - {None}
        if event.actor_id == user.pk and changed_since.isdisjoint(labels):
            yield event
        else:
            changed_since.update(labels)


def _undoable(project: Project, document: Document, user, *, gold: bool) -> Iterator[SpanEvent]:
    """The stack, newest first: each change is yielded as if the ones before it had been
    undone (so the second is what is left to undo after the first). An undo or a
    restoration is not itself undone, and what it reversed is gone (``_in_force``)."""
    changed_since: set[int] = set()  # spans that a later change (not undone) touched
    for event in _in_force(SpanEvent, project, document, user, gold=gold):
        # A batch (a list posted, gold accepted in one click) is undone in one step,
        # while no span of it has been changed since.
        spans = event.span_ids
        if event.actor_id == user.pk and changed_since.isdisjoint(spans):
            yield event
        else:
            changed_since.update(spans)


class Undone(NamedTuple):
    notice: str  # what was done, in words
    change: Change  # the spans it touched
    more: bool = False  # whether anything is left to undo
    categories: bool = False  # whether it was the document labels that changed
    # Whether the relations' panel is drawn again: relations came back with the spans (a
    # deletion undone), or a batch's spans took some.
    relations: bool = False
    # The relations that went with the span (a creation undone): their rows go.
    relations_removed: tuple[int, ...] = ()
    # Whether the pending suggestions may have changed (an acceptance's span gone or back):
    # not after a creation undone whose span was no acceptance, as after a deletion.
    suggestions: bool = True
    # Whether comments were on a span that went (they stay, no longer naming it).
    comments: bool = False


def undo_last(project: Project, document: Document, user, *, gold: bool) -> Undone | None:
    """Reverse the user's last change to the layer; None when there is none."""
    with transaction.atomic():
        # Two undos at once (a key held down) take the changes one after the other.
        services.lock_layer(project, document, user.pk, gold=gold)
        stack = _stack(project, document, user, gold=gold)
        event = next(stack, None)
        if event is None:
            return None
        if isinstance(event, CategoryEvent):
            notice = _reverse_category(event, project, document, user, gold=gold)
            return Undone(notice, Change(), more=next(stack, None) is not None, categories=True)
        done = _reverse(event, project, document, user, gold=gold)
        return done._replace(more=next(stack, None) is not None)


def _reverse_category(event: CategoryEvent, project, document, user, *, gold: bool) -> str:
    """Reverse a change to the document labels (inside the caller's transaction)."""
    if event.action == CategoryAction.REPLACED:
        old = services.category_unreplace(event=event, actor=user)
        return f"Undone: the document label is {old.label.name} again."
    if event.action == CategoryAction.DELETED:
        if event.before_label is None:
            raise ValidationError("Cannot undo: that label has been deleted since.")
        services.category_add(
            project=project,
            document=document,
            annotator=event.annotator or user,
            label=event.before_label,
            gold=gold,
            actor=user,
            reverts=event,
            pk=event.category_id,
        )
        return f"Undone: the document label {event.before_label.name} is back."
    category = Category.objects.filter(pk=event.category_id).select_related("label").first()
    if category is None:
        raise ValidationError("Cannot undo: that document label is gone.")
    services.category_delete(category=category, actor=user, reverts=event)
    return f"Undone: the document label {category.label.name} is removed."


def _reverse(event: SpanEvent, project, document, user, *, gold: bool) -> Undone:
    """Reverse ``event`` (inside the caller's transaction)."""
    layer = Span.objects.filter(project=project, document=document)
    layer = layer.gold() if gold else layer.by(user)
    if event.spans is not None and event.action == SpanAction.RELABELLED:
        return _reverse_relabels(event, layer, user)
    if event.spans is not None:  # else only a batch's creation can be on the stack
        spans = list(layer.filter(pk__in=event.span_ids))
        if len(spans) != len(event.spans):
            raise ValidationError("Cannot undo: some of those spans are gone.")
        events = services.spans_delete(spans=spans, reverts=event, actor=user)
        return Undone(
            f"Undone: the {len(spans)} new spans are removed.",
            Change(before=tuple(spans)),
            relations=RelationEvent.objects.filter(cause__in=events).exists(),
        )
    span = None
    if event.action != SpanAction.DELETED:  # a deletion's span is gone: it comes back
        span = layer.select_related("label").filter(pk=event.span_id).first()
        if span is None:
            raise ValidationError("Cannot undo: that span is gone.")
        # The request's own: not read again (the document with its text) for the span.
        span.project, span.document = project, document
    if event.action == SpanAction.CREATED:
        deletion = services.span_delete(span=span, reverts=event, actor=user)
        return Undone(
            "Undone: the new span is removed.",
            Change(before=(span,)),
            relations_removed=tuple(deletion.relations),
            suggestions=deletion.reoffered,
            comments=deletion.commented,
        )
    label = event.before_label
    if label is None:
        raise ValidationError("Cannot undo: that label has been deleted since.")
    if event.action == SpanAction.DELETED:
        restored = services.span_create(
            project=project,
            document=document,
            annotator=event.annotator or user,  # gold: the reviewer who curated it
            label=label,
            start=event.before_start,
            end=event.before_end,
            gold=gold,
            reverts=event,
            actor=user,
        )
        # The relations the deletion took come back with the span, when they can.
        back = RelationEvent.objects.filter(cause=event, action=RelationAction.RESTORED)
        return Undone(
            f"Undone: the {label.name} span is back.",
            Change(after=(restored,)),
            relations=back.exists(),
        )
    before = SpanRow(span.pk, span.start, span.end, span.label_id)
    services.span_update(
        span=span,
        label=label,
        start=event.before_start,
        end=event.before_end,
        reverts=event,
        actor=user,
    )
    # A relabel or a move takes no relation (one it would break refuses it).
    return Undone(f"Undone: the span is {label.name} again.", Change((before,), (span,)))


def _reverse_relabels(event: SpanEvent, layer, user) -> Undone:
    """Give a relabel batch's spans their labels back, in one step."""
    spans = {span.pk: span for span in layer.filter(pk__in=event.span_ids)}
    labels = Label.objects.in_bulk({row[4] for row in event.spans})
    if len(spans) != len(event.spans) or any(row[4] not in labels for row in event.spans):
        raise ValidationError("Cannot undo: some of those spans or labels are gone.")
    before = tuple(SpanRow(s.pk, s.start, s.end, s.label_id) for s in spans.values())
    changes = [(spans[row[0]], labels[row[4]]) for row in event.spans]
    done, refused, _ = services.spans_relabel(changes=changes, actor=user, reverts=event)
    if refused:
        reasons = "; ".join(reason for _, reason in refused)
        raise ValidationError(f"Cannot undo: the old labels no longer fit the layer ({reasons}).")
    return Undone(
        f"Undone: the {len(done)} spans have their labels back.",
        Change(before=before, after=tuple(done)),
    )
