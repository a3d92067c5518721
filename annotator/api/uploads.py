"""Document uploads, whichever door they come through (the API, the admin's upload, the
import command): each document's own fields checked by the API's serializer, then stored
by ``services.documents_import`` all or nothing."""

from collections.abc import Iterable

from corpus.importers import ParseError, Record
from corpus.models import Document

from .. import services
from ..models import Project
from .serializers import upload_checked


def documents_upload(*, project: Project, items: list, uploader) -> list[Document]:
    """Store the documents of an upload; ``services.BatchErrors`` by index otherwise."""
    checked, errors = upload_checked(items)
    if errors:
        raise services.BatchErrors(errors)
    return services.documents_import(project=project, items=checked, uploader=uploader)


class ImportRefused(ValueError):
    """A file import refused whole; ``problems`` name each file and line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]))
        self.problems = problems


def records_upload(*, project: Project, records: Iterable[Record], uploader) -> list[Document]:
    """Import records read from files (``corpus.importers``), all or nothing.

    Raises ``ImportRefused`` naming each bad file and line; nothing is stored then.
    """
    try:
        records = list(records)
    except ParseError as error:
        raise ImportRefused([str(error)]) from None
    if not records:
        raise ImportRefused(["nothing to import: the files hold no documents"])
    try:
        return documents_upload(
            project=project, items=[record.fields for record in records], uploader=uploader
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
