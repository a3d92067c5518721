"""Relations through the API (API.md, "Relations"): relation types with allowed labels,
relations within one layer, every refusal the contract lists, and a span's deletion
taking its relations with it in the same step of the history (and undo bringing them back)."""

import json

import pytest
from django.urls import reverse

from annotator.relations import Relation, RelationEvent
from annotator.services import relation_type_create, span_create

HX = {"HTTP_HX_REQUEST": "true"}


def types_url(world) -> str:
    return reverse("api:relation-type-list", kwargs={"project_pk": world.project.pk})


def url(world, query: str = "") -> str:
    path = reverse(
        "api:relations-list",
        kwargs={"project_pk": world.project.pk, "document_pk": world.document.pk},
    )
    return f"{path}?{query}" if query else path


@pytest.fixture
def supplies(world):
    """SUPPLIES: from a PERSON to WEAPONS; alice's PERSON span "Hi" and WEAPONS span."""
    labels = {label.name: label for label in world.project.labels.all()}
    relation_type = relation_type_create(
        project=world.project,
        name="SUPPLIES",
        source_labels=[labels["PERSON"]],
        target_labels=[labels["WEAPONS"]],
    )
    world.person = span_create(
        project=world.project,
        document=world.document,
        annotator=world.people["alice"],
        label=labels["PERSON"],
        start=0,
        end=2,
    )
    world.type = relation_type
    return world


