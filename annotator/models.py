"""Annotation: projects, labels, members and their roles, spans, per-user document status.

A *label* is a vocabulary entry, a *span* one tagged stretch of text, a *layer* one
person's spans in a project (or the project's gold spans). Offsets are Unicode code points
into ``Document.text``, half-open: ``document.text[span.start:span.end] == span.text``.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"


class ProjectQuerySet(models.QuerySet):
    def get_by_natural_key(self, name: str) -> "Project":
        return self.get(name=name)

    def visible_to(self, user) -> "ProjectQuerySet":
        """The projects a user belongs to; superusers see all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user)

    def with_role(self, user) -> "ProjectQuerySet":
        """Annotate ``role``: the user's role, 'manager' for superusers, None otherwise."""
        if user.is_authenticated and user.is_superuser:
            return self.annotate(role=models.Value(Role.MANAGER))
        role = Membership.objects.filter(project=models.OuterRef("pk"), user=user.pk)
        return self.annotate(role=models.Subquery(role.values("role")[:1]))


class Propagate(models.TextChoices):
    """Where a new span in a person's layer suggests its label on the same text."""

    OFF = "off", "Off"
    DOCUMENT = "document", "In the same document"
    PROJECT = "project", "In the whole project"


class QueueOrder(models.TextChoices):
    """The order in which ``document_next`` offers documents to annotators."""

    SEQUENTIAL = "sequential", "In order"
    UNCERTAINTY = "uncertainty", "Least confident first (the latest model's)"


class DocumentLabels(models.TextChoices):
    """How many document labels one layer may give a document."""

    SINGLE = "single", "One per document"
    MULTI = "multi", "Any number per document"


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True, help_text="Markdown, shown to annotators.")
    allow_overlap = models.BooleanField(
        default=False, help_text="Allow one annotator's spans to nest or overlap."
    )
    annotators_per_document = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="How many different annotators each document should get.",
    )
    propagate = models.CharField(
        max_length=10,
        choices=Propagate.choices,
        default=Propagate.OFF,
        help_text="A new span suggests its label on the other occurrences of its text.",
    )
    train_every = models.PositiveIntegerField(
        default=0,
        help_text="Train a new model after this many newly reviewed documents (0: never).",
    )
    order = models.CharField(
        max_length=12,
        choices=QueueOrder.choices,
        default=QueueOrder.SEQUENTIAL,
        help_text="The order in which annotators are offered documents.",
    )
    random_fraction = models.FloatField(
        default=0.1,
        help_text="With the uncertainty order, the share of documents offered at random, "
        "so that the model's evaluation stays unbiased.",
    )
    document_labels = models.CharField(
        max_length=10,
        choices=DocumentLabels.choices,
        default=DocumentLabels.MULTI,
        help_text="With single, a new document label replaces the layer's one.",
    )
    documents = models.ManyToManyField("corpus.Document", related_name="projects", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annotators_per_document__gte=1), name="project_annotators_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(propagate__in=Propagate.values), name="project_propagate_valid"
            ),
            models.CheckConstraint(
                condition=Q(order__in=QueueOrder.values), name="project_order_valid"
            ),
            models.CheckConstraint(
                condition=Q(random_fraction__gte=0) & Q(random_fraction__lte=1),
                name="project_random_fraction_0_to_1",
            ),
            models.CheckConstraint(
                condition=Q(document_labels__in=DocumentLabels.values),
                name="project_document_labels_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Give the colour as #rrggbb, e.g. #1f77b4.")
label_name = RegexValidator(
    r"^\S+$", "A label name is one word without spaces (exports such as CoNLL split on spaces)."
)


# The largest ``Label.order`` every database stores (PostgreSQL's integer; SQLite would
# take any 64-bit number).
ORDER_MAX = 2**31 - 1


class LabelQuerySet(models.QuerySet):
    def get_by_natural_key(self, project_name: str, name: str) -> "Label":
        return self.get(project__name=project_name, name=name)

    def next_order(self) -> int:
        """The place after the last of these labels (the last place, when it is taken)."""
        last = self.aggregate(last=models.Max("order"))["last"]
        return 0 if last is None else min(last + 1, ORDER_MAX)


class LabelKind(models.TextChoices):
    """What a label tags: a stretch of text (a span) or the whole document (a category)."""

    SPAN = "span", "Span"
    DOCUMENT = "document", "Document"


