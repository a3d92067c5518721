"""The dataset card: what an export holds and how it was made, so a dataset explains itself.

The ``Report`` is filled while records stream by; ``card()`` turns it into JSON. Problem
spans (dropped, merged, adjusted) are counted in full, but only the first
``EXAMPLES_KEPT`` of each kind are listed, so that the card stays small — and the export
constant in memory — however many there are.
"""

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from django.utils import timezone

from ..ner_models import MODEL_PREFIX, NerModel
from .rules import Problem

EXAMPLES_KEPT = 1000
OFFSET_UNIT = "unicode code points, half-open [start, end)"


@lru_cache(maxsize=1)
def margin_version() -> str:
    try:
        return metadata.version("margin")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        return tomllib.loads(pyproject.read_text())["project"]["version"]


@dataclass
class Problems:
    """Spans of one kind (dropped, merged, adjusted): a full count, the first few listed."""

    total: int = 0
    reasons: Counter = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, document: tuple[int, str | None], problems: list[Problem]) -> None:
        for span, reason in problems:
            self.total += 1
            self.reasons[reason.split(":")[0].split(" [")[0]] += 1
            if len(self.examples) < EXAMPLES_KEPT:
                self.examples.append(
                    {
                        "document": document[0],
                        "external_id": document[1],
                        "start": span.start,
                        "end": span.end,
                        "label": span.label,
                        "annotator": span.annotator,
                        "reason": reason,
                    }
                )

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_reason": dict(sorted(self.reasons.items())),
            "spans": self.examples,
            "listed": len(self.examples),
        }


@dataclass
class Report:
    documents: int = 0
    spans: int = 0
    labels: Counter = field(default_factory=Counter)
    splits: dict[str, Counter] = field(default_factory=dict)
    annotators: set[str] = field(default_factory=set)
    dropped: Problems = field(default_factory=Problems)
    merged: Problems = field(default_factory=Problems)
    adjusted: Problems = field(default_factory=Problems)
    unreviewed: int = 0  # documents of a gold export whose gold layer nobody reviewed
    origins: Counter = field(default_factory=Counter)  # spans by origin (None: by hand)
    categories: Counter = field(default_factory=Counter)  # document labels given, by label

    def count(
        self,
        split: str | None,
        labels: list[str],
        annotators: set[str],
        origins: list[str | None] = (),
    ) -> None:
        """One exported document with the labels (and origins) of its exported spans."""
        self.documents += 1
        self.origins.update(origins)
        self.spans += len(labels)
        self.labels.update(labels)
        self.annotators |= annotators
        if split is not None:
            counts = self.splits.setdefault(split, Counter())
            counts["documents"] += 1
            counts["spans"] += len(labels)

    def lines(self) -> list[str]:
        """What was not exported as stored, one line each, for the page and the command."""
        lines = []
        for word, problems in (
            ("dropped", self.dropped),
            ("merged", self.merged),
            ("adjusted", self.adjusted),
        ):
            if problems.total:
                reasons = ", ".join(f"{n} {why}" for why, n in sorted(problems.reasons.items()))
                lines.append(f"{problems.total} span(s) {word}: {reasons}.")
        return lines


def unreviewed_note(unreviewed: int, documents: int) -> str:
    """What a gold export of documents not all reviewed must say (card, page, command)."""
    if not unreviewed:
        return f"All {documents} document(s) in this export have been reviewed."
    verb, whose = ("has", "its") if unreviewed == 1 else ("have", "their")
    return (
        f"{unreviewed} of {documents} document{'' if documents == 1 else 's'} in this export "
        f"{verb} not been reviewed: {whose} gold layer may be incomplete."
    )


FORMAT_NOTES = {
    "jsonl": "Native Margin JSONL: one document a line with every span of the layer.",
    "doccano": "doccano JSONL {text, label: [[start, end, LABEL]]}; identical spans from "
    "several annotators are merged into one.",
    "conll": "CoNLL-2003-style IOB2, token<TAB>tag, -DOCSTART-<TAB>O before each document, "
    "a blank line after each sentence; spaCy tokens (blank 'en' + sentencizer), whitespace "
    "tokens left out; a sentence break inside a span is ignored.",
    "spacy": "spaCy DocBin (.spacy) with doc.ents, for `spacy train`. Token arrays are "
    "spooled to a temporary file on the server while it is written (a DocBin states its "
    "sizes before its data), so memory stays constant.",
    "hf": "JSONL, one sentence a record: tokens and ner_tags (IOB2 strings, see tag_names), "
    "for datasets.load_dataset('json', data_files=…).",
    "brat": "brat standoff: a .txt and an .ann per document; offsets are code points into "
    "the .txt (UTF-8). A span across a line break is written as fragments; the annotator "
    "is an AnnotatorNotes line.",
    "csv": "CSV, one span a row, UTF-8 without BOM. Text cells starting with = + - @ tab or "
    "CR are prefixed with ' (OWASP CSV injection rule), so that a spreadsheet shows them as "
    "text: for such a span, text is the span's text with that ' in front.",
}

