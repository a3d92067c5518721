"""The models page's learning curve: F1 on the evaluation slice against the number of gold
documents each version learnt from, drawn as a small SVG in the page (no script, no CDN)."""

from collections.abc import Iterable
from dataclasses import dataclass

WIDTH, HEIGHT = 480, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 10, 30  # room for the axes' numbers


@dataclass
class Point:
    version: int
    documents: int
    f1: float
    x: float
    y: float


@dataclass
class Curve:
    points: list[Point]
    path: str
    x_ticks: list[tuple[float, int]]
    y_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT


def curve(models: Iterable) -> Curve | None:
    """The ready models with an F1, by documents learnt from; None when there is none."""
    measured = sorted(
        (m for m in models if m.status == "ready" and m.f1 is not None),
        key=lambda m: (m.documents, m.version),
    )
    if not measured:
        return None
    most = max(m.documents for m in measured) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(documents: int) -> float:
        return round(LEFT + plot_w * documents / most, 1)

    def y(f1: float) -> float:
        return round(TOP + plot_h * (1 - f1), 1)

    points = [Point(m.version, m.documents, m.f1, x(m.documents), y(m.f1)) for m in measured]
    path = "M" + " L".join(f"{p.x},{p.y}" for p in points)
    x_ticks = sorted({(x(n), n) for n in (0, most // 2, most)})
    y_ticks = [(y(value), f"{value:.1f}") for value in (0.0, 0.5, 1.0)]
    return Curve(points, path, x_ticks, y_ticks)
