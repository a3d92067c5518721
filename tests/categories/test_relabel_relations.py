"""A relabel never leaves a relation that its type does not take (API.md, "Relations"):
the workspace, the API's PATCH, a label merge (and its undo) and an undo in the
workspace all ask ``relations.relabel_breaks``; the search's bulk relabel is in
tests/search/test_edit.py, a type's labels changed in the admin in tests/annotator/
test_admin_relations.py."""

import pytest
from django.urls import reverse

from annotator.models import Span
from annotator.relations import Relation, RelationType
from annotator.services import (
    label_merge,
    label_merge_undo,
    relation_create,
    relation_type_create,
    span_create,
)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def related(world):
    """alice's PERSON span "Hi" SUPPLIES her WEAPONS span; the type takes PERSON to WEAPONS."""
    labels = {label.name: label for label in world.project.labels.all()}
    supplies = relation_type_create(
        project=world.project,
        name="SUPPLIES",
        source_labels=[labels["PERSON"]],
        target_labels=[labels["WEAPONS"]],
    )
    world.labels = labels
    world.person = span_create(
        project=world.project,
        document=world.document,
        annotator=world.people["alice"],
        label=labels["PERSON"],
        start=0,
        end=2,
    )
    world.relation = relation_create(
        project=world.project,
        document=world.document,
        annotator=world.people["alice"],
        relation_type=supplies,
        source=world.person,
        target=world.spans["alice"],
    )
    world.type = supplies
    return world


def refusal(w, label: str) -> str:
    return (
        f"Span {w.person.pk} is the source of a SUPPLIES relation, which takes PERSON, not "
        f"{label}: delete the relation first."
    )


