"""File imports from the Import page and the API: several files at once (.txt, native or
doccano JSONL, a .zip of them), read by ``corpus.importers`` and stored all or nothing by
``records_upload``, every problem named by file and line.

Small imports run in the request; larger ones as a background job (``import_files``, run by
a worker) whose progress the page shows. The line between them is
``IMPORT_IN_REQUEST_MAX_BYTES`` of unpacked text, 1 MB: this 2-core machine checks and
stores about 1 MB of JSONL with spans a second (2,000 documents, 10,000 spans, 4 MB: 2.3 s
of checks and 1.7 s of storing on SQLite), so an import answered in the request waits about
a second at most, and anything longer shows its progress instead of a page that seems stuck
— and never meets the app server's 60 s timeout (``deploy/gunicorn.conf.py``).
"""

import dataclasses
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import task

from corpus.importers import ZIP_SUFFIXES, ParseError, Record, read_upload, zip_members

from .api.uploads import ImportRefused
from .jobs import Job, JobFailed, JobFile, JobKind, job_run
from .models import Project
from .moving_in import DOCCANO_SOURCE, move_in
from .suggestions import IMPORT_SOURCE

# What one import may send: as nginx takes it (deploy/nginx.conf.template), and as many
# files as Django reads from one request (DATA_UPLOAD_MAX_NUMBER_FILES).
MAX_BYTES = 50 * 1024 * 1024
MAX_FILES = 100
# A refusal lists at most this many problems (then says how many more there are).
MAX_PROBLEMS_SHOWN = 100

# Where the job's progress bar stands after reading the files and after checking every
# document (the checks take about half the time); storing is one transaction, so the bar
# waits there until everything is stored.
READ_SHARE = 0.05
CHECKED_SHARE = 0.6


@dataclass(frozen=True)
class SpansTo:
    """Where the spans of the files go that do not name their annotator: suggestions for
    everyone (source ``import``, ``import:doccano`` for doccano's), or one member's layer
    (``member``; the uploader's own when None), or gold (``gold``: the uploader must
    review). Spans that name their annotator go into that annotator's layer, and those of
    doccano's collaborative file (``all.jsonl``) become suggestions unless a member is
    named."""

    suggestions: bool = False
    member: str | None = None
    gold: bool = False

    def apply(self, record: Record) -> Record:
        fields = record.fields
        spans = fields.get("spans") or []
        if not isinstance(spans, list):
            return record  # the upload's checks name the problem
        named = [s for s in spans if not isinstance(s, dict) or s.get("annotator") is not None]
        unnamed = [s for s in spans if isinstance(s, dict) and s.get("annotator") is None]
        if not unnamed:
            return record
        collaborative = record.extra.get("collaborative") and self.member is None
        if self.suggestions or collaborative:
            source = DOCCANO_SOURCE if record.extra.get("tool") == "doccano" else IMPORT_SOURCE
            offered = [
                {key: span[key] for key in ("start", "end", "label") if key in span}
                | {"source": source}
                for span in unnamed
            ]
            suggestions = fields.get("suggestions") or []
            if isinstance(suggestions, list):
                fields = fields | {"spans": named, "suggestions": [*suggestions, *offered]}
            return dataclasses.replace(record, fields=fields)
        if self.gold:
            unnamed = [span | {"gold": True} for span in unnamed]
        elif self.member is not None:
            unnamed = [span | {"annotator": self.member} for span in unnamed]
        return dataclasses.replace(record, fields=fields | {"spans": [*named, *unnamed]})


@dataclass(frozen=True)
class Upload:
    """One uploaded file, read into memory."""

    name: str
    data: bytes

    @property
    def unpacked_size(self) -> int:
        """Its size, or what a .zip declares its files unpack to."""
        if _is_zip(self.name):
            try:
                with zipfile.ZipFile(BytesIO(self.data)) as archive:
                    return sum(member.file_size for member in archive.infolist())
            except (zipfile.BadZipFile, OSError, NotImplementedError):
                pass  # the import says what is wrong with it
        return len(self.data)


def uploads_check(uploads: Sequence[Upload]) -> None:
    """Refuse (``ImportRefused``) what is wrong with the uploads as a whole, and any .zip
    that is not safe to unpack (``corpus.importers.zip_members``), before anything is read:
    in the request, even for an import that will run as a job."""
    if not uploads:
        raise ImportRefused(["Choose at least one file to import."])
    if len(uploads) > MAX_FILES:
        raise ImportRefused([f"At most {MAX_FILES} files at a time: put more in a .zip."])
    if sum(len(upload.data) for upload in uploads) > MAX_BYTES:
        raise ImportRefused(
            [f"At most {MAX_BYTES // (1024 * 1024)} MB at a time: send several imports."]
        )
    for upload in uploads:
        if _is_zip(upload.name):
            try:
                with zipfile.ZipFile(BytesIO(upload.data)) as archive:
                    zip_members(upload.name, archive)
            except ParseError as error:
                raise ImportRefused([str(error)]) from None
            except (zipfile.BadZipFile, OSError, NotImplementedError):
                raise ImportRefused([f"{upload.name}: not a readable .zip archive"]) from None


