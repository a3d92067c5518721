"""Read documents from files: plain text, folders of it, and JSONL (native or doccano).

Parsing only: each reader yields ``Record``s, plain dicts of the fields the annotator
import service takes (``text``, ``title``, ``external_id``, ``meta``, ``spans``), with the
line they came from so that every error can name it. Nothing here touches the database.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .storable import NotFinite, json_loads, text_problem, value_problem

TEXT_SUFFIXES = {".txt", ".text"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
NATIVE_FIELDS = {"text", "title", "external_id", "meta", "spans", "source"}


class ParseError(ValueError):
    """A file that cannot be read; ``where`` names the file and line."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass
class Record:
    where: str  # "file.jsonl:12": where the record came from, for error messages
    fields: dict[str, Any] = field(default_factory=dict)


def read_text(name: str, data: bytes) -> Record:
    """One .txt file is one document, titled by its file name."""
    text = _decode(name, data)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        _check_text(f"{name}:{line}", text)
    stem = Path(name).stem
    if not stem.isascii():
        try:
            stem.encode("utf-8")
        except UnicodeEncodeError:  # Python reads a file name that is not UTF-8 so
            raise ParseError(name, "the file name is not UTF-8: rename the file") from None
    return Record(where=name, fields={"text": text, "title": stem, "external_id": stem})


def read_jsonl(name: str, stream: IO[bytes]) -> Iterator[Record]:
    """One JSON object a line, native (``spans``) or doccano (``label``: [[s, e, "L"]])."""
    for number, raw in enumerate(stream, start=1):
        where = f"{name}:{number}"
        line = _decode(where, raw).strip()
        if not line:
            continue
        try:
            value = json_loads(line)
        except json.JSONDecodeError as error:
            raise ParseError(
                where, f"not valid JSON ({error.msg} at column {error.colno})"
            ) from None
        except RecursionError:
            raise ParseError(where, "JSON nested too deeply") from None
        except NotFinite as error:
            raise ParseError(where, str(error)) from None
        except ValueError as error:  # an integer longer than Python reads (4,300 digits)
            raise ParseError(where, f"not valid JSON ({error})") from None
        if not isinstance(value, dict):
            raise ParseError(where, "expected a JSON object with a 'text' field")
        if "\\u" in line:  # a NUL or a surrogate in a string can only come from an escape
            _check_storable(where, value)
        yield Record(where=where, fields=_from_json(where, value))


def _check_storable(where: str, value: Any) -> None:
    """Refuse what cannot be stored in any string of a parsed line: keys and values, at
    any depth, meta included."""
    problem = value_problem(value)
    if problem:
        raise ParseError(where, problem)


def _check_text(where: str, text: str) -> None:
    problem = text_problem(text)
    if problem:
        raise ParseError(where, problem)


# Fields a native export line carries that describe the export, not the document: an
# import takes the document back without them (its id here is the new one).
EXPORT_ONLY_FIELDS = {"id", "split"}


def _from_json(where: str, value: dict[str, Any]) -> dict[str, Any]:
    if "label" in value or "labels" in value:
        return _from_doccano(where, value)
    return {key: item for key, item in value.items() if key not in EXPORT_ONLY_FIELDS}


def _from_doccano(where: str, value: dict[str, Any]) -> dict[str, Any]:
    raw_labels = value.get("label", value.get("labels"))
    if not isinstance(raw_labels, list):
        raise ParseError(where, "'label' must be a list of [start, end, \"LABEL\"] triples")
    spans = []
    for number, entry in enumerate(raw_labels):
        if not (isinstance(entry, list) and len(entry) == 3):
            raise ParseError(where, f'label {number} must be [start, end, "LABEL"], got {entry!r}')
        start, end, label = entry
        spans.append({"start": start, "end": end, "label": label})
    meta = {k: v for k, v in value.items() if k not in NATIVE_FIELDS | {"label", "labels", "id"}}
    fields: dict[str, Any] = {"text": value.get("text"), "spans": spans}
    if meta:
        fields["meta"] = meta
    if value.get("id") is not None:
        fields["meta"] = {**fields.get("meta", {}), "doccano_id": value["id"]}
    for key in ("title", "external_id"):
        if key in value:
            fields[key] = value[key]
    return fields


def read_path(path: Path) -> Iterator[Record]:
    """Records from a file or from every .txt/.jsonl file below a folder (sorted)."""
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES
        )
        if not files:
            raise ParseError(str(path), "the folder holds no .txt or .jsonl files")
        for file in files:
            yield from read_path(file)
        return
    if not path.exists():
        raise ParseError(str(path), "no such file or folder")
    yield from read_upload(str(path), path.open("rb"))


def read_upload(name: str, stream: IO[bytes]) -> Iterator[Record]:
    """Records from one file, chosen by its name's suffix."""
    suffix = Path(name).suffix.lower()
    with stream:
        if suffix in TEXT_SUFFIXES:
            yield read_text(name, stream.read())
        elif suffix in JSONL_SUFFIXES:
            yield from read_jsonl(name, stream)
        else:
            raise ParseError(name, "unsupported file type: use .txt or .jsonl")


def _decode(where: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(where, f"not valid UTF-8 (byte {error.start})") from None
    # A byte-order mark is an encoding artefact, not text; keeping it would shift offsets.
    return text.removeprefix("\ufeff")
