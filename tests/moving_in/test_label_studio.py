"""Moving in from Label Studio: exports made by a real Label Studio 1.23.2 (see
data/label_studio_make.py): annotations to their authors' layers, predictions to
suggestions of source ``model:<version>``, what Margin does not hold yet counted."""

import pytest
from django.core.management import CommandError

from annotator.models import Span
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
    assert output[0] == "Imported 3 documents, 10 spans and 3 suggestions into “Newsroom”."
    assert "3 spans read as UTF-16 code units" in output[1]
    assert (
        "Not imported (Margin does not hold them): "
        "1 cancelled annotation, 1 document choice, 1 relation." in output
    )


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
