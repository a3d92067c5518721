"""Document labels through the API (API.md, "Document labels"): a layer's categories,
single and multi, refusals, who may read and change which layer."""

import pytest
from django.urls import reverse

from annotator.categories import Category, CategoryEvent
from annotator.models import DocumentLabels


def url(world, query: str = "") -> str:
    path = reverse(
        "api:categories-list",
        kwargs={"project_pk": world.project.pk, "document_pk": world.document.pk},
    )
    return f"{path}?{query}" if query else path


def detail(pk: int) -> str:
    return reverse("api:category-detail", kwargs={"pk": pk})


def names(response) -> list[str]:
    return [item["label"] for item in response.json()["results"]]


def test_a_category_is_added_to_my_layer_and_listed(world, kinds, client_for):
    alice = client_for("alice")

    created = alice.post(url(world), {"label": "TRANSFER"}, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["label"], body["annotator"], body["layer"]) == ("TRANSFER", "alice", "annotator")
    assert names(alice.get(url(world))) == ["TRANSFER"]
    assert names(client_for("bob").get(url(world))) == []


def test_multi_keeps_every_category_and_single_replaces_mine(world, kinds, client_for):
    alice = client_for("alice")
    alice.post(url(world), {"label": "TRANSFER"}, format="json")
    alice.post(url(world), {"label": kinds["SUMMIT"].pk}, format="json")
    assert sorted(names(alice.get(url(world)))) == ["SUMMIT", "TRANSFER"]

    world.project.document_labels = DocumentLabels.SINGLE
    world.project.save()
    Category.objects.all().delete()
    first = alice.post(url(world), {"label": "TRANSFER"}, format="json").json()
    second = alice.post(url(world), {"label": "SUMMIT"}, format="json")

    assert second.status_code == 201
    assert names(alice.get(url(world))) == ["SUMMIT"]
    assert client_for("alice").delete(detail(first["id"])).status_code == 404
    event = CategoryEvent.objects.order_by("-id").first()
    assert (event.action, event.before_label.name, event.after_label.name) == (
        "replaced",
        "TRANSFER",
        "SUMMIT",
    )


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("WEAPONS", "WEAPONS is a span label"),
        ("NOPE", "Unknown label 'NOPE'"),
        (None, "This field may not be null."),
    ],
)
def test_a_bad_label_is_refused_and_nothing_stored(world, kinds, client_for, label, message):
    response = client_for("alice").post(url(world), {"label": label}, format="json")

    assert response.status_code == 400
    assert message in str(response.json()["label"])
    assert not Category.objects.exists()


def test_the_same_label_twice_is_refused(world, kinds, client_for):
    alice = client_for("alice")
    alice.post(url(world), {"label": "TRANSFER"}, format="json")

    again = alice.post(url(world), {"label": "TRANSFER"}, format="json")

    assert again.status_code == 400
    assert "already gives the document the label TRANSFER" in again.json()["label"][0]
    assert Category.objects.count() == 1


def test_a_span_cannot_take_a_document_label(world, kinds, client_for):
    spans = reverse(
        "api:spans-list", kwargs={"project_pk": world.project.pk, "document_pk": world.document.pk}
    )
    response = client_for("alice").post(
        spans, {"start": 0, "end": 2, "label": "TRANSFER"}, format="json"
    )

    assert response.status_code == 400
    assert "TRANSFER is a document label" in response.json()["label"][0]


def test_delete_removes_mine_and_records_it(world, kinds, client_for):
    alice = client_for("alice")
    created = alice.post(url(world), {"label": "TRANSFER"}, format="json").json()

    assert alice.delete(detail(created["id"])).status_code == 204
    assert not Category.objects.exists()
    assert list(CategoryEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "created",
        "deleted",
    ]


