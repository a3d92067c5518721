import re

import pytest
from django.urls import reverse

from annotator.label_suggestions import CategorySuggestion
from annotator.models import Label, LabelKind, Span
from annotator.services import (
    document_complete,
    document_mark_reviewed,
    suggestion_accept,
    suggestion_reject,
    suggestions_add,
)
from annotator.suggestions import Suggestion
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
    summit = Label.objects.create(project=layers, name="SUMMIT", kind=LabelKind.DOCUMENT)
    for i in range(count):
        document = Document.objects.create(text=f"Document number {i} has artillery shells.")
        CategorySuggestion.objects.create(
            project=layers, document=document, label=summit, source=f"clf-{i % 3}"
        )
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
        suggestions_add(
            project=layers,
            document=document,
            items=[{"start": 9, "end": 15, "label": weapons, "source": f"rules:set-{i % 3}"}],
        )
    client.force_login(people["reviewer"])
    # Constant: the agreement loads its data twice (matrix and per-document list); the
    # suggestions' figures are four more, whatever the number of sources, four more for the
    # suggested document labels', one for the suggested relations' (there are none); the
    # agreement reads the document labels' layers too (the project has one).
    with django_assert_max_num_queries(32):
        assert client.get(reverse("dashboard", args=[layers.pk])).status_code == 200


def test_the_dashboard_measures_each_suggestion_source(client, people, layers, document):
    weapons = layers.labels.get(name="WEAPONS")
    person = layers.labels.get(name="PERSON")
    suggestions_add(
        project=layers,
        document=document,
        items=[
            {"start": 20, "end": 36, "label": weapons, "source": "rules:arms"},
            {"start": 0, "end": 2, "label": person, "source": "rules:arms"},
            {"start": 3, "end": 8, "label": person, "source": "model:1"},
        ],
    )
    right = Suggestion.objects.get(source="rules:arms", start=20)
    wrong = Suggestion.objects.get(source="rules:arms", start=0)
    suggestion_accept(suggestion=right, user=people["reviewer"], gold=True)
    suggestion_reject(suggestion=wrong, user=people["alice"])
    document_mark_reviewed(project=layers, document=document, reviewer=people["reviewer"])
    client.force_login(people["manager"])

    page = client.get(reverse("dashboard", args=[layers.pk])).content.decode()

    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', page, re.S)
    cells = {source: re.findall(r"<td>([^<]*)", tds) for source, tds in rows}
    # rules:arms: two offered, one kept in gold, one rejected; one of two on reviewed
    # documents is gold's, and gold holds one span: precision 0.5, recall 1.
    assert cells["rules:arms"] == ["2", "1", "1", "0", "0.50", "1.00"]
    assert cells["model:1"] == ["1", "0", "0", "1", "0.00", "0.00"]


def test_the_dashboard_says_when_there_are_no_suggestions(client, people, layers):
    client.force_login(people["manager"])
    page = client.get(reverse("dashboard", args=[layers.pk])).content.decode()
    assert "No suggestions yet" in page
