"""POST …/search/tag/: every hit tagged by a worker, one batch, undone in one step."""

import pytest

from annotator.models import Span, SpanEvent
from annotator.suggestions import Suggestion
from annotator.undo import last_change

from .conftest import FIRST, SECOND, places


def tag(client, corpus, **body):
    return client.post(f"/api/projects/{corpus.project.pk}/search/tag/", body, format="json")


def undo(client, corpus, job: int):
    return client.post(f"/api/projects/{corpus.project.pk}/search/tag/{job}/undo/")


def job_of(client, answer) -> dict:
    assert answer.status_code == 202, answer.content
    return client.get(f"/api/jobs/{answer.json()['job']}/").json()


@pytest.mark.django_db(transaction=True)
def test_hits_become_suggestions_and_leave_in_one_undo(corpus, client_for, worker):
    alice = client_for("alice")
    answer = tag(alice, corpus, q="kinzhal", label="PERSON")
    worker()
    job = job_of(alice, answer)
    assert job["status"] == "done", job
    assert job["result"] == {"documents": 2, "hits": 6, "tagged": 6, "refused": 0}
    made = Suggestion.objects.filter(source="search:kinzhal", label__name="PERSON")
    assert sorted((s.document_id, s.start) for s in made) == sorted(
        [(corpus.documents[0].pk, at) for at in places(FIRST)]
        + [(corpus.documents[1].pk, at) for at in places(SECOND)]
    )
    # Tagging again adds nothing: the source suggests each place once.
    again = tag(alice, corpus, q="Kinzhal", label="PERSON")
    worker()
    assert job_of(alice, again)["result"]["refused"] == 6
    # The second (empty) tag undone removes nothing; the first removes all six.
    assert undo(alice, corpus, again.json()["job"]).json() == {"removed": 0, "kept": 0}
    assert undo(alice, corpus, job["id"]).json() == {"removed": 6, "kept": 0}
    assert not made.all().exists()
    assert undo(alice, corpus, job["id"]).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_hits_in_my_layer_are_one_batch_a_document_undone_together(corpus, client_for, worker):
    bob = client_for("bob")
    before = Span.objects.count()
    answer = tag(bob, corpus, q="kinzhal", label="PERSON", **{"as": "mine"})
    worker()
    job = job_of(bob, answer)
    # bob's layer holds a span on the first word of each document: overlap is refused.
    assert job["result"] == {"documents": 2, "hits": 6, "tagged": 4, "refused": 2}
    assert Span.objects.count() == before + 4
    batches = SpanEvent.objects.filter(actor=corpus.people["bob"], action="created").filter(
        spans__isnull=False
    )
    assert batches.count() == 1  # the first document's three; the second had one span
    answer = undo(bob, corpus, job["id"])
    assert answer.json() == {"removed": 4, "kept": 0}
    assert Span.objects.count() == before
    # The workspace's undo stack no longer offers the tag's batches.
    last = last_change(corpus.project, corpus.documents[0], corpus.people["bob"], gold=False)
    assert last is None or last.spans is None


@pytest.mark.django_db(transaction=True)
def test_gold_is_for_reviewers(corpus, client_for, worker):
    assert (
        tag(client_for("alice"), corpus, q="kinzhal", label="PERSON", **{"as": "gold"}).status_code
        == 403
    )
    reviewer = client_for("reviewer")
    answer = tag(reviewer, corpus, q="missiles", label="WEAPONS", **{"as": "gold"})
    worker()
    assert job_of(reviewer, answer)["result"]["tagged"] == 3
    assert Span.objects.filter(gold=True, label__name="WEAPONS").count() == 4
    # Another reviewer cannot undo it (it is not theirs); the tagger can.
    assert undo(client_for("manager"), corpus, answer.json()["job"]).status_code == 404
    assert undo(reviewer, corpus, answer.json()["job"]).json() == {"removed": 3, "kept": 0}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "PERSON"}, "q"),
        ({"q": "  ", "label": "PERSON"}, "q"),
        ({"q": "x" * 94, "label": "PERSON"}, "q"),
        ({"q": "kinzhal", "label": "NOPE"}, "label"),
        ({"q": "kinzhal"}, "label"),
        ({"q": "kinzhal", "label": "PERSON", "as": "everyone"}, "as"),
    ],
)
def test_bad_tags_are_refused_by_field(corpus, client_for, body, field):
    answer = tag(client_for("alice"), corpus, **body)
    assert answer.status_code == 400 and field in answer.json(), answer.content
    assert not Suggestion.objects.filter(source__startswith="search:").exists()


def test_outsiders_and_other_peoples_jobs_are_not_found(corpus, client_for):
    assert tag(client_for("outsider"), corpus, q="kinzhal", label="PERSON").status_code == 404
    assert undo(client_for("alice"), corpus, 999999).status_code == 404
