"""``disputed=1`` with a label lists exactly the review page's disputed spans of that label
after every kind of relabel: they are counted and paged from their stored copies
(``DisputedSpan``: label, annotator, offsets), which each relabel must rewrite."""

import pytest

from annotator import services
from annotator.curation import compare
from annotator.models import LabelMerge, Span
from annotator.search_edits import search_edit_undo
from annotator.search_jobs import search_tag_undo
from annotator.search_tags import SearchEdit, SearchTag
from annotator.undo import undo_last

from .conftest import FIRST

LABELS = ["WEAPONS", "PERSON", "LOCATION"]


def search(client, corpus, query: str):
    return client.get(f"/api/projects/{corpus.project.pk}/search/{query}")


def expected(corpus, label: str) -> list[int]:
    """The review page's disputed spans of ``label``, in reading order."""
    ids = set()
    for document in corpus.documents:
        comparison = compare(corpus.project, document)
        if len(comparison.completed) >= 2:
            ids |= {
                span.pk
                for candidate in comparison.candidates
                if candidate.disputed
                for span in candidate.marked_by.values()
            }
    spans = Span.objects.filter(pk__in=ids, label__name=label)
    return list(spans.order_by("document_id", "start", "end", "id").values_list("pk", flat=True))


def exact(corpus, reviewer) -> None:
    """For each label: every page, by number (from either end) and by link, and the
    count, as the rule says."""
    for label in LABELS:
        want = expected(corpus, label)
        body = search(reviewer, corpus, f"?label={label}&disputed=1&page_size=100").json()
        assert body["count"] == len(want), label
        assert [hit["id"] for hit in body["results"]] == want, label
        assert {hit["label"] for hit in body["results"]} <= {label}
        by_number = [
            hit["id"]
            for page in range(1, len(want) + 1)
            for hit in search(
                reviewer, corpus, f"?label={label}&disputed=1&page_size=1&page={page}"
            ).json()["results"]
        ]
        assert by_number == want, label
        url, linked = (
            (f"/api/projects/{corpus.project.pk}/search/?label={label}&disputed=1&page_size=1"),
            [],
        )
        while url:
            body = reviewer.get(url).json()
            linked += [hit["id"] for hit in body["results"]]
            url = body["next"]
        assert linked == want, label


def add(corpus, user, word, label, document=0):
    at = corpus.documents[document].text.index(word)
    return services.span_create(
        project=corpus.project,
        document=corpus.documents[document],
        annotator=corpus.people[user],
        label=corpus.labels[label],
        start=at,
        end=at + len(word),
    )


@pytest.fixture
def disputed(corpus):
    """alice and bob completed both documents with text; they disagree on the first
    Kinzhal (WEAPONS / LOCATION), on Kim (alice: PERSON) and on Putin (bob: PERSON)."""
    add(corpus, "alice", "Kim", "PERSON")
    add(corpus, "alice", "missiles fly", "WEAPONS")
    add(corpus, "bob", "missiles fly", "WEAPONS")
    add(corpus, "bob", "Putin", "PERSON", document=1)
    for document in corpus.documents[:2]:
        for name in ["alice", "bob"]:
            services.document_complete(
                project=corpus.project, document=document, user=corpus.people[name]
            )
    return corpus


def test_relabels_and_their_undo_keep_the_disputed_spans_of_a_label_exact(disputed, client_for):
    corpus, reviewer = disputed, client_for("reviewer")
    alice, bob = corpus.people["alice"], corpus.people["bob"]
    first = corpus.documents[0]
    exact(corpus, reviewer)
    assert len(expected(corpus, "WEAPONS")) == 2  # alice's Kinzhal, bob's in the second

    # One span relabelled (they now agree on Kinzhal), then undone.
    services.span_update(span=corpus.spans["alice"], label=corpus.labels["LOCATION"])
    exact(corpus, reviewer)
    undo_last(corpus.project, first, alice, gold=False)
    exact(corpus, reviewer)
    # Moved: the stored offsets follow (the page order is theirs).
    at = FIRST.index("Kim")
    kim = Span.objects.get(annotator=alice, start=at)
    services.span_update(span=kim, start=at, end=at + 2)
    exact(corpus, reviewer)

    # Several of a layer at once, then undone in one step.
    spans = list(Span.objects.filter(annotator=bob, document=first))
    services.spans_relabel(changes=[(span, corpus.labels["PERSON"]) for span in spans], actor=bob)
    exact(corpus, reviewer)
    undo_last(corpus.project, first, bob, gold=False)
    exact(corpus, reviewer)

    # A label merged into another, and back.
    services.label_merge(
        label=corpus.labels["PERSON"], into=corpus.labels["WEAPONS"], actor=corpus.people["manager"]
    )
    for label in ["WEAPONS", "LOCATION"]:
        want = expected(corpus, label)
        body = search(reviewer, corpus, f"?label={label}&disputed=1&page_size=100").json()
        assert [hit["id"] for hit in body["results"]] == want
        assert body["count"] == len(want)
    services.label_merge_undo(merge=LabelMerge.objects.get(), actor=corpus.people["manager"])
    corpus.labels = {label.name: label for label in corpus.project.labels.all()}
    exact(corpus, reviewer)

    # A span deleted, and brought back.
    services.span_delete(span=Span.objects.get(pk=corpus.spans["bob"].pk))
    exact(corpus, reviewer)
    undo_last(corpus.project, first, bob, gold=False)
    exact(corpus, reviewer)


