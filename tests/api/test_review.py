"""``POST``/``DELETE /api/projects/{pid}/documents/{did}/reviewed/`` (API.md, "Review")."""

import json

import pytest
from django.urls import reverse

from annotator.models import Review


def reviewed_url(world, document) -> str:
    return reverse(
        "api:document-reviewed",
        kwargs={"project_pk": world.project.pk, "document_pk": document.pk},
    )


def gold_complete(client, world) -> list[int]:
    """The documents ``layer=gold&status=complete`` exports, by id."""
    url = reverse("api_export", args=[world.project.pk])
    response = client.get(url, {"format": "jsonl", "layer": "gold", "status": "complete"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return sorted(json.loads(line)["id"] for line in body.decode().splitlines() if line)


@pytest.mark.parametrize("role", ["reviewer", "manager"])
def test_marking_reviewed_puts_gold_in_the_complete_export_and_delete_takes_it_out(
    world, client_for, role
):
    client = client_for(role)
    assert gold_complete(client, world) == []

    marked = client.post(reviewed_url(world, world.document))
    again = client.post(reviewed_url(world, world.document))

    assert marked.status_code == 204 and again.status_code == 204
    assert Review.objects.get(document=world.document).reviewer == world.people[role]
    assert gold_complete(client, world) == [world.document.pk]

    reopened = client.delete(reviewed_url(world, world.document))
    assert reopened.status_code == 204
    assert not Review.objects.filter(document=world.document).exists()
    assert gold_complete(client, world) == []
    assert client.delete(reviewed_url(world, world.document)).status_code == 204


@pytest.mark.parametrize("role", ["alice", "bob"])
def test_annotators_may_not_mark_reviewed(world, client_for, role):
    client = client_for(role)

    assert client.post(reviewed_url(world, world.document)).status_code == 403
    assert client.delete(reviewed_url(world, world.document)).status_code == 403
    assert not Review.objects.exists()


def test_a_document_of_another_project_is_not_found(world, client_for):
    other = world.elsewhere.documents.get()
    url = reverse(
        "api:document-reviewed",
        kwargs={"project_pk": world.project.pk, "document_pk": other.pk},
    )

    assert client_for("manager").post(url).status_code == 404
    assert client_for("outsider").post(reviewed_url(world, world.document)).status_code == 404
    assert not Review.objects.exists()
