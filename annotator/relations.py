"""Relations between two spans of one layer ("who supplies what to whom"), typed by the
project's relation types, each of which may restrict the labels of its source and target.

A relation lives in the layer of its spans: both are the same annotator's, or both gold.
Deleting a span deletes its relations in the same step of the history: each is recorded
as a ``RelationEvent`` whose ``cause`` is the span's deletion, so that undoing or restoring
that deletion brings them back (``services.relations_restore``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class RelationType(models.Model):
    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="relation_types"
    )
    name = models.CharField(max_length=100, help_text="Written into exports, e.g. SUPPLIES.")
    directed = models.BooleanField(default=True)
    # Empty: any label.
    source_labels = models.ManyToManyField("annotator.Label", blank=True, related_name="+")
    target_labels = models.ManyToManyField("annotator.Label", blank=True, related_name="+")

    class Meta:
        ordering = ["project_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="relation_type_name_unique_in_project"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Relation(models.Model):
    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="relations"
    )
    document = models.ForeignKey(
        "corpus.Document", on_delete=models.CASCADE, related_name="relations"
    )
    type = models.ForeignKey(RelationType, on_delete=models.PROTECT, related_name="relations")
    source = models.ForeignKey(
        "annotator.Span", on_delete=models.CASCADE, related_name="relations_from"
    )
    target = models.ForeignKey(
        "annotator.Span", on_delete=models.CASCADE, related_name="relations_to"
    )
    # The layer of both spans (for gold: the reviewer who drew it).
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="relations"
    )
    gold = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "source", "target"], name="relation_unique_between_spans"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="relation_not_to_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "document", "annotator", "gold"], name="relation_layer")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.source_id} → {self.target_id}"

    @property
    def layer(self) -> str:
        return "gold" if self.gold else "annotator"


class RelationAction(models.TextChoices):
    CREATED = "created", "Created"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"


class RelationEvent(models.Model):
    """One change to a relation, recorded in the transaction that made it. ``cause``: the
    deletion of a span that took the relation with it (one step of the history)."""

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="relation_events"
    )
    document = models.ForeignKey("corpus.Document", on_delete=models.CASCADE, related_name="+")
    relation_id = models.BigIntegerField()
    action = models.CharField(max_length=20, choices=RelationAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    gold = models.BooleanField(default=False)
    type = models.ForeignKey(
        RelationType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_id = models.BigIntegerField()
    target_id = models.BigIntegerField()
    cause = models.ForeignKey(
        "annotator.SpanEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relation_events",
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} relation {self.relation_id} by {self.actor}"
