"""Relations in the workspace: the panel, a relation drawn and deleted with an answer of
the panel alone, refusals in words, and a span's deletion taking its relations from it."""

import re

import pytest
from django.urls import reverse

from annotator.models import Span
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
    assert response["HX-Retarget"] == "#relations" and response["HX-Reswap"] == "none"
    body = response.content.decode()
    assert "PERSON “Hi” <strong>SUPPLIES</strong> → WEAPONS “artillery”" in body
    assert Relation.objects.count() == 1
    # The first relation takes the "No relations yet." line away; the count is 1.
    assert '<li id="relation-none" hx-swap-oob="delete">' in body
    assert '<span id="relation-count" class="muted" hx-swap-oob="true">(1)</span>' in body


def test_the_answer_carries_the_row_added_or_removed_alone(
    drawn, project, document, people, weapons, django_assert_max_num_queries
):
    """With sixty relations in the layer, drawing or deleting one answers with that row
    (and the count and status line), under 4 KB, in a bounded number of queries."""
    from annotator.services import relation_create
    from corpus.models import Document

    long = Document.objects.create(title="Long", text="word " * 100, external_id="long")
    project.documents.add(long)
    person = project.labels.get(name="PERSON")

    def span(label, at):
        return span_create(
            project=project,
            document=long,
            annotator=people["alice"],
            label=label,
            start=5 * at,
            end=5 * at + 4,
        )

    source, targets = span(person, 0), [span(weapons, at) for at in range(1, 62)]
    for target in targets[:60]:
        relation_create(
            project=project,
            document=long,
            annotator=people["alice"],
            relation_type=drawn["type"],
            source=source,
            target=target,
        )
    drawn |= {"person": source, "weapons": targets[60]}
    document = long
    count = Relation.objects.count()
    with django_assert_max_num_queries(16):
        added = add(drawn, project, document, drawn["person"], drawn["weapons"])
    body = added.content.decode()
    assert added.status_code == 200 and len(added.content) < 4096
    assert body.count('class="relation-row"') == 1 and "relation-none" not in body
    assert f"({count + 1})</span>" in body
    new = Relation.objects.latest("id")
    url = reverse("relation_remove", args=[project.pk, new.pk])
    with django_assert_max_num_queries(16):
        removed = drawn["client"].post(url, **HX)
    body = removed.content.decode()
    assert removed.status_code == 200 and len(removed.content) < 4096
    assert f'<li id="relation-{new.pk}" hx-swap-oob="delete"></li>' in body
    assert 'class="relation-row"' not in body and f"({count})</span>" in body


def test_deleting_the_last_relation_says_there_are_none(drawn, project, document):
    add(drawn, project, document, drawn["person"], drawn["weapons"])
    relation = Relation.objects.get()
    url = reverse("relation_remove", args=[project.pk, relation.pk])
    body = drawn["client"].post(url, **HX).content.decode()
    assert 'hx-swap-oob="beforeend:#relation-list"' in body and "No relations yet." in body


def test_an_undo_without_relations_answers_without_the_panel(drawn, project, document, weapons):
    client = drawn["client"]
    client.post(reverse("span_relabel", args=[project.pk, drawn["weapons"].pk]), **HX)
    body = client.post(reverse("undo", args=[project.pk, document.pk]), **HX).content.decode()
    assert 'id="relations"' not in body


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


