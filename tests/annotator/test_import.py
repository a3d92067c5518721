import json

import pytest
from django.core.management import CommandError, call_command

from annotator.models import DocumentStatus, Span, Status
from annotator.services import BatchErrors, documents_import
from corpus.models import Document


def write_jsonl(path, rows):
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows), encoding="utf-8"
    )
    return path


def run_import(*paths, project, user="manager"):
    call_command("import_documents", *map(str, paths), project=str(project.pk), user=user)


def test_txt_files_and_folders_are_imported(tmp_path, project, people):
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "one.txt").write_text("First\u00a0article.", encoding="utf-8")
    (tmp_path / "dir" / "two.txt").write_text("Second article.", encoding="utf-8")
    single = tmp_path / "three.txt"
    single.write_text("Third 👋🏽 article.", encoding="utf-8")
    run_import(tmp_path / "dir", single, project=project)
    texts = sorted(project.documents.values_list("text", flat=True))
    assert texts == ["First\u00a0article.", "Second article.", "Third 👋🏽 article."]


def test_native_jsonl_with_spans_goes_into_the_importing_users_layer(tmp_path, project, people):
    text = "Hi 👋🏽 artillery shells."
    start = text.index("artillery")
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {
                "text": text,
                "title": "T",
                "external_id": "x1",
                "meta": {"k": 1},
                "spans": [{"start": start, "end": start + 16, "label": "WEAPONS"}],
            },
        ],
    )
    run_import(path, project=project)
    span = Span.objects.get()
    assert span.text == "artillery shells"
    assert span.annotator == people["manager"] and span.origin == "imported"
    document = Document.objects.get(external_id="x1")
    assert document.meta == {"k": 1} and document.title == "T"
    status = DocumentStatus.objects.get(document=document, user=people["manager"])
    assert status.status == Status.IN_PROGRESS


def test_doccano_jsonl_is_imported(tmp_path, project, people):
    path = write_jsonl(
        tmp_path / "doccano.jsonl",
        [
            {
                "id": 3,
                "text": "Kim met Putin in Vladivostok",
                "label": [[0, 3, "PERSON"], [8, 13, "PERSON"], [17, 28, "LOCATION"]],
            },
        ],
    )
    run_import(path, project=project)
    assert sorted(s.text for s in Span.objects.all()) == ["Kim", "Putin", "Vladivostok"]


def test_a_manager_imports_other_annotators_work(project, people):
    documents_import(
        project=project,
        uploader=people["manager"],
        items=[
            {
                "text": "Kim met Putin",
                "spans": [
                    {"start": 0, "end": 3, "label": "PERSON", "annotator": "alice"},
                    {"start": 0, "end": 3, "label": "PERSON", "annotator": "bob"},
                ],
            },
        ],
    )
    assert sorted(Span.objects.values_list("annotator__username", flat=True)) == ["alice", "bob"]


def test_an_annotator_cannot_import_into_another_layer(project, people):
    with pytest.raises(BatchErrors) as caught:
        documents_import(
            project=project,
            uploader=people["alice"],
            items=[
                {
                    "text": "Kim",
                    "spans": [{"start": 0, "end": 3, "label": "PERSON", "annotator": "bob"}],
                }
            ],
        )
    assert "only a manager" in caught.value.errors["0"]["spans"][0]
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"text": ""}', "Empty text"),
        ('{"title": "no text"}', "text: Required"),
        ('{"text": "abc", "spans": [{"start": 0, "end": 9, "label": "WEAPONS"}]}', "past the end"),
        (
            '{"text": "abc", "spans": [{"start": 0, "end": 2, "label": "NOPE"}]}',
            "Unknown label 'NOPE'",
        ),
        (
            '{"text": "abc", "spans": [{"start": 0, "end": 2, "label": "WEAPONS"}, '
            '{"start": 1, "end": 3, "label": "WEAPONS"}]}',
            "Overlaps",
        ),
        ('{"text": "abc", "label": [[2, 1, "WEAPONS"]]}', "greater than start"),
        ('{"text": "abc", "meta": [1]}', "meta: Must be an object"),
        ('{"text": "abc", "external_id": "dup"}', "appears twice"),
        ('{"text": "abc", "colour": "red"}', "colour: Unknown field"),
        ('{"text": "a\\u0000b"}', "NUL"),
        ("{broken", "not valid JSON"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_stored(
    tmp_path, project, people, capsys, bad_line, message
):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"text": "good one", "external_id": "dup"},
            {"text": "good two", "spans": [{"start": 0, "end": 4, "label": "WEAPONS"}]},
            bad_line,
        ],
    )
    with pytest.raises(CommandError, match="nothing was stored"):
        run_import(path, project=project)
    err = capsys.readouterr().err
    assert "in.jsonl:3" in err and message in err
    assert not Document.objects.exists() and not Span.objects.exists()


def test_reimporting_the_same_external_id_and_text_reuses_the_document(project, people):
    from annotator.models import Project

    item = {"text": "same", "external_id": "e1"}
    first = documents_import(project=project, uploader=people["manager"], items=[item])
    again = documents_import(project=project, uploader=people["manager"], items=[item])
    assert first == again and Document.objects.count() == 1
    # Another project's ids are its own: the same id there is another document.
    other = Project.objects.create(name="Other")
    documents_import(project=other, uploader=people["root"], items=[item])
    assert Document.objects.count() == 2
    assert other.documents.get().external_id == "e1" and project.documents.count() == 1


def test_an_external_id_with_different_text_is_refused(project, people):
    documents_import(
        project=project, uploader=people["manager"], items=[{"text": "first", "external_id": "e1"}]
    )
    with pytest.raises(BatchErrors) as caught:
        documents_import(
            project=project,
            uploader=people["manager"],
            items=[{"text": "changed", "external_id": "e1"}],
        )
    assert "different text" in caught.value.errors["0"]["external_id"][0]
    assert Document.objects.get().text == "first"


def test_unknown_project_is_a_clear_error(tmp_path, db):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="No project"):
        call_command("import_documents", str(tmp_path / "a.txt"), project="nope")


def test_spans_go_only_to_a_member_of_the_project(tmp_path, project, people):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match="outsider is not a member"):
        call_command(
            "import_documents", str(tmp_path / "a.txt"), project=str(project.pk), user="outsider"
        )
    assert not Document.objects.exists()


def test_a_missing_path_is_a_clear_error(tmp_path, project, people, capsys):
    with pytest.raises(CommandError, match="nothing was stored"):
        run_import(tmp_path / "missing.jsonl", project=project)
    assert "missing.jsonl: no such file or folder" in capsys.readouterr().err


def test_a_span_text_that_does_not_match_its_offsets_is_refused(project, people):
    # Offsets counted in UTF-16 units (as a browser would) land two characters off here.
    text = "👋🏽 artillery shells arrived"
    with pytest.raises(BatchErrors) as caught:
        documents_import(
            project=project,
            uploader=people["manager"],
            items=[
                {
                    "text": text,
                    "spans": [
                        {"start": 5, "end": 21, "label": "WEAPONS", "text": "artillery shells"}
                    ],
                },
            ],
        )
    assert "offsets must be code points" in caught.value.errors["0"]["spans"][0]
    assert not Document.objects.exists()


def test_export_only_fields_of_a_native_line_are_ignored(tmp_path, project, people):
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": 7, "split": "train", "text": "abc"}])
    run_import(path, project=project)
    assert project.documents.get().text == "abc"
