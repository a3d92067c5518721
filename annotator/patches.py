"""What the workspace's answer to a change carries: only what the change altered.

After a tag, relabel, delete or undo the page already holds the article and the span list;
redrawing them whole cost a 20,000-character article with 500 spans about 325 KB and up to
a second in the browser per tag. The answer instead names the stretch of the article the
change redrew (between the nearest boundaries of spans it did not touch, which the page
has already cut the article at) and the rows of the span list to take out and put in.

That is only right if the page shows the layer as it was just before the change. The page
holds a ``digest`` of the layer it shows and sends it with each change; when it is not the
digest of the layer before this change (another tab, an API script or a manager changed
the layer meanwhile), the answer is the whole ``#annotation`` as before.
"""

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .rendering import SpanLike, paragraph_around

_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class Change:
    """The spans one write touched, as they were and as they are (a deleted span has no
    "after", a new one no "before")."""

    before: tuple[SpanLike, ...] = ()
    after: tuple[SpanLike, ...] = ()

    @property
    def ids(self) -> set[int]:
        return {span.id for span in (*self.before, *self.after)}


def _key(span: SpanLike) -> int:
    # A tuple of ints hashes the same in every process (only str hashes are salted).
    return hash((span.id, span.start, span.end, span.label_id))


def digest(spans: Iterable[SpanLike]) -> str:
    """A fingerprint of a layer that ignores order."""
    return format(sum(map(_key, spans)) & _MASK, "x")


def digests(spans: Sequence[SpanLike], change: Change) -> tuple[str, str]:
    """The layer's digest before ``change`` (what the page held if it showed the layer
    then) and now, ``spans`` being the layer now: one pass over it."""
    total = sum(map(_key, spans))
    before = total - sum(map(_key, change.after)) + sum(map(_key, change.before))
    return format(before & _MASK, "x"), format(total & _MASK, "x")


def stretch(
    spans: Sequence[SpanLike], change: Change, length: int, breaks: Sequence[int] = ()
) -> tuple[int, int]:
    """The stretch of the article to redraw: from the last cut before the change's first
    offset to the first one after its last, a cut being a boundary of a span the change
    did not touch, a paragraph start (``breaks``, as ``rendering.paragraph_starts``) or an
    end of the text. Both the page and the answer cut the article there; and a stretch
    that stays inside the paragraphs the change touched costs the browser the layout of
    those paragraphs only."""
    touched = (*change.before, *change.after)
    low = min(span.start for span in touched)
    high = max(span.end for span in touched)
    edges = [edge for span in spans for edge in (span.start, span.end)]
    next_break = bisect.bisect_left(breaks, high)
    return (
        max(max((edge for edge in edges if edge < low), default=0), paragraph_around(breaks, low)),
        min(
            min((edge for edge in edges if edge > high), default=length),
            breaks[next_break] if next_break < len(breaks) else length,
        ),
    )
