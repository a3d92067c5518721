"""The project page's documents table: find documents by title and text, by a person's
status, by assignee, by review and by dispute; sort them; see who has each one.

The query string is a form, so a malformed filter gets a message naming it, never a 500.
Every filter is a condition on the one documents query (``EXISTS`` over statuses, reviews
and spans), and a page's rows are completed by one statement each for its assignees,
reviews and spans: a page costs the same few statements at 100 documents or 100,000
(``bench/documents.py``).

Who may see what is the permissions module's: annotators see their own status only;
reviewers and managers see every assignee, the review state and disputes.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Length

from corpus.models import Document

from .layers import majority_spans
from .models import DocumentStatus, Membership, Project, Review, Span, Status
from .permissions import takes_a_place

ME, NOBODY = "me", "none"

SORTS = {
    "": ("Import order", ["id"]),
    "newest": ("Newest first", ["-id"]),
    "title": ("Title A–Z", ["title", "id"]),
    "-title": ("Title Z–A", ["-title", "-id"]),
}


class DocumentFilters(forms.Form):
    """The table's query string. ``people`` are the project's members a reviewer or manager
    may filter by (none for an annotator, who sees only their own status)."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words in title or text"}),
    )
    assignee = forms.ChoiceField(label="Assigned to", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Status.choices]
    )
    reviewed = forms.ChoiceField(
        label="Review",
        required=False,
        choices=[("", "Reviewed or not"), ("yes", "Reviewed"), ("no", "Not reviewed")],
    )
    disputed = forms.ChoiceField(
        label="Agreement",
        required=False,
        choices=[("", "Any agreement"), ("yes", "Disputed"), ("no", "Not disputed")],
    )
    sort = forms.ChoiceField(
        label="Sort", required=False, choices=[(key, name) for key, (name, _) in SORTS.items()]
    )

    def __init__(self, data, *, people: list[Membership], sees_team: bool):
        super().__init__(data)
        self.sees_team = sees_team
        if sees_team:
            self.fields["assignee"].choices = [
                ("", "Anyone"),
                (ME, "Me"),
                (NOBODY, "Nobody yet"),
                *((str(m.user_id), m.user.username) for m in people),
            ]
        else:
            # An annotator's status filter is about their own documents: no one else's.
            for name in ("assignee", "reviewed", "disputed"):
                del self.fields[name]
            self.fields["status"].label = "Your status"

    def clean(self):
        data = super().clean()
        if data.get("assignee") == NOBODY and data.get("status"):
            self.add_error(
                "status", "A document assigned to nobody has no status: choose one or the other."
            )
        return data

    @property
    def is_filtered(self) -> bool:
        data = self.cleaned_data
        return any(data.get(name) for name in ("q", "assignee", "status", "reviewed", "disputed"))


def documents(project: Project, user, filters: DocumentFilters) -> QuerySet[Document]:
    """The project's documents that match the (valid) filters, sorted."""
    data = filters.cleaned_data
    found = project.documents.defer("text", "meta")
    if data["q"]:
        found = found.filter(Q(title__icontains=data["q"]) | Q(text__icontains=data["q"]))
    statuses = DocumentStatus.objects.filter(project=project, document=OuterRef("pk"))
    assignee, status = data.get("assignee", ""), data["status"]
    if assignee == NOBODY:
        found = found.exclude(Exists(statuses.places()))
    elif assignee == ME or not filters.sees_team:
        # One's own status, as the "Your status" column shows it: "new" until begun, so
        # documents not offered to me yet are new too.
        mine = statuses.filter(user=user)
        if status == Status.NEW:
            found = found.exclude(Exists(mine.exclude(status=Status.NEW)))
        elif status:
            found = found.filter(Exists(mine.filter(status=status)))
        elif assignee == ME:
            found = found.filter(Exists(mine))
    elif assignee:
        theirs = statuses.filter(user_id=int(assignee))
        found = found.filter(Exists(theirs.filter(status=status) if status else theirs))
    elif status:
        found = found.filter(Exists(statuses.filter(status=status)))
    reviewed = Review.objects.filter(project=project, document=OuterRef("pk"))
    if data.get("reviewed") == "yes":
        found = found.filter(Exists(reviewed))
    elif data.get("reviewed") == "no":
        found = found.exclude(Exists(reviewed))
    if data.get("disputed"):
        found = disputed(project, found, data["disputed"] == "yes")
    return found.order_by(*SORTS[data["sort"]][1])


