"""A phrase's hits tagged at once (``POST …/search/tag/``): what was stored, so that the
whole tag — every document's batch — is undone in one step."""

from django.conf import settings
from django.db import models

# The source of suggestions tagged from a search: ``search:<the phrase>``.
SEARCH_PREFIX = "search:"


class TagInto(models.TextChoices):
    SUGGESTIONS = "suggestions", "Suggestions"
    MINE = "mine", "My layer"
    GOLD = "gold", "Gold"


class SearchTag(models.Model):
    """One "tag every hit" job and what it stored: the history events of the spans it made
    (one batch a document; undoing reverts them all) or the suggestions it added."""

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="search_tags"
    )
    job = models.OneToOneField("annotator.Job", on_delete=models.CASCADE, related_name="search_tag")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    q = models.CharField(max_length=200)
    # The label by id and name, not a foreign key: deleting a label asks nothing of the tags
    # that used it (a tag still queued then fails, saying so; one done is undone as ever).
    label_pk = models.BigIntegerField()
    label_name = models.CharField(max_length=100)
    into = models.CharField(max_length=20, choices=TagInto.choices, default=TagInto.SUGGESTIONS)
    # Ids of the ``SpanEvent``s (mine, gold) or ``Suggestion``s it made.
    events = models.JSONField(default=list, blank=True)
    suggestions = models.JSONField(default=list, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.q!r} as {self.label_name} into {self.into}"

    @property
    def source(self) -> str:
        return SEARCH_PREFIX + self.q


class EditKind(models.TextChoices):
    RELABEL = "relabel", "Relabelled"
    DELETE = "delete", "Deleted"


class SearchEdit(models.Model):
    """One "relabel (or delete) every listed span" job and the history events it wrote,
    so that undoing it reverts them all in one step (API.md, "Search")."""

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="search_edits"
    )
    job = models.OneToOneField(
        "annotator.Job", on_delete=models.CASCADE, related_name="search_edit"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=EditKind.choices)
    # The search's parameters as given, parsed again by the worker: what it lists then is
    # what is edited.
    filters = models.JSONField(default=dict)
    # The target label by id and name (a relabel), for the same reason as ``SearchTag``'s.
    label_pk = models.BigIntegerField(null=True, blank=True)
    label_name = models.CharField(max_length=100, blank=True)
    events = models.JSONField(default=list, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filters} {self.label_name}".strip()
