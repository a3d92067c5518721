from dataclasses import dataclass

from annotator.rendering import article_html, segments, trimmed


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


def test_article_html_escapes_and_marks():
    html = article_html("<b>&x", [S(7, 3, 5, 1)], {1: "WEAPONS"})
    assert html == (
        '<span class="seg" data-start="0">&lt;b&gt;</span>'
        '<mark class="seg hl c1-1" data-start="3" data-spans="7" title="WEAPONS"'
        ' data-end-labels="WEAPONS">&amp;x</mark>'
    )


def test_trimmed_drops_surrounding_whitespace_including_nbsp():
    text = " \u00a0word\n "
    assert trimmed(text, 0, len(text)) == (2, 6)
