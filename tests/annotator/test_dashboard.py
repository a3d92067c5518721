import pytest
from django.urls import reverse

from annotator.models import Span
from annotator.services import document_complete
from corpus.models import Document


def test_annotators_cannot_open_the_dashboard(client, people, layers):
    client.force_login(people["alice"])
    assert client.get(reverse("dashboard", args=[layers.pk])).status_code == 403


def test_the_dashboard_shows_progress_labels_and_agreement(client, people, layers, document):
    client.force_login(people["manager"])
    page = client.get(reverse("dashboard", args=[layers.pk])).content.decode()
    assert "<td>alice</td>" in page and "<td>bob</td>" in page
    assert "F1 0.67" in page  # 1 shared span of 2 + 1
    assert reverse("review", args=[layers.pk, document.pk]) in page


@pytest.mark.parametrize("count", [2, 25])
def test_dashboard_queries_are_bounded(
    client, people, layers, count, django_assert_max_num_queries
):
    weapons = layers.labels.get(name="WEAPONS")
    for i in range(count):
        document = Document.objects.create(text=f"Document number {i} has artillery shells.")
        layers.documents.add(document)
        for name in ["alice", "bob"]:
            Span.objects.create(
                project=layers,
                document=document,
                annotator=people[name],
                label=weapons,
                start=0,
                end=8,
            )
            document_complete(project=layers, document=document, user=people[name])
    client.force_login(people["reviewer"])
    # Constant: the agreement loads its data twice (matrix and per-document list).
    with django_assert_max_num_queries(22):
        assert client.get(reverse("dashboard", args=[layers.pk])).status_code == 200
