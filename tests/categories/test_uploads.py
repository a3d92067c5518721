"""Document uploads carry document labels (``categories``) and relations between their
spans (``relations``, by the ids the item gives its spans): stored in layers as spans are,
all or nothing, refused by index and field; a native jsonl export loads back unchanged."""

import io

import pytest
from django.urls import reverse

from annotator.api import views
from annotator.api.uploads import documents_upload, records_upload
from annotator.categories import Category, CategoryEvent
from annotator.models import DocumentLabels, Label, Membership, Project, Role, Span
from annotator.relations import Relation, RelationEvent, RelationType
from annotator.services import (
    BatchErrors,
    category_add,
    relation_create,
    relation_type_create,
    span_create,
)
from corpus.importers import read_upload
from corpus.models import Document
from tests.categories.test_exports import export

TEXT = "Kim sold artillery shells to Putin."


def documents_url(world) -> str:
    return reverse("api:document-list", kwargs={"project_pk": world.project.pk})


@pytest.fixture
def typed(world, kinds):
    """``world`` with document labels (TRANSFER, SUMMIT) and SUPPLIES: PERSON → WEAPONS."""
    labels = {label.name: label for label in world.project.labels.all()}
    world.type = relation_type_create(
        project=world.project,
        name="SUPPLIES",
        source_labels=[labels["PERSON"]],
        target_labels=[labels["WEAPONS"]],
    )
    world.kinds = kinds
    return world


def item(**extra) -> dict:
    return {
        "text": TEXT,
        "spans": [
            {"id": "kim", "start": 0, "end": 3, "label": "PERSON"},
            {"id": 2, "start": 9, "end": 25, "label": "WEAPONS"},
        ],
        **extra,
    }


def layers(document_id) -> set:
    """(layer, annotator, label) of a document's categories."""
    rows = Category.objects.filter(document_id=document_id)
    return {(c.layer, c.annotator.username, c.label.name) for c in rows}


def related(document_id) -> set:
    rows = Relation.objects.filter(document_id=document_id).select_related("source", "target")
    return {
        (
            r.layer,
            r.annotator.username,
            r.type.name,
            (r.source.start, r.source.end),
            (r.target.start, r.target.end),
        )
        for r in rows
    }


def test_categories_and_relations_go_into_the_layers_named(typed, client_for):
    body = item(
        categories=[
            "TRANSFER",
            {"label": "SUMMIT", "annotator": "alice"},
            {"label": "SUMMIT", "gold": True},
        ],
        relations=[{"type": "SUPPLIES", "source": "kim", "target": 2}],
    )
    body["spans"] += [
        {"id": "a1", "start": 0, "end": 3, "label": "PERSON", "annotator": "alice"},
        {"id": "a2", "start": 9, "end": 25, "label": "WEAPONS", "annotator": "alice"},
    ]
    body["relations"].append(
        {"type": typed.type.pk, "source": "a1", "target": "a2", "annotator": "alice"}
    )

    response = client_for("manager").post(documents_url(typed), body, format="json")

    assert response.status_code == 201, response.json()
    (pk,) = response.json()["ids"]
    assert layers(pk) == {
        ("annotator", "manager", "TRANSFER"),
        ("annotator", "alice", "SUMMIT"),
        ("gold", "manager", "SUMMIT"),
    }
    assert related(pk) == {
        ("annotator", "manager", "SUPPLIES", (0, 3), (9, 25)),
        ("annotator", "alice", "SUPPLIES", (0, 3), (9, 25)),
    }
    # In the history, as the manager's doing, like the spans.
    assert CategoryEvent.objects.filter(document_id=pk, actor__username="manager").count() == 3
    assert RelationEvent.objects.filter(document_id=pk, action="created").count() == 2
    # alice's layer is claimed and in progress, as a first span or category makes it.
    assert typed.project.statuses.filter(document_id=pk, user__username="alice").exists()


def test_a_reviewer_uploads_gold_but_no_one_elses_layer(typed):
    # Through the import page's path (the API's upload is for managers).
    reviewer = typed.people["reviewer"]
    (document,) = documents_upload(
        project=typed.project,
        items=[item(categories=[{"label": "SUMMIT", "gold": True}])],
        uploader=reviewer,
    )
    assert layers(document.pk) == {("gold", "reviewer", "SUMMIT")}

    with pytest.raises(BatchErrors) as refused:
        documents_upload(
            project=typed.project,
            items=[item(external_id="x", categories=[{"label": "SUMMIT", "annotator": "alice"}])],
            uploader=reviewer,
        )
    assert refused.value.errors == {
        "0": {
            "categories": [
                "category 0: only a manager may import document labels for another annotator."
            ]
        }
    }


def test_annotators_and_outsiders_cannot_upload(typed, client_for):
    assert client_for("alice").post(documents_url(typed), item(), format="json").status_code == 403
    assert (
        client_for("outsider").post(documents_url(typed), item(), format="json").status_code == 404
    )


