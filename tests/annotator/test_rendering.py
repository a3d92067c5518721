import random
from dataclasses import dataclass

from django.template.loader import render_to_string

from annotator.patches import Change, stretch
from annotator.rendering import article_pieces, paragraph_starts, segments, trimmed


@dataclass
class S:
    id: int
    start: int
    end: int
    label_id: int


def test_segments_cover_the_text_exactly_once():
    spans = [S(1, 2, 6, 1), S(2, 4, 9, 2), S(3, 4, 5, 1)]
    parts = segments(12, spans)
    assert [(p.start, p.end) for p in parts] == [(0, 2), (2, 4), (4, 5), (5, 6), (6, 9), (9, 12)]
    assert [tuple(s.id for s in p.covering) for p in parts] == [
        (),
        (1,),
        (3, 1, 2),
        (1, 2),
        (2,),
        (),
    ]
    assert [tuple(s.id for s in p.ending) for p in parts] == [(), (), (3,), (1,), (2,), ()]


def article_html(text, spans, names, **stretch):
    pieces = article_pieces(text, spans, names, **stretch)
    return render_to_string("annotator/workspace.html#article-pieces", {"pieces": pieces})


def test_article_html_escapes_and_marks():
    html = article_html("<b>&x", [S(7, 3, 5, 1)], {1: "WEAPONS"})
    assert html == (
        '<p class="para"><span class="seg" data-start="0">&lt;b&gt;</span>'
        '<mark class="seg hl c1-1" data-start="3" data-spans="7" title="WEAPONS"'
        ' data-end-labels="WEAPONS">&amp;x</mark></p>'
    )


def test_trimmed_drops_surrounding_whitespace_including_nbsp():
    text = " \u00a0word\n "
    assert trimmed(text, 0, len(text)) == (2, 6)


def test_carriage_returns_reach_the_page_as_references():
    assert article_html("a\r\nb\rc", [], {}) == (
        '<p class="para"><span class="seg" data-start="0">a&#13;\n</span></p>'
        '<p class="para"><span class="seg" data-start="3">b&#13;</span></p>'
        '<p class="para"><span class="seg" data-start="5">c</span></p>'
    )


def test_paragraphs_start_after_each_kind_of_line_break():
    assert paragraph_starts("") == []
    assert paragraph_starts("one") == [0]
    assert paragraph_starts("a\nb\r\nc\rd\n\ne\n") == [0, 2, 5, 7, 9, 10]
    # A CR LF is one break: no paragraph starts between its two characters.
    assert paragraph_starts("\r\n\r\n") == [0, 2]


def test_a_span_across_a_line_break_is_drawn_once_in_each_paragraph():
    html = article_html("ab\ncd\n\ne", [S(4, 1, 5, 2)], {2: "PLACE"})
    assert html == (
        '<p class="para"><span class="seg" data-start="0">a</span>'
        '<mark class="seg hl c1-2" data-start="1" data-spans="4" title="PLACE">b\n</mark></p>'
        '<p class="para"><mark class="seg hl c1-2" data-start="3" data-spans="4" title="PLACE"'
        ' data-end-labels="PLACE">cd</mark><span class="seg" data-start="5">\n</span></p>'
        '<p class="para"><span class="seg" data-start="6">\n</span></p>'
        '<p class="para"><span class="seg" data-start="7">e</span></p>'
    )


def test_a_patch_draws_its_pieces_without_text_or_paragraphs():
    pieces = article_pieces("ab\ncd", [S(4, 1, 5, 2)], {2: "PLACE"}, start=1, end=5)
    html = render_to_string(
        "annotator/workspace.html#article-pieces", {"pieces": pieces, "bare": True}
    )
    assert html == (
        '<mark class="seg hl c1-2" data-start="1" data-spans="4" title="PLACE"></mark>'
        '<mark class="seg hl c1-2" data-start="3" data-spans="4" title="PLACE"'
        ' data-end-labels="PLACE"></mark>'
    )


def test_a_changed_stretch_is_drawn_as_the_whole_article_draws_it_there():
    """What a change answers with must fit the page: the pieces of the stretch it redraws
    are exactly the whole article's pieces between the same two offsets, and the stretch
    stays inside the paragraphs the change touched."""
    rng = random.Random(7)
    length = 300
    for round_ in range(300):
        # Every other text has paragraphs (LF, CR LF and lone CR breaks), some of them short.
        breaks = [0]
        if round_ % 2:
            breaks += sorted(rng.sample(range(1, length), rng.randint(1, 12)))
        spans = []
        for pk in range(1, rng.randint(2, 25)):
            start = rng.randrange(length - 1)
            spans.append(S(pk, start, rng.randint(start + 1, min(length, start + 30)), pk % 3))
        changed = rng.choice(spans)
        old = S(changed.id, rng.randrange(length - 1), 0, 9)
        old.end = rng.randint(old.start + 1, length)
        change = rng.choice(
            [Change(after=(changed,)), Change(before=(changed,)), Change((old,), (changed,))]
        )
        now = [s for s in spans if s.id != changed.id or change.after]
        was = [s for s in now if s.id not in change.ids] + list(change.before)
        start, end = stretch(now, change, length, breaks)
        whole_before = segments(length, was, breaks=breaks)
        whole_after = segments(length, now, breaks=breaks)
        part = segments(length, now, start=start, end=end, breaks=breaks)
        # The stretch begins and ends where both the page (before) and the answer cut.
        assert start in {p.start for p in whole_before} and start in {p.start for p in whole_after}
        assert end in {p.end for p in whole_before} | {length}
        assert part == [p for p in whole_after if start <= p.start and p.end <= end]
        # It reaches no paragraph the change did not touch.
        touched = [*change.before, *change.after]
        low, high = min(s.start for s in touched), max(s.end for s in touched)
        assert max(b for b in breaks if b <= low) <= start
        assert end <= min([b for b in breaks if b >= high] + [length])
