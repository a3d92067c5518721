"""Rules that two surfaces used to decide differently, now asked of ``annotator.permissions``."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from annotator.models import Comment, Span
from annotator.services import span_delete
from corpus.models import Document


def _comments_seen_by(client, user, project, document) -> str:
    client.force_login(user)
    return client.get(reverse("workspace", args=[project.pk, document.pk])).content.decode()


def test_a_comment_on_a_deleted_span_stays_with_those_who_may_read_its_layer(client, world, people):
    """A reviewer's note on alice's span became every analyst's once the span was gone."""
    client.force_login(people["reviewer"])
    url = reverse("comment", args=[world.project.pk, world.document.pk]) + "?layer=gold"
    client.post(
        url, {"body": "Only for alice: a shell is ammunition.", "span": world.spans["alice"].pk}
    )
    span_delete(span=Span.objects.get(pk=world.spans["alice"].pk))
    assert Comment.objects.get().span is None

    note = "Only for alice: a shell is ammunition."
    assert note in _comments_seen_by(client, people["alice"], world.project, world.document)
    assert note not in _comments_seen_by(client, people["bob"], world.project, world.document)
    assert note in _comments_seen_by(client, people["manager"], world.project, world.document)


def test_a_comment_asking_for_gold_is_refused_to_annotators(client, world, people):
    """The comment view ignored ``?layer=gold`` where the span views answer 403."""
    client.force_login(people["alice"])
    url = reverse("comment", args=[world.project.pk, world.document.pk]) + "?layer=gold"
    response = client.post(url, {"body": "Let me in."})
    assert response.status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize("role", ["manager", "reviewer", "root"])
def test_nobody_but_alice_changes_her_span_in_the_workspace_or_the_api(client, world, people, role):
    span = world.spans["alice"]
    client.force_login(people[role])
    relabel = reverse("span_relabel", args=[world.project.pk, span.pk])
    assert client.post(relabel, {"label": world.spare.pk}).status_code == 403
    assert client.post(reverse("span_remove", args=[world.project.pk, span.pk])).status_code == 403
    api = APIClient()
    api.force_authenticate(people[role])
    assert (
        api.patch(f"/api/spans/{span.pk}/", {"end": span.end - 1}, format="json").status_code == 403
    )
    assert api.delete(f"/api/spans/{span.pk}/").status_code == 403
    assert Span.objects.filter(pk=span.pk, label=span.label, end=span.end).exists()


def test_the_annotator_filter_tells_no_user_apart_from_a_stranger(world, people, make_user):
    """A reviewer could learn which usernames exist on the site from the filter's answers."""
    make_user("stranger")
    api = APIClient()
    api.force_authenticate(people["reviewer"])
    url = f"/api/projects/{world.project.pk}/documents/{world.document.pk}/spans/"
    answers = [api.get(url, {"annotator": name}) for name in ["stranger", "nobody-at-all"]]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json()["annotator"][0].replace("stranger", "X") == answers[1].json()[
        "annotator"
    ][0].replace("nobody-at-all", "X")
    # Annotators are refused before any name is looked up.
    api.force_authenticate(people["alice"])
    assert api.get(url, {"annotator": "stranger"}).status_code == 403
    assert api.get(url, {"annotator": "nobody-at-all"}).status_code == 403


@pytest.mark.parametrize("text", ["Secret words.", "Other words."])
def test_an_external_id_of_another_project_is_neither_named_nor_reused(world, people, text):
    """The external-id check told a manager which ids other projects hold (and a same-text
    upload linked the other project's document into theirs)."""
    api = APIClient()
    api.force_authenticate(people["manager"])
    url = f"/api/projects/{world.project.pk}/documents/"
    response = api.post(url, {"text": text, "external_id": "secret"}, format="json")
    assert response.status_code == 201, response.content
    mine = Document.objects.get(pk=response.json()["ids"][0])
    secret = Document.objects.get(title="Secret")
    assert mine.pk != secret.pk and mine.external_id == "secret"
    assert list(secret.projects.all()) == [world.elsewhere]
    # Within one project the id still names one document.
    again = api.post(url, {"text": "Changed.", "external_id": "secret"}, format="json")
    assert again.status_code == 400 and "different text" in str(again.json())
