import html
import json
import re

import pytest
from django.urls import reverse

from annotator.curation import compare
from annotator.models import Comment, Membership, Rejection, Review, Role, Span
from corpus.models import Document

HX = {"HTTP_HX_REQUEST": "true"}


def review_url(project, document):
    return reverse("review", args=[project.pk, document.pk])


def test_an_annotator_cannot_open_the_review_page(client, people, layers, document):
    client.force_login(people["alice"])
    assert client.get(review_url(layers, document)).status_code == 403


def test_a_non_member_gets_404(client, people, layers, document):
    client.force_login(people["outsider"])
    assert client.get(review_url(layers, document)).status_code == 404


def test_the_reviewer_sees_every_layer_side_by_side(client, people, layers, document):
    client.force_login(people["reviewer"])
    page = client.get(review_url(layers, document)).content.decode()
    assert '<th scope="col">alice</th>' in page and '<th scope="col">bob</th>' in page
    assert "all agree" in page and "disputed" in page


def test_compare_marks_agreement_with_the_export_majority_rule(layers, document):
    comparison = compare(layers, document)
    by_start = {c.start: c for c in comparison.candidates}
    assert by_start[20].unanimous and by_start[20].in_majority
    assert not by_start[0].in_majority
    assert [c.start for c in comparison.agreed] == [20]


def test_accepting_what_most_agree_on_copies_it_into_gold(client, people, layers, document):
    client.force_login(people["reviewer"])
    url = reverse("gold_accept", args=[layers.pk, document.pk])
    response = client.post(url, {"agreed": "majority"}, **HX)
    assert response.status_code == 200 and "Accepted 1 span" in response.content.decode()
    gold = Span.objects.get(gold=True)
    assert (gold.start, gold.end, gold.annotator) == (20, 36, people["reviewer"])
    # Nothing left to accept: a second click changes nothing.
    assert client.post(url, {"agreed": "majority"}, **HX).status_code == 422
    assert Span.objects.filter(gold=True).count() == 1


def test_accepting_ticked_spans(client, people, layers, document):
    client.force_login(people["reviewer"])
    person = layers.labels.get(name="PERSON")
    url = reverse("gold_accept", args=[layers.pk, document.pk])
    client.post(url, {"key": [f"0:2:{person.pk}"]}, **HX)
    assert list(Span.objects.filter(gold=True).values_list("start", "end")) == [(0, 2)]


def test_accepting_a_bad_key_is_refused(client, people, layers, document):
    client.force_login(people["reviewer"])
    url = reverse("gold_accept", args=[layers.pk, document.pk])
    assert client.post(url, {"key": ["nonsense"]}, **HX).status_code == 422
    assert client.post(url, {"key": ["0:9999:1"]}, **HX).status_code == 422
    assert not Span.objects.filter(gold=True).exists()


def test_an_annotator_cannot_accept_into_gold(client, people, layers, document):
    client.force_login(people["alice"])
    url = reverse("gold_accept", args=[layers.pk, document.pk])
    assert client.post(url, {"agreed": "majority"}, **HX).status_code == 403
    assert not Span.objects.filter(gold=True).exists()


def test_reviewers_tag_gold_directly_and_annotators_cannot(client, people, layers, document):
    weapons = layers.labels.get(name="WEAPONS")
    url = reverse("span_add", args=[layers.pk, document.pk]) + "?layer=gold"
    client.force_login(people["alice"])
    assert client.post(url, {"start": 3, "end": 5, "label": weapons.pk}, **HX).status_code == 403
    client.force_login(people["reviewer"])
    assert client.post(url, {"start": 3, "end": 5, "label": weapons.pk}, **HX).status_code == 200
    span = Span.objects.get(gold=True)
    # The reviewer edits gold spans like their own, and cannot touch an analyst's.
    assert client.post(reverse("span_remove", args=[layers.pk, span.pk]), **HX).status_code == 200
    bobs = Span.objects.filter(annotator=people["bob"]).first()
    assert client.post(reverse("span_remove", args=[layers.pk, bobs.pk]), **HX).status_code == 403
    assert Span.objects.filter(pk=bobs.pk).exists()