class Label(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(
        max_length=100, validators=[label_name], help_text="Written into exports, e.g. WEAPONS."
    )
    description = models.CharField(max_length=500, blank=True)
    color = models.CharField(max_length=7, default="#1f5fa8", validators=[hex_color])
    shortcut = models.CharField(
        max_length=1, blank=True, help_text="One key that applies the label in the workspace."
    )
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(
        max_length=10,
        choices=LabelKind.choices,
        default=LabelKind.SPAN,
        help_text="A span label tags text; a document label tags the whole document.",
    )

    objects = LabelQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="label_name_unique_in_project"
            ),
            models.UniqueConstraint(
                fields=["project", "shortcut"],
                condition=~Q(shortcut=""),
                name="label_shortcut_unique_in_project",
            ),
            models.CheckConstraint(condition=Q(kind__in=LabelKind.values), name="label_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.project.name, self.name)

    natural_key.dependencies = ["annotator.project"]

    @property
    def is_document_label(self) -> bool:
        return self.kind == LabelKind.DOCUMENT


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ANNOTATOR)

    class Meta:
        ordering = ["project_id", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.project}"


class SpanQuerySet(models.QuerySet):
    def by(self, user) -> "SpanQuerySet":
        """One annotator's own layer."""
        return self.filter(annotator=user, gold=False)

    def gold(self) -> "SpanQuerySet":
        return self.filter(gold=True)

    def annotations(self) -> "SpanQuerySet":
        """Every annotator layer, without gold."""
        return self.filter(gold=False)


class Origin(models.TextChoices):
    MANUAL = "manual", "Manual"
    IMPORTED = "imported", "Imported"
    SUGGESTED = "suggested", "Suggested"


