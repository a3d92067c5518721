"""End to end: two analysts disagree, the reviewer curates gold, the dashboard and the
gold export show it."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from annotator.models import Review, Span
from annotator.services import document_complete, span_create
from corpus.models import Document
from tests.browser.test_workspace import same_as_a_fresh_page


@pytest.fixture
def disagreement(transactional_db, demo):
    """alice and bob tagged the seed article, agreeing on one span and not on another."""
    document = Document.objects.get(external_id="kim-putin-vladivostok")
    users = get_user_model().objects
    labels = {label.name: label for label in demo.labels.all()}

    def tag(name, words, label):
        start = document.text.index(words)
        span_create(
            project=demo,
            document=document,
            annotator=users.get(username=name),
            label=labels[label],
            start=start,
            end=start + len(words),
        )

    tag("alice", "artillery shells", "WEAPONS")
    tag("bob", "artillery shells", "WEAPONS")
    tag("alice", "Vladivostok", "LOCATION")
    tag("bob", "Vladivostok", "ORGANIZATION")
    for name in ["alice", "bob"]:
        document_complete(project=demo, document=document, user=users.get(username=name))
    return document


def test_reviewer_curates_gold_and_it_exports(page, sign_in, demo, disagreement):
    sign_in("reviewer", "margin-reviewer")
    page.goto(reverse("review", args=[demo.pk, disagreement.pk]))
    answers = []
    page.on(
        "response",
        lambda r: (
            answers.append(r.headers.get("hx-retarget")) if r.request.method == "POST" else None
        ),
    )
    matrix = page.inner_text(".matrix")
    assert "all agree" in matrix and "disputed" in matrix
    # Disputed spans come first.
    assert "disputed" in page.inner_text("#candidates tr >> nth=0")
    page.click("text=Accept what most agree on")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent.includes('Accepted 1 span')"
    )
    assert list(Span.objects.filter(gold=True).values_list("label__name", flat=True)) == ["WEAPONS"]
    same_as_a_fresh_page(page)
    # Settle the dispute by ticking alice's reading.
    page.check("input[name=key][aria-label^='Accept LOCATION']")
    page.click("text=Accept the ticked spans into gold")
    # The status line already says "Accepted 1 span": wait for the gold list to grow.
    page.wait_for_selector("#span-list-title:has-text('(2)')")
    same_as_a_fresh_page(page)
    page.click("#candidates tr >> nth=0 >> text=Reject…")
    page.fill("#candidates tr >> nth=0 >> input[name=reason]", "Vladivostok is a place.")
    page.click("#candidates tr >> nth=0 >> button:has-text('Reject')")
    page.wait_for_selector("#candidates tr >> nth=0 >> .rejected")
    same_as_a_fresh_page(page)
    page.click("text=Mark reviewed")
    page.wait_for_selector("text=Reviewed by reviewer")
    assert Review.objects.filter(document=disagreement).exists()
    # Each answer carried only what changed.
    assert answers == ["#patch"] * 4

    page.goto(reverse("dashboard", args=[demo.pk]))
    assert "F1 0.50" in page.inner_text(".agreement-matrix")  # 1 of 2 spans agree

    response = page.request.get(
        f"/api/projects/{demo.pk}/export/?format=jsonl&layer=gold&status=complete"
    )
    assert response.ok
    lines = [json.loads(line) for line in response.text().splitlines()]
    assert sorted((s["label"], s["text"]) for line in lines for s in line["spans"]) == [
        ("LOCATION", "Vladivostok"),
        ("WEAPONS", "artillery shells"),
    ]
    assert page.problems == []
