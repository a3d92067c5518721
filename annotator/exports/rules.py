"""What a format does with spans it cannot hold, as explicit rules.

- ``keep_all`` (jsonl, csv, brat): every span, overlapping or not, with its annotator.
- ``distinct`` (doccano): a line has no annotator, so identical spans (same start, end and
  label) from several annotators become one; the others are reported as *merged*.
- ``flat`` (conll, hf, spacy): IOB tags and ``doc.ents`` cannot overlap. Identical spans
  are merged as above; of overlapping spans the longest is kept, then the earliest, then
  the first by label name and annotator; the others are *dropped* with the span they
  clash with as the reason.

Token formats then align the kept spans to spaCy tokens (``align``; the engine does the
same on whole arrays of a batch, see ``engine.Export._batch``): a span is contracted
to the whole non-whitespace tokens inside it (spaCy's ``alignment_mode="contract"``, minus
edge whitespace); a changed span is reported as *adjusted*, one with no whole token inside
as *dropped*. Contracting only shrinks spans, so aligned spans never overlap.
"""

from bisect import bisect_left, bisect_right
from itertools import pairwise
from operator import attrgetter
from typing import NamedTuple


class ExportSpan(NamedTuple):
    start: int
    end: int
    label: str
    annotator: str | None  # None for majority spans and suggestions: no one person's
    layer: str  # "annotator", "gold", "majority" or "suggestions"
    # The source of the suggestion the span was accepted from (a suggestion's own source);
    # None for spans made by hand and majority spans.
    origin: str | None = None
    # The stored span's (or suggestion's) id, which relations name (None for majority spans).
    id: int | None = None


_extent = attrgetter("start", "end")


class Problem(NamedTuple):
    span: ExportSpan
    reason: str


def distinct(spans: list[ExportSpan]) -> tuple[list[ExportSpan], list[Problem]]:
    """One span per (start, end, label); later duplicates reported as merged."""
    kept: dict[tuple[int, int, str], ExportSpan] = {}
    merged: list[Problem] = []
    for span in spans:
        key = (span.start, span.end, span.label)
        first = kept.get(key)
        if first is None:
            kept[key] = span
        else:
            merged.append(Problem(span, _same_as(first)))
    return list(kept.values()), merged


def flat(spans: list[ExportSpan]) -> tuple[list[ExportSpan], list[Problem], list[Problem]]:
    """Non-overlapping spans by the rule above: (kept, merged, dropped)."""
    unique, merged = distinct(spans)
    by_extent = sorted(unique, key=_extent)
    if all(a.end <= b.start for a, b in pairwise(by_extent)) and all(
        s.start < s.end for s in by_extent
    ):
        # No two overlap (the usual case): every span is kept, in order of start, which is
        # what the rule below gives too.
        return by_extent, merged, []
    order = sorted(unique, key=lambda s: (s.start - s.end, s.start, s.label, s.annotator or ""))
    # Kept spans never overlap, so sorted by start they are sorted by end too.
    starts: list[int] = []
    kept: list[ExportSpan] = []
    dropped: list[Problem] = []
    for span in order:
        at = bisect_left(starts, span.start)
        clash = None
        if at > 0 and kept[at - 1].end > span.start:
            clash = kept[at - 1]
        elif at < len(kept) and kept[at].start < span.end:
            clash = kept[at]
        if clash is None:
            starts.insert(at, span.start)
            kept.insert(at, span)
        else:
            dropped.append(
                Problem(
                    span,
                    f"overlaps [{clash.start}, {clash.end}) {clash.label}, which is kept "
                    "(longest span first, then earliest)",
                )
            )
    return kept, merged, dropped


def _same_as(first: ExportSpan) -> str:
    who = f"{first.annotator}'s" if first.annotator else "another"
    return f"duplicate: same start, end and label as {who} span, merged into one"


class Aligned(NamedTuple):
    span: ExportSpan
    first: int  # index of the first token inside the span
    last: int  # index after the last token inside


MISALIGNED = "misaligned: no whole token inside the span (rule: contract)"


def contracted(start: int, end: int, text: str) -> str:
    """The reason given for a span contracted to the whole tokens ``[start, end)``."""
    return f"contracted to whole tokens [{start}, {end}) {text[start:end]!r}"


def align(
    spans: list[ExportSpan], starts: list[int], ends: list[int], text: str
) -> tuple[list[Aligned], list[Problem], list[Problem]]:
    """Contract spans to whole tokens: (aligned, adjusted, dropped).

    ``starts`` and ``ends`` are the code-point offsets of the non-whitespace tokens, in order.
    """
    aligned: list[Aligned] = []
    adjusted: list[Problem] = []
    dropped: list[Problem] = []
    for span in spans:
        first = bisect_left(starts, span.start)
        last = bisect_right(ends, span.end)
        if first >= last:
            dropped.append(Problem(span, MISALIGNED))
            continue
        start, end = starts[first], ends[last - 1]
        if (start, end) != (span.start, span.end):
            adjusted.append(Problem(span, contracted(start, end, text)))
        aligned.append(Aligned(span, first, last))
    return aligned, adjusted, dropped
