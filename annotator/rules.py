"""Rule sets: patterns in spaCy's EntityRuler format, read from JSON or a file, checked, and
matched with spaCy's own matchers on whole tokens.

A pattern is ``{"label": "WEAPONS", "pattern": "Kinzhal"}`` (a phrase, matched on its
tokens: case-insensitively through ``PhraseMatcher(attr="LOWER")`` unless the set is
``case_sensitive``) or ``{"label": …, "pattern": [{"LOWER": "hwasong"}, {"IS_DIGIT": true}]}``
(a token pattern for ``Matcher``, which says itself what it compares). A gazetteer is a
``.tsv`` of ``text<TAB>LABEL`` lines. spaCy's character offsets are Python string indices,
that is code points, the unit of every offset in Margin.
"""

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher

# Documents tokenised at once when a set is applied.
PIPE_BATCH = 200
MAX_PATTERNS = 10_000
LANGUAGE = "en"  # projects have no language of their own yet: the exports' tokenizer's


class PatternsRefused(ValueError):
    """Patterns that cannot be used; ``problems`` names each (by number or line)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


@lru_cache(maxsize=4)
def blank(language: str = LANGUAGE) -> Language:
    """A blank pipeline: spaCy's rule-based tokenizer for the language, nothing trained."""
    return spacy.blank(language)


def patterns_read(name: str, data: bytes) -> list[dict[str, Any]]:
    """The patterns of an uploaded file: ``.jsonl`` (one pattern object a line) or
    ``.tsv`` (``text<TAB>LABEL``); ``PatternsRefused`` naming the file and line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PatternsRefused([f"{name}: not UTF-8 text"]) from None
    patterns, problems = [], []
    lower = name.lower()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if lower.endswith(".tsv"):
            phrase, tab, label = line.partition("\t")
            if not tab or not phrase.strip() or not label.strip():
                problems.append(f"{name}:{number}: expected text<TAB>LABEL")
                continue
            patterns.append({"label": label.strip(), "pattern": phrase.strip()})
        elif lower.endswith(".jsonl"):
            try:
                patterns.append(json.loads(line))
            except ValueError as error:
                problems.append(f"{name}:{number}: not JSON ({error.msg})")
        else:
            raise PatternsRefused([f"{name}: give a .jsonl or a .tsv file"])
    if problems:
        raise PatternsRefused(problems)
    return patterns


def patterns_check(patterns: object, label_names: Iterable[str]) -> list[dict[str, Any]]:
    """The patterns as stored (``{"label", "pattern"}``, an ``id`` kept when given), or
    ``PatternsRefused`` naming each bad one by its number (from 0): not an object, a label
    that is not the project's, an empty phrase, a token pattern spaCy refuses."""
    if not isinstance(patterns, list) or not patterns:
        raise PatternsRefused(["Give a non-empty list of {label, pattern} objects."])
    if len(patterns) > MAX_PATTERNS:
        raise PatternsRefused([f"At most {MAX_PATTERNS:,} patterns a set."])
    known = set(label_names)
    checked, problems = [], []
    matcher = Matcher(blank().vocab, validate=True)
    for number, pattern in enumerate(patterns):
        if not isinstance(pattern, Mapping) or set(pattern) - {"label", "pattern", "id"}:
            problems.append(f"pattern {number}: expected an object with label and pattern.")
            continue
        label, body = pattern.get("label"), pattern.get("pattern")
        if label not in known:
            problems.append(
                f"pattern {number}: unknown label {label!r}: this project's labels are "
                f"{', '.join(sorted(known)) or 'none'}."
            )
            continue
        if isinstance(body, str):
            if not body.strip():
                problems.append(f"pattern {number}: the phrase is empty.")
                continue
        elif isinstance(body, list) and body and all(isinstance(t, Mapping) for t in body):
            try:
                matcher.add(str(number), [body])
            except (ValueError, TypeError, KeyError) as error:
                lines = str(error).strip().splitlines()
                why = "; ".join(ln[2:] for ln in lines if ln.startswith("- ")) or lines[-1]
                problems.append(f"pattern {number}: spaCy refuses the token pattern: {why}")
                continue
        else:
            problems.append(
                f"pattern {number}: 'pattern' must be a phrase (a string) or a token "
                "pattern (a list of token objects)."
            )
            continue
        kept = {"label": label, "pattern": body}
        if "id" in pattern:
            kept["id"] = pattern["id"]
        checked.append(kept)
    if problems:
        raise PatternsRefused(problems)
    return checked


class Rules:
    """A rule set's matchers, built once and run on many texts."""

    def __init__(self, patterns: Sequence[Mapping[str, Any]], *, case_sensitive: bool):
        nlp = self.nlp = blank()
        self.phrases = PhraseMatcher(nlp.vocab, attr="ORTH" if case_sensitive else "LOWER")
        self.tokens = Matcher(nlp.vocab)
        phrases: dict[str, list[str]] = {}
        tokens: dict[str, list[list]] = {}
        for pattern in patterns:
            body = pattern["pattern"]
            target = phrases if isinstance(body, str) else tokens
            target.setdefault(pattern["label"], []).append(body)
        for label, texts in phrases.items():
            self.phrases.add(label, list(nlp.tokenizer.pipe(texts)))
        for label, lists in tokens.items():
            self.tokens.add(label, lists)
        self.has_tokens = bool(tokens)

    def matches(self, texts: Iterable[str]) -> Iterator[list[tuple[int, int, str]]]:
        """For each text, its matches as (start, end, label name) in code points, each once."""
        strings = self.nlp.vocab.strings
        for doc in self.nlp.tokenizer.pipe(texts, batch_size=PIPE_BATCH):
            found = list(self.phrases(doc))
            if self.has_tokens:
                found += self.tokens(doc)
            places = {
                (doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), strings[match_id])
                for match_id, start, end in found
            }
            yield sorted(places)