def test_a_rejected_span_shows_its_reason_to_the_analyst(client, people, layers, document):
    alices = Span.objects.get(annotator=people["alice"], start=0)
    client.force_login(people["reviewer"])
    url = reverse("span_reject", args=[layers.pk, alices.pk])
    assert client.post(url, {"reason": ""}, **HX).status_code == 422
    assert client.post(url, {"reason": "Not a <b>person</b> here."}, **HX).status_code == 200
    assert Rejection.objects.get().span == alices
    client.force_login(people["alice"])
    page = client.get(reverse("workspace", args=[layers.pk, document.pk])).content.decode()
    assert "Rejected by review:" in page and "Not a &lt;b&gt;person&lt;/b&gt; here." in page
    client.force_login(people["bob"])
    page = client.get(reverse("workspace", args=[layers.pk, document.pk])).content.decode()
    assert "Rejected by review" not in page


def test_comments_on_documents_and_spans(client, people, layers, document):
    alices = Span.objects.get(annotator=people["alice"], start=0)
    client.force_login(people["reviewer"])
    url = reverse("comment", args=[layers.pk, document.pk])
    client.post(url + "?layer=gold", {"body": "Check the names."}, **HX)
    client.post(url + "?layer=gold", {"body": "Why PERSON?", "span": alices.pk}, **HX)
    assert client.post(url, {"body": "  "}, **HX).status_code == 422
    assert Comment.objects.count() == 2
    client.force_login(people["alice"])
    page = client.get(reverse("workspace", args=[layers.pk, document.pk])).content.decode()
    assert "Check the names." in page and "Why PERSON?" in page
    client.force_login(people["bob"])  # another analyst's span comment stays private
    page = client.get(reverse("workspace", args=[layers.pk, document.pk])).content.decode()
    assert "Check the names." in page and "Why PERSON?" not in page


def test_an_analyst_cannot_comment_on_another_layers_span(client, people, layers, document):
    bobs = Span.objects.get(annotator=people["bob"])
    client.force_login(people["alice"])
    url = reverse("comment", args=[layers.pk, document.pk])
    assert client.post(url, {"body": "x", "span": bobs.pk}, **HX).status_code == 422
    assert not Comment.objects.exists()


def test_mark_reviewed_and_export_gold(client, people, layers, document):
    client.force_login(people["reviewer"])
    client.post(reverse("gold_accept", args=[layers.pk, document.pk]), {"agreed": "majority"})
    client.post(reverse("mark_reviewed", args=[layers.pk, document.pk]))
    assert Review.objects.get().reviewer == people["reviewer"]
    response = client.get(
        f"/api/projects/{layers.pk}/export/",
        {"format": "jsonl", "layer": "gold", "status": "complete"},
    )
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert [(s["start"], s["end"], s["label"]) for line in lines for s in line["spans"]] == [
        (20, 36, "WEAPONS")
    ]


@pytest.mark.parametrize("extra", [0, 30])
def test_review_page_queries_are_bounded(
    client, people, layers, document, extra, django_assert_max_num_queries
):
    weapons = layers.labels.get(name="WEAPONS")
    Span.objects.bulk_create(
        Span(
            project=layers,
            document=document,
            annotator=people["bob"],
            label=weapons,
            start=40 + i,
            end=41 + i,
        )
        for i in range(extra)
    )
    client.force_login(people["reviewer"])
    with django_assert_max_num_queries(20):
        assert client.get(review_url(layers, document)).status_code == 200


def test_a_document_outside_the_project_is_404(client, people, layers):
    stray = Document.objects.create(text="stray")
    client.force_login(people["reviewer"])
    assert client.get(review_url(layers, stray)).status_code == 404


@pytest.fixture
def long_review(project, people, make_user):
    """A 20,000-character article that three analysts tagged 500 times each, each reading
    it a little differently: 1,500 spans, about 1,000 distinct rows to review."""
    people["carol"] = make_user("carol")
    Membership.objects.create(project=project, user=people["carol"], role=Role.ANNOTATOR)
    document = Document.objects.create(text="abcdefghij" * 2000, title="Long")
    project.documents.add(document)
    labels = list(project.labels.all())
    Span.objects.bulk_create(
        Span(
            project=project,
            document=document,
            annotator=people[name],
            label=labels[i % len(labels)] if n == 0 else labels[(i + n * (i % 2)) % len(labels)],
            start=i * 40,
            end=i * 40 + 9 + n * (i % 3 == 0),
        )
        for n, name in enumerate(["alice", "bob", "carol"])
        for i in range(500)
    )
    return document


