"""Moving in from Label Studio: exports made by a real Label Studio 1.23.2 (see
data/label_studio_make.py): annotations to their authors' layers, predictions to
suggestions of source ``model:<version>``, what Margin does not hold yet counted."""

import json

import pytest
from django.core.management import CommandError

from annotator.categories import Category, CategoryEvent
from annotator.label_suggestions import CategorySuggestion, RelationSuggestion
from annotator.models import DocumentLabels, LabelKind, Span
from annotator.relations import Relation, RelationEvent
from annotator.suggestions import Suggestion

from .conftest import LS_QUICK, LS_SNAPSHOT


def layer(username) -> set[tuple[str, str]]:
    return {
        (span.text, span.label.name)
        for span in Span.objects.filter(annotator__username=username).select_related(
            "document", "label"
        )
    }


ALICE = {
    ("Angela Merkel", "PER"),
    ("Emmanuel Macron", "PER"),
    ("Paris", "LOC"),
    ("Vladimir Putin", "PER"),
    ("Vladivostok", "LOC"),
    ("Moscow", "LOC"),
}
# bob's offsets after the rocket and the flag are a browser's UTF-16 code units.
BOB = {("Vladimir Putin", "PER"), ("Vladivostok", "LOC"), ("Lyon", "LOC"), ("Real Madrid", "ORG")}


def test_a_label_studio_export_gives_each_annotator_a_layer(newsroom, run):
    output = run(newsroom, LS_SNAPSHOT, create_labels=True)
    assert newsroom.documents.count() == 3
    assert layer("alice") == ALICE and layer("bob") == BOB
    assert output[0] == (
        "Imported 3 documents, 10 spans, 1 document label, 1 relation and 3 suggestions "
        "into “Newsroom”."
    )
    assert "3 spans read as UTF-16 code units" in output[1]
    assert "Labels created: PER, LOC, politics, ORG." in output
    assert "Relation types created: works_for." in output
    assert "Not imported (Margin does not hold them): 1 cancelled annotation." in output


def test_choices_become_document_labels_and_relations_join_spans_in_the_layer(newsroom, run):
    run(newsroom, LS_SNAPSHOT, create_labels=True)
    category = Category.objects.select_related("label", "annotator", "document").get()
    assert (category.annotator.username, category.label.name, category.gold) == (
        "alice",
        "politics",
        False,
    )
    assert category.label.kind == LabelKind.DOCUMENT
    assert category.document.text.startswith("Angela Merkel")
    relation = Relation.objects.select_related("annotator", "source", "target", "type").get()
    assert (
        relation.annotator.username,
        relation.source.text,
        relation.type.name,
        relation.target.text,
    ) == ("alice", "Angela Merkel", "works_for", "Paris")
    assert relation.source.annotator == relation.annotator == relation.target.annotator
    # Through the services, in the history, by the manager who imported.
    assert set(CategoryEvent.objects.values_list("action", "actor__username")) == {
        ("created", "manager")
    }
    assert set(RelationEvent.objects.values_list("action", "actor__username")) == {
        ("created", "manager")
    }


def test_a_layers_document_label_is_kept_in_a_project_of_one_a_document(newsroom, run, tmp_path):
    newsroom.document_labels = DocumentLabels.SINGLE
    newsroom.save()
    tasks = json.loads(LS_SNAPSHOT.read_text(encoding="utf-8"))
    tasks[0]["annotations"][0]["result"].append(
        {"id": "c2", "type": "choices", "value": {"choices": ["economy"]}}
    )
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    output = run(newsroom, path, create_labels=True)
    assert list(Category.objects.values_list("label__name", flat=True)) == ["politics"]
    assert (
        "Not imported (Margin does not hold them): 1 cancelled annotation, "
        "1 document label beyond the one a layer gives in this project." in output
    )


