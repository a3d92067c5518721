"""End to end: an analyst decides a document's imported suggestions with n, a, x and
Shift+A in Chromium, and one Ctrl+Z takes a source's batch back."""

import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from annotator.models import Span
from annotator.services import suggestions_add
from annotator.suggestions import Suggestion
from corpus.models import Document
from tests.browser.test_workspace import open_workspace, same_as_a_fresh_page, wait_saved


@pytest.fixture
def seed(transactional_db, demo):
    return Document.objects.get(external_id="kim-putin-vladivostok")


def offer(project, document, words: list[tuple[str, str, str]]) -> None:
    """Suggest each (words, label, source) at its first occurrence."""
    labels = {label.name: label for label in project.labels.all()}
    items = []
    for text, label, source in words:
        start = document.text.index(text)
        items.append(
            {"start": start, "end": start + len(text), "label": labels[label], "source": source}
        )
    suggestions_add(project=project, document=document, items=items)


def shown(page) -> list[str]:
    """The suggestion rows' texts, as the side list shows them."""
    return page.eval_on_selector_all(
        "#suggestion-list .suggestion-row .span-text", "rows => rows.map(r => r.textContent)"
    )


def highlighted(page) -> int:
    """How many stretches the article's suggestion highlights mark (those near the
    screen, which on the seed article are all), once they are drawn."""
    count = """() => [...CSS.highlights.keys()].filter((name) => /^sg-\\d+$/.test(name))
                  .reduce((sum, name) => sum + CSS.highlights.get(name).size, 0)"""
    expected = int(page.inner_text("#suggestion-count").strip("()"))
    with contextlib.suppress(PlaywrightTimeout):  # the count below says how many are drawn
        page.wait_for_function(f"() => ({count})() === {expected}", timeout=2000)
    return page.evaluate(count)


def test_n_a_x_and_shift_a_decide_suggestions_and_ctrl_z_takes_a_batch_back(
    page, sign_in, demo, seed
):
    text = seed.text
    firsts = sorted(
        [
            ("artillery shells", "WEAPONS", "import"),
            ("Vladivostok", "LOCATION", "import"),
            ("rare visit", "DIPLOMACY", "import"),
            ("Kim Jong-Un", "PERSON", "import"),
        ],
        key=lambda item: text.index(item[0]),
    )
    offer(demo, seed, [*firsts, ("Putin", "PERSON", "rules:people")])
    sign_in("alice", "margin-alice")
    open_workspace(page, demo, seed)
    page.wait_for_selector("#suggestion-list .suggestion-row")
    assert page.inner_text("#suggestion-count") == "(5)" and highlighted(page) == 5
    order = [s for s in Suggestion.objects.order_by("start")]

    # Hovering a suggestion names its label and source (a highlight has no title of its own).
    box = page.evaluate(
        """(words) => {
            const walker = document.createTreeWalker(document.getElementById("article"),
                                                     NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const at = walker.currentNode.data.indexOf(words);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(walker.currentNode, at + 1);
                range.setEnd(walker.currentNode, at + 2);
                const rect = range.getBoundingClientRect();
                return {x: rect.left + rect.width / 2, y: rect.top + rect.height / 2};
            }
        }""",
        "rare visit",
    )
    page.mouse.move(box["x"], box["y"])
    page.wait_for_function(
        "() => (document.getElementById('article').title || '').includes('DIPLOMACY (import)')"
    )

    # n goes to the first suggestion, a accepts it: a span appears, the suggestion goes.
    page.keyboard.press("n")
    first = order[0]
    status = page.inner_text("#save-status")
    assert status.startswith("Suggestion 1 of 5:") and f"({first.source})" in status
    page.keyboard.press("a")
    wait_saved(page, "Accepted")
    span = Span.objects.get(annotator__username="alice")
    assert (span.start, span.end, span.source) == (first.start, first.end, first.source)
    page.wait_for_selector(f'#article mark[data-spans~="{span.pk}"]')
    assert page.inner_text("#suggestion-count") == "(4)" and highlighted(page) == 4
    same_as_a_fresh_page(page)

    # n goes on to the next one, x rejects it.
    page.keyboard.press("n")
    second = order[1]
    assert text[second.start : second.end] in page.inner_text("#save-status")
    page.keyboard.press("x")
    wait_saved(page, "Rejected")
    assert page.inner_text("#suggestion-count") == "(3)" and highlighted(page) == 3
    assert Span.objects.count() == 1
    same_as_a_fresh_page(page)

    # Shift+A on an import suggestion accepts every import suggestion left here.
    page.keyboard.press("n")
    current = page.inner_text("#save-status")
    if "(import)" not in current:
        page.keyboard.press("n")
    page.keyboard.press("Shift+A")
    wait_saved(page, "Accepted")
    remaining = order[2:]
    batch = [s for s in remaining if s.source == "import"]
    others = [s for s in remaining if s.source != "import"]
    assert len(batch) >= 2 and len(others) == 1
    made = Span.objects.filter(annotator__username="alice").exclude(pk=span.pk)
    assert sorted(made.values_list("start", flat=True)) == [s.start for s in batch]
    assert shown(page) == [text[s.start : s.end] for s in others]
    assert highlighted(page) == 1
    same_as_a_fresh_page(page)

    # One undo takes the whole batch back; its suggestion comes back to the list.
    page.keyboard.press("Control+z")
    wait_saved(page, "new span")
    assert Span.objects.count() == 1
    back = f"({len(remaining)})"
    page.wait_for_function(
        "n => document.getElementById('suggestion-count').textContent === n", arg=back
    )
    assert highlighted(page) == len(remaining)
    same_as_a_fresh_page(page)
    assert [problem for problem in page.problems if "status of 422" not in problem] == []


def test_an_overlapping_accept_is_refused_and_the_suggestion_stays(page, sign_in, demo, seed):
    offer(demo, seed, [("artillery shells", "WEAPONS", "import")])
    start = seed.text.index("artillery shells")
    alice = demo.memberships.get(user__username="alice").user
    from annotator.services import span_create

    span_create(
        project=demo,
        document=seed,
        annotator=alice,
        label=demo.labels.get(name="WEAPONS"),
        start=start,
        end=start + len("artillery"),
    )
    sign_in("alice", "margin-alice")
    open_workspace(page, demo, seed)
    page.keyboard.press("n")
    page.keyboard.press("a")
    wait_saved(page, "Not saved")
    assert "overlap" in page.inner_text("#save-status").lower()
    assert page.inner_text("#suggestion-count") == "(1)" and highlighted(page) == 1
    assert Span.objects.count() == 1
