"""Document uploads, whichever door they come through (the API, the admin's upload, the
import command): each document's own fields checked by the API's serializer, then stored
by ``services.documents_import`` all or nothing."""

from collections.abc import Callable, Iterable

from corpus.importers import ParseError, Record
from corpus.models import Document

from .. import services
from ..models import Project
from .serializers import upload_checked

# Documents are checked in chunks of this many, and progress told after each.
CHECK_CHUNK = 200

Progress = Callable[[int, int], None]


def documents_upload(
    *,
    project: Project,
    items: list,
    uploader,
    progress: Progress | None = None,
    again: bool = False,
) -> list[Document]:
    """Store the documents of an upload; ``services.BatchErrors`` by index otherwise.

    ``progress(done, total)``, when given, is told how many documents are checked (the
    storing that follows is one transaction: nobody could see progress made inside it)."""
    checked, errors = [], {}
    for first in range(0, len(items), CHECK_CHUNK):
        chunk, chunk_errors = upload_checked(items[first : first + CHECK_CHUNK])
        checked += chunk
        errors |= {str(first + int(index)): found for index, found in chunk_errors.items()}
        if progress is not None:
            progress(min(first + CHECK_CHUNK, len(items)), len(items))
    if errors:
        raise services.BatchErrors(errors)
    return services.documents_import(project=project, items=checked, uploader=uploader, again=again)


class ImportRefused(ValueError):
    """A file import refused whole; ``problems`` name each file and line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


def records_upload(
    *,
    project: Project,
    records: Iterable[Record],
    uploader,
    progress: Progress | None = None,
    again: bool = False,
) -> list[Document]:
    """Import records read from files (``corpus.importers``), all or nothing.

    Raises ``ImportRefused`` naming each bad file and line; nothing is stored then.
    ``progress`` as ``documents_upload`` takes it; ``again`` as ``documents_import``.
    """
    try:
        records = list(records)
    except ParseError as error:
        raise ImportRefused([str(error)]) from None
    if not records:
        raise ImportRefused(["nothing to import: the files hold no documents"])
    try:
        return documents_upload(
            project=project,
            items=[record.fields for record in records],
            uploader=uploader,
            progress=progress,
            again=again,
        )
    except services.BatchErrors as refused:
        raise ImportRefused(
            [
                f"{records[int(index)].where}: {field}: {message}"
                for index, fields in refused.errors.items()
                for field, messages in fields.items()
                for message in messages
            ]
        ) from None