def test_a_predictions_choices_and_relations_become_suggestions(newsroom, run, tmp_path):
    tasks = json.loads(LS_SNAPSHOT.read_text(encoding="utf-8"))
    tasks[0]["predictions"][0]["result"] += [
        {"id": "q1", "type": "choices", "value": {"choices": ["politics"]}},
        {"from_id": "p1", "to_id": "p2", "type": "relation", "labels": ["WORKS_FOR"]},
        {"from_id": "p1", "to_id": "gone", "type": "relation", "labels": ["works_for"]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    output = run(newsroom, path, create_labels=True)

    assert (
        "Not imported (Margin does not hold them): 1 cancelled annotation, "
        "1 suggested relation whose suggestion was not imported." in output
    )
    assert Category.objects.count() == 1 and Relation.objects.count() == 1  # alice's
    (category,) = CategorySuggestion.objects.select_related("label")
    assert (category.label.name, category.source, category.score) == (
        "politics",
        "model:ner-v2",
        0.91,
    )
    relation = RelationSuggestion.objects.select_related(
        "type", "from_suggestion__document", "to_suggestion__document"
    ).get()
    ends = [relation.from_suggestion, relation.to_suggestion]
    assert [s.document.text[s.start : s.end] for s in ends] == ["Angela Merkel", "Paris"]
    # The type matched whatever its case, as the annotations' relations are.
    assert (relation.type.name, relation.source) == ("works_for", "model:ner-v2")
    # A second import adds none again.
    run(newsroom, path, create_labels=True)
    assert CategorySuggestion.objects.count() == RelationSuggestion.objects.count() == 1


def test_a_region_of_several_labels_is_a_suggestion_each(newsroom, run, tmp_path):
    """Label Studio lets a region carry several labels: each is a suggestion, and the
    region's relation joins the first (its id given to one only)."""
    tasks = json.loads(LS_SNAPSHOT.read_text(encoding="utf-8"))
    tasks[0]["predictions"][0]["result"][0]["value"]["labels"] = ["PER", "ORG"]
    tasks[0]["predictions"][0]["result"].append(
        {"from_id": "p1", "to_id": "p2", "type": "relation", "labels": ["works_for"]}
    )
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    run(newsroom, path, create_labels=True)
    merkel = {
        s.label.name
        for s in Suggestion.objects.select_related("label", "document")
        if s.document.text[s.start : s.end] == "Angela Merkel"
    }
    assert merkel == {"PER", "ORG"}
    relation = RelationSuggestion.objects.select_related("from_suggestion__label").get()
    assert relation.from_suggestion.label.name == "PER"


def test_predictions_become_suggestions_of_their_model(newsroom, run):
    run(newsroom, LS_SNAPSHOT, create_labels=True)
    suggested = {
        (s.document.text[s.start : s.end], s.label.name, s.source, s.score)
        for s in Suggestion.objects.select_related("document", "label")
    }
    assert suggested == {
        ("Angela Merkel", "PER", "model:ner-v2", 0.91),
        ("Paris", "LOC", "model:ner-v2", 0.91),
        ("Real Madrid", "ORG", "model:ner-v2", 0.5),
    }


def test_the_tasks_data_and_id_are_kept(newsroom, run):
    run(newsroom, LS_SNAPSHOT, create_labels=True)
    document = newsroom.documents.get(text__startswith="Angela")
    assert document.meta == {"source": "wire", "label_studio_id": 1}


def test_importing_again_adds_nothing(newsroom, run):
    run(newsroom, LS_SNAPSHOT, create_labels=True)
    output = run(newsroom, LS_SNAPSHOT)
    assert output[0] == (
        "Imported 3 documents (0 new, 3 already here) and 0 spans into “Newsroom”."
    )
    assert Span.objects.count() == 10 and Suggestion.objects.count() == 3
    assert Category.objects.count() == 1 and Relation.objects.count() == 1


def test_users_named_by_id_only_are_asked_for(newsroom, run, capsys):
    with pytest.raises(CommandError, match="nothing was stored"):
        run(newsroom, LS_QUICK, create_labels=True)
    assert capsys.readouterr().err.splitlines() == [
        f"{LS_QUICK}: Label Studio's user {number} (no email in this export) is no member of "
        "this project: add them (with that email), or say who they are with "
        f"--label-studio-user {number}=USERNAME."
        for number in (1, 2)
    ]
    assert not newsroom.documents.exists()


def test_users_named_by_id_go_where_the_command_says(newsroom, run):
    output = run(newsroom, LS_QUICK, create_labels=True, label_studio_user=["1=alice", "2=bob"])
    assert layer("alice") == ALICE and layer("bob") == BOB
    assert "2 predictions (by id only)" in output[-1]
    assert not Suggestion.objects.exists()
