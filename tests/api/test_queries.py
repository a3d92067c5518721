"""List endpoints run a fixed number of queries, however many items they list."""

import pytest
from django.urls import reverse

from annotator.models import DocumentStatus, Label, Membership, Project, Role, Span, Status
from corpus.models import Document


@pytest.fixture
def grown(world, make_user):
    """``grow(n)``: n more of every listed thing (projects, labels, members, documents,
    spans, in several layers)."""

    def grow(n: int) -> None:
        people = world.people
        users = [make_user(f"user{i}") for i in range(n)]
        Membership.objects.bulk_create(
            Membership(project=world.project, user=user, role=Role.ANNOTATOR) for user in users
        )
        Label.objects.bulk_create(
            Label(project=world.project, name=f"L{i}", order=10 + i) for i in range(n)
        )
        for i in range(n):
            project = Project.objects.create(name=f"P{i}")
            Membership.objects.create(project=project, user=people["manager"], role=Role.MANAGER)
            Label.objects.create(project=project, name="X")
        documents = Document.objects.bulk_create(
            Document(title=f"D{i}", text=f"Document number {i}.", content_hash=str(i))
            for i in range(n)
        )
        world.project.documents.add(*documents)
        DocumentStatus.objects.bulk_create(
            DocumentStatus(project=world.project, document=d, user=people["manager"])
            for d in documents[::2]
        )
        label = world.project.labels.get(name="PERSON")
        text = "word " * 100
        world.long = Document.objects.create(title="Long", text=text, external_id="long")
        world.project.documents.add(world.long)
        Span.objects.bulk_create(
            Span(
                project=world.project,
                document=world.long,
                annotator=users[i],
                label=label,
                start=i % 3,
                end=len(text) - i % 5,
                gold=False,
            )
            for i in range(n)
        )
        Span.objects.bulk_create(
            Span(
                project=world.project,
                document=world.long,
                annotator=people["manager"],
                label=label,
                start=5 * i,
                end=5 * i + 4,
                gold=gold,
            )
            for i in range(n)
            for gold in (False, True)
        )
        DocumentStatus.objects.filter(user=people["manager"]).update(status=Status.COMPLETE)

    return grow


def spans(w) -> str:
    return reverse("api:spans-list", args=[w.project.pk, w.long.pk])


# Each list with its queries: the token (with its user), the project with my role (for
# spans: then the document), the count, the page; plus the labels of the projects.
LISTS = [
    (lambda w: reverse("api:project-list"), 4),
    (lambda w: reverse("api:label-list", args=[w.project.pk]), 4),
    (lambda w: reverse("api:member-list", args=[w.project.pk]), 4),
    (lambda w: reverse("api:document-list", args=[w.project.pk]), 4),
    (lambda w: reverse("api:document-list", args=[w.project.pk]) + "?status=complete", 4),
    (spans, 5),
    (lambda w: spans(w) + "?annotator=all", 5),
    (lambda w: spans(w) + "?layer=gold", 5),
]


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize(("url", "bound"), LISTS, ids=range(len(LISTS)))
def test_a_list_costs_the_same_queries_for_5_and_50_items(
    world, grown, client_for, django_assert_max_num_queries, n, url, bound
):
    grown(n)
    client = client_for("manager")
    address = url(world)

    with django_assert_max_num_queries(bound):
        response = client.get(address + ("&" if "?" in address else "?") + "page_size=1000")

    assert response.status_code == 200
    assert response.json()["count"] >= (n // 2 if "status=" in address else n)


@pytest.mark.parametrize("n", [5, 50])
def test_a_bulk_upload_costs_the_same_queries_for_5_and_50_documents(
    world, client_for, django_assert_max_num_queries, n
):
    body = [
        {
            "text": f"R{i:03} Kim sold artillery shells.",
            "external_id": f"report-{i}",
            "spans": [
                {"start": 5, "end": 8, "label": "PERSON"},
                {"start": 14, "end": 30, "label": "WEAPONS", "annotator": "alice"},
            ],
        }
        for i in range(n)
    ]
    url = reverse("api:document-list", args=[world.project.pk])
    client = client_for("manager")

    # The token, project (and its lock: one import at a time), labels, stored documents,
    # users and their roles (places); then each table written (PostgreSQL: ids drawn, then
    # COPY; the spans with their events in one statement).
    with django_assert_max_num_queries(18):
        response = client.post(url, body, format="json")

    assert response.status_code == 201
    assert Span.objects.filter(document_id__in=response.json()["ids"]).count() == 2 * n