def disputed(project: Project, found: QuerySet, yes: bool = True) -> QuerySet:
    """Documents whose analysts disagree, by the review page's rule (``curation``): at
    least two people completed it, and some span in an analyst's layer is not marked by
    more than half of them (``layers.majority_spans``)."""
    completed = DocumentStatus.objects.filter(
        project=project, document=OuterRef("pk"), status=Status.COMPLETE
    )
    votes = (
        Span.objects.filter(
            project=project,
            document=OuterRef("document"),
            start=OuterRef("start"),
            end=OuterRef("end"),
            label=OuterRef("label"),
            gold=False,
        )
        .filter(
            Exists(
                DocumentStatus.objects.filter(
                    project=project,
                    document=OuterRef("document"),
                    user=OuterRef("annotator"),
                    status=Status.COMPLETE,
                )
            )
        )
        .values("document")
        .annotate(n=Count("pk"))
        .values("n")
    )
    weak = (
        Span.objects.filter(project=project, document=OuterRef("pk"), gold=False)
        .annotate(votes=Coalesce(Subquery(votes), 0, output_field=IntegerField()))
        .filter(votes__lte=OuterRef("half"))
    )
    found = found.annotate(
        voters=Coalesce(
            Subquery(completed.values("document").annotate(n=Count("pk")).values("n")),
            0,
            output_field=IntegerField(),
        ),
    ).annotate(half=F("voters") / Value(2))
    rule = Q(voters__gte=2) & Exists(weak)
    return found.filter(rule) if yes else found.exclude(rule)


def ready_for_review(project: Project) -> QuerySet[Document]:
    """Documents whose every annotator place is complete and that nobody has reviewed."""
    done = (
        DocumentStatus.objects.places()
        .filter(project=project, document=OuterRef("pk"), status=Status.COMPLETE)
        .values("document")
        .annotate(n=Count("pk"))
        .values("n")
    )
    reviewed = Review.objects.filter(project=project, document=OuterRef("pk"))
    return (
        project.documents.defer("text", "meta")
        .annotate(done=Coalesce(Subquery(done), 0, output_field=IntegerField()))
        .filter(done__gte=project.annotators_per_document)
        .exclude(Exists(reviewed))
        .order_by("id")
    )


@dataclass
class Assignee:
    username: str
    status: str
    places: bool  # an annotator, holding one of the document's places


@dataclass
class Row:
    document: Document
    length: int
    my_status: str = Status.NEW
    my_spans: int = 0
    assignees: list[Assignee] = field(default_factory=list)
    reviewed_by: str = ""
    disputed: bool = False

    @property
    def done(self) -> int:
        return sum(a.status == Status.COMPLETE for a in self.assignees if a.places)


def rows(project: Project, user, page: list[Document], *, sees_team: bool) -> list[Row]:
    """The page's rows, each with what its columns show: three to five statements."""
    ids = [document.pk for document in page]
    lengths = dict(
        Document.objects.filter(pk__in=ids).annotate(n=Length("text")).values_list("pk", "n")
    )
    by_id = {pk: Row(document, lengths[pk]) for pk, document in zip(ids, page, strict=True)}
    statuses = DocumentStatus.objects.filter(project=project, document_id__in=ids)
    mine = dict(statuses.filter(user=user).values_list("document_id", "status"))
    spans = (
        Span.objects.filter(project=project, document_id__in=ids, annotator=user, gold=False)
        .values("document_id")
        .annotate(n=Count("pk"))
        .values_list("document_id", "n")
    )
    for pk, n in spans:
        by_id[pk].my_spans = n
    for pk, status in mine.items():
        by_id[pk].my_status = status
    if not sees_team:
        return list(by_id.values())
    roles = dict(project.memberships.values_list("user_id", "role"))
    completed = defaultdict(set)
    for pk, user_id, username, status in statuses.order_by(
        "document_id", "user__username"
    ).values_list("document_id", "user_id", "user__username", "status"):
        by_id[pk].assignees.append(Assignee(username, status, takes_a_place(roles.get(user_id))))
        if status == Status.COMPLETE:
            completed[pk].add(user_id)
    for pk, reviewer in Review.objects.filter(project=project, document_id__in=ids).values_list(
        "document_id", "reviewer__username"
    ):
        by_id[pk].reviewed_by = reviewer
    layers: dict[int, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    for pk, annotator, *key in Span.objects.filter(
        project=project, document_id__in=[pk for pk in ids if len(completed[pk]) >= 2], gold=False
    ).values_list("document_id", "annotator_id", "start", "end", "label_id"):
        layers[pk][annotator].add(tuple(key))
    for pk, spans_by_annotator in layers.items():
        agreed = set(majority_spans(spans_by_annotator, completed[pk]))
        marked = set().union(*spans_by_annotator.values())
        by_id[pk].disputed = bool(marked - agreed)
    return list(by_id.values())
