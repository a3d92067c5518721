"""GET /api/projects/{pid}/search/: phrase hits, span hits, filters and who sees what."""

import pytest

from .conftest import FIRST, SECOND, places


def search(client, corpus, query: str):
    return client.get(f"/api/projects/{corpus.project.pk}/search/{query}")


def test_a_phrase_is_found_as_whole_words_in_any_case(corpus, client_for):
    answer = search(client_for("alice"), corpus, "?q=kinzhal")
    assert answer.status_code == 200
    body = answer.json()
    expected = [(corpus.documents[0].pk, at) for at in places(FIRST)]
    expected += [(corpus.documents[1].pk, at) for at in places(SECOND)]
    assert [(h["document"], h["start"]) for h in body["results"]] == expected
    assert body["count"] == len(expected) == 6
    for found in body["results"]:
        text = FIRST if found["document"] == corpus.documents[0].pk else SECOND
        assert text[found["start"] : found["end"]] == found["text"]
        assert found["text"].lower() == "kinzhal"
        assert found["left"] == text[max(0, found["start"] - 40) : found["start"]]
        assert found["right"] == text[found["end"] : found["end"] + 40]
    assert "Kinzhals" not in [found["text"] for found in body["results"]]


def test_a_phrase_matches_across_any_whitespace_in_code_points(corpus, client_for):
    body = search(client_for("alice"), corpus, "?q=Kinzhal%20missiles").json()
    texts = [(h["document"], h["text"]) for h in body["results"]]
    assert texts == [
        (corpus.documents[0].pk, "KINZHAL missiles"),
        (corpus.documents[0].pk, "Kinzhal\nmissiles"),
        (corpus.documents[1].pk, "Kinzhal missiles"),
    ]
    # Code points, not UTF-16 units: the emoji before the last hit counts as two.
    last = search(client_for("alice"), corpus, "?q=kinzhal").json()["results"][4]
    assert last["start"] == FIRST.rindex("kinzhal")


def test_other_projects_documents_are_never_hits(corpus, client_for):
    body = search(client_for("outsider"), corpus, "?q=kinzhal")
    assert body.status_code == 404


def test_hits_are_paginated(corpus, client_for):
    body = search(client_for("alice"), corpus, "?q=kinzhal&page_size=4&page=2").json()
    assert body["count"] == 6 and len(body["results"]) == 2
    assert body["previous"] and not body["next"]
    assert body["results"][1]["document"] == corpus.documents[1].pk


def test_a_label_without_a_phrase_lists_the_spans(corpus, client_for):
    body = search(client_for("reviewer"), corpus, "?label=WEAPONS").json()
    found = {(h["annotator"], h["layer"], h["document"]) for h in body["results"]}
    assert found == {
        ("alice", "annotator", corpus.documents[0].pk),
        ("reviewer", "gold", corpus.documents[0].pk),
        ("bob", "annotator", corpus.documents[1].pk),
    }
    assert all(h["label"] == "WEAPONS" and h["text"] == "Kinzhal" for h in body["results"])


def test_an_annotator_sees_only_their_own_layer(corpus, client_for):
    body = search(client_for("alice"), corpus, "?label=WEAPONS").json()
    assert [(h["annotator"], h["layer"]) for h in body["results"]] == [("alice", "annotator")]
    for query in ["?layer=gold", "?layer=user:bob", "?annotator=bob", "?q=kinzhal&disputed=1"]:
        assert search(client_for("alice"), corpus, query).status_code == 403, query
    mine = search(client_for("alice"), corpus, "?layer=user:alice").json()
    assert mine["count"] == 1


def test_the_suggestion_layer_is_open_to_every_member(corpus, client_for):
    body = search(client_for("alice"), corpus, "?layer=suggestions&source=rules:arms").json()
    assert [(h["layer"], h["source"], h["annotator"]) for h in body["results"]] == [
        ("suggestions", "rules:arms", None)
    ]


def test_a_phrase_within_a_layer_keeps_the_hits_that_a_span_covers(corpus, client_for):
    body = search(client_for("reviewer"), corpus, "?q=kinzhal&layer=gold&label=LOCATION").json()
    assert [(h["document"], h["start"]) for h in body["results"]] == [(corpus.documents[1].pk, 4)]


def test_disputed_places_are_where_annotators_disagree(corpus, client_for):
    from annotator.services import document_complete

    # The review page's rule: disputed once two analysts have completed the document.
    assert search(client_for("reviewer"), corpus, "?disputed=1").json()["count"] == 0
    for name in ["alice", "bob"]:
        document_complete(
            project=corpus.project, document=corpus.documents[0], user=corpus.people[name]
        )
    body = search(client_for("reviewer"), corpus, "?q=kinzhal&disputed=1").json()
    assert [(h["document"], h["start"]) for h in body["results"]] == [
        (corpus.documents[0].pk, FIRST.index("Kinzhal"))
    ]
    spans = search(client_for("reviewer"), corpus, "?disputed=1").json()
    assert {h["annotator"] for h in spans["results"]} == {"alice", "bob"}
    assert {h["document"] for h in spans["results"]} == {corpus.documents[0].pk}


