"""Key presses to a target gold on a seed article, by hand and with a rule set's suggestions
(issue 16): the scenario of ``test_keypresses.py``, whose figures ``bench/keypresses.py``
prints.

Both ways are keyboard only, as the workspace offers them: → and ← move the word cursor a
word (a word as the page's ``Intl.Segmenter`` cuts the text), Shift+→ extends it, a label's
key tags; with suggestions, n goes to the next one, a accepts it, x rejects it, and the
stretches no suggestion offers are tagged by hand in between. Every key is pressed in
Chromium; the keys are planned from a model of the word cursor (``Cursor``, the rules of
``moveCursor`` in workspace.js), and before each label key the page's selection is checked
against the plan, so a plan that went wrong fails instead of being counted.

The target: every whole-word occurrence of the phrases of ``TARGET`` that the word cursor
can select (an occurrence inside a word such as "Russia's" is one the keyboard cannot
reach, by hand or otherwise, and is left out). The rule set: 50 spaCy patterns as a team
would write them for arms-talks news: most of the target's phrases, some too broad ("Kim",
"Russian", "war", "missiles"), and many that this article never mentions.
"""

import re
from dataclasses import dataclass, field

TARGET = {
    "PERSON": [
        "Kim Jong-Un",
        "Vladimir Putin",
        "Sergei K. Shoigu",
        "Xi Jinping",
        "Putin",
        "Shoigu",
    ],
    "LOCATION": ["North Korea", "Russia", "Ukraine", "Vladivostok", "Moscow", "Beijing", "Iran"],
    "ORGANIZATION": [
        "The New York Times",
        "NYT",
        "White House",
        "BBC News",
        "Far Eastern Federal University",
        "Eastern Economic Forum",
    ],
    "WEAPONS": [
        "artillery shells",
        "ballistic missiles",
        "nuclear-armed submarine",
        "spy satellite",
        "drones",
        "weapons",
        "shells",
    ],
    "TECHNOLOGY_TRANSFER": ["satellite, nuclear technology", "advanced weapons technology"],
    "DIPLOMACY": ["rare visit", "exchanged letters"],
    "MILITARY_COOPERATION": ["military cooperation"],
    "ECONOMIC_AID": ["food supplies"],
}
# The rule set's right phrases: the target's, but for a few no one thought of.
UNTHOUGHT = {
    "Xi Jinping",
    "Beijing",
    "Eastern Economic Forum",
    "exchanged letters",
    "satellite, nuclear technology",
    "nuclear-armed submarine",
    "spy satellite",
}
TOO_BROAD = {
    "PERSON": ["Kim"],
    "LOCATION": ["Russian", "West"],
    "WEAPONS": ["war", "missiles"],
    "DIPLOMACY": ["meeting"],
    "TECHNOLOGY_TRANSFER": ["nuclear technology", "satellite"],
    "MILITARY_COOPERATION": ["military"],
    "ORGANIZATION": ["United States"],
}
NOT_IN_THIS_ARTICLE = {
    "WEAPONS": ["Kinzhal", "Hwasong", "Iskander", "Shahed"],
    "LOCATION": ["Pyongyang", "Seoul", "Kyiv"],
    "ORGANIZATION": ["Kremlin", "Security Council", "United Nations", "Pentagon", "KCNA"],
    "DIPLOMACY": ["sanctions", "summit"],
}
# "Mr. Kim", "Mr Putin": a person, but the target takes the name without the title.
TITLED = {
    "label": "PERSON",
    "pattern": [{"LOWER": "mr"}, {"ORTH": ".", "OP": "?"}, {"IS_TITLE": True}],
}


def rule_patterns() -> list[dict]:
    patterns = [
        {"label": label, "pattern": phrase}
        for label, phrases in TARGET.items()
        for phrase in phrases
        if phrase not in UNTHOUGHT
    ]
    for group in (TOO_BROAD, NOT_IN_THIS_ARTICLE):
        patterns += [
            {"label": label, "pattern": phrase}
            for label, phrases in group.items()
            for phrase in phrases
        ]
    patterns.append(TITLED)
    assert len(patterns) == 50, len(patterns)
    return patterns


