"""Moving in from doccano 1.8.4: its export read unchanged (data/doccano_make.py says how
the files were written), each member's file a layer on the same documents, nothing shifted,
lost or doubled."""

import json
import zipfile

import pytest
from django.core.management import CommandError

from annotator import services
from annotator.exports.engine import Export
from annotator.exports.options import options_parse
from annotator.models import Comment, Membership, Project, Span
from annotator.palette import PALETTE
from annotator.relations import Relation, RelationEvent, RelationType
from annotator.suggestions import Suggestion

from .conftest import COLLABORATIVE, MEANT, PER_USER, RELATIONS, lines_of, zip_of


def layer(project, username) -> set[tuple[str, str, str]]:
    """(document text's start, span text, label) of a member's layer."""
    return {
        (span.document.text[:12], span.text, span.label.name)
        for span in Span.objects.filter(
            project=project, annotator__username=username
        ).select_related("document", "label")
    }


def meant(project, username) -> set[tuple[str, str, str]]:
    texts = [line["text"] for line in lines_of(PER_USER, f"{username}.jsonl")]
    return {(texts[index][:12], word, label) for index, word, label in MEANT[username]}


def test_each_members_file_becomes_their_layer_on_the_same_documents(newsroom, run):
    output = run(newsroom, PER_USER, create_labels=True)
    assert newsroom.documents.count() == 6
    for user in ("admin", "ann2"):
        assert layer(newsroom, user) == meant(newsroom, user)  # every span what doccano meant
    # ann2 worked in doccano's page: her spans after an astral character were UTF-16.
    assert output[0] == ("Imported 6 documents, 19 spans and 2 comments into “Newsroom”.")
    assert output[1] == (
        "5 spans read as UTF-16 code units (as a web page counts), where that reading alone "
        "fits the text."
    )
    assert "Labels created: PER, LOC, ORG, MISC." in output


def test_every_meta_field_and_comment_is_kept_with_its_author(newsroom, run):
    run(newsroom, PER_USER, create_labels=True)
    document = newsroom.documents.get(text__startswith="Vladimir")
    assert document.meta == {
        "source": "probe",
        "url": "https://example.org/a/1",
        "doccano_id": 1,
    }
    notes = set(
        Comment.objects.values_list("author__username", "document__meta__doccano_id", "body")
    )
    assert notes == {("admin", 2, "Check: was Macron there?"), ("ann2", 3, "Is a café an ORG?")}


def test_a_second_import_changes_nothing(newsroom, run):
    run(newsroom, PER_USER, create_labels=True)
    before = set(Span.objects.values_list("document", "annotator", "start", "end", "label"))
    output = run(newsroom, PER_USER)
    assert output[0] == (
        "Imported 6 documents (0 new, 6 already here) and 0 spans into “Newsroom”."
    )
    assert newsroom.documents.count() == 6 and Comment.objects.count() == 2
    assert set(Span.objects.values_list("document", "annotator", "start", "end", "label")) == before


def test_a_second_users_file_adds_a_layer_not_copies(newsroom, run, tmp_path):
    run(newsroom, zip_of(PER_USER, {"admin.jsonl"}, tmp_path / "a.zip"), create_labels=True)
    assert newsroom.documents.count() == 6 and not layer(newsroom, "ann2")
    run(newsroom, zip_of(PER_USER, {"ann2.jsonl"}, tmp_path / "b.zip"), create_labels=True)
    assert newsroom.documents.count() == 6
    assert layer(newsroom, "ann2") == meant(newsroom, "ann2")


def test_missing_labels_are_named_once_not_per_span(newsroom, run, capsys):
    with pytest.raises(CommandError, match="nothing was stored"):
        run(newsroom, PER_USER)
    problems = capsys.readouterr().err.splitlines()
    assert problems == [
        "Unknown labels for this project: 'PER' (first used at "
        f"{PER_USER}/admin.jsonl:1), 'LOC' (first used at {PER_USER}/admin.jsonl:1), "
        f"'ORG' (first used at {PER_USER}/admin.jsonl:4), 'MISC' (first used at "
        f"{PER_USER}/ann2.jsonl:3). Create them first, or import with --create-labels (on "
        "the Import page: “Create missing labels”)."
    ]
    assert not newsroom.documents.exists() and not newsroom.labels.exists()


