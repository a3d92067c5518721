"""POST …/search/relabel/ and …/search/delete/: every listed span of the layers I may
edit, changed by a worker, undone in one step."""

import pytest

from annotator.jobs import Job
from annotator.models import Span, SpanEvent
from annotator.search_tags import SearchEdit
from annotator.services import span_create
from corpus.models import Document

from .conftest import FIRST


def edit(client, corpus, what: str, **body):
    return client.post(f"/api/projects/{corpus.project.pk}/search/{what}/", body, format="json")


def undo(client, corpus, job: int):
    return client.post(f"/api/projects/{corpus.project.pk}/search/edit/{job}/undo/")


def job_of(client, answer) -> dict:
    assert answer.status_code == 202, answer.content
    return client.get(f"/api/jobs/{answer.json()['job']}/").json()


def layers(corpus) -> list[tuple]:
    return sorted(
        Span.objects.filter(project=corpus.project).values_list(
            "pk", "annotator__username", "gold", "start", "end", "label__name"
        )
    )


def add(corpus, user, word, label, *, gold=False, document=0):
    at = FIRST.index(word) if document == 0 else 0
    return span_create(
        project=corpus.project,
        document=corpus.documents[document],
        annotator=corpus.people[user],
        label=corpus.labels[label],
        start=at,
        end=at + len(word),
        gold=gold,
    )


@pytest.mark.django_db(transaction=True)
def test_relabel_touches_my_layer_only_and_is_undone_in_one_step(corpus, client_for, worker):
    add(corpus, "alice", "missiles fly", "WEAPONS")
    before = layers(corpus)
    alice = client_for("alice")
    answer = edit(alice, corpus, "relabel", label="WEAPONS", to="person")
    worker()
    job = job_of(alice, answer)
    assert job["status"] == "done", job
    assert job["result"] == {
        "listed": 2,
        "relabelled": 2,
        "skipped": 0,
        "unchanged": [],
    }
    after = {row[0]: row for row in layers(corpus)}
    for row in before:
        # Bob's WEAPONS and gold's stay; alice's two are now PERSON, same places, same ids.
        expected = "PERSON" if row[1] == "alice" and not row[2] else row[5]
        assert after[row[0]] == (*row[:5], expected)
    # One relabel batch for alice's layer of the document, not an event a span.
    (batch,) = SpanEvent.objects.filter(action="relabelled", actor=corpus.people["alice"])
    weapons, person = corpus.labels["WEAPONS"].pk, corpus.labels["PERSON"].pk
    assert batch.span_id is None
    assert [row[3:] for row in batch.spans] == [[person, weapons], [person, weapons]]
    assert undo(alice, corpus, job["id"]).json() == {"restored": 2, "kept": 0}
    assert layers(corpus) == before
    (back,) = SpanEvent.objects.filter(reverts=batch)
    assert [row[3:] for row in back.spans] == [[weapons, person], [weapons, person]]
    assert undo(alice, corpus, job["id"]).status_code == 400
    # Someone else's edit (or none) is not found.
    assert undo(client_for("bob"), corpus, job["id"]).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_relabel_into_a_duplicate_is_skipped_and_counted(corpus, client_for, worker):
    corpus.project.allow_overlap = True
    corpus.project.save()
    # alice's first Kinzhal is WEAPONS; a PERSON span over it makes PERSON a duplicate.
    add(corpus, "alice", "Kinzhal", "PERSON")
    add(corpus, "alice", "missiles fly", "WEAPONS")
    alice = client_for("alice")
    answer = edit(alice, corpus, "relabel", label="WEAPONS", layer="mine", to="PERSON")
    worker()
    result = job_of(alice, answer)["result"]
    assert {key: result[key] for key in ("listed", "relabelled", "skipped")} == {
        "listed": 2,
        "relabelled": 1,
        "skipped": 1,
    }
    # The span left unchanged is named, with the layer's reason.
    (skip,) = result["unchanged"]
    assert Span.objects.get(pk=skip["span"]).label.name == "WEAPONS" and skip["reason"]
    mine = Span.objects.filter(annotator=corpus.people["alice"], gold=False)
    assert sorted(mine.values_list("label__name", flat=True)) == ["PERSON", "PERSON", "WEAPONS"]


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_deletes_gold_in_one_batch_a_document_and_undoes_it(corpus, client_for, worker):
    add(corpus, "reviewer", "missiles fly", "WEAPONS", gold=True)
    add(corpus, "reviewer", "superkinzhal", "WEAPONS", gold=True)
    before = layers(corpus)
    reviewer = client_for("reviewer")
    answer = edit(reviewer, corpus, "delete", label="WEAPONS")
    worker()
    job = job_of(reviewer, answer)
    # Gold's three WEAPONS go; alice's and bob's WEAPONS are their own layers: they stay.
    assert job["result"] == {"listed": 3, "deleted": 3, "skipped": 0}
    assert not Span.objects.filter(gold=True, label__name="WEAPONS").exists()
    assert Span.objects.filter(gold=False, label__name="WEAPONS").count() == 2
    made = SearchEdit.objects.get(job=job["id"]).events
    assert len(made) == 1
    assert len(SpanEvent.objects.get(pk=made[0]).spans) == 3
    assert undo(reviewer, corpus, job["id"]).json() == {"restored": 3, "kept": 0}
    assert layers(corpus) == before