@pytest.mark.django_db(transaction=True)
def test_a_bulk_relabel_and_its_undo_keep_the_disputed_spans_of_a_label_exact(
    disputed, client_for, worker
):
    corpus, reviewer = disputed, client_for("reviewer")
    alice = client_for("alice")
    exact(corpus, reviewer)
    answer = alice.post(
        f"/api/projects/{corpus.project.pk}/search/relabel/",
        {"label": "WEAPONS", "to": "PERSON"},
        format="json",
    )
    assert answer.status_code == 202, answer.content
    worker()
    assert not Span.objects.filter(annotator=corpus.people["alice"], label__name="WEAPONS")
    exact(corpus, reviewer)
    assert len(expected(corpus, "PERSON")) == 4
    search_edit_undo(edit=SearchEdit.objects.get(), user=corpus.people["alice"])
    exact(corpus, reviewer)
    assert len(expected(corpus, "WEAPONS")) == 2


@pytest.mark.django_db(transaction=True)
def test_tagging_every_hit_into_a_layer_and_its_undo_keep_the_disputes_exact(
    disputed, client_for, worker
):
    """The tag job decides the documents' disputes once, at its end, as does its undo."""
    corpus, reviewer = disputed, client_for("reviewer")
    bob = client_for("bob")
    exact(corpus, reviewer)
    answer = bob.post(
        f"/api/projects/{corpus.project.pk}/search/tag/",
        {"q": "Kim", "label": "LOCATION", "as": "mine"},
        format="json",
    )
    assert answer.status_code == 202, answer.content
    worker()
    assert Span.objects.filter(annotator=corpus.people["bob"], label__name="LOCATION").count() > 1
    exact(corpus, reviewer)  # alice's PERSON "Kim" against bob's LOCATION
    assert len(expected(corpus, "LOCATION")) >= 2
    search_tag_undo(tag=SearchTag.objects.get(), user=corpus.people["bob"])
    exact(corpus, reviewer)


def test_an_annotators_disputed_spans_and_the_status_filter_are_counted_alike(disputed, client_for):
    corpus, reviewer = disputed, client_for("reviewer")
    for query in ["?layer=user:alice", "?annotator=bob&label=PERSON", "?status=new"]:
        body = search(reviewer, corpus, f"{query}&disputed=1&page_size=100").json()
        everything = search(reviewer, corpus, "?disputed=1&page_size=100").json()["results"]
        assert body["count"] == len(body["results"]) > 0, query
        if "alice" in query:
            assert body["results"] == [h for h in everything if h["annotator"] == "alice"]


@pytest.mark.parametrize(
    "query",
    [
        "?label=WEAPONS",
        "?label=WEAPONS&page_size=1&page=2",
        "?label=WEAPONS&page_size=1&page=last",
        "?label=WEAPONS&disputed=1",
        "?label=WEAPONS&disputed=1&page_size=1&page=2",
        "?disputed=1&page_size=1&page=3",
        "?disputed=1&page_size=1&page=last",
    ],
)
def test_a_page_of_spans_is_six_statements_wherever_it_is(
    disputed, client_for, django_assert_max_num_queries, query
):
    # Session, user, project, label; the count, the page (its first key found within the
    # same statement), the page's documents: 6 on SQLite and PostgreSQL.
    client = client_for("reviewer")
    with django_assert_max_num_queries(6):
        assert search(client, disputed, query).status_code == 200
