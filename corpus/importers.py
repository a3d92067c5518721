"""Read documents from files: plain text, folders of it, JSONL (native or doccano), and
.zip archives of those.

Parsing only: each reader yields ``Record``s, plain dicts of the fields the annotator
import service takes (``text``, ``title``, ``external_id``, ``meta``, ``spans``), with the
line they came from so that every error can name it. Nothing here touches the database.
"""

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from . import foreign
from .records import ParseError, Record
from .storable import NotFinite, json_loads, text_problem, value_problem

TEXT_SUFFIXES = {".txt", ".text"}
JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
ZIP_SUFFIXES = {".zip"}

# A .zip is read whole into memory, member by member: these bound what one may cost, so that
# a small archive cannot unpack into gigabytes (a zip bomb) or thousands of files.
ZIP_MAX_MEMBERS = 1_000
ZIP_MAX_MEMBER_BYTES = 50 * 1024 * 1024
ZIP_MAX_TOTAL_BYTES = 200 * 1024 * 1024
NATIVE_FIELDS = {
    *("text", "title", "external_id", "meta", "spans", "suggestions", "source"),
    *("categories", "relations", "suggested_categories", "suggested_relations"),
}


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


def read_jsonl(name: str, stream: IO[bytes], owner: str | None = None) -> Iterator[Record]:
    """One JSON object a line, native (``spans``) or doccano (``foreign.from_doccano``);
    ``owner`` is the user a doccano file belongs to (its name in doccano's zip)."""
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
        if foreign.is_doccano(value):
            yield foreign.from_doccano(where, value, owner)
        else:
            yield Record(where=where, fields=_from_json(value))


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


def _from_json(value: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in value.items() if key not in EXPORT_ONLY_FIELDS}


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
            yield from _read_json(name, stream)
        elif suffix in ZIP_SUFFIXES:
            yield from read_zip(name, stream)
        else:
            raise ParseError(name, "unsupported file type: use .txt, .jsonl or a .zip of them")


def read_zip(name: str, stream: IO[bytes]) -> Iterator[Record]:
    """Records from every .txt and .jsonl file in a .zip archive, in the archive's order;
    each .txt is one document titled by its file name. Errors name the member
    (``corpus.zip/news/a.jsonl:3``).

    Refused whole, before any member is read: a member whose path climbs out of the archive
    (``../``, an absolute path), a nested archive, an encrypted member, another file type,
    more than ``ZIP_MAX_MEMBERS`` files, a member over ``ZIP_MAX_MEMBER_BYTES`` or a total
    over ``ZIP_MAX_TOTAL_BYTES`` unpacked. The sizes an archive declares are checked first
    and the bytes actually unpacked again while reading, as a crafted archive can lie.
    Folders, and the ``__MACOSX/`` and dot files macOS adds to archives, are skipped.
    """
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError):
        raise ParseError(name, "not a readable .zip archive") from None
    except NotImplementedError as error:
        raise ParseError(name, f"a .zip this server cannot read ({error})") from None
    with archive:
        members = zip_members(name, archive)
        for member in members:
            where = f"{name}/{member.filename}"
            data = _unpack(where, archive, member)
            suffix = Path(member.filename).suffix.lower()
            if suffix in TEXT_SUFFIXES:
                yield read_text(where, data)
            else:
                yield from _read_json(where, io.BytesIO(data), foreign.owner_of(member.filename))


def _read_json(name: str, stream: IO[bytes], owner: str | None = None) -> Iterator[Record]:
    """A JSONL file, or a JSON array of Label Studio's tasks (its JSON export)."""
    head = stream.read(1)
    while head.isspace():
        head = stream.read(1)
    if head == b"[":
        yield from foreign.from_label_studio(name, _decode(name, head + stream.read()))
        return
    yield from read_jsonl(name, io.BytesIO(head + stream.read()), owner)


def zip_members(name: str, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's documents' files, checked as ``read_zip`` says; ``ParseError`` names
    the first problem."""
    members = []
    total = 0
    for member in archive.infolist():
        path = member.filename
        where = f"{name}/{path}"
        parts = path.replace("\\", "/").split("/")
        if path.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise ParseError(
                where, "a path outside the archive (absolute or with ..): refused for safety"
            )
        if member.is_dir() or parts[0] == "__MACOSX" or parts[-1].startswith("."):
            continue
        suffix = Path(path).suffix.lower()
        if suffix in ZIP_SUFFIXES:
            raise ParseError(where, "an archive inside the archive: unpack it and send its files")
        if suffix not in TEXT_SUFFIXES | JSONL_SUFFIXES:
            raise ParseError(where, "unsupported file type: the archive may hold .txt and .jsonl")
        if member.flag_bits & 0x1:
            raise ParseError(where, "an encrypted file: send the archive without a password")
        members.append(member)
        if len(members) > ZIP_MAX_MEMBERS:
            raise ParseError(name, f"more than {ZIP_MAX_MEMBERS:,} files: send fewer at a time")
        if member.file_size > ZIP_MAX_MEMBER_BYTES:
            raise ParseError(where, f"unpacks to more than {_mb(ZIP_MAX_MEMBER_BYTES)}: too large")
        total += member.file_size
        if total > ZIP_MAX_TOTAL_BYTES:
            raise ParseError(
                name, f"its files unpack to more than {_mb(ZIP_MAX_TOTAL_BYTES)}: send fewer"
            )
    if not members:
        raise ParseError(name, "the archive holds no .txt or .jsonl files")
    return members


def _unpack(where: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The member's bytes, reading no more than it declared (or the limit)."""
    limit = min(member.file_size, ZIP_MAX_MEMBER_BYTES)
    try:
        with archive.open(member) as unpacked:
            data = unpacked.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise ParseError(where, f"damaged: cannot be unpacked ({error})") from None
    if len(data) > limit:
        raise ParseError(where, "unpacks to more than the archive declares: refused")
    return data


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def _decode(where: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(where, f"not valid UTF-8 (byte {error.start})") from None
    # A byte-order mark is an encoding artefact, not text; keeping it would shift offsets.
    return text.removeprefix("\ufeff")
