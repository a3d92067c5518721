"""End to end, by keyboard only: an analyst relates two spans (choose the source, r or
Relate, → to the target, Enter, the type), a refused one says why, and a reviewer accepts
the analyst's relation into gold from the review page."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from annotator.relations import Relation
from annotator.services import span_create
from corpus.models import Document


@pytest.fixture
def two_spans(transactional_db, demo):
    """The demo's SUPPLIES (a PERSON, ORGANIZATION or LOCATION to WEAPONS or
    TECHNOLOGY_TRANSFER); alice's and gold's PERSON "Kim" and WEAPONS spans."""
    document = Document.objects.get(external_id="kim-putin-vladivostok")
    labels = {label.name: label for label in demo.labels.all()}
    users = get_user_model().objects
    text = document.text
    for name, gold in (("alice", False), ("reviewer", True)):
        for words, label in (("artillery shells", "WEAPONS"), ("Kim", "PERSON")):
            start = text.index(words)
            span_create(
                project=demo,
                document=document,
                annotator=users.get(username=name),
                label=labels[label],
                start=start,
                end=start + len(words),
                gold=gold,
            )
    return document


def relate(page, source_words: str, *, by_button: bool = False, type_name="SUPPLIES") -> None:
    """Choose the span whose row shows ``source_words`` by keyboard, then Relate (its key r,
    or its button), → Enter, and the type."""
    page.locator(f"#spans .span-choose:has-text('{source_words}')").focus()
    page.keyboard.press("Enter")  # chooses it
    if by_button:
        page.locator("#relate").focus()
        page.keyboard.press("Enter")
    else:
        page.keyboard.press("r")
    page.wait_for_function("() => document.activeElement.id === 'article'")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('relation-type')")
    for _ in range(5):  # Tab through the picker to the type
        if page.evaluate("document.activeElement.textContent") == type_name:
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")


def test_relate_by_keyboard_and_review_into_gold(page, sign_in, demo, two_spans):
    sizes = []
    page.on("response", lambda r: sizes.append(len(r.body())) if "/relations/" in r.url else None)
    sign_in("alice", "margin-alice")
    page.goto(reverse("workspace", args=[demo.pk, two_spans.pk]))

    relate(page, "Kim")
    page.wait_for_selector("#relation-list .relation-row")
    assert "PERSON “Kim” SUPPLIES → WEAPONS “artillery shells”" in page.inner_text("#relation-list")
    assert "Related: PERSON SUPPLIES WEAPONS." in page.inner_text("#save-status")
    # Its row, hovered, lights both ends in the text and in the span list.
    page.hover("#relation-list .relation-row")
    relation_row = page.locator("#relation-list .relation-row")
    ends = [relation_row.get_attribute("data-source"), relation_row.get_attribute("data-target")]
    for end in ends:
        assert page.locator(f'#article [data-spans~="{end}"].relation-end').count() >= 1
        assert page.locator(f'#spans .span-row[data-span="{end}"].relation-end').count() == 1
    page.hover("#article")
    assert page.locator(".relation-end").count() == 0
    relation = Relation.objects.get()
    assert (relation.source.label.name, relation.target.label.name, relation.gold) == (
        "PERSON",
        "WEAPONS",
        False,
    )
    # The other way round is refused, in words.
    relate(page, "artillery shells", by_button=True)
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent.includes('must be one of')"
    )
    assert Relation.objects.count() == 1
    assert sizes and max(sizes) < 4096, sizes
    # Deleted from the keyboard: its row goes, and the list says there are none.
    page.locator(f'.relation-delete[data-relation="{relation.pk}"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#relation-none")
    assert page.locator("#relation-list .relation-row").count() == 0
    assert page.inner_text("#relation-count") == "(0)"
    assert not Relation.objects.exists()
    relate(page, "Kim")
    page.wait_for_selector("#relation-list .relation-row")
    assert page.locator("#relation-none").count() == 0
    # Its target span deleted: the relation's row goes with it (the answer names the row),
    # and an undo brings both back.
    page.locator("#spans .span-delete[aria-label*='artillery shells']").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#relation-none")
    assert page.inner_text("#relation-count") == "(0)" and not Relation.objects.exists()
    page.keyboard.press("Control+z")
    page.wait_for_selector("#relation-list .relation-row")
    assert Relation.objects.count() == 1

    page.context.clear_cookies()
    sign_in("reviewer", "margin-reviewer")
    page.goto(reverse("review", args=[demo.pk, two_spans.pk]))
    # alice's relation, listed under the analysts' layers, accepted into gold by keyboard.
    assert "alice" in page.inner_text(".analyst-relations")
    page.locator(".accept-relation").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#relation-list .relation-row")
    assert "Accepted the SUPPLIES relation into gold." in page.inner_text("#save-status")
    assert "In gold" in page.inner_text(".analyst-relations")
    gold = Relation.objects.get(gold=True)
    assert gold.annotator.username == "reviewer"
    assert (gold.source.text, gold.target.text) == ("Kim", "artillery shells")
    # Drawn again in gold by keyboard: refused, gold has it.
    relate(page, "Kim")
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent.includes('already exists')"
    )
    assert Relation.objects.filter(gold=True).count() == 1
    assert page.problems == [] or all("422" in problem for problem in page.problems)
