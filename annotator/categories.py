"""Document labels given to documents: a *category* is one label of kind ``document`` on
one document, in one layer (an annotator's own, or gold), like a span without offsets.

Each layer holds a label at most once per document; with the project's ``document_labels``
set to ``single`` it holds one label per document, and a new one replaces it
(``services.category_add``). Every change is a ``CategoryEvent`` in the same transaction,
which is what the history page lists and what undo reverses (``undo``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CategoryQuerySet(models.QuerySet):
    def by(self, user) -> "CategoryQuerySet":
        """One annotator's own layer."""
        return self.filter(annotator=user, gold=False)

    def gold(self) -> "CategoryQuerySet":
        return self.filter(gold=True)


class Category(models.Model):
    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="categories"
    )
    document = models.ForeignKey(
        "corpus.Document", on_delete=models.CASCADE, related_name="categories"
    )
    label = models.ForeignKey(
        "annotator.Label", on_delete=models.PROTECT, related_name="categories"
    )
    # For gold: the reviewer who set it.
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="categories"
    )
    gold = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["document_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "document", "annotator", "label"],
                condition=Q(gold=False),
                name="category_unique_in_annotator_layer",
            ),
            models.UniqueConstraint(
                fields=["project", "document", "label"],
                condition=Q(gold=True),
                name="category_unique_in_gold_layer",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "document", "annotator", "gold"], name="category_layer")
        ]

    def __str__(self) -> str:
        return f"{self.label} on {self.document_id}"

    @property
    def layer(self) -> str:
        return "gold" if self.gold else "annotator"


class CategoryAction(models.TextChoices):
    CREATED = "created", "Added"
    DELETED = "deleted", "Removed"
    REPLACED = "replaced", "Replaced"
    RESTORED = "restored", "Restored"


class CategoryEvent(models.Model):
    """One change to a layer's categories, recorded in the transaction that made it.

    ``category_id`` is a plain number (the category may be gone); ``before_label`` is the
    label as it was (empty for an addition), ``after_label`` as it became (empty for a
    removal). A replacement (``single`` projects) removes ``replaced_id`` and adds
    ``category_id`` in one event, so that one undo brings the old one back. An undo's
    event ``reverts`` the change it reversed.
    """

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="category_events"
    )
    document = models.ForeignKey("corpus.Document", on_delete=models.CASCADE, related_name="+")
    category_id = models.BigIntegerField()
    replaced_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=CategoryAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    gold = models.BooleanField(default=False)
    before_label = models.ForeignKey(
        "annotator.Label", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    after_label = models.ForeignKey(
        "annotator.Label", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reverts = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reverted_by"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["project", "document", "at"], name="category_event_document")
        ]

    def __str__(self) -> str:
        return f"{self.action} category {self.category_id} by {self.actor}"