def test_created_labels_take_the_palettes_colours(newsroom, run):
    run(newsroom, PER_USER, create_labels=True)
    colours = list(newsroom.labels.order_by("order").values_list("name", "color"))
    assert colours == list(zip(["PER", "LOC", "ORG", "MISC"], PALETTE[:4], strict=True))


def test_a_file_of_someone_who_is_not_a_member_is_refused(newsroom, run, capsys):
    Membership.objects.filter(user__username="ann2").delete()
    with pytest.raises(CommandError, match="nothing was stored"):
        run(newsroom, PER_USER, create_labels=True)
    assert capsys.readouterr().err.splitlines() == [
        f"{PER_USER}/ann2.jsonl: ann2 is not a member of this project: add them to the "
        "project first (or leave their file out)."
    ]
    assert not newsroom.documents.exists() and not newsroom.labels.exists()


def test_user_must_be_a_member(newsroom, run):
    with pytest.raises(CommandError, match="outsider is not a member of “Newsroom”"):
        run(newsroom, COLLABORATIVE, create_labels=True, user="outsider")


def test_the_collaborative_file_becomes_suggestions_of_source_import_doccano(newsroom, run):
    output = run(newsroom, COLLABORATIVE, create_labels=True)
    assert not Span.objects.exists()
    suggested = Suggestion.objects.filter(source="import:doccano")
    # The two users' identical spans are one suggestion; a place is suggested once.
    words = {(s.document.text[s.start : s.end], s.label.name) for s in suggested}
    assert words == {(word, label) for spans in MEANT.values() for _, word, label in spans}
    assert (
        output[0] == "Imported 6 documents, 0 spans, 14 suggestions and 2 comments into “Newsroom”."
    )
    notes = {note.body for note in Comment.objects.all()}
    assert notes == {
        "(from doccano; its author is not in the export) Check: was Macron there?",
        "(from doccano; its author is not in the export) Is a café an ORG?",
    }


def test_the_collaborative_file_goes_to_the_layer_the_command_names(newsroom, run):
    run(newsroom, COLLABORATIVE, create_labels=True, user="admin")
    assert not Suggestion.objects.exists()
    assert layer(newsroom, "admin") >= meant(newsroom, "admin")


def relations(project=None) -> set[tuple[str, str, str, str]]:
    stored = Relation.objects.filter(project=project) if project else Relation.objects.all()
    return {
        (r.annotator.username, r.source.text, r.type.name, r.target.text)
        for r in stored.select_related("annotator", "type", "source__document", "target__document")
    }


DOCCANO_RELATIONS = {
    ("admin", "Vladimir Putin", "met", "Vladivostok"),
    ("admin", "Angela Merkel", "met", "Emmanuel Macron"),
    ("admin", "Lyon", "met", "Real Madrid"),
    ("admin", "Oslo", "met", "Equinor"),
}


def test_the_relation_shape_keeps_its_entities_and_its_relations(newsroom, run):
    output = run(newsroom, RELATIONS, create_labels=True)
    assert layer(newsroom, "admin") == meant(newsroom, "admin")
    assert output[0] == (
        "Imported 6 documents, 11 spans, 4 relations and 1 comment into “Newsroom”."
    )
    assert "Relation types created: met." in output
    assert relations() == DOCCANO_RELATIONS
    # Created through the service, in the history, by the manager who imported.
    assert set(RelationEvent.objects.values_list("action", "actor__username")) == {
        ("created", "manager")
    }
    assert Comment.objects.get().body == "Check: was Macron there?"


def test_relations_imported_again_are_not_doubled(newsroom, run):
    run(newsroom, RELATIONS, create_labels=True)
    output = run(newsroom, RELATIONS)
    assert output[0] == (
        "Imported 6 documents (0 new, 6 already here) and 0 spans into “Newsroom”."
    )
    assert relations() == DOCCANO_RELATIONS and Relation.objects.count() == 4


def test_an_unknown_relation_type_is_named_once_and_nothing_is_stored(newsroom, run, capsys):
    for name in ("PER", "LOC", "ORG"):
        services.label_create(project=newsroom, name=name)
    with pytest.raises(CommandError, match="nothing was stored"):
        run(newsroom, RELATIONS)
    assert capsys.readouterr().err.splitlines() == [
        f"Unknown relation type for this project: 'met' (first used at {RELATIONS}/admin.jsonl:1). "
        "Create it first, or import with --create-labels (on the Import page: “Create "
        "missing labels”)."
    ]
    assert not newsroom.documents.exists() and not RelationType.objects.exists()


