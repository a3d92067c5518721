"""Exports: no layer but ``suggestions`` holds an undecided suggestion, in any format;
accepted spans carry their ``origin``, and the card counts spans per origin."""

import io
import json
import zipfile

import pytest
from spacy.tokens import DocBin

from annotator import services
from annotator.exports.engine import Export
from annotator.exports.options import FORMAT_CHOICES, options_parse
from annotator.models import Label
from annotator.suggestions import Suggestion
from annotator.tokens import pipeline

MARK = "SUGGESTEDONLY"  # a label only the undecided suggestion has


def export(project, user, **params) -> tuple[Export, bytes]:
    options = options_parse(params, project=project, user=user)
    run = Export(project=project, options=options)
    return run, b"".join(run.stream())


@pytest.fixture
def suggested(annotated):
    """``annotated`` with an undecided suggestion (label MARK) on "arrived", and one accepted
    by alice (source "gaz") on "Vladimir Putin"."""
    project, document = annotated["project"], annotated["tricky"]
    mark = Label.objects.create(project=project, name=MARK, order=20)
    start = document.text.index("arrived")
    Suggestion.objects.create(
        project=project, document=document, label=mark, start=start, end=start + 7, source="rules:x"
    )
    plain = annotated["plain"]
    start = plain.text.index("Vladimir Putin")
    accepted = Suggestion.objects.create(
        project=project,
        document=plain,
        label=project.labels.get(name="PERSON"),
        start=start,
        end=start + 14,
        source="gaz",
    )
    services.suggestion_accept(suggestion=accepted, user=annotated["alice"])
    return annotated


def readable(data: bytes, format_: str) -> str:
    """What an export says, as text: every member of a zip but the card, a DocBin's
    entity labels."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                readable(archive.read(name), format_)
                for name in archive.namelist()
                if not name.endswith("card.json") and not name.endswith(".conf")
            )
    if format_ == "spacy":
        docs = DocBin().from_bytes(data).get_docs(pipeline().vocab)
        return "\n".join(ent.label_ for doc in docs for ent in doc.ents)
    return data.decode()


@pytest.mark.parametrize("format_", FORMAT_CHOICES)
@pytest.mark.parametrize("layer", ["all", "gold", "majority", "mine", "user:alice"])
def test_no_dataset_layer_holds_an_undecided_suggestion(suggested, format_, layer):
    user = suggested["alice"] if layer == "mine" else suggested["manager"]
    run, data = export(suggested["project"], user, format=format_, layer=layer)
    assert MARK not in readable(data, format_)
    assert run.report.labels.get(MARK, 0) == 0


@pytest.mark.parametrize("format_", FORMAT_CHOICES)
def test_the_suggestions_layer_holds_them(suggested, format_):
    run, data = export(
        suggested["project"], suggested["manager"], format=format_, layer="suggestions"
    )
    assert run.report.labels[MARK] == 1
    if format_ in {"jsonl", "doccano", "csv", "conll", "hf", "spacy"}:
        assert MARK in readable(data, format_)


def test_jsonl_spans_carry_their_origin_and_the_card_counts_them(suggested):
    project, manager = suggested["project"], suggested["manager"]
    run, data = export(project, manager, format="jsonl", layer="user:alice")
    spans = [span for line in data.splitlines() for span in json.loads(line)["spans"]]
    origins = {(span["text"], span["origin"]) for span in spans}
    assert ("Vladimir Putin", "gaz") in origins
    assert {origin for _, origin in origins} == {None, "gaz"}
    card = run.card()
    by_hand = sum(1 for span in spans if span["origin"] is None)
    assert card["counts"]["origins"] == [
        {"origin": None, "spans": by_hand},
        {"origin": "gaz", "spans": 1},
    ]
    run, data = export(project, manager, format="jsonl", layer="suggestions")
    spans = [span for line in data.splitlines() for span in json.loads(line)["spans"]]
    assert sorted((s["origin"], s["layer"], s["annotator"]) for s in spans) == [
        ("gaz", "suggestions", None),
        ("rules:x", "suggestions", None),
    ]


def test_annotators_may_not_export_the_suggestion_layer(suggested, client_for):
    from annotator.permissions import can_export_layer

    project = suggested["project"]
    assert not can_export_layer(suggested["alice"], project, "suggestions")
    assert can_export_layer(suggested["reviewer"], project, "suggestions")
