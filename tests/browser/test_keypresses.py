"""Issue 16's measure: with a 50-pattern rule set's suggestions, an analyst reaches the same
target gold on a seed article in at most 60 % of the key presses it takes by hand, both
keyboard only, in Chromium (the scenario: ``keypresses.py``; ``bench/keypresses.py``
prints the figures)."""

import pytest

from annotator import suggestion_jobs
from annotator.jobs import Job, JobKind
from annotator.models import Span
from annotator.rules import patterns_check
from annotator.suggestions import RuleSet, Suggestion
from corpus.models import Document
from tests.browser import keypresses
from tests.browser.test_workspace import open_workspace

PAGE_WORDS = """() => {
    let text = "";
    for (const el of document.querySelectorAll("#article .seg")) text += el.textContent;
    const words = [];
    for (const part of new Intl.Segmenter(undefined, {granularity: "word"}).segment(text)) {
        if (part.segment.trim() !== "") words.push([part.index, part.index + part.segment.length]);
    }
    return {text, words};
}"""
SETTLED = """() => !document.getElementById("save-status").classList.contains("saving")
    && document.activeElement === document.getElementById("article")"""


@pytest.fixture
def seed(transactional_db, demo):
    return Document.objects.get(external_id="kim-putin-vladivostok")


def apply_rules(project) -> RuleSet:
    labels = project.labels.values_list("name", flat=True)
    patterns = patterns_check(keypresses.rule_patterns(), labels)
    rule_set = RuleSet.objects.create(project=project, name="arms-talks", patterns=patterns)
    manager = project.memberships.get(role="manager").user
    job = Job.objects.create(project=project, kind=JobKind.RULES, created_by=manager)
    assert suggestion_jobs.rules_apply.call(job.pk, rule_set.pk)["suggestions"] > 0
    return rule_set


def play(page, plan: keypresses.Plan, text: str) -> None:
    """Press every key of the plan; before each saving key, the page must have selected
    what the plan says; after it, wait for the answer to settle."""
    for step in plan.steps:
        *moves, save = step.keys
        for key in moves:
            page.keyboard.press(key)
        if step.selected and save != "a" and save != "x":
            selected = page.evaluate("() => window.getSelection().toString()")
            assert selected == text[step.selected[0] : step.selected[1]]
        page.keyboard.press(save)
        page.wait_for_function(SETTLED)
        assert "Not saved" not in page.inner_text("#save-status"), step


def layer(user, document) -> list[tuple[int, int, str]]:
    return sorted(
        Span.objects.filter(annotator__username=user, document=document, gold=False).values_list(
            "start", "end", "label__name"
        )
    )


def measure(page, sign_in, project, document) -> dict:
    """Tag the target by hand as alice, then with the suggestions as bob: their figures."""
    apply_rules(project)
    shortcuts = dict(project.labels.values_list("name", "shortcut"))

    sign_in("alice", "margin-alice")
    open_workspace(page, project, document)
    seen = page.evaluate(PAGE_WORDS)
    assert seen["text"] == document.text
    words = [tuple(word) for word in seen["words"]]
    target = keypresses.target_spans(document.text, words)
    hand = keypresses.by_hand(words, target, shortcuts)
    play(page, hand, document.text)
    assert layer("alice", document) == target

    page.context.clear_cookies()
    sign_in("bob", "margin-bob")
    open_workspace(page, project, document)
    pending = list(
        Suggestion.objects.filter(document=document)
        .order_by("start", "end", "id")
        .values_list("start", "end", "label__name", "id")
    )
    assisted = keypresses.with_suggestions(words, target, shortcuts, pending)
    play(page, assisted, document.text)
    assert layer("bob", document) == target
    offered = {(s, e, label) for s, e, label, _ in pending}
    return {
        "target": len(target),
        "suggestions": len(pending),
        "right": len(offered & set(target)),
        "by_hand": hand.presses,
        "with_suggestions": assisted.presses,
        "ratio": assisted.presses / hand.presses,
    }


def test_suggestions_reach_the_same_gold_in_at_most_60_percent_of_the_keys(
    page, sign_in, demo, seed
):
    figures = measure(page, sign_in, demo, seed)

    print(
        f"\n{figures['target']} target spans; {figures['suggestions']} suggestions, "
        f"{figures['right']} of them right; key presses by hand {figures['by_hand']}, "
        f"with suggestions {figures['with_suggestions']} ({figures['ratio']:.0%})"
    )
    assert figures["target"] >= 60
    assert figures["ratio"] <= 0.6
    assert page.problems == []
