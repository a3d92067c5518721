"""Documents: the article texts that spans point into."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentQuerySet(models.QuerySet):
    def get_by_natural_key(self, external_id: str) -> "Document":
        # An external id is unique within a project, not across them: the oldest one.
        document = self.filter(external_id=external_id).order_by("pk").first()
        if document is None:
            raise self.model.DoesNotExist(f"No document {external_id!r}.")
        return document

    def with_length(self) -> "DocumentQuerySet":
        return self.annotate(length=models.functions.Length("text"))


class Document(models.Model):
    """An article. Its text is stored exactly as given: offsets are code points into it."""

    title = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    # Unique within each project (the import keeps that, under the project's lock), not
    # across projects: one project's ids must not tell another's manager anything.
    # None, not "", for a document without one (it was unique across projects until 0002).
    external_id = models.CharField(  # noqa: DJ001
        max_length=255,
        null=True,
        blank=True,
        db_index=True,
        help_text="Your own identifier for the document (a URL, a file name, an id).",
    )
    source = models.CharField(max_length=500, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        # The documents table sorts by title: a page of 100,000 documents without a sort.
        indexes = [models.Index(fields=["title", "id"], name="document_title")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="document_text_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title or self.external_id or f"Document {self.pk}"

    def save(self, *args, **kwargs) -> None:
        if self._text_changed() and self.text_is_locked():
            raise ValidationError({"text": TEXT_LOCKED_MESSAGE})
        self.content_hash = text_hash(self.text)
        if self.external_id == "":
            self.external_id = None
        super().save(*args, **kwargs)
        self._stored_text = self.text

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        document = super().from_db(db, field_names, values, **kwargs)
        # Remembered so that save() can tell whether the text is being changed.
        document._stored_text = values[field_names.index("text")] if "text" in field_names else None
        return document

    def natural_key(self) -> tuple[str]:
        return (self.external_id,)

    def text_is_locked(self) -> bool:
        """Spans point into the text by offset, so once there are any the text is fixed."""
        return self.pk is not None and self.spans.exists()

    def clean(self) -> None:
        if not self.text:
            raise ValidationError({"text": "A document needs some text."})
        if self._text_changed() and self.text_is_locked():
            raise ValidationError({"text": TEXT_LOCKED_MESSAGE})

    def _text_changed(self) -> bool:
        stored = getattr(self, "_stored_text", None)
        return self.pk is not None and stored is not None and stored != self.text


TEXT_LOCKED_MESSAGE = (
    "The text cannot change: spans point into it by offset. "
    "Import the new text as a new document instead."
)
