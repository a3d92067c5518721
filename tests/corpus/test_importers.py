import io

import pytest

from corpus.importers import ParseError, read_jsonl, read_path, read_upload


def records(lines: list[str]):
    return list(read_jsonl("in.jsonl", io.BytesIO("\n".join(lines).encode())))


def test_native_lines_are_read_with_their_line_numbers():
    found = records(['{"text": "a b", "title": "A"}', "", '{"text": "c", "spans": []}'])
    assert [r.where for r in found] == ["in.jsonl:1", "in.jsonl:3"]
    assert found[0].fields == {"text": "a b", "title": "A"}


def test_doccano_labels_become_spans_and_extra_keys_meta():
    (record,) = records(['{"id": 4, "text": "Kim met Putin", "label": [[0, 3, "PERSON"]], "x": 1}'])
    assert record.fields["spans"] == [{"start": 0, "end": 3, "label": "PERSON"}]
    assert record.fields["meta"] == {"x": 1, "doccano_id": 4}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"text": "a", "label": [[0, 1]]}', "label 0 must be"),
        ('{"text": "a", "label": "X"}', "'label' must be a list"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_lines_name_the_line(line, message):
    with pytest.raises(ParseError, match=message) as caught:
        records(['{"text": "fine"}', line])
    assert caught.value.where == "in.jsonl:2"


def test_invalid_utf8_is_refused_with_its_position():
    with pytest.raises(ParseError, match="not valid UTF-8"):
        list(read_upload("bad.txt", io.BytesIO(b"caf\xe9")))


def test_a_byte_order_mark_is_not_part_of_the_text():
    (record,) = read_upload("bom.txt", io.BytesIO("\ufeffHello".encode()))
    assert record.fields["text"] == "Hello"


def test_a_folder_yields_its_text_files_in_order(tmp_path):
    (tmp_path / "b.txt").write_text("second", encoding="utf-8")
    (tmp_path / "a.txt").write_text("first", encoding="utf-8")
    (tmp_path / "skip.pdf").write_bytes(b"%PDF")
    found = list(read_path(tmp_path))
    assert [r.fields["text"] for r in found] == ["first", "second"]
    assert found[0].fields["external_id"] == "a"


def test_an_unknown_file_type_is_refused():
    with pytest.raises(ParseError, match="unsupported file type"):
        list(read_upload("doc.pdf", io.BytesIO(b"x")))