RULES = {
    "keep_all": "Every span of the layer is exported, overlapping or not.",
    "distinct": "Identical spans (same start, end, label) from several annotators are "
    "merged into one and reported as merged.",
    "flat": "IOB tags and doc.ents cannot overlap: identical spans are merged; of "
    "overlapping spans the longest is kept, then the earliest, then by label and annotator; "
    "the others are dropped. Kept spans are contracted to the whole non-whitespace spaCy "
    "tokens inside them (alignment_mode='contract'); a changed span is reported as "
    "adjusted, a span with no whole token inside as dropped.",
}


def card(*, export, report: Report, tag_names: list[str] | None = None) -> dict[str, Any]:
    """The dataset card of an export, as JSON-ready data."""
    options = export.options
    project = export.project
    data: dict[str, Any] = {
        "margin_version": margin_version(),
        "created_at": timezone.now().isoformat(),
        "project": {"id": project.pk, "name": project.name},
        "format": options.format,
        "format_notes": FORMAT_NOTES[options.format],
        "offset_unit": OFFSET_UNIT,
        "layer": options.layer.name,
        "status": options.status,
        "labels": list(options.labels) or export.label_names,
        "split": (
            {"train": options.split[0], "dev": options.split[1], "test": options.split[2]}
            if options.split
            else None
        ),
        "seed": options.seed,
        "split_rule": "sha256(f'{seed}:{document_id}') as a number in [0, 1) against the "
        "cumulative fractions: depends only on the document id and the seed",
        "overlap_rule": RULES[export.format.rule],
        "documents": report.documents,
        "spans": report.spans,
        "counts": {
            "labels": {name: report.labels.get(name, 0) for name in export.label_names},
            "splits": {name: dict(counts) for name, counts in sorted(report.splits.items())},
            # A list, not an object: a span made by hand has the origin null, which no
            # source's name can be mistaken for.
            "origins": [
                {"origin": origin, "spans": count}
                for origin, count in sorted(
                    report.origins.items(), key=lambda pair: (pair[0] is not None, pair[0] or "")
                )
            ],
        },
        "annotators": sorted(report.annotators),
        "dropped": report.dropped.as_json(),
        "merged": report.merged.as_json(),
        "adjusted": report.adjusted.as_json(),
    }
    if options.layer.kind == "gold":
        data["review"] = {
            "documents": report.documents,
            "reviewed": report.documents - report.unreviewed,
            "unreviewed": report.unreviewed,
            "note": unreviewed_note(report.unreviewed, report.documents)
            + (" status=complete exports the reviewed ones only." if report.unreviewed else ""),
        }
    if options.layer.source is not None and options.layer.source.startswith(MODEL_PREFIX):
        data["model"] = model_card(project, options.layer.source)
    if export.has_document_labels:
        data["document_labels"] = export.document_label_names
        data["counts"]["document_labels"] = {
            name: report.categories.get(name, 0) for name in export.document_label_names
        }
        if options.stratify:
            data["split_rule"] = (
                "stratified by the set of document labels: within each set, the documents in "
                "the order of sha256(f'{seed}:{document_id}') take train, dev and test by rank"
            )
    if tag_names is not None:
        data["tag_names"] = tag_names
    return data


def model_card(project, source: str) -> dict[str, Any] | None:
    """The model whose suggestions an export holds: which version, learnt from how many
    gold documents, measured how."""
    version = int(source.removeprefix(MODEL_PREFIX))
    model = (
        NerModel.objects.filter(project=project, version=version)
        .only("version", "status", "documents", "evaluated", "metrics", "config", "finished_at")
        .first()
    )
    if model is None:
        return None
    return {
        "version": model.version,
        "source": model.source,
        "status": model.status,
        "trained_at": model.finished_at.isoformat() if model.finished_at else None,
        "documents": model.documents,
        "evaluated": model.evaluated,
        "metrics": model.metrics,
        "config": model.config,
        "note": "Predictions of a spaCy pipeline trained on this project's reviewed gold, on "
        "the documents not reviewed when it was run; every one, decided or not.",
    }
