"""Relations between two spans of one layer ("who supplies what to whom"), typed by the
project's relation types, each of which may restrict the labels of its source and target.

A relation lives in the layer of its spans: both are the same annotator's, or both gold.
Deleting a span deletes its relations in the same step of the history: each is recorded
as a ``RelationEvent`` whose ``cause`` is the span's deletion, so that undoing or restoring
that deletion brings them back (``services.relations_restore``).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet


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

    @staticmethod
    def takes(allowed: Iterable, label_id: int) -> bool:
        """Whether an end whose allowed labels are ``allowed`` takes a span of ``label_id``:
        the one rule a relation's ends keep, on creation and whenever a span is relabelled
        (``relabel_breaks``) or a type's labels change (``type_change_breaks``)."""
        allowed = {getattr(label, "pk", label) for label in allowed}
        return not allowed or label_id in allowed


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


ENDS = ("source", "target")


def _allowed(end: str):
    """The allowed labels of the ``end`` of the relation in the outer query."""
    through = getattr(RelationType, f"{end}_labels").through
    return through.objects.filter(relationtype=OuterRef("type"))


def relabel_breaks(spans: QuerySet, label_id: int) -> list[tuple[Relation, str]]:
    """The relations that would no longer fit their type (``RelationType.takes``, asked in
    SQL here) if ``spans`` were relabelled ``label_id``, each with the end (source or
    target) it would break: what every relabel asks before it writes (a span in the
    workspace or the API, a search's bulk relabel, a label merge, an undo). Most spans
    have no relation: one plain query says so, before the two that compare labels (whose
    building cost a relabel ~3 ms of CPU)."""
    ids = spans.values("pk")
    if not Relation.objects.filter(Q(source__in=ids) | Q(target__in=ids)).exists():
        return []
    broken = []
    for end in ENDS:
        allowed = _allowed(end)
        relations = (
            Relation.objects.filter(**{f"{end}__in": spans.values("pk")})
            .filter(Exists(allowed))
            .exclude(Exists(allowed.filter(label=label_id)))
            .select_related("type")
            .order_by("id")
        )
        broken += [(relation, end) for relation in relations]
    return broken


def relabel_refusal(relation: Relation, end: str, label_name: str) -> str:
    """Why a span of ``relation`` may not become ``label_name``, in words."""
    names = getattr(relation.type, f"{end}_labels").order_by("name").values_list("name", flat=True)
    return (
        f"Span {getattr(relation, f'{end}_id')} is the {end} of a {relation.type.name} "
        f"relation, which takes {' or '.join(names)}, not {label_name}: delete the relation "
        "first."
    )


def ends_taking_only(label_id: int) -> list[str]:
    """The relation types' ends that take ``label_id`` alone, as "SUPPLIES (source)": the
    label deleted, such an end would be left with no allowed label, which means any."""
    found = []
    for end in ENDS:
        through = getattr(RelationType, f"{end}_labels").through
        holders = through.objects.filter(label_id=label_id).values("relationtype_id")
        alone = (
            through.objects.filter(relationtype_id__in=holders)
            .values("relationtype_id", "relationtype__name")
            .annotate(allowed=Count("id"))
            .filter(allowed=1)
            .order_by("relationtype__name")
        )
        found += [f"{row['relationtype__name']} ({end})" for row in alone]
    return found


def ends_carry_over(label_id: int, into_id: int) -> None:
    """Every type's end that takes ``label_id`` takes ``into_id`` too (a label merged into
    another: what the type took under the old name it takes under the new one)."""
    for end in ENDS:
        through = getattr(RelationType, f"{end}_labels").through
        holders = through.objects.filter(label_id=label_id).values_list(
            "relationtype_id", flat=True
        )
        through.objects.bulk_create(
            [through(relationtype_id=holder, label_id=into_id) for holder in holders],
            ignore_conflicts=True,
        )


def type_change_breaks(relation_type: RelationType, **allowed: Iterable) -> int:
    """How many of the type's relations the new allowed labels (``source=``, ``target=``)
    would leave with an end they do not take (``RelationType.takes``)."""
    relations = relation_type.relations.all()
    misfits = Q(pk__in=[])
    for end, labels in allowed.items():
        ids = [getattr(label, "pk", label) for label in labels]
        if ids:
            misfits |= ~Q(**{f"{end}__label__in": ids})
    return relations.filter(misfits).count()