class Span(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="spans")
    document = models.ForeignKey("corpus.Document", on_delete=models.CASCADE, related_name="spans")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="spans")
    # For gold spans: the reviewer who curated it.
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spans"
    )
    gold = models.BooleanField(default=False)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.MANUAL)
    # The source of the suggestion this span was accepted from (``origin`` is then
    # ``suggested``): what the API and exports call the span's ``origin``. Empty for spans
    # made by hand or uploaded straight into a layer (the API's ``"origin": null``).
    source = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SpanQuerySet.as_manager()

    class Meta:
        # Columns, not the related models' orderings, which would join them into every read.
        ordering = ["document_id", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="span_start_not_negative"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="span_not_empty"),
            models.UniqueConstraint(
                fields=["project", "document", "annotator", "start", "end", "label"],
                condition=Q(gold=False),
                name="span_unique_in_annotator_layer",
            ),
            models.UniqueConstraint(
                fields=["project", "document", "start", "end", "label"],
                condition=Q(gold=True),
                name="span_unique_in_gold_layer",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "document", "annotator", "gold"], name="span_layer"),
            models.Index(fields=["project", "label"], name="span_project_label"),
            # A label's spans in reading order: a page of them by its number alone is found
            # by walking this index only (``search.AnnotationHits``), not every span's row
            # (page 2,908 of 5,817 of 581,666 WEAPONS spans: ``bench/search.py``). The one
            # above stays for counting them: its entries are few and deduplicated (12 MB
            # against 113), a count twice as fast.
            models.Index(
                fields=["project", "label", "document", "start", "end", "id"],
                name="span_label_reading_order",
            ),
            # One person's spans of a label (search, ``?layer=mine&label=``): 105,000 of
            # 2,000,000 counted in 27 ms instead of 1 s (``bench/search.py``).
            models.Index(
                fields=["project", "annotator", "gold", "label"], name="span_annotator_label"
            ),
            # Spans as search hits, in reading order: a deep page is read from its key
            # (``search.AnnotationHits``), walking this index rather than sorting every span.
            models.Index(
                fields=["project", "document", "start", "end", "id"], name="span_reading_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} [{self.start}, {self.end})"

    @property
    def layer(self) -> str:
        return "gold" if self.gold else "annotator"

    @property
    def text(self) -> str:
        return self.document.text[self.start : self.end]


def span_errors(
    *,
    text: str,
    project: Project,
    start: object,
    end: object,
    label: Label | None,
    layer: Iterable[tuple[int, int, int]],
) -> dict[str, list[str]]:
    """Everything wrong with a span, by field; empty when it may be stored.

    ``layer`` holds the (start, end, label_id) of the other spans already in the same layer
    of the same document. This is the one validation every entry point goes through: a
    span is checked as a list of one (``spans_errors``).
    """
    item = {"start": start, "end": end, "label": label}
    return spans_errors(text=text, project=project, items=[item], layer=layer).get(0, {})


def spans_errors(
    *,
    text: str,
    project: Project,
    items: Sequence[Mapping[str, Any]],
    layer: Iterable[tuple[int, int, int]],
) -> dict[int, dict[str, list[str]]]:
    """Everything wrong with each span of a list bound for one layer, by item index.

    Each item has ``start``, ``end`` and ``label`` (a Label, or None when unknown), and may
    have ``quoted``: the text its sender says it covers (an export's span text), which must
    then be the document's text there. The items are checked as if stored one by one: each
    against ``layer`` (the (start, end, label_id) of the spans already in that layer of the
    document) and against the items before it that passed.
    """
    errors: dict[int, dict[str, list[str]]] = {}
    conflicts = _LayerIndex(text, layer, items, overlap=project.allow_overlap)
    project_id = project.pk
    for index, item in enumerate(items):
        start, end, label = item["start"], item["end"], item["label"]
        item_errors = _extent_errors(text, project_id, start, end, label)
        if label is not None and "start" not in item_errors and "end" not in item_errors:
            conflict = conflicts.conflict(start, end, label.id)
            if conflict:
                item_errors["non_field_errors"] = [conflict]
        quoted = item.get("quoted")
        if not item_errors and quoted is not None and quoted != text[start:end]:
            # An export's span text guards against offsets in another unit (bytes, UTF-16):
            # they would slice different characters.
            item_errors["text"] = [
                f"Does not match the document at [{start}, {end}): "
                f"{text[start:end]!r}; offsets must be code points."
            ]
        if item_errors:
            errors[index] = item_errors
        else:
            conflicts.add(index, start, end, label.id)
    return errors


def _extent_errors(
    text: str, project_id: int, start: object, end: object, label: Label | None
) -> dict[str, list[str]]:
    """What is wrong with a span by itself: its offsets in the text, its label."""
    errors: dict[str, list[str]] = {}
    # Run for every span of a list: the usual case, nothing wrong, takes few steps.
    if not _whole(start):
        errors["start"] = ["Must be a whole number (a Unicode code point offset)."]
    if not _whole(end):
        errors["end"] = ["Must be a whole number (a Unicode code point offset)."]
    if label is None or label.project_id != project_id:
        errors["label"] = ["Unknown label: it is not one of this project's labels."]
    elif label.kind == LabelKind.DOCUMENT:
        errors["label"] = [
            f"{label.name} is a document label: it tags the whole document (categories), "
            "not a span."
        ]
    if "start" in errors or "end" in errors:
        return errors

    if start < 0:
        errors["start"] = ["Must be 0 or more."]
    if end > len(text):
        errors["end"] = [f"Is past the end of the document (its length is {len(text)})."]
    if start >= end:
        errors.setdefault("end", []).append("Must be greater than start: a span cannot be empty.")
    if "start" not in errors and "end" not in errors and text[start:end].isspace():
        errors["end"] = ["The span covers only whitespace."]
    return errors


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _LayerIndex:
    """One layer of a document, searched for what a new span would conflict with.

    Checking each new span against every span of the layer made a list of n spans cost
    n × (layer + n): one document of 20,000 spans took half a minute to import. Here the
    stored spans are sorted by start once, with the running maximum of their ends, so the
    first of them that overlaps [start, end) is found by bisection. The spans added since
    overlap nothing (overlap refused: each was checked), so among them only the nearest one
    starting at or before ``start`` and the next one after it can overlap; those two come
    from a Fenwick tree over the list's spans in start order (not needed, and not built,
    when the list's spans do not overlap one another). n spans into a layer of m cost
    O((n + m) log(n + m)).

    A span that conflicts with several is reported with one: an exact duplicate, else the
    stored span that starts first, else the added one that starts first.
    """

    def __init__(
        self,
        text: str,
        layer: Iterable[tuple[int, int, int]],
        items: Sequence[Mapping[str, Any]],
        *,
        overlap: bool,
    ):
        self.text = text  # quoted in the messages
        self.stored = sorted(layer)
        self.added_keys: set[tuple[int, int, int]] = set()
        self.overlap_refused = not overlap
        if not self.overlap_refused:
            return
        self.reach = list(accumulate((end for _, end, _ in self.stored), max))
        # The list's spans with whole-number offsets, in start order.
        placed = sorted(
            (item["start"], item["end"], index)
            for index, item in enumerate(items)
            if _whole(item["start"]) and _whole(item["end"])
        )
        reach = list(accumulate((end for _, end, _ in placed), max))
        self.disjoint = all(reach[i] <= placed[i + 1][0] for i in range(len(placed) - 1))
        if self.disjoint:
            return
        self.rank = {index: rank for rank, (_, _, index) in enumerate(placed)}
        self.added_starts = [start for start, _, _ in placed]
        self.added_ends = [end for _, end, _ in placed]
        self.tree = [0] * (len(placed) + 1)  # Fenwick: counts of added spans by rank
        self.added = 0

    def conflict(self, start: int, end: int, label_id: int) -> str | None:
        """Why [start, end) with this label may not join the layer; None when it may."""
        key = (start, end, label_id)
        stored = self.stored
        at = bisect_left(stored, key)
        if key in self.added_keys or (at < len(stored) and stored[at] == key):
            return duplicate_message(self.text, start, end)
        if not self.overlap_refused:
            return None
        first = bisect_right(self.reach, start)  # the first stored span ending after start
        if first < len(stored) and stored[first][0] < end:
            return _overlap_message(self.text, *stored[first][:2])
        if self.disjoint:
            return None
        before = self._count(bisect_right(self.added_starts, start))
        if before:
            rank = self._nth(before)  # the added span starting last at or before start
            if self.added_ends[rank] > start:
                return _overlap_message(self.text, self.added_starts[rank], self.added_ends[rank])
        if before < self.added:
            rank = self._nth(before + 1)  # the added span starting first after start
            if self.added_starts[rank] < end:
                return _overlap_message(self.text, self.added_starts[rank], self.added_ends[rank])
        return None

    def add(self, index: int, start: int, end: int, label_id: int) -> None:
        """Item ``index`` of the list passed: later items are checked against it too."""
        self.added_keys.add((start, end, label_id))
        if not self.overlap_refused or self.disjoint:
            return
        self.added += 1
        position = self.rank[index] + 1
        while position < len(self.tree):
            self.tree[position] += 1
            position += position & -position

    def _count(self, ranks: int) -> int:
        """How many added spans have a rank below ``ranks``."""
        total = 0
        while ranks:
            total += self.tree[ranks]
            ranks -= ranks & -ranks
        return total

    def _nth(self, n: int) -> int:
        """The rank of the n-th added span (from 1), in start order."""
        position, step = 0, 1 << (len(self.tree) - 1).bit_length()
        while step:
            following = position + step
            if following < len(self.tree) and self.tree[following] < n:
                position = following
                n -= self.tree[following]
            step >>= 1
        return position


def quoted(text: str, start: int, end: int, limit: int = 40) -> str:
    """A span's text as a refusal quotes it: on one line, and shortened when long; with
    its offsets, which alone say little to the analyst reading the message."""
    words = " ".join(text[start:end].split())
    if len(words) > limit:
        words = words[: limit - 1] + "…"
    return f"“{words}” [{start}, {end})"


def duplicate_message(text: str, start: int, end: int) -> str:
    return f"This exact span is already in the layer: {quoted(text, start, end)}."


def _overlap_message(text: str, start: int, end: int) -> str:
    return (
        f"Overlaps the span {quoted(text, start, end)} in this layer; "
        "this project does not allow overlapping spans."
    )


def validate_span(**kwargs) -> None:
    """Raise ValidationError with the messages of ``span_errors``."""
    errors = span_errors(**kwargs)
    if errors:
        raise ValidationError(errors)


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


# Whose claims on a document take one of its ``annotators_per_document`` places (DESIGN.md,
# "Places on a document"): the annotators'. Reviewers and managers annotate beside them.
PLACE_ROLES = [Role.ANNOTATOR]


class DocumentStatusQuerySet(models.QuerySet):
    def places(self) -> "DocumentStatusQuerySet":
        """The rows that hold a place: those of the project's annotators."""
        holder = Membership.objects.filter(
            project=models.OuterRef("project"), user=models.OuterRef("user"), role__in=PLACE_ROLES
        )
        return self.filter(models.Exists(holder))


class DocumentStatus(models.Model):
    """Where one user is with one document of a project.

    The row exists from the moment the document is offered to (or assigned to) the user;
    an annotator's row is also their claim on one of the document's places.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="statuses")
    document = models.ForeignKey(
        "corpus.Document", on_delete=models.CASCADE, related_name="statuses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_statuses"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = DocumentStatusQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "document statuses"
        ordering = ["project_id", "document_id", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "document", "user"], name="document_status_unique"
            ),
        ]
        indexes = [models.Index(fields=["project", "user", "status"], name="status_by_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.document} · {self.status}"


class Review(models.Model):
    """A reviewer's mark that a document's gold layer is curated."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    document = models.ForeignKey("corpus.Document", on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    reviewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "document_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "document"], name="review_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.document} reviewed by {self.reviewer}"