@pytest.mark.django_db(transaction=True)
def test_an_annotator_deletes_only_her_own_layer(corpus, client_for, worker):
    before = layers(corpus)
    alice = client_for("alice")
    answer = edit(alice, corpus, "delete", label="WEAPONS")
    worker()
    assert job_of(alice, answer)["result"] == {"listed": 1, "deleted": 1, "skipped": 0}
    assert layers(corpus) == [row for row in before if row[1] != "alice" or row[2]]


@pytest.mark.parametrize(
    ("who", "what", "body", "status"),
    [
        ("alice", "delete", {"layer": "gold"}, 403),
        ("alice", "relabel", {"layer": "gold", "to": "PERSON"}, 403),
        ("alice", "delete", {"layer": "user:bob"}, 403),
        ("alice", "delete", {"annotator": "bob"}, 403),
        ("reviewer", "delete", {"layer": "user:alice"}, 403),
        ("manager", "relabel", {"annotator": "alice", "to": "PERSON"}, 403),
        ("alice", "delete", {"q": "kinzhal", "label": "WEAPONS"}, 400),
        ("alice", "delete", {"layer": "suggestions"}, 400),
        ("alice", "delete", {}, 400),
        ("alice", "delete", {"label": "NOPE"}, 400),
        ("alice", "relabel", {"label": "WEAPONS"}, 400),
        ("alice", "relabel", {"label": "WEAPONS", "to": "NOPE"}, 400),
        ("outsider", "delete", {"label": "WEAPONS"}, 404),
    ],
)
@pytest.mark.django_db
def test_refusals_store_nothing(corpus, client_for, who, what, body, status):
    answer = edit(client_for(who), corpus, what, **body)
    assert answer.status_code == status, answer.content
    assert answer.json()
    assert not Job.objects.exists() and not SearchEdit.objects.exists()


@pytest.mark.django_db
def test_a_list_body_is_a_400(corpus, client_for):
    answer = client_for("alice").post(
        f"/api/projects/{corpus.project.pk}/search/delete/", [1], format="json"
    )
    assert answer.status_code == 400


@pytest.mark.django_db
def test_starting_an_edit_costs_the_same_on_a_bigger_project(
    corpus, client_for, django_assert_max_num_queries
):
    reviewer = client_for("reviewer")
    with django_assert_max_num_queries(10):
        answer = edit(reviewer, corpus, "relabel", label="WEAPONS", to="PERSON")
    assert answer.status_code == 202
    for n in range(20):
        document = Document.objects.create(title=f"More {n}", text=FIRST, external_id=f"m{n}")
        corpus.project.documents.add(document)
        for user, gold in [("alice", False), ("reviewer", True)]:
            span_create(
                project=corpus.project,
                document=document,
                annotator=corpus.people[user],
                label=corpus.labels["WEAPONS"],
                start=0,
                end=6,
                gold=gold,
            )
    with django_assert_max_num_queries(10):
        answer = edit(reviewer, corpus, "relabel", label="WEAPONS", to="PERSON")
    assert answer.status_code == 202


@pytest.mark.django_db(transaction=True)
def test_a_relabel_a_relation_would_not_fit_leaves_that_span_and_says_why(
    corpus, client_for, worker
):
    """A SUPPLIES relation takes a PERSON source: relabelling every PERSON span of alice's
    as WEAPONS changes the others and leaves that one, naming the relation."""
    from annotator.services import relation_create, relation_type_create

    source = add(corpus, "alice", "missiles fly", "PERSON")
    target = Span.objects.get(annotator=corpus.people["alice"], label__name="WEAPONS")
    supplies = relation_type_create(
        project=corpus.project,
        name="SUPPLIES",
        source_labels=[corpus.labels["PERSON"]],
        target_labels=[corpus.labels["WEAPONS"]],
    )
    relation_create(
        project=corpus.project,
        document=corpus.documents[0],
        annotator=corpus.people["alice"],
        relation_type=supplies,
        source=source,
        target=target,
    )
    free = add(corpus, "alice", "Kinzhal", "PERSON", document=1)
    alice = client_for("alice")
    answer = edit(alice, corpus, "relabel", label="PERSON", layer="mine", to="WEAPONS")
    worker()
    result = job_of(alice, answer)["result"]
    assert result == {
        "listed": 2,
        "relabelled": 1,
        "skipped": 1,
        "unchanged": [
            {
                "span": source.pk,
                "reason": f"Span {source.pk} is the source of a SUPPLIES relation, which "
                "takes PERSON, not WEAPONS: delete the relation first.",
            }
        ],
    }
    assert Span.objects.get(pk=source.pk).label.name == "PERSON"
    assert Span.objects.get(pk=free.pk).label.name == "WEAPONS"
