"""Relations in the workspace: the panel, a relation drawn and deleted with an answer of
the panel alone, refusals in words, and a span's deletion taking its relations from it."""

import pytest
from django.urls import reverse

from annotator.relations import Relation
from annotator.services import relation_type_create, span_create

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def drawn(client, project, document, people, weapons):
    labels = {label.name: label for label in project.labels.all()}
    supplies = relation_type_create(
        project=project, name="SUPPLIES", source_labels=[labels["PERSON"]], target_labels=[weapons]
    )
    start = document.text.index("artillery")

    def span(label, a, b):
        return span_create(
            project=project,
            document=document,
            annotator=people["alice"],
            label=label,
            start=a,
            end=b,
        )

    client.force_login(people["alice"])
    return {
        "type": supplies,
        "person": span(labels["PERSON"], 0, 2),
        "weapons": span(weapons, start, start + 9),
        "client": client,
    }


def add(drawn, project, document, source, target):
    url = reverse("relation_add", args=[project.pk, document.pk])
    body = {"source": source.pk, "target": target.pk, "type": drawn["type"].pk}
    return drawn["client"].post(url, body, **HX)


def test_the_workspace_shows_the_panel_only_with_relation_types(drawn, project, document):
    page = drawn["client"].get(reverse("workspace", args=[project.pk, document.pk]))
    assert 'id="relations"' in page.content.decode() and "relations.js" in page.content.decode()
    drawn["type"].delete()
    page = drawn["client"].get(reverse("workspace", args=[project.pk, document.pk]))
    assert 'id="relations"' not in page.content.decode()


def test_a_relation_is_drawn_with_an_answer_of_the_panel_alone(
    drawn, project, document, django_assert_max_num_queries
):
    # The panel lists the suggested relations pending too: one query.
    with django_assert_max_num_queries(17):
        response = add(drawn, project, document, drawn["person"], drawn["weapons"])

    assert response.status_code == 200 and len(response.content) < 4096
    assert response["HX-Retarget"] == "#relations"
    body = response.content.decode()
    assert "PERSON “Hi” <strong>SUPPLIES</strong> → WEAPONS “artillery”" in body
    assert Relation.objects.count() == 1


def test_a_refusal_says_why(drawn, project, document):
    response = add(drawn, project, document, drawn["weapons"], drawn["person"])
    assert response.status_code == 422
    assert "must be one of PERSON, not WEAPONS" in response.content.decode()
    assert not Relation.objects.exists()


def test_delete_and_a_span_deletion_takes_the_panel_along(drawn, project, document, people):
    add(drawn, project, document, drawn["person"], drawn["weapons"])
    client = drawn["client"]
    response = client.post(reverse("span_remove", args=[project.pk, drawn["weapons"].pk]), **HX)
    body = response.content.decode()
    assert 'id="relations"' in body and "No relations yet." in body
    assert not Relation.objects.exists()
    # Undo brings the span and its relation back, and says so in the panel.
    body = client.post(reverse("undo", args=[project.pk, document.pk]), **HX).content.decode()
    assert "<strong>SUPPLIES</strong>" in body and Relation.objects.count() == 1
    relation = Relation.objects.get()
    client.force_login(people["bob"])
    url = reverse("relation_remove", args=[project.pk, relation.pk])
    assert client.post(url, **HX).status_code == 404
    client.force_login(people["reviewer"])
    assert client.post(url, **HX).status_code == 403
    client.force_login(people["alice"])
    assert client.post(url, **HX).status_code == 200 and not Relation.objects.exists()