class DocumentDispute(models.Model):
    """A document of a project that two or more analysts completed, with whether they
    disagree there: the review page's rule (``services.disputes``), stored so that the
    documents table, the reviewer's home and search read it instead of deciding it from
    every layer. No row: fewer than two completed it (so not disputed). Kept by the
    services, in the transaction of each write to an analyst's layer or a status."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey("corpus.Document", on_delete=models.CASCADE, related_name="+")
    completed = models.PositiveIntegerField()  # how many analysts completed it (≥ 2)
    disputed = models.BooleanField(default=False)

    class Meta:
        ordering = ["project_id", "document_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "document"], name="document_dispute_unique"),
        ]
        indexes = [
            models.Index(fields=["project", "disputed", "document"], name="document_disputed"),
        ]

    def __str__(self) -> str:
        return f"{self.document} {'disputed' if self.disputed else 'agreed'} in {self.project}"


class DisputedSpan(models.Model):
    """A span of an analyst's layer in a disputed document that at most half of those who
    completed it marked: what search lists for ``disputed=1``, kept with ``DocumentDispute``
    (its document is disputed exactly when it has such spans). ``span_id`` is a plain
    number, as in the history: the row is rewritten with its document's state, in the
    transaction of every write that changes it (to an analyst's layer: a span made, moved,
    relabelled or deleted; a label merged; a status). The span's label, annotator and
    offsets are copied here so that search counts and pages the disputed spans of a label
    from these rows alone (21,000, not the label's 581,666 spans: ``bench/search.py``)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey("corpus.Document", on_delete=models.CASCADE, related_name="+")
    span_id = models.BigIntegerField()
    label_id = models.BigIntegerField()
    annotator_id = models.BigIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["project", "span_id"], name="disputed_span"),
            models.Index(
                fields=["project", "document", "start", "end", "span_id"],
                name="disputed_span_document",
            ),
            # A label's disputed spans, counted and paged in reading order.
            models.Index(
                fields=["project", "label_id", "document", "start", "end", "span_id"],
                name="disputed_span_label",
            ),
        ]

    def __str__(self) -> str:
        return f"span {self.span_id} disputed"


