"""Undo for the workspace: the user's last actions on one document, kept in the session.

The session lives in the database, so undo works whichever app server answers. Each entry
is enough to reverse one action through the services (and so through the one validation).
"""

from django.core.exceptions import ValidationError

from corpus.models import Document

from . import services
from .models import Label, Project, Span

DEPTH = 50


class UndoStack:
    def __init__(self, session, project_id: int, document_id: int, *, gold: bool = False):
        self.session = session
        self.gold = gold
        self.key = f"undo:{project_id}:{document_id}:{'gold' if gold else 'mine'}"

    def __bool__(self) -> bool:
        return bool(self.session.get(self.key))

    def _push(self, entry: dict) -> None:
        entries = [*self.session.get(self.key, []), entry][-DEPTH:]
        self.session[self.key] = entries

    def push_created(self, span: Span) -> None:
        self._push({"action": "created", "span": span.pk})

    def push_deleted(self, span: Span) -> None:
        self._push(
            {
                "action": "deleted",
                "span": span.pk,
                "start": span.start,
                "end": span.end,
                "label": span.label_id,
            }
        )

    def push_relabelled(self, span: Span, previous: Label) -> None:
        self._push({"action": "relabelled", "span": span.pk, "label": previous.pk})

    def undo(self, *, project: Project, document: Document, user) -> str | None:
        """Reverse the last action; returns what was done, or None if there is nothing."""
        entries = list(self.session.get(self.key, []))
        if not entries:
            return None
        entry = entries.pop()
        self.session[self.key] = entries
        layer = Span.objects.filter(project=project, document=document)
        mine = layer.gold() if self.gold else layer.by(user)
        if entry["action"] == "created":
            span = mine.filter(pk=entry["span"]).first()
            if span is None:
                return "Nothing to undo: that span is already gone."
            services.span_delete(span=span)
            return "Undone: the new span is removed."
        label = Label.objects.filter(project=project, pk=entry["label"]).first()
        if label is None:
            raise ValidationError("Cannot undo: that label no longer exists.")
        if entry["action"] == "deleted":
            span = services.span_create(
                project=project,
                document=document,
                annotator=user,
                label=label,
                start=entry["start"],
                end=entry["end"],
                gold=self.gold,
            )
            # The span is back under a new id: older entries must follow it.
            for older in entries:
                if older.get("span") == entry["span"]:
                    older["span"] = span.pk
            self.session[self.key] = entries
            return f"Undone: the {label.name} span is back."
        span = mine.select_related("document", "project", "label").filter(pk=entry["span"]).first()
        if span is None:
            return "Nothing to undo: that span is gone."
        services.span_update(span=span, label=label)
        return f"Undone: the span is {label.name} again."
