"""GET /api/projects/{pid}/consistency/: the same text given different labels in a layer."""

import pytest

from annotator.models import Span
from annotator.services import span_create
from corpus.models import Document

from .conftest import FIRST


def consistency(client, corpus, query: str = ""):
    return client.get(f"/api/projects/{corpus.project.pk}/consistency/{query}")


def test_gold_says_weapons_in_one_place_and_location_in_another(corpus, client_for):
    body = consistency(client_for("reviewer"), corpus).json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "text": "kinzhal",
            "labels": {"LOCATION": 1, "WEAPONS": 1},
            "documents": [corpus.documents[0].pk, corpus.documents[1].pk],
        }
    ]


def test_the_most_conflicting_text_comes_first(corpus, client_for):
    reviewer = corpus.people["reviewer"]
    at = FIRST.index("missiles")
    span_create(
        project=corpus.project,
        document=corpus.documents[0],
        annotator=reviewer,
        label=corpus.labels["WEAPONS"],
        start=at,
        end=at + 8,
        gold=True,
    )
    for n in range(3):
        document = Document.objects.create(title=f"M{n}", text=f"{n} missiles.")
        corpus.project.documents.add(document)
        span_create(
            project=corpus.project,
            document=document,
            annotator=reviewer,
            label=corpus.labels["PERSON" if n else "LOCATION"],
            start=2,
            end=10,
            gold=True,
        )
    rows = consistency(client_for("manager"), corpus, "?layer=gold").json()["results"]
    assert [row["text"] for row in rows] == ["missiles", "kinzhal"]
    assert rows[0]["labels"] == {"PERSON": 2, "LOCATION": 1, "WEAPONS": 1}


def test_one_annotators_layer(corpus, client_for):
    # bob: WEAPONS on the second document's Kinzhal, LOCATION on the first's.
    assert consistency(client_for("bob"), corpus, "?layer=mine").json()["count"] == 1
    assert consistency(client_for("reviewer"), corpus, "?layer=user:bob").json()["count"] == 1
    assert consistency(client_for("alice"), corpus, "?layer=mine").json()["count"] == 0


@pytest.mark.parametrize("query", ["", "?layer=gold", "?layer=user:bob"])
def test_annotators_see_only_their_own_layer(corpus, client_for, query):
    assert consistency(client_for("alice"), corpus, query).status_code == 403


@pytest.mark.parametrize("query", ["?layer=everyone", "?layer=suggestions", "?layer=user:ghost"])
def test_bad_layers_are_named(corpus, client_for, query):
    answer = consistency(client_for("reviewer"), corpus, query)
    assert answer.status_code == 400 and "layer" in answer.json()


@pytest.mark.parametrize("count", [2, 40])
def test_queries_do_not_grow(corpus, client_for, django_assert_max_num_queries, count):
    reviewer = corpus.people["reviewer"]
    for n in range(count):
        document = Document.objects.create(title=f"D{n}", text=f"Kinzhal {n}.")
        corpus.project.documents.add(document)
        Span.objects.create(
            project=corpus.project,
            document=document,
            annotator=reviewer,
            gold=True,
            label=corpus.labels["PERSON"],
            start=0,
            end=7,
        )
    client = client_for("reviewer")
    with django_assert_max_num_queries(5):  # token, project, the counts, the documents
        assert consistency(client, corpus).json()["count"] == 1


def test_the_dashboard_loads_its_consistency_report(client, corpus, django_assert_max_num_queries):
    client.force_login(corpus.people["reviewer"])
    base = f"/projects/{corpus.project.pk}/dashboard/"
    assert f'hx-get="{base}consistency/"' in client.get(base).content.decode()
    with django_assert_max_num_queries(8):
        part = client.get(f"{base}consistency/", headers={"HX-Request": "true"})
    html = part.content.decode()
    assert part.status_code == 200 and html.lstrip().startswith("<section")
    assert "LOCATION 1" in html and "WEAPONS 1" in html and "kinzhal" in html
    review = f"/projects/{corpus.project.pk}/documents/{corpus.documents[1].pk}/review/"
    assert f'href="{review}"' in html
    client.force_login(corpus.people["alice"])
    assert client.get(f"{base}consistency/").status_code == 403