def test_the_review_page_of_a_long_article_loads_its_rows_in_pages(
    client, people, project, long_review, django_assert_max_num_queries
):
    client.force_login(people["reviewer"])
    with django_assert_max_num_queries(20):
        response = client.get(review_url(project, long_review))
    page = response.content.decode()
    total = len(compare(project, long_review).stretches())
    assert total > 500 and len(response.content) < 300_000, len(response.content)
    # Every analyst span is drawn under the text (from the band data).
    bands = json.loads(re.search(r'id="band-data"[^>]*>([^<]+)<', page).group(1))
    assert len(bands["spans"]) == 1500 and bands["analysts"] == ["alice", "bob", "carol"]
    assert page.count('<tr id="candidate-') == 50
    assert "disputed" in page.split('<tr id="candidate-')[1]  # disputed first
    more = re.search(r'hx-get="([^"]+)"[^>]*>Show (\d+) more', page)
    assert int(more.group(2)) == total - 50
    rows, url = 50, html.unescape(more.group(1))
    while url:
        with django_assert_max_num_queries(12):
            part = client.get(url, **HX).content.decode()
        rows += part.count('<tr id="candidate-')
        found = re.search(r'hx-get="([^"]+)"', part)
        url = html.unescape(found.group(1)) if found else ""
    assert rows == total


def test_the_rows_asked_outside_the_page_lead_to_the_page(client, people, project, long_review):
    client.force_login(people["reviewer"])
    url = reverse("review_candidates", args=[project.pk, long_review.pk])
    response = client.get(url, {"page": 2})
    assert response.status_code == 302 and response["Location"] == review_url(project, long_review)


def test_the_rows_are_for_reviewers_only(client, people, project, long_review):
    client.force_login(people["alice"])
    url = reverse("review_candidates", args=[project.pk, long_review.pk])
    assert client.get(url, {"page": 2}).status_code == 403


def test_a_reviewers_change_answers_with_only_what_it_altered(client, people, layers, document):
    """Accept, reject, a gold tag and undo on the review page: the gold layer's changed
    stretch and rows, and the comparison's rows of the spans concerned."""
    client.force_login(people["reviewer"])
    page = client.get(review_url(layers, document)).content.decode()
    layer = re.search(r'id="article"[^>]* data-layer="([0-9a-f]+)"', page).group(1)
    url = reverse("gold_accept", args=[layers.pk, document.pk])
    response = client.post(url, {"agreed": "majority", "layer": layer}, **HX)
    answer = response.content.decode()
    assert response["HX-Retarget"] == "#patch" and "Accepted 1 span" in answer
    assert answer.count("<tr id=") == 1 and 'id="candidate-20-36"' in answer
    assert "★" in answer and "Accept what most agree on (0)" in answer
    layer = re.search(r'<template data-layer="([0-9a-f]+)"', answer).group(1)
    bob = Span.objects.get(annotator=people["alice"], start=0)
    response = client.post(
        reverse("span_reject", args=[layers.pk, bob.pk]),
        {"reason": "Not a person.", "layer": layer},
        **HX,
    )
    answer = response.content.decode()
    assert response["HX-Retarget"] == "#patch" and answer.count("<tr id=") == 1
    assert 'title="Not a person."' in answer and "data-pieces" not in answer
    response = client.post(
        reverse("undo", args=[layers.pk, document.pk]) + "?layer=gold", {"layer": layer}, **HX
    )
    answer = response.content.decode()
    assert response["HX-Retarget"] == "#patch" and "new span is removed" in answer
    assert "★" not in answer and not Span.objects.filter(gold=True).exists()


@pytest.fixture
def conflict(layers, document, people):
    """bob also marked alice's PERSON stretch (0–2), as LOCATION: a label conflict."""
    from annotator.services import span_create

    span_create(
        project=layers,
        document=document,
        annotator=people["bob"],
        label=layers.labels.get(name="LOCATION"),
        start=0,
        end=2,
    )
    return layers


