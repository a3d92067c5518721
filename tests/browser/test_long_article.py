"""End to end on a long article: twenty tags made through the real UI (a selection and a
label key) are stored with exactly the offsets, label and text that were selected, after
emoji, combining marks, CJK and no-break spaces, between 500 existing spans."""

import pytest
from django.urls import reverse

from annotator.models import DocumentStatus, Label, Membership, Project, Role, Span, Status
from corpus.models import Document
from tests.browser.article import select_stretch, span_ids, wait_for_new_span, wait_quiet
from tests.browser.test_workspace import drag_select

BLOCKS = 500  # one existing span ("Kim") in each
SENTENCE = "Kim sent artillery shells to Putin. "
# Before some sentences: an emoji with a skin-tone modifier (2 code points, 4 UTF-16
# units), a combining acute accent, CJK, a no-break space and a second emoji (2 units).
TRICKY = "👋🏽 café\u0301 北朝鮮\u00a0💣 — "
TAGGED = [12 + 24 * k for k in range(20)]  # the twenty sentences tagged, across the text
# What is tagged in the k-th of them (by k % 5), with which label key: some stretches come
# just after the tricky characters, some hold them.
WHAT = [
    ("artillery shells", "1"),
    ("sent artillery shells to Putin", "1"),
    ("Putin", "2"),
    ("北朝鮮\u00a0💣", "3"),
    ("café\u0301", "3"),
]


def tricky(block: int) -> bool:
    """Whether the tricky characters come before this block's sentence."""
    return block % 10 == 5 or (block in TAGGED and TAGGED.index(block) % 5 in (0, 3, 4))


@pytest.fixture
def long_article(transactional_db, make_user):
    """A ~20,000-character article with 500 spans of alice's, and the twenty stretches
    (start, end, label name, key, text) that the test tags."""
    alice = make_user("alice")
    project = Project.objects.create(name="Long article")
    Membership.objects.create(project=project, user=alice, role=Role.ANNOTATOR)
    labels = {
        key: Label.objects.create(project=project, name=name, shortcut=key, order=int(key))
        for key, name in [("1", "WEAPONS"), ("2", "PERSON"), ("3", "LOCATION")]
    }
    text, kims, stretches = "", [], []
    for block in range(BLOCKS):
        piece = (TRICKY if tricky(block) else "") + SENTENCE
        if block in TAGGED:
            words, key = WHAT[TAGGED.index(block) % 5]
            start = len(text) + piece.index(words)
            stretches.append((start, start + len(words), labels[key].name, key, words))
        kims.append(len(text) + piece.index("Kim"))
        text += piece
    document = Document.objects.create(title="Long", text=text)
    project.documents.add(document)
    Span.objects.bulk_create(
        Span(
            project=project,
            document=document,
            annotator=alice,
            label=labels["2"],
            start=start,
            end=start + 3,
        )
        for start in kims
    )
    DocumentStatus.objects.create(
        project=project, document=document, user=alice, status=Status.IN_PROGRESS
    )
    for start, end, _, _, words in stretches:
        assert text[start:end] == words
    return project, document, stretches


def test_twenty_tags_on_a_long_article_keep_their_exact_offsets(page, sign_in, long_article):
    project, document, stretches = long_article
    assert len(document.text) > 19_000 and len(stretches) == 20
    assert all("👋🏽" in document.text[:start] for start, *_ in stretches)
    old = set(Span.objects.values_list("pk", flat=True))
    sign_in("alice", "pw-alice-123")
    page.goto(reverse("workspace", args=[project.pk, document.pk]))
    page.wait_for_selector("#article mark")
    for k, (start, end, _, key, words) in enumerate(stretches):
        before = span_ids(page)
        if k % 5 == 4:  # some with the mouse, as an analyst would
            drag_select(page, words, occurrence=document.text[:start].count(words))
        else:
            assert select_stretch(page, start, end) == words
        page.keyboard.press(key)
        wait_for_new_span(page, before)
        wait_quiet(page)

    response = page.request.get(
        f"/api/projects/{project.pk}/documents/{document.pk}/spans/?page_size=1000"
    )
    assert response.ok
    stored = [s for s in response.json()["results"] if s["id"] not in old]
    assert sorted((s["start"], s["end"], s["label"], s["text"]) for s in stored) == [
        (start, end, label, words) for start, end, label, _, words in stretches
    ]
    assert response.json()["count"] == BLOCKS + 20
    assert page.problems == []
