"""End to end, by keyboard only: an analyst gives the article a document label with its
key (and another by Tab and Enter, then undoes it), a reviewer sees who gave it and sets
it in gold with the same key."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from annotator.categories import Category
from corpus.models import Document


def toggle(page, name: str):
    return page.locator(f"#categories .category-toggle:has-text('{name}')")


def pressed(page, name: str, value: str) -> None:
    page.wait_for_function(
        """([name, value]) => [...document.querySelectorAll('#categories .category-toggle')]
            .some((b) => b.textContent.includes(name)
                && b.getAttribute('aria-pressed') === value)""",
        arg=[name, value],
    )


def test_tag_a_document_label_by_key_and_review_it_into_gold(page, sign_in, demo):
    """The demo's document labels beside its span labels (keys 1–8): ARMS_DEAL (9) and
    SUMMIT (0)."""
    document = Document.objects.get(external_id="kim-putin-vladivostok")
    users = get_user_model().objects
    sizes = []
    page.on(
        "response",
        lambda r: sizes.append(len(r.body())) if "/categories/" in r.url else None,
    )

    sign_in("alice", "margin-alice")
    page.goto(reverse("workspace", args=[demo.pk, document.pk]))
    # The bar is above the article, and the article has the focus: the key tags at once.
    assert page.evaluate("document.activeElement.id") == "article"
    bar, article = (
        page.locator("#categories").bounding_box(),
        page.locator("#article").bounding_box(),
    )
    assert bar["y"] + bar["height"] <= article["y"]
    page.keyboard.press("9")
    pressed(page, "ARMS_DEAL", "true")
    assert "Document label ARMS_DEAL given." in page.inner_text("#save-status")
    assert page.evaluate("document.activeElement.id") == "article"

    # Reachable by Tab too: focused, Enter presses it, and the focus stays on it.
    toggle(page, "SUMMIT").focus()
    page.keyboard.press("Enter")
    pressed(page, "SUMMIT", "true")
    assert "SUMMIT" in page.evaluate("document.activeElement.textContent")
    # Ctrl+Z takes the last one back.
    page.keyboard.press("Control+z")
    pressed(page, "SUMMIT", "false")
    assert "SUMMIT is removed" in page.inner_text("#save-status")
    alice = users.get(username="alice")
    mine = Category.objects.filter(document=document, annotator=alice, gold=False)
    assert list(mine.values_list("label__name", flat=True)) == ["ARMS_DEAL"]
    assert sizes and max(sizes) < 4096, sizes

    page.context.clear_cookies()
    sign_in("reviewer", "margin-reviewer")
    page.goto(reverse("review", args=[demo.pk, document.pk]))
    assert "alice" in toggle(page, "ARMS_DEAL").inner_text()
    assert "no analyst" in toggle(page, "SUMMIT").inner_text()
    page.locator("#article").focus()
    page.keyboard.press("9")
    pressed(page, "ARMS_DEAL", "true")
    gold = Category.objects.get(document=document, gold=True)
    assert (gold.label.name, gold.annotator.username) == ("ARMS_DEAL", "reviewer")
    assert max(sizes) < 4096, sizes
    assert page.problems == []