def test_a_label_conflict_is_one_row_naming_each_analysts_label(client, people, conflict, document):
    rows = compare(conflict, document).for_review()
    assert [(r.start, r.end, r.conflict, r.disputed) for r in rows] == [
        (0, 2, True, True),
        (20, 36, False, False),
    ]
    assert {c.label.name for c in rows[0].candidates} == {"PERSON", "LOCATION"}
    client.force_login(people["reviewer"])
    page = client.get(review_url(conflict, document)).content.decode()
    assert page.count('<tr id="candidate-') == 2
    row = page.split('<tr id="candidate-0-2"')[1].split("</tr>")[0]
    assert "conflict" in row and "PERSON" in row and "LOCATION" in row
    # Each analyst's own label in their column, each with its own reject and comment.
    assert row.count('class="mark-cell"') == 2 and row.count("Reject…") == 2


def test_the_disputed_only_filter_pages_the_disputed_rows(
    client, people, project, long_review, django_assert_max_num_queries
):
    from annotator.models import DocumentStatus, Status

    # Completed (written as such: the project takes two annotators a document).
    DocumentStatus.objects.bulk_create(
        DocumentStatus(
            project=project, document=long_review, user=people[name], status=Status.COMPLETE
        )
        for name in ["alice", "bob", "carol"]
    )
    client.force_login(people["reviewer"])
    url = reverse("review_candidates", args=[project.pk, long_review.pk])
    disputed = [r for r in compare(project, long_review).stretches() if r.disputed]
    assert 50 < len(disputed) < len(compare(project, long_review).stretches())
    rows, next_url = 0, f"{url}?disputed=1"
    while next_url:
        with django_assert_max_num_queries(12):
            part = client.get(next_url, **HX).content.decode()
        rows += part.count('<tr id="candidate-')
        assert 'class="candidate agree' not in part and 'class="candidate majority' not in part
        found = re.search(r'hx-get="([^"]+)"', part)
        next_url = html.unescape(found.group(1)) if found else ""
        assert not next_url or "disputed=1" in next_url
    assert rows == len(disputed)


def test_nothing_disputed_says_so(client, people, layers, document):
    client.force_login(people["reviewer"])
    Span.objects.filter(start=0).delete()
    url = reverse("review_candidates", args=[layers.pk, document.pk])
    assert "No disputed spans." in client.get(url, {"disputed": "1"}, **HX).content.decode()


def test_the_band_data_names_each_analysts_spans(client, people, conflict, document):
    client.force_login(people["reviewer"])
    page = client.get(review_url(conflict, document)).content.decode()
    bands = json.loads(re.search(r'id="band-data"[^>]*>([^<]+)<', page).group(1))
    assert bands["analysts"] == ["alice", "bob"]
    spans = {(analyst, start, end) for analyst, start, end, *_ in bands["spans"]}
    assert spans == {(0, 0, 2), (0, 20, 36), (1, 0, 2), (1, 20, 36)}
    assert 'id="band-legend"' in page and "bands.js" in page
    # The analyst's workspace draws no bands.
    client.force_login(people["alice"])
    page = client.get(reverse("workspace", args=[conflict.pk, document.pk])).content.decode()
    assert "band-data" not in page and "bands.js" not in page


def test_accepting_one_label_of_a_conflict_answers_with_its_row(client, people, conflict, document):
    client.force_login(people["reviewer"])
    location = conflict.labels.get(name="LOCATION")
    url = reverse("gold_accept", args=[conflict.pk, document.pk])
    response = client.post(url, {"key": [f"0:2:{location.pk}"]}, **HX)
    assert response.status_code == 200
    row = response.content.decode().split('<tr id="candidate-0-2"')[1].split("</tr>")[0]
    assert "★" in row and f'data-key="0:2:{location.pk}"' not in row  # no longer open
    assert list(Span.objects.filter(gold=True).values_list("label__name", flat=True)) == [
        "LOCATION"
    ]


def test_a_rejected_span_is_marked_in_the_analysts_own_text(client, people, layers, document):
    alices = Span.objects.get(annotator=people["alice"], start=0)
    client.force_login(people["reviewer"])
    client.post(reverse("span_reject", args=[layers.pk, alices.pk]), {"reason": "No."}, **HX)
    client.force_login(people["alice"])
    page = client.get(reverse("workspace", args=[layers.pk, document.pk])).content.decode()
    marks = re.findall(r'<mark class="([^"]*)"[^>]*data-spans="([^"]*)" title="([^"]*)"', page)
    rejected = [m for m in marks if "rejected" in m[0].split()]
    reason = "PERSON — rejected by review: No."
    assert [(m[1], m[2]) for m in rejected] == [(str(alices.pk), reason)]
