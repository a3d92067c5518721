"""The label palette: readable under the label's white text, and no two colours alike."""

import re
from itertools import combinations
from pathlib import Path

import pytest

from annotator import palette

CSS = Path(palette.__file__).parent / "static" / "annotator" / "margin.css"


@pytest.mark.parametrize("color", palette.PALETTE)
def test_every_palette_colour_keeps_its_text_readable(color):
    assert palette.contrast(color, palette.TEXT_ON_LABEL) >= palette.MIN_CONTRAST


@pytest.mark.parametrize(("first", "second"), list(combinations(palette.PALETTE, 2)))
def test_every_pair_of_palette_colours_looks_different(first, second):
    assert palette.difference(first, second) >= palette.MIN_DIFFERENCE


def test_the_text_colour_checked_is_the_one_the_stylesheet_draws_on_labels():
    css = CSS.read_text()
    for selector in (r"\.chip \{", r"\.hl\[data-end-labels\]::after \{"):
        rule = re.search(selector + r"[^}]*", css).group(0)
        assert re.search(r"[^-]color: #fff\b", rule), selector
    assert palette.TEXT_ON_LABEL == "#ffffff"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # Sharma, Wu and Dalal (2005), table 1: pairs 1, 7, 17, 25 and 34.
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
    ],
)
def test_ciede2000_gives_the_published_differences(first, second, expected):
    assert palette.lab_difference(first, second) == pytest.approx(expected, abs=1e-4)


def test_wcag_contrast_of_known_pairs():
    assert palette.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # The usual "lightest grey for text on white": #767676 passes, #777777 does not.
    assert palette.readable("#767676") and not palette.readable("#777777")


def test_a_new_label_takes_the_first_colour_unlike_every_colour_in_use():
    assert palette.next_color([]) == palette.PALETTE[0]
    assert palette.next_color([palette.PALETTE[0].upper()]) == palette.PALETTE[1]
    # A hand-picked colour close to the first palette colour counts as using it.
    assert palette.difference("#cc2211", palette.PALETTE[0]) < palette.MIN_DIFFERENCE
    assert palette.next_color(["#cc2211"]) == palette.PALETTE[1]


def test_with_every_colour_taken_the_farthest_from_those_in_use_comes_next():
    used = [*palette.PALETTE[:-1], "#000000"]
    chosen = palette.next_color(used)
    assert chosen == palette.PALETTE[-1]
    assert palette.next_color(palette.PALETTE) in palette.PALETTE


def test_the_demo_labels_are_palette_colours_and_look_different(demo):
    colors = {label.name: label.color for label in demo.labels.all()}
    assert set(colors.values()) <= set(palette.PALETTE)
    for first, second in combinations(colors, 2):
        assert palette.difference(colors[first], colors[second]) >= palette.MIN_DIFFERENCE, (
            first,
            second,
        )
    alike = ["WEAPONS", "MILITARY_COOPERATION", "LOCATION"]
    for first, second in combinations(alike, 2):
        assert palette.difference(colors[first], colors[second]) >= palette.MIN_DIFFERENCE