class Rejection(models.Model):
    """A reviewer's verdict on an analyst's span, with the reason the analyst will see."""

    span = models.OneToOneField(Span, on_delete=models.CASCADE, related_name="rejection")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rejections"
    )
    reason = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="rejection_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.span} rejected: {self.reason[:40]}"


class Comment(models.Model):
    """A note for the team on a document, or on one span of it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    document = models.ForeignKey("corpus.Document", on_delete=models.CASCADE, related_name="+")
    span = models.ForeignKey(
        Span, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    # The layer of the span commented on, kept when the span is deleted: a note on one
    # analyst's span stays for those who may read that layer, and never becomes a note
    # on the document for everyone. Both empty for a note on the document.
    layer_annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    layer_gold = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["project", "document"], name="comment_document")]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_has_body"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class LabelMerge(models.Model):
    """One label merged into another: its spans relabelled in one batch of history events
    (``SpanEvent.merge``), the label deleted. What the label was is kept here, so that the
    merge can be undone (``services.label_merge_undo``) after the label row is gone."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="label_merges")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    into = models.ForeignKey(
        Label, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The merged label as it was.
    label_id = models.BigIntegerField()
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    color = models.CharField(max_length=7)
    shortcut = models.CharField(max_length=1, blank=True)
    order = models.PositiveIntegerField(default=0)
    span_count = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} merged into {self.into or '(deleted label)'}"


