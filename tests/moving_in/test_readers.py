"""Other tools' files that are not what they claim: refused in words, naming the file and
the line or task, never a server error."""

import io

import pytest

from corpus.importers import ParseError, read_upload


def read(name: str, content: str) -> list:
    return list(read_upload(name, io.BytesIO(content.encode())))


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("ls.json", '[{"id": 4, "data": {"image": 1}}]', "ls.json: task 4: its 'data' has no"),
        ("ls.json", '[{"id": 4}]', "ls.json: task 4: expected a Label Studio task with 'data'"),
        (
            "ls.json",
            '[{"id": 4, "data": {"text": "x"}, "annotations": [{"result": []}]}]',
            "ls.json: task 4: an annotation without 'completed_by'",
        ),
        (
            "ls.json",
            '[{"data": {"text": "x"}, "annotations": 3}]',
            "ls.json: task 1: 'annotations' must be a list of objects",
        ),
        ("ls.json", "[1, 2", "ls.json: not valid JSON"),
        ("d.jsonl", '{"text": "x", "entities": 3}', "d.jsonl:1: 'entities' must be a list"),
        (
            "d.jsonl",
            '{"text": "x", "entities": [{"label": "A"}]}',
            "d.jsonl:1: entity 0 must have start_offset, end_offset and label",
        ),
        (
            "d.jsonl",
            '{"text": "x", "label": [], "Comments": [3]}',
            "d.jsonl:1: a comment must be text, got 3",
        ),
    ],
)
def test_a_malformed_export_is_named(name, content, problem):
    with pytest.raises(ParseError) as refused:
        read(name, content)
    assert str(refused.value).startswith(problem)


def test_a_json_file_of_lines_is_still_jsonl():
    records = read("native.json", '{"text": "One."}\n{"text": "Two."}\n')
    assert [record.fields["text"] for record in records] == ["One.", "Two."]


def test_a_doccano_member_file_names_its_owner_only_at_the_top_of_the_zip():
    from corpus.foreign import owner_of

    assert owner_of("admin.jsonl") == "admin"
    assert owner_of("project/admin.jsonl") is None
    assert owner_of("notes.txt") is None
