"""End to end: a reviewer curates a document in the text — the analysts' layers as bands
under the article, a label conflict as one row, the disputed-only filter, a comment on a
span, a rejection — and the analyst sees the rejection marked in their own text."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from annotator.models import Comment, Rejection, Span
from tests.browser.test_review import disagreement  # noqa: F401 (a fixture)
from tests.browser.test_workspace import same_as_a_fresh_page


def status_says(page, words: str) -> None:
    page.wait_for_function(
        "(words) => document.getElementById('save-status').textContent.includes(words)", arg=words
    )


def test_a_reviewer_curates_in_the_text_and_the_analyst_sees_the_rejection(
    page,
    sign_in,
    demo,
    disagreement,  # noqa: F811
):
    text = disagreement.text
    city = text.index("Vladivostok")
    shells = text.index("artillery shells")
    bob = get_user_model().objects.get(username="bob")
    sign_in("reviewer", "margin-reviewer")
    page.goto(reverse("review", args=[demo.pk, disagreement.pk]))

    # Each analyst's layer is drawn under the text, one band per analyst in the legend's
    # order, the band telling who, which label and what text.
    page.wait_for_selector(".band")
    assert page.inner_text("#band-legend").count("alice") == 1
    bands = page.eval_on_selector_all(
        ".band", "els => els.map(b => [b.dataset.analyst, b.dataset.key, b.title])"
    )
    assert {analyst for analyst, _, _ in bands} == {"alice", "bob"}
    assert any(t.startswith("bob · ORGANIZATION · “Vladivostok”") for _, _, t in bands)
    alice_top = page.eval_on_selector(".band[data-analyst=alice]", "b => b.offsetTop")
    bob_top = page.eval_on_selector(".band[data-analyst=bob]", "b => b.offsetTop")
    assert bob_top > alice_top  # the second analyst's band lies under the first's

    # The label conflict is one row naming both labels, not two disputed rows.
    rows = page.locator("#candidates tr.candidate")
    assert rows.count() == 2
    conflict = page.locator(f"#candidate-{city}-{city + len('Vladivostok')}")
    assert "conflict" in conflict.get_attribute("class")
    assert "LOCATION" in conflict.inner_text() and "ORGANIZATION" in conflict.inner_text()

    # Disputed only: the conflict alone; and back.
    rows_are = "(n) => document.querySelectorAll('#candidates tr.candidate').length === n"
    page.check("#disputed-only")
    page.wait_for_function(rows_are, arg=1)
    assert rows.first.get_attribute("id") == conflict.get_attribute("id")
    page.uncheck("#disputed-only")
    page.wait_for_function(rows_are, arg=2)

    # Enter on the conflict's row chooses no label for the reviewer: it goes to the first.
    conflict.focus()
    page.keyboard.press("Enter")
    status_says(page, "Different labels here")
    assert page.evaluate("() => document.activeElement.className").startswith("accept-one")
    assert not Span.objects.filter(gold=True).exists()

    # Settle the conflict by clicking alice's band under "Vladivostok".
    page.click(f".band[data-analyst=alice][data-key^='{city}:']")
    status_says(page, "Accepted 1 span")
    gold = Span.objects.get(gold=True)
    assert (gold.start, gold.label.name) == (city, "LOCATION")
    same_as_a_fresh_page(page)

    # The agreed span by keyboard: its row takes the focus, Enter accepts it.
    page.focus(f"#candidate-{shells}-{shells + len('artillery shells')}")
    page.keyboard.press("Enter")
    page.wait_for_selector("#span-list-title:has-text('(2)')")
    assert Span.objects.filter(gold=True, start=shells, label__name="WEAPONS").exists()

    # Comment on bob's span from its row: the form names the span.
    bobs = Span.objects.get(annotator=bob, start=city)
    conflict.locator(f".comment-span[data-span='{bobs.pk}']").click()
    assert page.is_visible("#comment-on") and "ORGANIZATION" in page.inner_text("#comment-on")
    assert page.evaluate("() => document.activeElement.id") == "comment-body"
    page.keyboard.type("A city, not an organisation.")
    page.click("#comments button[type=submit]")
    page.wait_for_selector(".comment-list >> text=A city, not an organisation.")
    assert Comment.objects.get().span == bobs
    assert f"on ORGANIZATION {city}–" in page.inner_text(".comment-list")

    # Reject bob's span with a reason: its band is drawn rejected.
    conflict.locator(f".mark-cell[data-span='{bobs.pk}'] summary").click()
    conflict.locator(f"#reason-{bobs.pk}").fill("Vladivostok is a city.")
    conflict.locator(f".mark-cell[data-span='{bobs.pk}'] button:has-text('Reject')").click()
    page.wait_for_selector(f".band.rejected[data-span='{bobs.pk}']")
    assert Rejection.objects.get().span == bobs
    same_as_a_fresh_page(page)
    assert page.problems == []

    # bob sees the rejection on the span in his own text, with the reason.
    page.click("button:has-text('Sign out')")
    sign_in("bob", "margin-bob")
    # First on his home page, waiting for him with the reason, linked to the document.
    waiting = page.locator(".rejections")
    assert "Rejections waiting for you: 1" in waiting.inner_text()
    assert "“Vladivostok” — Vladivostok is a city." in waiting.inner_text()
    waiting.get_by_role("link").click()
    page.wait_for_url(f"**{reverse('workspace', args=[demo.pk, disagreement.pk])}")
    mark = page.locator(f"#article mark.rejected[data-spans~='{bobs.pk}']")
    assert mark.inner_text() == "Vladivostok"
    assert "rejected by review: Vladivostok is a city." in mark.get_attribute("title")
    assert page.locator("#article mark.rejected").count() == 1
    assert page.problems == []


def test_every_span_of_a_long_article_is_drawn_under_its_text(page, sign_in, demo):
    """20,000 characters, two analysts' 500 spans each: the page stays small and every
    span has its band, under its own words."""
    from corpus.models import Document

    users = get_user_model().objects
    labels = list(demo.labels.all())
    document = Document.objects.create(text="artillery " * 2000, title="Long")
    demo.documents.add(document)
    Span.objects.bulk_create(
        Span(
            project=demo,
            document=document,
            annotator=users.get(username=name),
            label=labels[(i + n * (i % 3 == 0)) % len(labels)],
            start=i * 40,
            end=i * 40 + 9,
        )
        for n, name in enumerate(["alice", "bob"])
        for i in range(500)
    )
    sign_in("reviewer", "margin-reviewer")
    response = page.goto(reverse("review", args=[demo.pk, document.pk]))
    assert len(response.body()) < 300_000
    page.wait_for_selector(".band")
    drawn = page.evaluate(
        """() => {
            const bands = [...document.querySelectorAll('.band')];
            const spans = new Set(bands.map((b) => b.dataset.span));
            // Each band lies under its span's first word: its left edge is that word's.
            const article = document.getElementById('article').getBoundingClientRect();
            const misplaced = bands.filter((b) => {
                const r = b.getBoundingClientRect();
                return r.left < article.left || r.right > article.right;
            });
            return [spans.size, misplaced.length];
        }"""
    )
    assert drawn == [1000, 0]
    assert page.problems == []
