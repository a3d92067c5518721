"""Label colours: a palette that stays readable and tells labels apart.

The workspace draws a label's name in white on its colour (the chips of the span list,
the tag after a span: ``.chip`` and ``.hl[data-end-labels]::after`` in margin.css), so
every colour keeps WCAG's 4.5:1 contrast with white. Colours must also look different
from one another: each pair of the palette is at least ``MIN_DIFFERENCE`` apart by
CIEDE2000, the CIE's colour-difference formula (about 2.3 is a just-noticeable
difference; 20 or more reads as another colour at a glance).
"""

import math
import re
from collections.abc import Iterable

TEXT_ON_LABEL = "#ffffff"  # what margin.css draws on a label's colour
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal text
MIN_DIFFERENCE = 20.0  # CIEDE2000, between any two colours of the palette

# Ten hues, each dark enough for white text, found by a farthest-point search over the
# colours with 4.6:1 or more (their closest pair is 21.7 apart); new labels take them in order.
PALETTE = [
    "#dd2200",  # red
    "#0066ff",  # blue
    "#008800",  # green
    "#bb00ff",  # violet
    "#996600",  # ochre
    "#007788",  # teal
    "#dd0077",  # pink
    "#444477",  # slate blue
    "#775555",  # brown
    "#555544",  # olive grey
]

HEX = re.compile(r"#[0-9a-fA-F]{6}")


def rgb(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` as three numbers 0–255."""
    if not HEX.fullmatch(color):
        raise ValueError(f"Not a #rrggbb colour: {color!r}")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""
    r, g, b = (_linear(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(color: str) -> bool:
    """Whether a label's text stays readable on this colour."""
    return contrast(color, TEXT_ON_LABEL) >= MIN_CONTRAST


def lab(color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour."""
    r, g, b = (_linear(c) for c in rgb(color))
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def difference(first: str, second: str) -> float:
    """CIEDE2000 colour difference of two ``#rrggbb`` colours."""
    return lab_difference(lab(first), lab(second))


def lab_difference(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    """CIEDE2000 difference of two L*a*b* colours (Sharma, Wu and Dalal's formulation)."""
    l1, a1, b1 = first
    l2, a2, b2 = second
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360

    dl = l2 - l1
    dc = c2p - c1p
    if c1p * c2p == 0:
        dh_angle = 0.0
    elif abs(h2p - h1p) <= 180:
        dh_angle = h2p - h1p
    elif h2p - h1p > 180:
        dh_angle = h2p - h1p - 360
    else:
        dh_angle = h2p - h1p + 360
    dh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh_angle / 2))

    l_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        h_mean = (h1p + h2p + 360) / 2
    else:
        h_mean = (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    rotation = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_t = -2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7)) * math.sin(math.radians(2 * rotation))
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh / s_h) ** 2 + r_t * (dc / s_c) * (dh / s_h)
    )


def next_color(used: Iterable[str]) -> str:
    """The colour for a new label: the first of the palette that looks different from
    every colour in use (``MIN_DIFFERENCE`` or more); when none does, the one farthest
    from the colours in use."""
    taken = [color.lower() for color in used if HEX.fullmatch(color)]
    if not taken:
        return PALETTE[0]

    def nearest(color: str) -> float:
        return min(difference(color, other) for other in taken)

    for color in PALETTE:
        if nearest(color) >= MIN_DIFFERENCE:
            return color
    return max(PALETTE, key=nearest)
