"""Relations reviewed into gold: the review page lists the analysts' relations once each,
with who drew them, and accepts one into gold with its spans, in the API and the page."""

import pytest
from django.urls import reverse

from annotator.models import Span
from annotator.relations import Relation
from annotator.services import relation_create, span_create

from .test_relations import supplies  # noqa: F401 — the fixture

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def drawn(supplies):  # noqa: F811
    """alice's SUPPLIES relation, from her PERSON "Hi" to her WEAPONS span."""
    supplies.relation = relation_create(
        project=supplies.project,
        document=supplies.document,
        annotator=supplies.people["alice"],
        relation_type=supplies.type,
        source=supplies.person,
        target=supplies.spans["alice"],
    )
    return supplies


def accept_url(relation) -> str:
    return reverse("api:relation-accept", kwargs={"pk": relation.pk})


def gold_keys(world) -> set[tuple[int, int, str]]:
    spans = Span.objects.filter(project=world.project, document=world.document, gold=True)
    return {(span.start, span.end, span.label.name) for span in spans}


def test_a_reviewer_accepts_a_relation_with_the_spans_gold_lacks(drawn, client_for):
    before = gold_keys(drawn)
    response = client_for("reviewer").post(accept_url(drawn.relation), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["type"], body["layer"], body["annotator"]) == ("SUPPLIES", "gold", "reviewer")
    gold = Relation.objects.get(gold=True)
    assert (gold.source.start, gold.source.end, gold.source.label.name) == (0, 2, "PERSON")
    # Gold already had the WEAPONS span: reused, not doubled.
    assert gold.target == drawn.spans["gold"]
    assert gold_keys(drawn) == before | {(0, 2, "PERSON")}

    again = client_for("manager").post(accept_url(drawn.relation), format="json")
    assert again.status_code == 400
    assert "already exists" in str(again.json())
    assert Relation.objects.filter(gold=True).count() == 1


def test_gold_that_refuses_a_span_stores_nothing_and_says_why(drawn, client_for):
    span_create(
        project=drawn.project,
        document=drawn.document,
        annotator=drawn.people["reviewer"],
        label=drawn.person.label,
        start=1,
        end=4,
        gold=True,
    )
    before = (gold_keys(drawn), Relation.objects.filter(gold=True).count())

    response = client_for("reviewer").post(accept_url(drawn.relation), format="json")

    assert response.status_code == 400
    assert "overlap" in str(response.json()).lower()
    assert (gold_keys(drawn), Relation.objects.filter(gold=True).count()) == before


def test_only_reviewers_accept_and_a_gold_relation_is_not_accepted_again(drawn, client_for):
    assert client_for("alice").post(accept_url(drawn.relation)).status_code == 403
    assert client_for("bob").post(accept_url(drawn.relation)).status_code == 404
    assert client_for("outsider").post(accept_url(drawn.relation)).status_code == 404
    gold = client_for("reviewer").post(accept_url(drawn.relation)).json()
    accepted = Relation.objects.get(pk=gold["id"])
    assert client_for("reviewer").post(accept_url(accepted)).status_code == 404


def test_the_review_page_lists_each_relation_once_and_accepts_it(drawn, client):
    # bob draws the same relation between the same extents: one row, both names.
    Span.objects.filter(pk=drawn.spans["bob"].pk).delete()  # his shorter WEAPONS span
    bobs_person = span_create(
        project=drawn.project,
        document=drawn.document,
        annotator=drawn.people["bob"],
        label=drawn.person.label,
        start=0,
        end=2,
    )
    bobs_weapons = span_create(
        project=drawn.project,
        document=drawn.document,
        annotator=drawn.people["bob"],
        label=drawn.spans["alice"].label,
        start=drawn.spans["alice"].start,
        end=drawn.spans["alice"].end,
    )
    relation_create(
        project=drawn.project,
        document=drawn.document,
        annotator=drawn.people["bob"],
        relation_type=drawn.type,
        source=bobs_person,
        target=bobs_weapons,
    )
    client.force_login(drawn.people["reviewer"])
    review = reverse("review", args=[drawn.project.pk, drawn.document.pk])
    page = client.get(review).content.decode()
    assert page.count('class="small accept-relation"') == 1
    assert "alice, bob" in page

    url = reverse("relation_accept", args=[drawn.project.pk, drawn.relation.pk])
    answer = client.post(url, **HX).content.decode()
    assert "Accepted the SUPPLIES relation into gold." in answer
    assert "In gold" in answer and "accept-relation" not in answer
    assert Relation.objects.filter(gold=True).count() == 1

    client.force_login(drawn.people["alice"])
    assert client.post(url, **HX).status_code == 403


def test_the_review_page_stays_within_its_queries(drawn, client, django_assert_max_num_queries):
    """The review page's bound (20, tests/annotator/test_review.py) and, in a project with
    relation types, the gold relations' panel (types, relations) and the analysts' list:
    one query each, however many relations."""
    client.force_login(drawn.people["reviewer"])
    review = reverse("review", args=[drawn.project.pk, drawn.document.pk])
    client.get(review)
    with django_assert_max_num_queries(23):
        assert client.get(review).status_code == 200