def test_layers_are_private_to_annotators_and_gold_to_reviewers(world, kinds, client_for):
    mine = client_for("alice").post(url(world), {"label": "TRANSFER"}, format="json").json()

    # Another annotator neither sees nor removes it; a reviewer reads it but cannot remove it.
    assert client_for("bob").get(detail(mine["id"])).status_code == 404
    assert client_for("bob").delete(detail(mine["id"])).status_code == 404
    assert client_for("bob").get(url(world, "annotator=alice")).status_code == 403
    assert client_for("reviewer").get(detail(mine["id"])).status_code == 200
    assert client_for("reviewer").delete(detail(mine["id"])).status_code == 403
    assert client_for("manager").delete(detail(mine["id"])).status_code == 403
    assert names(client_for("reviewer").get(url(world, "annotator=alice"))) == ["TRANSFER"]
    assert names(client_for("reviewer").get(url(world, "annotator=all"))) == ["TRANSFER"]
    # Gold: reviewers and managers only.
    assert client_for("alice").get(url(world, "layer=gold")).status_code == 403
    refused = client_for("alice").post(url(world, "layer=gold"), {"label": "SUMMIT"}, format="json")
    assert refused.status_code == 403
    gold = client_for("reviewer").post(url(world, "layer=gold"), {"label": "SUMMIT"}, format="json")
    assert gold.status_code == 201
    assert gold.json()["layer"] == "gold"
    assert names(client_for("manager").get(url(world, "layer=gold"))) == ["SUMMIT"]
    # Outside the project, nothing exists.
    assert client_for("outsider").get(url(world)).status_code == 404
    assert client_for("outsider").get(detail(mine["id"])).status_code == 404


def test_the_label_api_takes_and_returns_kind(world, client_for):
    labels = reverse("api:label-list", kwargs={"project_pk": world.project.pk})
    manager = client_for("manager")

    created = manager.post(labels, {"name": "EXERCISE", "kind": "document"}, format="json")
    default = manager.post(labels, {"name": "PLACE"}, format="json")
    bad = manager.post(labels, {"name": "OTHER", "kind": "page"}, format="json")

    assert created.status_code == 201 and created.json()["kind"] == "document"
    assert default.json()["kind"] == "span"
    assert bad.status_code == 400 and "use span or document" in bad.json()["kind"][0]


def test_a_label_in_use_keeps_its_kind(world, kinds, client_for):
    client_for("alice").post(url(world), {"label": "TRANSFER"}, format="json")
    label = reverse(
        "api:label-detail", kwargs={"project_pk": world.project.pk, "pk": kinds["TRANSFER"].pk}
    )
    manager = client_for("manager")

    response = manager.patch(label, {"kind": "span"}, format="json")
    deleted = manager.delete(label)

    assert response.status_code == 400 and "is in use" in response.json()["kind"][0]
    assert deleted.status_code == 409 and "1 document label use" in deleted.json()["detail"]


def test_the_project_setting_document_labels(world, client_for):
    project = reverse("api:project-detail", kwargs={"pk": world.project.pk})
    manager = client_for("manager")

    assert manager.get(project).json()["document_labels"] == "multi"
    changed = manager.patch(project, {"document_labels": "single"}, format="json")
    bad = manager.patch(project, {"document_labels": "few"}, format="json")

    assert changed.status_code == 200 and changed.json()["document_labels"] == "single"
    assert bad.status_code == 400 and "use single or multi" in bad.json()["document_labels"][0]
    assert client_for("alice").patch(project, {"document_labels": "multi"}).status_code == 403


def test_listing_categories_costs_the_same_for_many(
    world, kinds, client_for, django_assert_max_num_queries
):
    alice = client_for("alice")
    alice.post(url(world), {"label": "TRANSFER"}, format="json")
    alice.post(url(world), {"label": "SUMMIT"}, format="json")

    with django_assert_max_num_queries(6):
        response = alice.get(url(world))
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        assert alice.post(url(world), {"label": "SUMMIT"}, format="json").status_code == 400
