import pytest
from django.urls import reverse

from annotator.models import Span
from annotator.services import document_complete, span_create
from corpus.models import Document


@pytest.fixture
def worked(project, document, people):
    weapons = project.labels.get(name="WEAPONS")
    for name in ["alice", "bob"]:
        span_create(
            project=project,
            document=document,
            annotator=people[name],
            label=weapons,
            start=20,
            end=36,
        )
        document_complete(project=project, document=document, user=people[name])
    return project


def test_annotators_cannot_open_the_dashboard(client, people, worked):
    client.force_login(people["alice"])
    assert client.get(reverse("dashboard", args=[worked.pk])).status_code == 403


def test_the_dashboard_shows_progress_labels_and_agreement(client, people, worked, document):
    client.force_login(people["manager"])
    page = client.get(reverse("dashboard", args=[worked.pk])).content.decode()
    assert "<td>alice</td>" in page and "<td>bob</td>" in page
    assert "F1 1.00" in page  # alice and bob agree exactly
    assert reverse("review", args=[worked.pk, document.pk]) in page


@pytest.mark.parametrize("count", [2, 25])
def test_dashboard_queries_are_bounded(
    client, people, worked, count, django_assert_max_num_queries
):
    weapons = worked.labels.get(name="WEAPONS")
    for i in range(count):
        document = Document.objects.create(text=f"Document number {i} has artillery shells.")
        worked.documents.add(document)
        for name in ["alice", "bob"]:
            Span.objects.create(
                project=worked,
                document=document,
                annotator=people[name],
                label=weapons,
                start=0,
                end=8,
            )
            document_complete(project=worked, document=document, user=people[name])
    client.force_login(people["reviewer"])
    # Constant: the agreement loads its data twice (matrix and per-document list).
    with django_assert_max_num_queries(22):
        assert client.get(reverse("dashboard", args=[worked.pk])).status_code == 200