def test_the_api_refuses_a_relabel_that_breaks_a_relation(related, client_for):
    w = related
    alice = client_for("alice")
    response = alice.patch(f"/api/spans/{w.person.pk}/", {"label": "WEAPONS"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"label": [refusal(w, "WEAPONS")]}
    assert Span.objects.get(pk=w.person.pk).label.name == "PERSON"
    # A move, and a label the type takes, are not refused.
    moved = alice.patch(f"/api/spans/{w.person.pk}/", {"end": 3}, format="json")
    assert moved.status_code == 200, moved.json()
    # A type that takes any label (none listed) takes the new one too.
    w.type.source_labels.clear()
    relabelled = alice.patch(f"/api/spans/{w.person.pk}/", {"label": "WEAPONS"}, format="json")
    assert relabelled.status_code == 200, relabelled.json()


def test_the_target_end_is_checked_too(related, client_for):
    w = related
    target = w.spans["alice"]
    response = client_for("alice").patch(
        f"/api/spans/{target.pk}/", {"label": "PERSON"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "label": [
            f"Span {target.pk} is the target of a SUPPLIES relation, which takes WEAPONS, not "
            "PERSON: delete the relation first."
        ]
    }


def test_the_workspace_shows_the_refusal_and_keeps_the_span(related, client):
    w = related
    client.force_login(w.people["alice"])
    url = reverse("span_relabel", args=[w.project.pk, w.person.pk])
    response = client.post(url, {"label": w.labels["WEAPONS"].pk}, **HX)

    assert response.status_code == 422
    assert refusal(w, "WEAPONS") in response.content.decode()
    assert Span.objects.get(pk=w.person.pk).label.name == "PERSON"
    assert Relation.objects.filter(pk=w.relation.pk).exists()


def test_an_undo_that_would_break_a_relation_is_refused(world, client):
    """alice relabels a WEAPONS span PERSON, then relates it as a SUPPLIES source: undoing
    the relabel would make the source WEAPONS, which the type does not take."""
    w = world
    labels = {label.name: label for label in w.project.labels.all()}
    supplies = relation_type_create(
        project=w.project,
        name="SUPPLIES",
        source_labels=[labels["PERSON"]],
        target_labels=[labels["WEAPONS"]],
    )
    client.force_login(w.people["alice"])
    source = span_create(
        project=w.project,
        document=w.document,
        annotator=w.people["alice"],
        label=labels["WEAPONS"],
        start=0,
        end=2,
    )
    relabel = reverse("span_relabel", args=[w.project.pk, source.pk])
    assert client.post(relabel, {"label": labels["PERSON"].pk}, **HX).status_code == 200
    source.refresh_from_db()
    relation_create(
        project=w.project,
        document=w.document,
        annotator=w.people["alice"],
        relation_type=supplies,
        source=source,
        target=w.spans["alice"],
    )
    response = client.post(reverse("undo", args=[w.project.pk, w.document.pk]), **HX)

    assert response.status_code == 422
    assert "is the source of a SUPPLIES relation" in response.content.decode()
    assert Span.objects.get(pk=source.pk).label.name == "PERSON"


def test_a_merge_that_would_break_a_relation_is_refused_in_words(related, client_for, client):
    w = related
    manager = client_for("manager")
    person = w.labels["PERSON"]
    response = manager.delete(f"/api/projects/{w.project.pk}/labels/{person.pk}/?into=LOCATION")

    assert response.status_code == 400
    assert response.json() == {
        "into": [
            "Merged into LOCATION, 1 relation(s) would no longer fit their type. "
            + refusal(w, "LOCATION")
        ]
    }
    assert Span.objects.get(pk=w.person.pk).label == person
    # The labels page says the same beside the field.
    client.force_login(w.people["manager"])
    page = client.post(
        reverse("label_delete", args=[w.project.pk, person.pk]),
        {f"delete-{person.pk}-into": w.labels["LOCATION"].pk},
    )
    assert page.status_code == 200
    assert "1 relation(s) would no longer fit their type" in page.content.decode()
    # Into a label the type takes as well, the merge goes through.
    w.type.source_labels.add(w.labels["LOCATION"])
    merged = manager.delete(f"/api/projects/{w.project.pk}/labels/{person.pk}/?into=LOCATION")
    assert merged.status_code == 204
    assert Span.objects.get(pk=w.person.pk).label.name == "LOCATION"


def test_undoing_a_merge_leaves_a_span_its_relation_holds(related, client):
    """PERSON merged into LOCATION (the type takes both); PERSON, back, is no longer among
    the type's labels (it was deleted): the related span stays LOCATION, the others return."""
    w = related
    w.type.source_labels.add(w.labels["LOCATION"])
    other = span_create(
        project=w.project,
        document=w.document,
        annotator=w.people["bob"],
        label=w.labels["PERSON"],
        start=0,
        end=2,
    )
    merge = label_merge(label=w.labels["PERSON"], into=w.labels["LOCATION"], actor=w.people["root"])
    client.force_login(w.people["manager"])
    response = client.post(reverse("label_merge_undo", args=[w.project.pk, merge.pk]), follow=True)

    assert "1 span(s) stay LOCATION: a relation of theirs does not take PERSON." in (
        response.content.decode()
    )
    assert Span.objects.get(pk=other.pk).label.name == "PERSON"
    assert Span.objects.get(pk=w.person.pk).label.name == "LOCATION"
    with pytest.raises(Exception, match="already been undone"):
        label_merge_undo(merge=merge, actor=w.people["root"])


def test_one_rule_decides_what_an_end_takes(related):
    person, weapons = related.labels["PERSON"], related.labels["WEAPONS"]
    assert RelationType.takes([], weapons.pk)  # no labels listed: any
    assert RelationType.takes([person], person.pk)
    assert not RelationType.takes([person], weapons.pk)


def test_a_merge_carries_the_types_allowed_label_over(world):
    """A type that took only the merged label takes the label it was merged into, rather than
    being left with none (which would mean any)."""
    labels = {label.name: label for label in world.project.labels.all()}
    employs = relation_type_create(
        project=world.project,
        name="EMPLOYS",
        source_labels=[labels["LOCATION"]],
        target_labels=[labels["PERSON"], labels["LOCATION"]],
    )
    label_merge(label=labels["LOCATION"], into=labels["WEAPONS"], actor=world.people["manager"])
    assert [label.name for label in employs.source_labels.all()] == ["WEAPONS"]
    assert sorted(label.name for label in employs.target_labels.all()) == ["PERSON", "WEAPONS"]
