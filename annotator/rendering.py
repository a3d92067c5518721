"""HTML for the workspace: the article with its spans highlighted, and guidelines.

The article is rendered in Python rather than in a template loop because it is the hot
path of every tag an analyst makes (a 20,000-character text with 500 spans is about a
thousand segments), and because every character must reach the page exactly: the
browser's text must equal ``document.text`` so that offsets can be converted back.
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import NamedTuple, Protocol

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


def segments(length: int, spans: Iterable[SpanLike]) -> list[Segment]:
    """Cut [0, length) at every span boundary; each piece knows the spans over it."""
    spans = sorted(spans, key=lambda s: (s.start, -s.end))
    cuts = sorted({0, length, *(s.start for s in spans), *(s.end for s in spans)})
    result: list[Segment] = []
    active: list[SpanLike] = []
    upcoming = 0
    for start, end in itertools.pairwise(cuts):
        active = [s for s in active if s.end > start]
        while upcoming < len(spans) and spans[upcoming].start <= start:
            if spans[upcoming].end > start:
                active.append(spans[upcoming])
            upcoming += 1
        covering = tuple(sorted(active, key=lambda s: (s.end - s.start, s.start)))
        result.append(Segment(start, end, covering, tuple(s for s in covering if s.end == end)))
    return result


def article_escape(text: str) -> str:
    """Escaped so that the page's text is ``document.text`` exactly, carriage returns too:
    the HTML parser turns every CR LF of the page into LF (and a lone CR into LF), which
    would shift each offset after a line break by one. A character reference is not
    touched by that step, so each CR is written as one."""
    return escape(text).replace("\r", "&#13;")


def article_html(text: str, spans: Sequence[SpanLike], label_names: dict[int, str]) -> SafeString:
    """The text as segments; highlighted ones carry their spans' ids and label classes.

    ``data-start`` is the segment's offset in code points: the workspace script counts
    from there. Label names are shown by CSS (``data-end-labels``) so that they are
    visible to readers but not part of the selectable text.
    """
    parts: list[str] = []
    for segment in segments(len(text), spans):
        piece = article_escape(text[segment.start : segment.end])
        if not segment.covering:
            parts.append(f'<span class="seg" data-start="{segment.start}">{piece}</span>')
            continue
        first = segment.covering[0]
        classes = f"seg hl c1-{first.label_id}"
        if len(segment.covering) > 1:
            classes += f" c2-{segment.covering[1].label_id} stacked"
        ids = " ".join(str(s.id) for s in segment.covering)
        names = " ".join(
            escape(label_names.get(s.label_id, "?"))
            for s in sorted(segment.covering, key=lambda s: s.start)
        )
        ending = " · ".join(escape(label_names.get(s.label_id, "?")) for s in segment.ending)
        end_attr = f' data-end-labels="{ending}"' if ending else ""
        parts.append(
            f'<mark class="{classes}" data-start="{segment.start}" data-spans="{ids}"'
            f' title="{names}"{end_attr}>{piece}</mark>'
        )
    return mark_safe("".join(parts))


def span_items_html(
    text: str, spans: Sequence[SpanRow], label_names: dict[int, str], delete_url: str
) -> SafeString:
    """The span list's rows: choose a span (to relabel or delete it by key), or delete it.

    ``delete_url`` has a ``{}`` where the span id goes. Rendered here for the same reason
    as the article: hundreds of rows, re-rendered after every tag.
    """
    rows = []
    for span in spans:
        label = escape(label_names.get(span.label_id, "?"))
        quoted = escape(_shortened(text[span.start : span.end]))
        rejected = (
            f'<p class="rejected"><strong>Rejected by review:</strong> {escape(span.rejected)}</p>'
            if span.rejected
            else ""
        )
        rows.append(
            f'<li class="span-row" data-span="{span.id}">'
            f'<button type="button" class="span-choose c1-{span.label_id}" data-span="{span.id}"'
            f' aria-label="Choose {label} span “{quoted}” at {span.start}–{span.end}">'
            f'<span class="chip">{label}</span> <span class="span-text">{quoted}</span></button>'
            f'<button type="button" class="span-delete" hx-post="{delete_url.format(span.id)}"'
            f' hx-target="#annotation" hx-swap="outerHTML"'
            f' aria-label="Delete {label} span “{quoted}”">✕</button>{rejected}</li>'
        )
    return mark_safe("".join(rows))


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
