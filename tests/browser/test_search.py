"""End to end: an analyst searches the demo project for a phrase, tags every hit as
suggestions (a job run by a real worker while the page polls), and undoes the whole tag in
one step."""

import re

from playwright.sync_api import expect

from annotator.suggestions import Suggestion
from tests.jobs.conftest import run_worker


def test_search_tag_every_hit_as_suggestions_then_undo_in_one_step(
    page, sign_in, transactional_db, demo
):
    texts = list(demo.documents.values_list("text", flat=True))
    expected = sum(len(re.findall(r"(?<!\w)putin(?!\w)", t, re.IGNORECASE)) for t in texts)
    assert expected > 2

    sign_in("alice", "margin-alice")
    page.goto(f"/projects/{demo.pk}/")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Phrase").fill("putin")
    page.get_by_label("Phrase").press("Enter")

    expect(page.locator("#hit-count")).to_have_text(f"{expected} hits")
    first = page.locator(".kwic a").first
    expect(first.locator("mark")).to_have_text(re.compile("^putin$", re.IGNORECASE))
    assert "/documents/" in first.get_attribute("href") and "?at=" in first.get_attribute("href")

    # Suggestions are the default; only the label is chosen, from the keyboard.
    page.get_by_label("Tag with").select_option("PERSON")
    expect(page.get_by_label("suggestions for everyone")).to_be_checked()
    page.get_by_role("button", name=f"Tag all {expected} hits").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#tag-job")).to_contain_text("Waiting for a worker")

    run_worker()
    expect(page.locator("#tag-result")).to_have_text(
        f"Tagged {expected} of {expected} hits in {len(texts)} documents."
    )
    assert Suggestion.objects.filter(source="search:putin").count() == expected

    page.get_by_role("button", name="Undo this tag").click()
    expect(page.locator(".messages")).to_contain_text(f"Undone: {expected} suggestions removed.")
    assert not Suggestion.objects.filter(source="search:putin").exists()

    # A hit opens the workspace with the hit selected.
    hit = page.locator(".kwic a").nth(1)
    words = hit.locator("mark").inner_text()
    hit.click()
    page.wait_for_selector("#article")
    page.wait_for_function(f"() => String(window.getSelection()) === {words!r}")
    assert page.problems == []


def test_delete_every_listed_span_from_the_keyboard_then_undo(
    page, sign_in, transactional_db, demo
):
    from django.contrib.auth import get_user_model

    from annotator.models import Span
    from annotator.services import span_create

    document = demo.documents.order_by("pk").first()
    label = demo.labels.order_by("pk").first()
    for start in (0, 10):
        span_create(
            project=demo,
            document=document,
            annotator=get_user_model().objects.get(username="alice"),
            label=label,
            start=start,
            end=start + 5,
        )
    label = label.name
    mine = Span.objects.filter(project=demo, annotator__username="alice", label__name=label)
    before = sorted(mine.values_list("pk", flat=True))
    others = Span.objects.exclude(pk__in=before).count()

    sign_in("alice", "margin-alice")
    page.goto(f"/projects/{demo.pk}/search/?label={label}&layer=mine")
    n = len(before)
    # The confirmation first: without it the form does not go.
    page.get_by_role("button", name=f"Delete all {n}").focus()
    page.keyboard.press("Enter")
    assert mine.count() == n
    page.get_by_label(f"Yes, change all {n} span").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name=f"Delete all {n}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#edit-job")).to_contain_text("Waiting for a worker")

    run_worker()
    expect(page.locator("#edit-result")).to_contain_text(f"Deleted {n} of {n} span")
    assert not mine.exists() and Span.objects.count() == others
    page.get_by_role("button", name="Undo this change").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text(f"Undone: {n} span")
    assert sorted(mine.values_list("pk", flat=True)) == before
    assert page.problems == []