class SpanAction(models.TextChoices):
    CREATED = "created", "Created"
    RELABELLED = "relabelled", "Relabelled"
    MOVED = "moved", "Moved"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"


class SpanEvent(models.Model):
    """One change to a span, recorded in the transaction that made it (``services``).

    ``before_*`` is the span as it was (empty for a creation), ``after_*`` as it became
    (empty for a deletion). ``span_id`` is a plain number: the span may be gone. A deleted
    span can be brought back, under its own id (``services.span_restore``), and users undo
    their own changes (``undo``): the event of such a reversal points to the change it
    reversed through ``reverts``.

    A write of several spans into one layer (a list posted, an import, gold accepted in
    one click, a batch undone or restored) is one event, a *batch*: ``spans`` holds each
    span's ``[id, start, end, label_id]`` (``span_id`` and the offsets are empty), so it
    is listed, undone and restored in one step. One row, not one a span, because each row
    is checked against its foreign keys at the commit: 20,000 rows of history were about
    half of an upload of 20,000 spans on PostgreSQL (``rows.spans_insert`` has the
    figures). The batch's label ids are plain numbers, as ``span_id`` is: a label deleted
    since reads "(deleted label)", and its spans cannot be restored.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="span_events")
    document = models.ForeignKey(
        "corpus.Document", on_delete=models.CASCADE, related_name="span_events"
    )
    span_id = models.BigIntegerField(db_index=True, null=True, blank=True)
    action = models.CharField(max_length=20, choices=SpanAction.choices)
    # Who made the change, and whose layer it was in (for gold: the curating reviewer).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    gold = models.BooleanField(default=False)
    before_start = models.PositiveIntegerField(null=True, blank=True)
    before_end = models.PositiveIntegerField(null=True, blank=True)
    before_label = models.ForeignKey(
        Label, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    after_start = models.PositiveIntegerField(null=True, blank=True)
    after_end = models.PositiveIntegerField(null=True, blank=True)
    after_label = models.ForeignKey(
        Label, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reverts = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reverted_by"
    )
    # The batch this change belongs to, when it was one of many made at once.
    merge = models.ForeignKey(
        LabelMerge, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A batch's spans, [[id, start, end, label_id], …] (see above); empty for one span.
    spans = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["project", "document", "at"], name="span_event_document")]
        constraints = [
            models.CheckConstraint(
                condition=Q(span_id__isnull=True, spans__isnull=False)
                | Q(span_id__isnull=False, spans__isnull=True),
                name="span_event_one_span_or_a_batch",
            ),
        ]

    def __str__(self) -> str:
        if self.spans is not None:
            return f"{self.action} {len(self.spans)} spans by {self.actor}"
        return f"{self.action} span {self.span_id} by {self.actor}"

    @property
    def span_ids(self) -> list[int]:
        """The ids of the spans the event is about: one, or a batch's."""
        if self.spans is not None:
            return [row[0] for row in self.spans]
        return [self.span_id]


# Models with modules of their own, imported here so that Django finds them: document
# labels given to documents (API.md, "Document labels"), background jobs, relations
# between spans (API.md, "Relations"), suggestions and rule sets (DESIGN.md, "Suggestions
# are not annotations").
from .categories import Category, CategoryEvent  # noqa: E402, F401
from .jobs import Job, JobFile  # noqa: E402, F401

# Suggested document labels and relations, and the decisions on them.
from .label_suggestions import (  # noqa: E402, F401
    CategorySuggestion,
    CategorySuggestionDecision,
    RelationSuggestion,
    RelationSuggestionDecision,
)

# Models trained on the project's gold, and their confidence on each document.
from .ner_models import DocumentConfidence, NerModel  # noqa: E402, F401

# Relations between spans, their types and their history.
from .relations import Relation, RelationEvent, RelationType  # noqa: E402, F401

# What a search's "tag every hit" stored, to undo it in one step.
from .search_tags import SearchEdit, SearchTag  # noqa: E402, F401

# Suggestions and rule sets too (DESIGN.md, "Suggestions are not annotations").
from .suggestions import RuleSet, Suggestion, SuggestionDecision  # noqa: E402, F401