def target_spans(text: str, words: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, label) of the target, in reading order: longest phrases first, no two
    overlapping, both ends on the word cursor's words."""
    starts = {start for start, _ in words}
    ends = {end for _, end in words}
    by_length = sorted(
        ((phrase, label) for label, phrases in TARGET.items() for phrase in phrases),
        key=lambda pair: -len(pair[0]),
    )
    taken: list[tuple[int, int, str]] = []
    for phrase, label in by_length:
        for found in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", text):
            start, end = found.span()
            if any(s < end and start < e for s, e, _ in taken):
                continue
            if start in starts and end in ends:
                taken.append((start, end, label))
            else:
                taken.append((start, end, ""))  # unreachable: held so nothing shorter fits in
    return sorted(span for span in taken if span[2])


@dataclass
class Cursor:
    """The workspace's word cursor (workspace.js, ``moveCursor``), over the page's words."""

    words: list[tuple[int, int]]
    anchor: int | None = None
    focus: int | None = None

    def right(self) -> None:
        if self.anchor is None:
            self.anchor, self.focus = self.words[0]
            return
        edge = max(self.anchor, self.focus)
        word = next((w for w in self.words if w[0] >= edge), None)
        if word:
            self.anchor, self.focus = word

    def left(self) -> None:
        if self.anchor is None:
            self.anchor, self.focus = self.words[-1]
            return
        edge = min(self.anchor, self.focus)
        word = next((w for w in reversed(self.words) if w[1] <= edge), None)
        if word:
            self.anchor, self.focus = word

    def extend(self) -> None:
        word = next((w for w in self.words if w[1] > self.focus), None)
        if word:
            self.focus = word[1]

    def rest(self, at: int) -> None:
        """Where it waits after a tag or a decision: just past it."""
        self.anchor = self.focus = at

    def keys_to(self, start: int, end: int) -> list[str]:
        """The keys that select [start, end), moving this cursor along."""
        keys: list[str] = []
        first = next(w for w in self.words if w[0] == start)
        while (self.anchor, self.focus) != first:
            before = (self.anchor, self.focus)
            if self.anchor is None or start >= max(self.anchor, self.focus):
                self.right()
                keys.append("ArrowRight")
            else:
                self.left()
                keys.append("ArrowLeft")
            assert (self.anchor, self.focus) != before, "the cursor is stuck"
        while self.focus < end:
            self.extend()
            keys.append("Shift+ArrowRight")
        assert self.focus == end, (start, end, self.focus)
        return keys


@dataclass
class Step:
    keys: list[str]  # the last one saves: a label key, a or x
    selected: tuple[int, int] | None = None  # what the page must have selected before it


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    @property
    def presses(self) -> int:
        return sum(len(step.keys) for step in self.steps)


def by_hand(words, target, shortcuts: dict[str, str]) -> Plan:
    cursor, plan = Cursor(words), Plan()
    for start, end, label in target:
        plan.steps.append(Step([*cursor.keys_to(start, end), shortcuts[label]], (start, end)))
        cursor.rest(end)
    return plan


def with_suggestions(words, target, shortcuts: dict[str, str], pending) -> Plan:
    """``pending``: the suggestions as (start, end, label, id). In reading order: each
    suggestion is gone to with n and accepted if it is a target span (its first offer
    only), rejected otherwise; a target span no suggestion offers is tagged by hand when
    the reading reaches it (before the suggestions that start where it starts)."""
    wanted = set(target)
    offered = {(s, e, label) for s, e, label, _ in pending}
    stops = [(s, 0, (s, e, label)) for s, e, label in target if (s, e, label) not in offered]
    stops += [(item[0], 1, item) for item in pending]
    stops.sort(key=lambda stop: (stop[0], stop[1], stop[2][1], stop[2][-1]))
    cursor, plan, accepted = Cursor(words), Plan(), set()
    for _, kind, item in stops:
        if kind == 0:
            start, end, label = item
            plan.steps.append(Step([*cursor.keys_to(start, end), shortcuts[label]], (start, end)))
        else:
            start, end, label, _ = item
            keep = (start, end, label) in wanted and (start, end, label) not in accepted
            accepted |= {(start, end, label)} if keep else set()
            plan.steps.append(Step(["n", "a" if keep else "x"], (start, end)))
        cursor.rest(end)
    return plan