def test_a_relation_whose_span_is_left_out_is_left_out_and_counted(newsroom, run, tmp_path):
    path = tmp_path / "admin.jsonl"
    line = {
        "id": 1,
        "text": "🚀 (a) Oslo",
        "entities": [
            # As code points "a", as UTF-16 "(": both whole tokens, so left out.
            {"id": 1, "label": "L", "start_offset": 3, "end_offset": 4},
            {"id": 2, "label": "L", "start_offset": 6, "end_offset": 10},
        ],
        "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "near"}],
    }
    path.write_text(json.dumps(line), encoding="utf-8")
    output = run(newsroom, path, create_labels=True)
    assert Span.objects.count() == 1 and not Relation.objects.exists()
    assert "1 relation not imported: a span it joins was not imported." in output


@pytest.mark.parametrize(
    ("text", "span", "why"),
    [
        # As code points "a", as UTF-16 "(": both whole tokens.
        ("🚀 (a)", [3, 4, "L"], "both fit"),
        # As code points "sl", as UTF-16 "Os": neither.
        ("🚀 Oslo", [3, 5, "L"], "neither fits"),
    ],
)
def test_a_span_whose_two_readings_both_or_neither_fit_is_left_out_and_shown(
    newsroom, run, tmp_path, text, span, why
):
    path = tmp_path / "ann.jsonl"
    path.write_text(json.dumps({"id": 1, "text": text, "label": [span]}), encoding="utf-8")
    output = run(newsroom, path, create_labels=True)
    assert not Span.objects.exists()
    assert output[-2:][0] == "1 span not imported, their offsets unclear:"
    assert output[-1].startswith(f"{path}:1: span 0 [{span[0]}, {span[1]}] L: as code points")
    assert output[-1].endswith(f"{why} the text's words.")


def test_margins_doccano_export_gives_back_each_users_file(newsroom, run):
    run(newsroom, PER_USER, create_labels=True)
    manager = newsroom.memberships.get(user__username="manager").user
    for user in ("admin", "ann2"):
        params = {"format": "doccano", "layer": f"user:{user}"}
        options = options_parse(params, project=newsroom, user=manager)
        stream = b"".join(Export(project=newsroom, options=options).stream())
        exported = [json.loads(line) for line in stream.splitlines()]
        given = lines_of(PER_USER, f"{user}.jsonl")
        assert [line["text"] for line in exported] == [line["text"] for line in given]
        texts = [line["text"] for line in given]
        want = {text: [] for text in texts}
        for index, word, label in MEANT[user]:
            start = texts[index].index(word)  # in code points: what doccano meant
            want[texts[index]].append([start, start + len(word), label])
        assert {line["text"]: line["label"] for line in exported} == {
            text: sorted(spans) for text, spans in want.items()
        }


def test_comments_of_someone_who_is_not_a_member_are_refused_too(newsroom, run, tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        line = {"id": 1, "text": "Quiet day.", "label": [], "Comments": ["Skip this one."]}
        archive.writestr("outsider.jsonl", json.dumps(line))
    with pytest.raises(CommandError, match="nothing was stored"):
        run(newsroom, path)
    assert not Comment.objects.exists() and not newsroom.documents.exists()


def test_margins_doccano_relations_load_back_into_another_project(newsroom, run, tmp_path):
    """doccano's relation shape as Margin writes it is read back by the importer of doccano's
    own files: the same spans and relations in the admin's layer of a second project."""
    run(newsroom, RELATIONS, create_labels=True)
    manager = newsroom.memberships.get(user__username="manager").user
    options = options_parse(
        {"format": "doccano", "layer": "user:admin"}, project=newsroom, user=manager
    )
    exported = b"".join(Export(project=newsroom, options=options).stream())
    archive = tmp_path / "margin-doccano.zip"
    with zipfile.ZipFile(archive, "w") as target:
        target.writestr("admin.jsonl", exported)
    second = Project.objects.create(name="Newsroom again", annotators_per_document=3)
    for membership in newsroom.memberships.all():
        Membership.objects.create(project=second, user=membership.user, role=membership.role)

    run(second, archive, create_labels=True)

    assert layer(second, "admin") == layer(newsroom, "admin")
    assert Relation.objects.filter(project=second).count() == 4
    assert relations(second) == relations(newsroom) == DOCCANO_RELATIONS