def test_a_span_deletion_answers_with_the_rows_of_its_relations_alone(
    drawn, project, document, people, weapons, django_assert_max_num_queries
):
    """From a page in step with the layer (it sends its digest), deleting a span with
    relations takes their rows out and leaves the others; the panel is not sent again."""
    start = document.text.index("artillery")
    second = span_create(
        project=project,
        document=document,
        annotator=people["alice"],
        label=weapons,
        start=start + 10,
        end=start + 16,
    )
    add(drawn, project, document, drawn["person"], drawn["weapons"])
    add(drawn, project, document, drawn["person"], second)
    kept, gone = Relation.objects.get(target=second), Relation.objects.get(target=drawn["weapons"])
    client = drawn["client"]
    page = client.get(reverse("workspace", args=[project.pk, document.pk])).content.decode()
    layer = re.search(r'data-layer="([0-9a-f]+)"', page).group(1)
    url = reverse("span_remove", args=[project.pk, drawn["weapons"].pk])
    # As a deletion's (tests/annotator/test_workspace.py), with its relations' events and
    # the layer's relations counted for the list's count.
    with django_assert_max_num_queries(20):
        response = client.post(url, {"layer": layer}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == "#patch"
    assert 'id="relations"' not in body and 'class="relation-row"' not in body
    assert f'<li id="relation-{gone.pk}" hx-swap-oob="delete"></li>' in body
    assert f"relation-{kept.pk}" not in body and "No relations yet." not in body
    assert '<span id="relation-count" class="muted" hx-swap-oob="true">(1)</span>' in body
    assert list(Relation.objects.all()) == [kept]
    # The last one: the list says there are none.
    page = client.get(reverse("workspace", args=[project.pk, document.pk])).content.decode()
    layer = re.search(r'data-layer="([0-9a-f]+)"', page).group(1)
    url = reverse("span_remove", args=[project.pk, drawn["person"].pk])
    body = client.post(url, {"layer": layer}, **HX).content.decode()
    assert f'<li id="relation-{kept.pk}" hx-swap-oob="delete"></li>' in body
    assert "No relations yet." in body and "(0)</span>" in body


def test_undoing_a_creation_takes_its_relations_and_the_panel_says_so(
    drawn, project, document, people, weapons
):
    """The span undone took its relation with it: the answer carries the panel."""
    add(drawn, project, document, drawn["person"], drawn["weapons"])
    body = drawn["client"].post(reverse("undo", args=[project.pk, document.pk]), **HX)
    body = body.content.decode()
    assert "new span is removed" in body and not Relation.objects.exists()
    assert 'id="relations"' in body and "No relations yet." in body


def test_undoing_a_list_takes_its_relations_and_the_panel_says_so(
    drawn, project, document, people, weapons
):
    """A list posted (one batch of the history), a relation drawn from one of its spans:
    undoing the list takes the relation, and the answer carries the panel."""
    from annotator.services import spans_create

    person = project.labels.get(name="PERSON")
    made = spans_create(
        project=project,
        document=document,
        annotator=people["alice"],
        items=[
            {"start": 3, "end": 5, "label": person},
            {"start": 6, "end": 10, "label": person},
        ],
    )
    add(drawn, project, document, made[0], drawn["weapons"])
    body = drawn["client"].post(reverse("undo", args=[project.pk, document.pk]), **HX)
    body = body.content.decode()
    assert "the 2 new spans are removed" in body and not Relation.objects.exists()
    assert 'id="relations"' in body and "No relations yet." in body


def test_undoing_a_tag_answers_with_the_rows_of_its_relations_alone(
    drawn, project, document, people, weapons
):
    """From a page in step with the layer, an undone tag's relations go as rows, as after a
    deletion; the panel is not sent again."""
    start = document.text.index("artillery")
    client = drawn["client"]
    response = client.post(
        reverse("span_add", args=[project.pk, document.pk]),
        {"start": start + 10, "end": start + 16, "label": weapons.pk},
        **HX,
    )
    assert response.status_code == 200
    tagged = Span.objects.get(start=start + 10)
    add(drawn, project, document, drawn["person"], tagged)
    relation = Relation.objects.get(target=tagged)
    page = client.get(reverse("workspace", args=[project.pk, document.pk])).content.decode()
    layer = re.search(r'data-layer="([0-9a-f]+)"', page).group(1)
    response = client.post(reverse("undo", args=[project.pk, document.pk]), {"layer": layer}, **HX)
    body = response.content.decode()
    assert response["HX-Retarget"] == "#patch" and "new span is removed" in body
    assert 'id="relations"' not in body
    assert f'<li id="relation-{relation.pk}" hx-swap-oob="delete"></li>' in body
    assert "No relations yet." in body and not Relation.objects.exists()