def test_relation_types_are_listed_and_managers_create_them(world, client_for):
    manager = client_for("manager")
    created = manager.post(
        types_url(world),
        {"name": "SUPPLIES", "source_labels": ["PERSON"], "target_labels": ["WEAPONS"]},
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert created.json() == {
        "id": created.json()["id"],
        "name": "SUPPLIES",
        "source_labels": ["PERSON"],
        "target_labels": ["WEAPONS"],
        "directed": True,
    }
    assert client_for("alice").get(types_url(world)).json()["results"][0]["name"] == "SUPPLIES"
    assert (
        client_for("alice").post(types_url(world), {"name": "X"}, format="json").status_code == 403
    )
    again = manager.post(types_url(world), {"name": "supplies"}, format="json")
    assert (
        again.status_code == 400
        and "already has a relation type SUPPLIES" in again.json()["name"][0]
    )
    unknown = manager.post(
        types_url(world), {"name": "MEETS", "source_labels": ["NOPE"]}, format="json"
    )
    assert (
        unknown.status_code == 400
        and "Unknown label(s) 'NOPE'" in unknown.json()["source_labels"][0]
    )


def test_a_relation_joins_two_spans_of_my_layer(supplies, client_for):
    w = supplies
    body = {"type": "SUPPLIES", "source": w.person.pk, "target": w.spans["alice"].pk}

    created = client_for("alice").post(url(w), body, format="json")

    assert created.status_code == 201, created.json()
    relation = created.json()
    assert {k: relation[k] for k in ("type", "source", "target", "annotator", "layer")} == {
        "type": "SUPPLIES",
        "source": w.person.pk,
        "target": w.spans["alice"].pk,
        "annotator": "alice",
        "layer": "annotator",
    }
    assert [r["id"] for r in client_for("alice").get(url(w)).json()["results"]] == [relation["id"]]
    assert client_for("bob").get(url(w)).json()["results"] == []
    assert client_for("reviewer").get(url(w, "annotator=alice")).json()["count"] == 1


@pytest.mark.parametrize(
    ("make", "field", "words"),
    [
        (
            lambda w: {"type": "NOPE", "source": w.person.pk, "target": w.spans["alice"].pk},
            "type",
            "Unknown relation type",
        ),
        (
            lambda w: {"type": "SUPPLIES", "source": w.spans["alice"].pk, "target": w.person.pk},
            "source",
            "must be one of PERSON, not WEAPONS",
        ),
        (
            lambda w: {"type": "SUPPLIES", "source": w.person.pk, "target": w.spans["bob"].pk},
            "target",
            "is in another layer",
        ),
        (
            lambda w: {"type": "SUPPLIES", "source": w.person.pk, "target": w.spans["gold"].pk},
            "target",
            "is in another layer",
        ),
        (
            lambda w: {"type": "SUPPLIES", "source": w.person.pk, "target": w.person.pk},
            "target",
            "cannot be related to itself",
        ),
        (
            lambda w: {"type": "SUPPLIES", "source": w.person.pk, "target": 999999},
            "target",
            "No such span",
        ),
        (
            lambda w: {"type": "SUPPLIES", "source": w.person.pk, "target": "x"},
            "target",
            "valid integer",
        ),
    ],
)
def test_refusals_say_why_and_store_nothing(supplies, client_for, make, field, words):
    response = client_for("alice").post(url(supplies), make(supplies), format="json")

    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert not Relation.objects.exists()


def test_the_same_relation_twice_is_refused(supplies, client_for):
    body = {"type": "SUPPLIES", "source": supplies.person.pk, "target": supplies.spans["alice"].pk}
    client_for("alice").post(url(supplies), body, format="json")

    again = client_for("alice").post(url(supplies), body, format="json")

    assert again.status_code == 400 and "already exists" in again.json()["non_field_errors"][0]
    assert Relation.objects.count() == 1


def test_gold_relations_are_for_reviewers(supplies, client_for):
    w = supplies
    person = span_create(
        project=w.project,
        document=w.document,
        annotator=w.people["reviewer"],
        label=w.person.label,
        start=0,
        end=2,
        gold=True,
    )
    body = {"type": "SUPPLIES", "source": person.pk, "target": w.spans["gold"].pk}

    assert client_for("alice").post(url(w, "layer=gold"), body, format="json").status_code == 403
    created = client_for("reviewer").post(url(w, "layer=gold"), body, format="json")
    assert created.status_code == 201 and created.json()["layer"] == "gold"


def test_delete_and_who_may(supplies, client_for):
    body = {"type": "SUPPLIES", "source": supplies.person.pk, "target": supplies.spans["alice"].pk}
    relation = client_for("alice").post(url(supplies), body, format="json").json()
    detail = reverse("api:relation-detail", kwargs={"pk": relation["id"]})

    assert client_for("bob").delete(detail).status_code == 404
    assert client_for("reviewer").delete(detail).status_code == 403
    assert client_for("outsider").get(detail).status_code == 404
    assert client_for("alice").delete(detail).status_code == 204
    assert not Relation.objects.exists()


def test_a_type_in_use_is_not_deleted(supplies, client_for):
    body = {"type": "SUPPLIES", "source": supplies.person.pk, "target": supplies.spans["alice"].pk}
    client_for("alice").post(url(supplies), body, format="json")
    detail = reverse(
        "api:relation-type-detail",
        kwargs={"project_pk": supplies.project.pk, "pk": supplies.type.pk},
    )
    response = client_for("manager").delete(detail)
    assert (
        response.status_code == 409
        and "1 relation use the type SUPPLIES" in response.json()["detail"]
    )


def test_deleting_a_span_deletes_its_relations_in_the_same_step_and_undo_brings_them_back(
    supplies, client, client_for
):
    w = supplies
    client.force_login(w.people["alice"])  # undo reaches back to signing in
    body = {"type": "SUPPLIES", "source": w.person.pk, "target": w.spans["alice"].pk}
    relation_id = client_for("alice").post(url(w), body, format="json").json()["id"]
    span = w.spans["alice"]
    assert (
        client_for("alice").delete(reverse("api:span-detail", kwargs={"pk": span.pk})).status_code
        == 204
    )

    assert not Relation.objects.exists()
    event = RelationEvent.objects.get(action="deleted")
    assert event.cause.span_id == span.pk and event.cause.action == "deleted"

    response = client.post(reverse("undo", args=[w.project.pk, w.document.pk]), **HX)
    assert "span is back" in response.content.decode()
    assert Relation.objects.get().pk == relation_id
    assert RelationEvent.objects.filter(action="restored", cause=event.cause).exists()


# Exports ---------------------------------------------------------------------------------


def _export(world, **params) -> bytes:
    from annotator.exports.engine import Export
    from annotator.exports.options import options_parse

    options = options_parse(params, project=world.project, user=world.people["manager"])
    return b"".join(Export(project=world.project, options=options).stream())


@pytest.fixture
def related(supplies, client_for):
    """alice's SUPPLIES relation, and bob's own one between two spans of his."""
    w = supplies
    body = {"type": "SUPPLIES", "source": w.person.pk, "target": w.spans["alice"].pk}
    assert client_for("alice").post(url(w), body, format="json").status_code == 201
    bobs_person = span_create(
        project=w.project,
        document=w.document,
        annotator=w.people["bob"],
        label=w.person.label,
        start=0,
        end=2,
    )
    body = {"type": "SUPPLIES", "source": bobs_person.pk, "target": w.spans["bob"].pk}
    assert client_for("bob").post(url(w), body, format="json").status_code == 201
    return w


def test_jsonl_spans_carry_ids_and_records_the_relations(related):
    lines = [json.loads(line) for line in _export(related, layer="all").splitlines()]
    line = next(line for line in lines if line["id"] == related.document.pk)

    spans = {span["id"]: span for span in line["spans"]}
    assert len(line["relations"]) == Relation.objects.count() == 2
    for relation in line["relations"]:
        source, target = spans[relation["source"]], spans[relation["target"]]
        assert (source["label"], target["label"], relation["type"]) == (
            "PERSON",
            "WEAPONS",
            "SUPPLIES",
        )
        assert source["annotator"] == target["annotator"] == relation["annotator"]


def test_doccano_uses_its_relation_shape(related):
    lines = [
        json.loads(line) for line in _export(related, format="doccano", layer="all").splitlines()
    ]
    line = next(line for line in lines if line["id"] == related.document.pk)

    assert "label" not in line
    entities = {entity["id"]: entity for entity in line["entities"]}
    assert all(line["text"][e["start_offset"] : e["end_offset"]] for e in entities.values())
    # alice's and bob's relations join the same extents ("Hi" → their WEAPONS spans, which
    # differ): two relations, each between entities of the line.
    assert len(line["relations"]) == 2
    for relation in line["relations"]:
        assert set(relation) == {"id", "from_id", "to_id", "type"}
        assert entities[relation["from_id"]]["label"] == "PERSON"
        assert entities[relation["to_id"]]["label"] == "WEAPONS"


@pytest.mark.parametrize("annotator", ["alice", "bob"])
def test_brat_r_lines_load_in_a_brat_reader_as_the_layers_relations(related, annotator, tmp_path):
    """pybrat, a standoff parser, reads each layer's export back: its entities cover their
    text, and its relations are the layer's, type and end labels included."""
    import io
    import zipfile

    from pybrat.parser import BratParser

    export = _export(related, format="brat", layer=f"user:{annotator}")
    with zipfile.ZipFile(io.BytesIO(export)) as archive:
        conf = archive.read("annotation.conf").decode()
        archive.extractall(tmp_path)
    assert "SUPPLIES\tArg1:PERSON, Arg2:WEAPONS" in conf
    (example,) = [e for e in BratParser().parse(tmp_path) if e.id == f"doc-{related.document.pk}"]
    for entity in example.entities:
        assert example.text[entity.start : entity.end] == entity.mention
    stored = Relation.objects.filter(annotator=related.people[annotator])
    assert sorted(
        (r.type, r.arg1.type, r.arg1.start, r.arg2.type, r.arg2.start) for r in example.relations
    ) == sorted(
        (r.type.name, r.source.label.name, r.source.start, r.target.label.name, r.target.start)
        for r in stored
    )
    assert len(example.relations) == stored.count() == 1
