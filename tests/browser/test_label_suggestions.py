"""End to end, by keyboard only: an analyst accepts a suggested document label (a dashed
chip in the category bar) and a suggested relation (the relation panel's list), with Tab
and the suggestion key ``a``; the relation's ends become her spans."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from annotator.categories import Category
from annotator.label_suggestions import CategorySuggestion, RelationSuggestion
from annotator.models import Span
from annotator.relations import Relation
from annotator.services import suggestions_add
from corpus.models import Document


@pytest.fixture
def offered(transactional_db, demo):
    """On the Vladivostok document: the demo's ARMS_DEAL suggested by a classifier, and its
    SUPPLIES suggested from a suggested PERSON "Kim" to suggested WEAPONS "artillery
    shells"."""
    document = Document.objects.get(external_id="kim-putin-vladivostok")
    labels = {label.name: label for label in demo.labels.all()}
    transfer = labels["ARMS_DEAL"]
    supplies = demo.relation_types.get(name="SUPPLIES")
    text = document.text
    kim, shells = text.index("Kim"), text.index("artillery shells")
    person, weapons = suggestions_add(
        project=demo,
        document=document,
        items=[
            {"start": kim, "end": kim + 3, "label": labels["PERSON"], "source": "ner"},
            {"start": shells, "end": shells + 16, "label": labels["WEAPONS"], "source": "ner"},
        ],
    )
    CategorySuggestion.objects.create(
        project=demo, document=document, label=transfer, source="clf", score=0.8
    )
    RelationSuggestion.objects.create(
        project=demo,
        document=document,
        type=supplies,
        from_suggestion=person,
        to_suggestion=weapons,
        source="ner",
    )
    return document


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the focus is on an element matching ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_accept_a_suggested_document_label_and_relation_by_keyboard(page, sign_in, demo, offered):
    sign_in("alice", "margin-alice")
    page.goto(reverse("workspace", args=[demo.pk, offered.pk]))
    assert "ARMS_DEAL" in page.inner_text(".category-suggestion")

    tab_to(page, ".category-suggestion [data-accept]")
    page.keyboard.press("a")
    page.wait_for_selector(".category-toggle[aria-pressed='true']:has-text('ARMS_DEAL')")
    assert page.locator(".category-suggestion").count() == 0
    alice = get_user_model().objects.get(username="alice")
    assert Category.objects.filter(annotator=alice, label__name="ARMS_DEAL").exists()

    tab_to(page, ".relation-suggestion [data-accept]")
    page.keyboard.press("a")
    page.wait_for_selector("#relation-list .relation-row")
    assert "PERSON “Kim” SUPPLIES → WEAPONS “artillery shells”" in page.inner_text("#relation-list")
    assert page.locator(".relation-suggestion").count() == 0
    relation = Relation.objects.get()
    assert relation.annotator == alice
    assert set(
        Span.objects.filter(annotator=alice, document=offered).values_list("source", flat=True)
    ) >= {"ner"}
    assert page.problems == []
