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

from dataclasses import dataclass, field

from django import forms
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Length

from corpus.models import Document
from corpus.search import containing

from .models import (
    PLACE_ROLES,
    DocumentDispute,
    DocumentStatus,
    Membership,
    Project,
    Review,
    Span,
    Status,
)
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


def ids(project: Project, user, filters: DocumentFilters) -> QuerySet:
    """The matching documents' ids, sorted, for a page of them. Sorted by id without a
    text search, they come from the project's list of document ids alone: a page deep in
    100,000 documents, or of rare matches, never reads the documents' rows."""
    data = filters.cleaned_data
    if data["q"] or data["sort"] not in ("", "newest"):
        return documents(project, user, filters).values_list("pk", flat=True)
    listed = Project.documents.through.objects.filter(project=project)
    listed = _matching(project, user, filters, listed, "document_id")
    order = "-document_id" if data["sort"] == "newest" else "document_id"
    return listed.order_by(order).values_list("document_id", flat=True)


def documents(project: Project, user, filters: DocumentFilters) -> QuerySet[Document]:
    """The project's documents that match the (valid) filters, sorted."""
    found = project.documents.defer("text", "meta")
    if q := filters.cleaned_data["q"]:
        found = containing(found, q)
    found = _matching(project, user, filters, found, "pk")
    return found.order_by(*SORTS[filters.cleaned_data["sort"]][1])


def count(project: Project, user, filters: DocumentFilters) -> int:
    """How many documents match. Without a text search it is counted on the project's
    list of document ids, never reading the documents' rows: at 100,000 documents that
    is the difference between reading their text and reading an index."""
    if filters.cleaned_data["q"]:
        return documents(project, user, filters).count()
    listed = Project.documents.through.objects.filter(project=project)
    return _matching(project, user, filters, listed, "document_id").count()


def _matching(project: Project, user, filters: DocumentFilters, found: QuerySet, ref: str):
    """``found`` narrowed by the status, assignee, review and dispute filters; ``ref`` is
    the field of ``found`` that holds the document's id."""
    data = filters.cleaned_data

    # Each filter is a set of document ids, asked once (``IN``), not a lookup per document
    # (``EXISTS``): PostgreSQL plans both alike, SQLite runs the correlated one 100,000
    # times (a person's status at 100,000 documents: 92 ms → 20).
    def among(queryset) -> Q:
        return Q(**{f"{ref}__in": queryset.values("document")})

    statuses = DocumentStatus.objects.filter(project=project)
    assignee, status = data.get("assignee", ""), data["status"]
    if assignee == NOBODY:
        holders = Membership.objects.filter(project=project, role__in=PLACE_ROLES)
        found = found.exclude(among(statuses.filter(user__in=holders.values("user"))))
    elif assignee == ME or not filters.sees_team:
        # One's own status, as the "Your status" column shows it: "new" until begun, so
        # documents not offered to me yet are new too.
        mine = statuses.filter(user=user)
        if status == Status.NEW:
            found = found.exclude(among(mine.exclude(status=Status.NEW)))
        elif status:
            found = found.filter(among(mine.filter(status=status)))
        elif assignee == ME:
            found = found.filter(among(mine))
    elif assignee:
        theirs = statuses.filter(user_id=int(assignee))
        found = found.filter(among(theirs.filter(status=status) if status else theirs))
    elif status:
        found = found.filter(among(statuses.filter(status=status)))
    reviewed = among(Review.objects.filter(project=project))
    if data.get("reviewed") == "yes":
        found = found.filter(reviewed)
    elif data.get("reviewed") == "no":
        found = found.exclude(reviewed)
    if data.get("disputed"):
        found = disputed(project, found, data["disputed"] == "yes", ref=ref)
    return found


def disputed(project: Project, found: QuerySet, yes: bool = True, ref: str = "pk") -> QuerySet:
    """Documents whose analysts disagree, by the review page's rule (at least two people
    completed it, and some span in an analyst's layer is not marked by more than half of
    them), as the services store it (``services.disputes``): a set of ids asked once."""
    rows = DocumentDispute.objects.filter(project=project, disputed=True).values("document")
    rule = Q(**{f"{ref}__in": rows})
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


def rows(project: Project, user, ids: list[int], *, sees_team: bool) -> list[Row]:
    """The rows of a page of document ids, each with what its columns show: a few
    statements, whatever the page."""
    found = Document.objects.filter(pk__in=ids).only("id", "title", "external_id")
    documents = {document.pk: document for document in found.annotate(length=Length("text"))}
    by_id = {pk: Row(documents[pk], documents[pk].length) for pk in ids}
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
    for pk, user_id, username, status in statuses.order_by(
        "document_id", "user__username"
    ).values_list("document_id", "user_id", "user__username", "status"):
        by_id[pk].assignees.append(Assignee(username, status, takes_a_place(roles.get(user_id))))
    for pk, reviewer in Review.objects.filter(project=project, document_id__in=ids).values_list(
        "document_id", "reviewer__username"
    ):
        by_id[pk].reviewed_by = reviewer
    for pk in DocumentDispute.objects.filter(
        project=project, document_id__in=ids, disputed=True
    ).values_list("document_id", flat=True):
        by_id[pk].disputed = True
    return list(by_id.values())
