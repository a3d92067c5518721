"""The history of every span: what changed, who changed it, and bringing deleted spans back.

``services`` records a ``SpanEvent`` inside the same transaction as each write, so the
history can never disagree with the spans. The services' signatures name the layer's
owner, not the person acting (a reviewer deletes gold, a manager an analyst's span through
the API): the acting user comes from the request being served, which
``annotator.middleware.RequestUserMiddleware`` makes known here. Outside a request
(commands, the shell) the layer's owner is taken as the actor.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from corpus.models import Document

from . import sql
from .models import Project, Span, SpanAction, SpanEvent

# The request being served (not its user: DRF authenticates a token later in the request
# and then sets ``request.user`` on the same object), or a user set by ``acting_as``.
_current_request: ContextVar = ContextVar("margin_current_request", default=None)
_acting_user: ContextVar = ContextVar("margin_acting_user", default=None)


@contextmanager
def serving(request) -> Iterator[None]:
    """Make ``request.user`` the actor of the span events recorded while it is served."""
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


@contextmanager
def acting_as(user) -> Iterator[None]:
    """Record the span events made inside the block as ``user``'s."""
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


def actor_id(fallback_id: int | None) -> int | None:
    """The id of whoever is making the change: ``acting_as``, the request's user, or the
    layer's owner."""
    user = _acting_user.get()
    if user is None:
        request = _current_request.get()
        user = getattr(request, "user", None) if request is not None else None
    if user is not None and user.is_authenticated:
        return user.pk
    return fallback_id


def _event(span: Span, action: str, reverts: SpanEvent | None) -> SpanEvent:
    """An event about ``span`` as it stands now: its offsets and label are "after"."""
    return SpanEvent(
        reverts=reverts,
        project_id=span.project_id,
        document_id=span.document_id,
        span_id=span.pk,
        action=action,
        actor_id=actor_id(span.annotator_id),
        annotator_id=span.annotator_id,
        gold=span.gold,
        after_start=span.start,
        after_end=span.end,
        after_label_id=span.label_id,
    )


def record_created(span: Span, *, reverts: SpanEvent | None = None) -> SpanEvent:
    """Record a new span (call inside the transaction that stored it); with ``reverts``,
    the deletion it brings back."""
    event = _event(span, SpanAction.RESTORED if reverts else SpanAction.CREATED, reverts)
    sql.insert(event)
    return event


def record_many_created(span_ids: Sequence[int]) -> None:
    """Record a bulk insert of spans (stored, by id) as one ``created`` event each.

    The events are copied from the stored rows by ``INSERT … SELECT``: an import of 200,000
    spans would otherwise build 200,000 event objects in Python, the slowest part of it.
    PostgreSQL takes all the ids as one array; other databases a batch of them at a time.
    """
    if not span_ids:
        return
    quote = connection.ops.quote_name
    event, span = SpanEvent._meta, Span._meta
    columns = ", ".join(
        quote(event.get_field(name).column)
        for name in (
            "project",
            "document",
            "span_id",
            "action",
            "actor",
            "annotator",
            "gold",
            "after_start",
            "after_end",
            "after_label",
            "at",
        )
    )
    source = ", ".join(quote(span.get_field(name).column) for name in ("project", "document", "id"))
    start, end, label, annotator, gold = (
        quote(span.get_field(name).column)
        for name in ("start", "end", "label", "annotator", "gold")
    )
    now = event.get_field("at").get_db_prep_save(timezone.now(), connection)
    insert = (
        f"INSERT INTO {quote(event.db_table)} ({columns}) "
        f"SELECT {source}, %s, COALESCE(%s, {annotator}), {annotator}, {gold}, "
        f"{start}, {end}, {label}, %s FROM {quote(span.db_table)} WHERE {quote(span.pk.column)} "
    )
    values = [SpanAction.CREATED, actor_id(None), now]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{insert}= ANY(%s)", [*values, list(span_ids)])
            return
        for first in range(0, len(span_ids), 2000):
            batch = span_ids[first : first + 2000]
            cursor.execute(f"{insert}IN ({', '.join(['%s'] * len(batch))})", [*values, *batch])


def record_changed(
    span: Span, *, start: int, end: int, label_id: int, reverts: SpanEvent | None = None
) -> SpanEvent | None:
    """Record a relabel or a move of ``span`` from (start, end, label_id); None if unchanged."""
    if (start, end) != (span.start, span.end):
        action = SpanAction.MOVED
    elif label_id != span.label_id:
        action = SpanAction.RELABELLED
    else:
        return None
    event = _event(span, action, reverts)
    event.before_start, event.before_end, event.before_label_id = start, end, label_id
    sql.insert(event)
    return event


def record_deleted(span: Span, *, reverts: SpanEvent | None = None) -> SpanEvent:
    """Record a span about to be deleted (inside the deleting transaction)."""
    event = _event(span, SpanAction.DELETED, reverts)
    # What was deleted is the "before"; nothing comes after.
    event.before_start, event.before_end, event.before_label_id = (
        span.start,
        span.end,
        span.label_id,
    )
    event.after_start = event.after_end = event.after_label_id = None
    sql.insert(event)
    return event


def document_history(project: Project, document: Document):
    """Every change to the document's spans in the project, newest first."""
    return (
        SpanEvent.objects.filter(project=project, document=document)
        .select_related("actor", "annotator", "before_label", "after_label")
        .prefetch_related("reverted_by")
        .order_by("-at", "-id")
    )


def restorable(event: SpanEvent) -> bool:
    """A deletion not restored yet (the reverse one-to-one is prefetched or cached)."""
    if event.action != SpanAction.DELETED:
        return False
    try:
        event.reverted_by  # noqa: B018 — the reverse accessor raises when there is none
    except SpanEvent.DoesNotExist:
        return True
    return False


def span_restore(*, event: SpanEvent, user) -> Span:
    """Bring back the span a deletion event removed, under its old id, validated again
    through ``span_create`` (its label must still exist, and it must fit its layer as it
    is now)."""
    # services imports this module to record events, so it is imported here, when used.
    from . import services

    if event.action != SpanAction.DELETED:
        raise ValidationError("Only a deleted span can be restored.")
    if event.before_label is None:
        raise ValidationError("Its label has been deleted since: the span cannot come back.")
    if event.annotator is None:
        raise ValidationError("Its annotator's account has been deleted since.")
    with transaction.atomic():
        # Locked so that two managers restoring the same span make one span, not two.
        event = SpanEvent.objects.select_for_update().get(pk=event.pk)
        if SpanEvent.objects.filter(reverts=event).exists():
            raise ValidationError("This span has already been restored.")
        with acting_as(user):
            span = services.span_create(
                project=event.project,
                document=event.document,
                annotator=event.annotator,
                label=event.before_label,
                start=event.before_start,
                end=event.before_end,
                gold=event.gold,
                reverts=event,
            )
    return span


EVENTS_PER_PAGE = 100


def history_rows(text: str, events: Iterable[SpanEvent]) -> list[dict]:
    """What the history page shows of each event: before/after with the quoted text."""

    def side(start, end, label) -> dict | None:
        if start is None:
            return None
        return {
            "start": start,
            "end": end,
            "label": label.name if label is not None else "(deleted label)",
            "text": text[start:end],
        }

    return [
        {
            "event": event,
            "action": event.get_action_display(),
            "layer": "gold" if event.gold else (event.annotator or "(deleted user)"),
            "actor": event.actor or "(deleted user)",
            "before": side(event.before_start, event.before_end, event.before_label),
            "after": side(event.after_start, event.after_end, event.after_label),
            "restorable": restorable(event),
        }
        for event in events
    ]
