"""The parameters of an export, read from a query string (API, web page) or the command line.

Every problem is reported against the parameter it concerns, so that the API can answer
400 ``{"layer": ["…"]}`` and the page can show the message beside the field.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..layers import Layer, UnknownLayer, layer_parse
from ..models import Project

FORMAT_CHOICES = ("jsonl", "doccano", "conll", "spacy", "hf", "brat", "csv")
STATUS_CHOICES = ("any", "complete")
SPLIT_NAMES = ("train", "dev", "test")
PARAMETERS = ("format", "layer", "status", "labels", "split", "seed", "stratify")


class BadParameter(ValueError):
    """Export parameters that cannot be used; ``errors`` maps a parameter to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{key}: {' '.join(value)}" for key, value in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ExportOptions:
    format: str
    layer: Layer
    status: str
    labels: tuple[str, ...]  # empty: every label of the project
    split: tuple[float, float, float] | None
    seed: int
    # The split made within each set of document labels (``split.stratified``).
    stratify: bool = False

    def query(self) -> dict[str, str]:
        """The options as query parameters, e.g. for the card's URL."""
        params = {"format": self.format, "layer": self.layer.name, "status": self.status}
        if self.labels:
            params["labels"] = ",".join(self.labels)
        if self.split:
            params["split"] = ",".join(f"{fraction:g}" for fraction in self.split)
        params["seed"] = str(self.seed)
        if self.stratify:
            params["stratify"] = "1"
        return params


def options_parse(params: Mapping[str, str], *, project: Project, user) -> ExportOptions:
    """Read and check the parameters; raises ``BadParameter`` naming each bad one."""
    errors: dict[str, list[str]] = {}

    def get(name: str, default: str) -> str:
        value = params.get(name)
        return default if value is None or value.strip() == "" else value.strip()

    format_ = get("format", "jsonl")
    if format_ not in FORMAT_CHOICES:
        errors["format"] = [f"Unknown format {format_!r}: use one of {', '.join(FORMAT_CHOICES)}."]

    layer = None
    try:
        layer = layer_parse(get("layer", "all"), project=project, user=user)
    except UnknownLayer as error:
        errors["layer"] = [str(error)]

    status = get("status", "any")
    if status not in STATUS_CHOICES:
        errors["status"] = [f"Unknown status {status!r}: use any or complete."]

    labels: tuple[str, ...] = ()
    # The web form sends one ``labels`` per ticked box, the API ``labels=A,B``: both work.
    raw_labels = ",".join(params.getlist("labels")) if hasattr(params, "getlist") else ""
    raw_labels = raw_labels.strip() or get("labels", "")
    if raw_labels:
        labels = tuple(dict.fromkeys(name.strip() for name in raw_labels.split(",") if name))
        known = set(project.labels.values_list("name", flat=True))
        unknown = [name for name in labels if name not in known]
        if unknown:
            errors["labels"] = [
                f"Unknown label(s) {', '.join(map(repr, unknown))}: this project's labels "
                f"are {', '.join(sorted(known)) or 'none'}."
            ]

    split = None
    raw_split = get("split", "")
    if raw_split:
        split, message = _split_parse(raw_split)
        if message:
            errors["split"] = [message]

    seed = 0
    try:
        seed = int(get("seed", "0"))
    except ValueError:
        errors["seed"] = [f"The seed must be a whole number, not {params.get('seed')!r}."]

    stratify = get("stratify", "0")
    if stratify not in {"0", "1"}:
        errors["stratify"] = [f"Give stratify=1 (or 0), not {stratify!r}."]
    elif stratify == "1" and not raw_split:
        errors["stratify"] = ["stratify=1 stratifies a split: give split too, e.g. 0.8,0.1,0.1."]

    if errors:
        raise BadParameter(errors)
    return ExportOptions(
        format=format_,
        layer=layer,
        status=status,
        labels=labels,
        split=split,
        seed=seed,
        stratify=stratify == "1",
    )


def _split_parse(raw: str) -> tuple[tuple[float, float, float] | None, str]:
    usage = "Give three fractions for train, dev and test that sum to 1, e.g. 0.8,0.1,0.1."
    parts = raw.split(",")
    if len(parts) != 3:
        return None, f"{usage} Got {len(parts)} value(s)."
    try:
        fractions = tuple(float(part) for part in parts)
    except ValueError:
        return None, f"{usage} {raw!r} is not three numbers."
    if any(not math.isfinite(f) or f < 0 for f in fractions):
        return None, f"{usage} Fractions cannot be negative."
    if abs(sum(fractions) - 1) > 1e-6:
        return None, f"{usage} These sum to {sum(fractions):g}."
    return fractions, ""  # type: ignore[return-value]
