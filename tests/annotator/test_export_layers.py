"""Layers, status, label subsets and splits of the export engine (no HTTP)."""

import json

import pytest

from annotator.exports.engine import Export
from annotator.exports.options import BadParameter, options_parse
from annotator.exports.split import split_of
from annotator.layers import majority_spans
from corpus.models import Document


def spans_of(project, user, **params) -> set[tuple]:
    options = options_parse({"format": "jsonl", **params}, project=project, user=user)
    data = b"".join(Export(project=project, options=options).stream()).decode()
    return {
        (line["external_id"], s["text"], s["label"], s["annotator"])
        for line in map(json.loads, data.splitlines())
        for s in line["spans"]
    }


def test_majority_needs_more_than_half_of_the_completed_annotators():
    a, b, c = (0, 5, "X"), (6, 9, "Y"), (6, 9, "Z")
    layers = {"alice": [a, b], "bob": [a, c], "carol": [a, b], "dave": [c]}
    assert majority_spans(layers, {"alice", "bob", "carol"}) == [a, b]  # 3/3 and 2/3
    assert majority_spans(layers, {"alice", "bob"}) == [a]  # b is 1 of 2: not more than half
    assert majority_spans(layers, {"alice", "bob", "carol", "dave"}) == [a]  # b is 2 of 4
    assert majority_spans(layers, {"alice"}) == []  # fewer than two completed
    assert majority_spans({"alice": [a, a]}, {"alice", "bob"}) == []  # one vote per person


def test_layer_all_has_every_annotator_and_no_gold(annotated):
    spans = spans_of(annotated["project"], annotated["manager"], layer="all")
    assert {who for *_, who in spans} == {"alice", "bob"}
    assert ("plain", "Vladimir Putin", "PERSON", "reviewer") not in spans
    assert ("draft", "Putin", "PERSON", "alice") in spans


def test_layer_gold_has_only_curated_spans(annotated):
    assert spans_of(annotated["project"], annotated["manager"], layer="gold") == {
        ("tricky", "artillery shells", "WEAPONS", "reviewer"),
        ("plain", "Vladimir Putin", "PERSON", "reviewer"),
    }


def test_layer_majority_keeps_what_both_completed_annotators_marked(annotated):
    assert spans_of(annotated["project"], annotated["manager"], layer="majority") == {
        ("tricky", "artillery shells", "WEAPONS", None),
        ("plain", "Kim Jong Un", "PERSON", None),
    }


def test_layer_mine_and_user_are_one_annotator(annotated):
    project = annotated["project"]
    mine = spans_of(project, annotated["alice"], layer="mine")
    assert mine == spans_of(project, annotated["manager"], layer="user:alice")
    assert {who for *_, who in mine} == {"alice"}
    assert len(mine) == 4


def test_status_complete_per_layer(annotated):
    project, manager = annotated["project"], annotated["manager"]
    documents = lambda **p: {x[0] for x in spans_of(project, manager, status="complete", **p)}  # noqa: E731
    assert documents(layer="user:alice") == {"tricky", "plain"}  # draft is in progress
    assert documents(layer="all") == {"tricky", "plain"}
    assert documents(layer="majority") == {"tricky", "plain"}
    assert documents(layer="gold") == {"plain"}  # only the reviewer's completed document
    options = options_parse({"layer": "gold", "status": "complete"}, project=project, user=manager)
    export = Export(project=project, options=options)
    export.account()
    assert export.report.documents == 1


def test_status_complete_with_layer_all_leaves_out_unfinished_layers(annotated):
    from annotator.services import document_reopen

    project = annotated["project"]
    document_reopen(project=project, document=annotated["plain"], user=annotated["bob"])
    spans = spans_of(project, annotated["manager"], layer="all", status="complete")
    assert ("plain", "Kim Jong Un", "PERSON", "bob") not in spans
    assert ("plain", "Kim Jong Un", "PERSON", "alice") in spans


def test_label_subset(annotated):
    spans = spans_of(annotated["project"], annotated["manager"], labels="PERSON,LOCATION")
    assert {label for _, _, label, _ in spans} == {"PERSON", "LOCATION"}


def test_split_is_deterministic_and_adding_documents_moves_no_other(annotated):
    project, manager = annotated["project"], annotated["manager"]

    def splits(seed="7") -> dict[int, str]:
        options = options_parse(
            {"split": "0.5,0.25,0.25", "seed": seed}, project=project, user=manager
        )
        return {r.id: r.split for r in Export(project=project, options=options).records()}

    before = splits()
    assert before == splits()
    new = Document.objects.bulk_create(
        Document(text=f"Extra document {n}.", content_hash=str(n)) for n in range(40)
    )
    project.documents.add(*new)
    after = splits()
    assert {pk: after[pk] for pk in before} == before
    assert set(after.values()) == {"train", "dev", "test"}
    assert all(split_of(pk, 7, (0.5, 0.25, 0.25)) == name for pk, name in after.items())
    assert splits(seed="8") != after  # another seed, another assignment


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"format": "xml"}, "format"),
        ({"layer": "everyone"}, "layer"),
        ({"layer": "user:nobody"}, "layer"),
        ({"status": "done"}, "status"),
        ({"labels": "WEAPONS,TANKS"}, "labels"),
        ({"split": "0.8,0.1"}, "split"),
        ({"split": "0.8,0.3,-0.1"}, "split"),
        ({"split": "0.8,0.1,0.2"}, "split"),
        ({"split": "a,b,c"}, "split"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_bad_parameters_are_named(annotated, params, parameter):
    with pytest.raises(BadParameter) as error:
        options_parse(params, project=annotated["project"], user=annotated["manager"])
    assert list(error.value.errors) == [parameter]
    assert error.value.errors[parameter][0]