def test_the_status_filter_is_my_status(corpus, client_for):
    from annotator.services import document_complete

    document_complete(
        project=corpus.project, document=corpus.documents[1], user=corpus.people["alice"]
    )
    done = search(client_for("alice"), corpus, "?q=kinzhal&status=complete").json()
    assert {h["document"] for h in done["results"]} == {corpus.documents[1].pk}
    # Her span in the first document put it in progress for her, not for bob.
    going = search(client_for("alice"), corpus, "?q=kinzhal&status=in_progress").json()
    assert {h["document"] for h in going["results"]} == {corpus.documents[0].pk}
    assert search(client_for("alice"), corpus, "?q=kinzhal&status=new").json()["count"] == 0
    assert search(client_for("manager"), corpus, "?q=kinzhal&status=new").json()["count"] == 6


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "q"),
        ("?q=%20%20", "q"),
        (f"?q={'x' * 201}", "q"),
        ("?label=NOPE", "label"),
        ("?layer=everyone", "layer"),
        ("?layer=user:ghost", "layer"),
        ("?annotator=ghost", "annotator"),
        ("?q=kinzhal&status=done", "status"),
        ("?q=kinzhal&disputed=yes", "disputed"),
        ("?layer=suggestions&annotator=alice", "annotator"),
        ("?q=kinzhal&page=0", "page"),
    ],
)
def test_bad_parameters_are_named(corpus, client_for, query, field):
    answer = search(client_for("reviewer"), corpus, query)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()


@pytest.mark.parametrize("documents", [3, 60])
def test_queries_do_not_grow_with_the_project(
    corpus, client_for, django_assert_max_num_queries, documents
):
    from corpus.models import Document

    more = Document.objects.bulk_create(
        Document(title=f"More {n}", text=f"{n}: the Kinzhal again.", content_hash=str(n))
        for n in range(documents)
    )
    corpus.project.documents.add(*more)
    client = client_for("reviewer")
    for query in ["?q=kinzhal", "?q=kinzhal&label=WEAPONS&disputed=1", "?label=WEAPONS"]:
        # Session, user, project, label; the count (on PostgreSQL between a savepoint and
        # two settings: ``index_first``), the spans, the page's documents.
        with django_assert_max_num_queries(12):
            assert search(client, corpus, query).status_code == 200


def test_deep_pages_of_spans_are_read_by_key_and_agree_with_page_numbers(corpus, client_for):
    from annotator.models import Span

    # 23 more WEAPONS spans in alice's layer, some sharing a start (ties broken by end, id).
    text = corpus.documents[0].text
    Span.objects.bulk_create(
        Span(
            project=corpus.project,
            document=corpus.documents[n % 3],
            label=corpus.labels["WEAPONS"],
            annotator=corpus.people["alice"],
            start=n // 3,
            end=n // 3 + 1 + n % 2,
        )
        for n in range(23)
        if n // 3 + 2 <= len(text)
    )
    reviewer = client_for("reviewer")
    every = search(reviewer, corpus, "?label=WEAPONS&page_size=1000").json()["results"]
    assert len(every) == 26
    assert [h["id"] for h in every] == [
        h["id"] for h in sorted(every, key=lambda h: (h["document"], h["start"], h["end"], h["id"]))
    ]
    by_number = [
        search(reviewer, corpus, f"?label=WEAPONS&page_size=4&page={n}").json()["results"]
        for n in range(1, 8)
    ]
    assert [h["id"] for page in by_number for h in page] == [h["id"] for h in every]
    # Following next links (after=) walks the same pages; previous links (before=) back.
    url = f"/api/projects/{corpus.project.pk}/search/?label=WEAPONS&page_size=4"
    pages = []
    while url:
        body = reviewer.get(url).json()
        pages.append(body["results"])
        url = body["next"]
        assert url is None or "after=" in url
    assert pages == by_number
    url, back = body["previous"], []
    while url:
        assert "before=" in url
        body = reviewer.get(url).json()
        back.append(body["results"])
        url = body["previous"]
    assert back == by_number[-2::-1]
    assert (
        search(reviewer, corpus, "?label=WEAPONS&page_size=4&page=last").json()["results"]
        == by_number[-1]
    )


@pytest.mark.parametrize(
    "query", ["after=1.2.3", "after=a.b.c.d", "before=1.2.3.-4", "after=1.1.1.1&before=1.1.1.1"]
)
def test_a_bad_key_is_a_400(corpus, client_for, query):
    answer = search(client_for("reviewer"), corpus, f"?label=WEAPONS&{query}")
    assert answer.status_code == 400
    assert set(answer.json()) <= {"after", "before"}


def test_pages_of_suggestions_by_number_agree_with_the_whole_list(corpus, client_for):
    from annotator.suggestions import Suggestion

    Suggestion.objects.bulk_create(
        Suggestion(
            project=corpus.project,
            document=corpus.documents[n % 2],
            label=corpus.labels["PERSON"],
            start=n // 2,
            end=n // 2 + 1 + n % 3,
            source="rules:more",
        )
        for n in range(9)
    )
    alice = client_for("alice")
    every = search(alice, corpus, "?layer=suggestions&page_size=100").json()["results"]
    assert len(every) == 10
    by_number = [
        hit
        for n in range(1, 5)
        for hit in search(alice, corpus, f"?layer=suggestions&page_size=3&page={n}").json()[
            "results"
        ]
    ]
    assert by_number == every
