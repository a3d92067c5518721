"""Suggested document labels and suggested relations: like span suggestions
(``suggestions``), never annotations (DESIGN.md, "Suggestions are not annotations"), each
with its ``source`` (provenance) and ``score``, and each person's decision on it.

Accepting a suggested document label gives the document that label in the person's layer
(or gold) through ``services.category_add``; accepting a suggested relation relates the
spans its two end suggestions became in that layer (accepting them first when they are
not yet), through ``services.relation_create``. A decision remembers what it became
(``category_id``, ``relation_id``): when that is gone (an undo), it no longer counts.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .suggestions import SOURCE_MAX


class CategorySuggestion(models.Model):
    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="category_suggestions"
    )
    document = models.ForeignKey(
        "corpus.Document", on_delete=models.CASCADE, related_name="category_suggestions"
    )
    # A label deleted takes its suggestions with it; the categories accepted stay.
    label = models.ForeignKey(
        "annotator.Label", on_delete=models.CASCADE, related_name="category_suggestions"
    )
    source = models.CharField(max_length=SOURCE_MAX)
    score = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=""), name="category_suggestion_has_source"),
            models.UniqueConstraint(
                fields=["project", "document", "source", "label"],
                name="category_suggestion_unique_in_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.label_id} on {self.document_id}"


class RelationSuggestion(models.Model):
    """A relation suggested between two span suggestions of one document."""

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="relation_suggestions"
    )
    document = models.ForeignKey(
        "corpus.Document", on_delete=models.CASCADE, related_name="relation_suggestions"
    )
    type = models.ForeignKey(
        "annotator.RelationType", on_delete=models.CASCADE, related_name="suggestions"
    )
    # ``from`` and ``to``: ``source`` is the suggestion's provenance, as for spans.
    from_suggestion = models.ForeignKey(
        "annotator.Suggestion", on_delete=models.CASCADE, related_name="relations_from"
    )
    to_suggestion = models.ForeignKey(
        "annotator.Suggestion", on_delete=models.CASCADE, related_name="relations_to"
    )
    source = models.CharField(max_length=SOURCE_MAX)
    score = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=""), name="relation_suggestion_has_source"),
            models.CheckConstraint(
                condition=~Q(from_suggestion=models.F("to_suggestion")),
                name="relation_suggestion_not_to_itself",
            ),
            models.UniqueConstraint(
                fields=["source", "type", "from_suggestion", "to_suggestion"],
                name="relation_suggestion_unique_in_source",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "document"], name="relation_suggestion_document")
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.type_id} {self.from_suggestion_id} → {self.to_suggestion_id}"


def _decision_constraints(prefix: str, made: str) -> list:
    return [
        models.UniqueConstraint(
            fields=["suggestion", "user"],
            condition=Q(gold=False),
            name=f"{prefix}_decision_one_a_person",
        ),
        models.UniqueConstraint(
            fields=["suggestion"], condition=Q(gold=True), name=f"{prefix}_decision_one_gold"
        ),
        models.CheckConstraint(
            condition=Q(accepted=False, **{f"{made}__isnull": True})
            | Q(accepted=True, **{f"{made}__isnull": False}),
            name=f"{prefix}_decision_accepted_has_{made.removesuffix('_id')}",
        ),
    ]


class CategorySuggestionDecision(models.Model):
    """One person's (or gold's) decision on a suggested document label."""

    suggestion = models.ForeignKey(
        CategorySuggestion, on_delete=models.CASCADE, related_name="decisions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    gold = models.BooleanField(default=False)
    accepted = models.BooleanField()
    # The category an acceptance became (a plain number: it may be gone, by an undo).
    category_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["suggestion_id", "id"]
        constraints = _decision_constraints("category_suggestion", "category_id")

    def __str__(self) -> str:
        verdict = "accepted" if self.accepted else "rejected"
        return f"{self.user_id} {verdict} suggestion {self.suggestion_id}"


class RelationSuggestionDecision(models.Model):
    """One person's (or gold's) decision on a suggested relation."""

    suggestion = models.ForeignKey(
        RelationSuggestion, on_delete=models.CASCADE, related_name="decisions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    gold = models.BooleanField(default=False)
    accepted = models.BooleanField()
    relation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["suggestion_id", "id"]
        constraints = _decision_constraints("relation_suggestion", "relation_id")

    def __str__(self) -> str:
        verdict = "accepted" if self.accepted else "rejected"
        return f"{self.user_id} {verdict} suggestion {self.suggestion_id}"