def runs_in_request(uploads: Sequence[Upload]) -> bool:
    """Whether the import is small enough to answer at once (see the module's docstring)."""
    return sum(upload.unpacked_size for upload in uploads) <= settings.IMPORT_IN_REQUEST_MAX_BYTES


def import_now(
    *,
    project: Project,
    uploads: Sequence[Upload],
    uploader,
    spans_to: SpansTo = SpansTo(),
    create_labels: bool = False,
) -> dict[str, Any]:
    """Import the files at once: the summary (``moving_in.Summary.as_dict``: documents,
    spans, suggestions, …), or ``ImportRefused`` naming each problem (nothing is stored
    then). ``create_labels``: create the labels the files use that the project lacks."""
    return _import(
        project=project,
        uploads=uploads,
        uploader=uploader,
        spans_to=spans_to,
        create_labels=create_labels,
    )


def import_later(
    *,
    project: Project,
    uploads: Sequence[Upload],
    uploader,
    spans_to: SpansTo = SpansTo(),
    create_labels: bool = False,
) -> Job:
    """Queue the import as a background job (its files stored with it) and return the job."""
    with transaction.atomic():
        job = Job.objects.create(project=project, kind=JobKind.IMPORT, created_by=uploader)
        JobFile.objects.bulk_create(
            JobFile(job=job, name=upload.name[:255], data=upload.data) for upload in uploads
        )
    # Queued once the job and its files are there for a worker to read.
    job.task_id = import_files.enqueue(
        job.pk, spans_to.suggestions, spans_to.member, create_labels, spans_to.gold
    ).id
    job.save(update_fields=["task_id"])
    return job


def refusal(refused: ImportRefused) -> str:
    """An import's refusal in words: a summary line, then one line a problem."""
    problems = refused.problems
    count = len(problems)
    lines = [
        f"Import refused: {count} problem{'s' if count != 1 else ''}; nothing was stored.",
        *problems[:MAX_PROBLEMS_SHOWN],
    ]
    if count > MAX_PROBLEMS_SHOWN:
        lines.append(f"… and {count - MAX_PROBLEMS_SHOWN} more.")
    return "\n".join(lines)


@task
def import_files(
    job_id: int,
    suggestions: bool = False,
    member: str | None = None,
    create_labels: bool = False,
    gold: bool = False,
) -> dict[str, Any] | None:
    """The background import of a job's files (``import_later``)."""
    spans_to = SpansTo(suggestions, member, gold)
    return job_run(job_id, lambda job: _import_job(job, spans_to, create_labels))


def _import_job(job: Job, spans_to: SpansTo, create_labels: bool) -> dict[str, Any]:
    uploads = [Upload(file.name, bytes(file.data)) for file in job.files.all()]
    try:
        return _import(
            project=job.project,
            uploads=uploads,
            uploader=job.created_by,
            job=job,
            spans_to=spans_to,
            create_labels=create_labels,
        )
    except ImportRefused as refused:
        raise JobFailed(refusal(refused)) from None


def _import(
    *,
    project: Project,
    uploads: Sequence[Upload],
    uploader,
    job: Job | None = None,
    spans_to: SpansTo = SpansTo(),
    create_labels: bool = False,
) -> dict[str, Any]:
    if uploader is None:
        raise JobFailed("The user who started this import no longer exists; nothing was stored.")

    def read() -> Iterator[Record]:
        for number, upload in enumerate(uploads, start=1):
            yield from read_upload(upload.name, BytesIO(upload.data))
            if job is not None:
                job.advance(READ_SHARE * number, len(uploads))

    def checked(done: int, total: int) -> None:
        if job is not None:
            job.advance(READ_SHARE + (CHECKED_SHARE - READ_SHARE) * done / total, 1)

    return import_records(
        project=project,
        records=read(),
        uploader=uploader,
        spans_to=spans_to,
        create_labels=create_labels,
        progress=checked,
    )


def import_records(
    *,
    project: Project,
    records: Iterable[Record],
    uploader,
    spans_to: SpansTo = SpansTo(),
    create_labels: bool = False,
    user_map: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Import records read from files, all or nothing (``moving_in.move_in``): the
    summary, or ``ImportRefused`` naming each problem."""
    try:
        read = [spans_to.apply(record) for record in records]
    except ParseError as error:
        raise ImportRefused([str(error)]) from None
    if not read:
        raise ImportRefused(["nothing to import: the files hold no documents"])
    summary = move_in(
        project=project,
        records=read,
        uploader=uploader,
        create_labels=create_labels,
        user_map=user_map,
        progress=progress,
    )
    return summary.as_dict()


def _is_zip(name: str) -> bool:
    return Path(name).suffix.lower() in ZIP_SUFFIXES
