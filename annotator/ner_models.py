"""Models trained on a project's reviewed gold (DESIGN.md, "Models"): each training run is a
version, with its metrics on the held-out evaluation slice, the number of documents it
learned from, its configuration and the pipeline itself.

The pipeline's bytes are stored in the database, beside the model's record, not under
MEDIA: any worker on any machine against the same database can load it (as ``JobFile``
keeps a job's files), a fresh clone needs no media directory, a backup of the database
is a backup of the models, and deleting a project deletes them. A model is a couple of
megabytes (``ner.CONFIG`` is small on purpose); lists never read the bytes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ModelStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class NerModel(models.Model):
    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="ner_models"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=ModelStatus.choices, default=ModelStatus.QUEUED
    )
    # Documents it learned from (the reviewed ones outside the evaluation slice), and
    # those it was measured on.
    documents = models.PositiveIntegerField(default=0)
    evaluated = models.PositiveIntegerField(default=0)
    # The ids of the documents it learnt from (what ``documents`` counts): the page and the
    # detail show them; lists do not read them.
    trained_on = models.JSONField(default=list, blank=True)
    # The project's reviewed documents when the run was queued: ``train_every`` counts
    # from there.
    reviewed = models.PositiveIntegerField(default=0)
    # {"precision", "recall", "f1", "per_label": {label: {…, "support"}}}; null until trained
    metrics = models.JSONField(null=True, blank=True)
    # {"confusion": {gold label: {predicted label: n}}, "errors": [[document id, start,
    # end, gold label, predicted label]]} ("" = no label there)
    evaluation = models.JSONField(null=True, blank=True)
    config = models.JSONField(default=dict)
    data = models.BinaryField(null=True, blank=True, editable=False)
    seconds = models.FloatField(null=True, blank=True, help_text="Training time.")
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "annotator.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Queued by ``train_every`` rather than by a person: its predictions follow at once.
    automatic = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Every column but the pipeline's bytes: what lists and pages read.
    LISTED = (
        "id",
        "project_id",
        "version",
        "status",
        "documents",
        "evaluated",
        "reviewed",
        "metrics",
        "config",
        "seconds",
        "error",
        "job_id",
        "automatic",
        "created_at",
        "finished_at",
    )

    class Meta:
        ordering = ["project_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="ner_model_version_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ModelStatus.values), name="ner_model_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"model:{self.version} ({self.status})"

    @property
    def source(self) -> str:
        """The ``source`` of the suggestions it makes."""
        return model_source(self.version)

    @property
    def f1(self) -> float | None:
        return (self.metrics or {}).get("f1")


MODEL_PREFIX = "model:"


def model_source(version: int) -> str:
    return f"{MODEL_PREFIX}{version}"


class DocumentConfidence(models.Model):
    """How sure the latest model that read a document was of it (its least sure call):
    the ``uncertainty`` order offers the least confident documents first."""

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="confidences"
    )
    document = models.ForeignKey(
        "corpus.Document", on_delete=models.CASCADE, related_name="confidences"
    )
    model = models.ForeignKey(NerModel, on_delete=models.CASCADE, related_name="confidences")
    confidence = models.FloatField()

    class Meta:
        ordering = ["project_id", "confidence", "document_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "document"], name="document_confidence_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "confidence"], name="document_confidence_order"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.confidence}"
