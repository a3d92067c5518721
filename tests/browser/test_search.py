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
