"""What the workspace draws: the article as paragraphs cut into pieces at span boundaries,
the span list's rows, and guidelines.

The HTML itself is in the workspace template's partials (``article-pieces``, ``span-row``);
this module works out what they show. Every character must reach the page exactly: the
browser's text must equal ``document.text`` so that offsets can be converted back, which is
what ``article_escape`` (the ``article_text`` filter) is for.

Each paragraph is its own block on the page: a change inside one then costs the browser
the layout of that paragraph, not of the whole article (one block of 20,000 characters and
~1,000 marks took it ~40 ms a change).
"""

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import NamedTuple, Protocol, TypedDict

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe


class SpanLike(Protocol):
    id: int
    start: int
    end: int
    label_id: int


class SpanRow(NamedTuple):
    """A span as the workspace needs it, read straight from the database."""

    id: int
    start: int
    end: int
    label_id: int
    rejected: str | None = None  # a reviewer's reason, shown to the analyst


@dataclass(frozen=True)
class Segment:
    """A stretch of text between two span boundaries, and the spans covering it."""

    start: int
    end: int
    covering: tuple[SpanLike, ...]  # innermost (shortest) first
    ending: tuple[SpanLike, ...]  # the spans that end with this segment


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def paragraph_starts(text: str) -> list[int]:
    """Where each paragraph begins: 0, and after each line break (LF, CR LF or a lone CR)
    that is not the text's last character. A paragraph keeps its line break at its end."""
    starts = [0] if text else []
    starts.extend(m.end() for m in _LINE_BREAK.finditer(text) if m.end() < len(text))
    return starts


def paragraph_around(breaks: Sequence[int], offset: int) -> int:
    """The start of the paragraph that holds ``offset`` (``breaks`` as ``paragraph_starts``)."""
    return breaks[bisect.bisect_right(breaks, offset) - 1] if breaks else 0


def segments(
    length: int,
    spans: Iterable[SpanLike],
    *,
    start: int = 0,
    end: int | None = None,
    breaks: Iterable[int] = (),
) -> list[Segment]:
    """Cut [start, end) (by default the whole text, [0, length)) at every span boundary
    and paragraph start (``breaks``) inside it; each piece knows the spans over it. The
    pieces of a stretch whose ends are such cuts are the same as those of the whole text
    there: the workspace redraws only the stretch a change touched."""
    end = length if end is None else end
    spans = sorted((s for s in spans if s.start < end and s.end > start), key=_reading)
    inside = (edge for s in spans for edge in (s.start, s.end) if start < edge < end)
    cuts = sorted({start, end, *inside, *(b for b in breaks if start < b < end)})
    result: list[Segment] = []
    active: list[SpanLike] = []
    upcoming = 0
    for left, right in itertools.pairwise(cuts):
        active = [s for s in active if s.end > left]
        while upcoming < len(spans) and spans[upcoming].start <= left:
            if spans[upcoming].end > left:
                active.append(spans[upcoming])
            upcoming += 1
        covering = tuple(sorted(active, key=lambda s: (s.end - s.start, s.start)))
        result.append(Segment(left, right, covering, tuple(s for s in covering if s.end == right)))
    return result


def _reading(span: SpanLike) -> tuple[int, int]:
    return span.start, -span.end


def article_escape(text: str) -> str:
    """Escaped so that the page's text is ``document.text`` exactly, carriage returns too:
    the HTML parser turns every CR LF of the page into LF (and a lone CR into LF), which
    would shift each offset after a line break by one. A character reference is not
    touched by that step, so each CR is written as one."""
    return escape(text).replace("\r", "&#13;")


class Piece(TypedDict):
    """One segment of the article as the ``article-pieces`` partial draws it.

    ``start`` is in code points: the workspace script counts from there. ``opens`` and
    ``closes`` say that a paragraph begins with this piece or ends with it; a span across
    a line break is drawn as one piece in each paragraph, alike but for ``ending``. Label
    names are
    shown by CSS (``ending``, as ``data-end-labels``) so that they are visible to readers
    but not part of the selectable text. Pieces and rows are dictionaries because the
    template engine looks a key up on its first try (an attribute on its second, after an
    exception): the article and list of a 500-span page render in 46 ms instead of 53.
    """

    start: int
    text: str
    label_id: int | None  # the innermost span's label (its colour)
    second_id: int | None  # the next span's, when spans are stacked here
    ids: str  # the covering spans' ids, innermost first
    names: str  # their labels in reading order (the tooltip)
    ending: str  # the labels of the spans that end here
    opens: bool
    closes: bool
    rejected: str  # review's reasons for rejecting the spans here (the analyst's own text)


def article_pieces(
    text: str,
    spans: Sequence[SpanLike],
    label_names: dict[int, str],
    *,
    start: int = 0,
    end: int | None = None,
    breaks: Sequence[int] | None = None,
) -> list[Piece]:
    """The article (or its stretch [start, end)) as pieces, highlighted where spans are,
    cut at paragraph starts (``breaks``, worked out from the text when not given)."""
    breaks = paragraph_starts(text) if breaks is None else breaks
    starts = set(breaks)
    pieces = []
    for segment in segments(len(text), spans, start=start, end=end, breaks=breaks):
        covering = segment.covering
        piece = Piece(
            start=segment.start,
            text=text[segment.start : segment.end],
            label_id=None,
            second_id=None,
            ids="",
            names="",
            ending="",
            opens=segment.start in starts,
            closes=segment.end in starts or segment.end == len(text),
            rejected="",
        )
        if covering:
            piece["label_id"] = covering[0].label_id
            piece["second_id"] = covering[1].label_id if len(covering) > 1 else None
            piece["ids"] = " ".join(str(s.id) for s in covering)
            piece["names"] = " ".join(
                label_names.get(s.label_id, "?") for s in sorted(covering, key=_reading)
            )
            piece["ending"] = " · ".join(label_names.get(s.label_id, "?") for s in segment.ending)
            piece["rejected"] = " · ".join(
                reason for s in covering if (reason := getattr(s, "rejected", None))
            )
        pieces.append(piece)
    return pieces


class Row(TypedDict):
    """One row of the span list (the ``span-rows`` partial): choose the span, to relabel or
    delete it by key, or delete it."""

    id: int
    start: int
    end: int
    label_id: int
    label: str
    quoted: str
    rejected: str | None


def span_rows(text: str, spans: Iterable[SpanRow], label_names: dict[int, str]) -> list[Row]:
    """The span list's rows, in the order given (reading order)."""
    return [
        Row(
            id=span.id,
            start=span.start,
            end=span.end,
            label_id=span.label_id,
            label=label_names.get(span.label_id, "?"),
            quoted=_shortened(text[span.start : span.end]),
            rejected=span.rejected,
        )
        for span in spans
    ]


def _shortened(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The offsets without leading and trailing whitespace (a selection often has some)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


GUIDELINE_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "a",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def markdown_html(source: str) -> SafeString:
    """Guidelines (Markdown) as HTML with only harmless tags and http(s)/mailto links."""
    html = markdown.markdown(source, extensions=["tables", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=GUIDELINE_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)