def test_every_refusal_is_named_by_index_and_field_and_nothing_is_stored(typed, client_for):
    before = (Document.objects.count(), Category.objects.count(), Relation.objects.count())
    bad_span = item(
        categories=[
            "TRANSFER",
            "TRANSFER",
            "WEAPONS",
            "NOPE",
            {"label": "SUMMIT", "colour": "red"},
            3,
        ],
        relations=[
            {"type": "SUPPLIES", "source": "kim", "target": 2},
            {"type": "SUPPLIES", "source": "kim", "target": 2},
            {"type": "BUYS", "source": "kim", "target": "nobody"},
            {"type": "SUPPLIES", "source": 2, "target": "kim"},
            {"type": "SUPPLIES", "source": "kim", "target": "kim"},
            {"type": "SUPPLIES", "source": "kim", "target": "a", "weight": 1},
            {"type": "SUPPLIES", "source": "kim", "target": "a"},
        ],
    )
    bad_span["spans"].append(
        {"id": "a", "start": 9, "end": 25, "label": "WEAPONS", "annotator": "alice"}
    )
    bad_span["spans"].append({"id": "kim", "start": 29, "end": 34, "label": "PERSON"})
    bad_span["spans"].append({"id": [1], "start": 29, "end": 34, "label": "PERSON"})
    good = {"text": "Fine.", "categories": ["SUMMIT"]}

    response = client_for("manager").post(documents_url(typed), [good, bad_span], format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["1"]
    assert errors["1"]["spans"] == [
        "span 3: id: span 0 has the id 'kim' already.",
        "span 4: id: give a whole number or a string, unique within the document.",
    ]
    assert errors["1"]["categories"] == [
        "category 1: This layer already gives the document the label TRANSFER.",
        "category 2: WEAPONS is a span label: tag a stretch of text with it. Only document "
        "labels are categories.",
        "category 3: Unknown label 'NOPE' for this project.",
        "category 4: unknown field(s) colour.",
        "category 5: expected a label's name or an object with a label.",
    ]
    assert errors["1"]["relations"] == [
        "relation 1: This SUPPLIES relation from span 'kim' to span 2 is given twice.",
        "relation 2: type: Unknown relation type 'BUYS': it is not one of this project's.",
        "relation 2: target: No span of this document has the id 'nobody'.",
        "relation 3: source: A SUPPLIES relation's source must be one of PERSON, not WEAPONS.",
        "relation 3: target: A SUPPLIES relation's target must be one of WEAPONS, not PERSON.",
        "relation 4: target: A span cannot be related to itself: choose another target.",
        "relation 5: unknown field(s) weight.",
        "relation 6: target: The span is in another layer than the source: a relation joins "
        "two spans of one layer.",
    ]
    after = (Document.objects.count(), Category.objects.count(), Relation.objects.count())
    assert after == before


def test_not_lists_are_refused_by_field(typed, client_for):
    response = client_for("manager").post(
        documents_url(typed), item(categories="TRANSFER", relations={}), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["0"] == {
        "categories": ["Must be a list of document labels ({label} or names)."],
        "relations": ["Must be a list of {type, source, target} objects."],
    }


def test_a_single_project_takes_one_document_label_a_layer(typed, client_for):
    typed.project.document_labels = DocumentLabels.SINGLE
    typed.project.save()

    response = client_for("manager").post(
        documents_url(typed), item(categories=["TRANSFER", "SUMMIT"]), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["0"]["categories"] == [
        "category 1: The project takes one document label a layer (single): this layer "
        "already gives the document TRANSFER."
    ]


def test_a_reused_document_checks_against_its_stored_layers(typed, client_for):
    category_add(
        project=typed.project,
        document=typed.document,
        annotator=typed.people["manager"],
        label=typed.kinds["TRANSFER"],
    )
    body = {"text": typed.document.text, "external_id": "tricky", "categories": ["TRANSFER"]}

    response = client_for("manager").post(documents_url(typed), body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["0"]["categories"] == [
        "category 0: This layer already gives the document the label TRANSFER."
    ]


def test_categories_and_relations_are_counted_like_spans(typed, client_for, monkeypatch):
    monkeypatch.setattr(views, "MAX_SPANS", 2)
    response = client_for("manager").post(
        documents_url(typed), item(categories=["TRANSFER", "SUMMIT", "TRANSFER"]), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["At most 2 categories a request."]}


def test_an_upload_runs_a_bounded_number_of_queries(
    typed, client_for, django_assert_max_num_queries
):
    body = [
        item(
            external_id=f"d{n}",
            categories=["TRANSFER", {"label": "SUMMIT", "annotator": "alice"}],
            relations=[{"type": "SUPPLIES", "source": "kim", "target": 2}],
        )
        for n in range(20)
    ]
    client = client_for("manager")
    with django_assert_max_num_queries(40):
        response = client.post(documents_url(typed), body, format="json")
    assert response.status_code == 201, response.json()
    assert Relation.objects.count() == 20
    assert Category.objects.count() == 40


@pytest.fixture
def annotated_world(typed):
    """alice and bob each tag "Hi" PERSON and relate it to their WEAPONS span; alice gives
    the document TRANSFER, bob TRANSFER and SUMMIT."""
    person = typed.project.labels.get(name="PERSON")
    for name in ("alice", "bob"):
        user = typed.people[name]
        source = span_create(
            project=typed.project,
            document=typed.document,
            annotator=user,
            label=person,
            start=0,
            end=2,
        )
        relation_create(
            project=typed.project,
            document=typed.document,
            annotator=user,
            relation_type=typed.type,
            source=source,
            target=typed.spans[name],
        )
        category_add(
            project=typed.project,
            document=typed.document,
            annotator=user,
            label=typed.kinds["TRANSFER"],
        )
    category_add(
        project=typed.project,
        document=typed.document,
        annotator=typed.people["bob"],
        label=typed.kinds["SUMMIT"],
    )
    return typed


def test_a_native_jsonl_export_loads_back_with_its_categories_and_relations(annotated_world):
    w = annotated_world
    _, data = export(w.project, w.people["manager"], format="jsonl", layer="all")
    fresh = Project.objects.create(name="Fresh", annotators_per_document=3)
    for label in w.project.labels.all():
        Label.objects.create(project=fresh, name=label.name, kind=label.kind, order=label.order)
    fresh_type = RelationType.objects.create(project=fresh, name="SUPPLIES")
    fresh_type.source_labels.set([fresh.labels.get(name="PERSON")])
    fresh_type.target_labels.set([fresh.labels.get(name="WEAPONS")])
    for name, role in (
        ("manager", Role.MANAGER),
        ("alice", Role.ANNOTATOR),
        ("bob", Role.ANNOTATOR),
    ):
        Membership.objects.create(project=fresh, user=w.people[name], role=role)

    documents = records_upload(
        project=fresh,
        records=read_upload("export.jsonl", io.BytesIO(data)),
        uploader=w.people["manager"],
    )

    assert len(documents) == w.project.documents.count()
    copy = next(d for d in documents if d.external_id == "tricky")
    assert layers(copy.pk) == layers(w.document.pk) - {
        row for row in layers(w.document.pk) if row[0] == "gold"
    }
    assert layers(copy.pk) == {
        ("annotator", "alice", "TRANSFER"),
        ("annotator", "bob", "TRANSFER"),
        ("annotator", "bob", "SUMMIT"),
    }
    assert related(copy.pk) == related(w.document.pk)
    assert len(related(copy.pk)) == 2
    for name in ("alice", "bob"):
        assert Span.objects.filter(
            document=copy, project=fresh, annotator__username=name
        ).count() == (
            Span.objects.filter(
                document=w.document, project=w.project, annotator__username=name
            ).count()
        )

    # Imported again: nothing is added (every category, span and relation is stored).
    records_upload(
        project=fresh,
        records=read_upload("export.jsonl", io.BytesIO(data)),
        uploader=w.people["manager"],
        again=True,
    )
    assert Category.objects.filter(project=fresh).count() == 3
    assert Relation.objects.filter(project=fresh).count() == 2


def test_categories_as_the_jsonl_export_writes_them_load(typed, client_for):
    """``layer`` as a span's (gold, or a suggestions export's, which names no layer) and a
    suggested one's ``origin``, which is not kept."""
    body = item(
        categories=[
            {"label": "SUMMIT", "annotator": "reviewer", "layer": "gold"},
            {"label": "TRANSFER", "annotator": None, "layer": "suggestions", "origin": "clf"},
        ]
    )
    response = client_for("manager").post(documents_url(typed), body, format="json")
    assert response.status_code == 201, response.json()
    (pk,) = response.json()["ids"]
    assert layers(pk) == {("gold", "reviewer", "SUMMIT"), ("annotator", "manager", "TRANSFER")}


def test_an_undirected_relation_stored_the_other_way_round_is_not_added_again(typed):
    """Imported ``again``, MEETS (undirected) between the same spans is the one stored,
    whichever way round the file names it."""
    from annotator.services import documents_import

    relation_type_create(project=typed.project, name="MEETS", directed=False)
    manager = typed.people["manager"]

    def upload(source, target):
        body = item(
            external_id="meets", relations=[{"type": "MEETS", "source": source, "target": target}]
        )
        body |= {"title": "", "meta": {}, "source": ""}
        documents_import(project=typed.project, items=[body], uploader=manager, again=True)

    upload("kim", 2)
    upload(2, "kim")
    assert Relation.objects.filter(type__name="MEETS").count() == 1
