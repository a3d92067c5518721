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


def stratified(
    strata: dict[int, tuple[str, ...]], seed: int, fractions: tuple[float, float, float]
) -> dict[int, str]:
    """Each document's split, made within each stratum (the documents with the same set of
    document labels): a stratum's documents in the order of their ``split_point`` take
    train, dev and test in the given fractions, by rank. Still only a function of the ids,
    the labels and the seed; but a document added to a stratum may move others of it (the
    price of exact fractions per stratum), which a plain split never does."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for document_id, labels in strata.items():
        groups.setdefault(labels, []).append(document_id)
    splits: dict[int, str] = {}
    for ids in groups.values():
        ids.sort(key=lambda document_id: (split_point(document_id, seed), document_id))
        for rank, document_id in enumerate(ids):
            point = (rank + 0.5) / len(ids)
            bound, name = 0.0, None
            for candidate, fraction in zip(SPLIT_NAMES, fractions, strict=True):
                bound += fraction
                if point < bound:
                    name = candidate
                    break
            if name is None:
                pairs = zip(SPLIT_NAMES, fractions, strict=True)
                name = next(n for n, fraction in reversed(list(pairs)) if fraction > 0)
            splits[document_id] = name
    return splits
