"""Reproducible train/dev/test assignment.

A document's split depends only on its id and the seed: sha256 of ``"{seed}:{id}"`` read as
a number in [0, 1) and compared with the cumulative fractions. Adding documents to a
project never moves an old one; changing the seed or the fractions may.
"""

import hashlib

from .options import SPLIT_NAMES


def split_point(document_id: int, seed: int) -> float:
    """Where the document falls in [0, 1) for this seed."""
    digest = hashlib.sha256(f"{seed}:{document_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(document_id: int, seed: int, fractions: tuple[float, float, float]) -> str:
    """``"train"``, ``"dev"`` or ``"test"`` for the document."""
    point = split_point(document_id, seed)
    bound = 0.0
    for name, fraction in zip(SPLIT_NAMES, fractions, strict=True):
        bound += fraction
        if point < bound:
            return name
    # Rounding can leave the fractions a hair under 1: the last non-empty split takes it.
    named = list(zip(SPLIT_NAMES, fractions, strict=True))
    return next(name for name, fraction in reversed(named) if fraction > 0)
