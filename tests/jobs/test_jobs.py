"""The job life cycle with django-tasks-db's database queue and its real worker loop."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from annotator import imports
from annotator.api import uploads
from annotator.imports import Upload, import_files, import_later
from annotator.jobs import Job, JobFile, JobStatus
from annotator.models import Span
from corpus.models import Document

TEXT = "Kim Jong Un inspected artillery shells."


def jsonl(*rows) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows).encode()


def good_files() -> list[Upload]:
    start = TEXT.index("artillery")
    native = {
        "text": TEXT,
        "external_id": "n1",
        "spans": [{"start": start, "end": start + 16, "label": "WEAPONS"}],
    }
    return [
        Upload("native.jsonl", jsonl(native)),
        Upload("putin.txt", b"Putin arrived by train."),
    ]


def test_an_import_job_goes_from_queued_to_done_in_the_worker(project, people, worker):
    job = import_later(project=project, uploads=good_files(), uploader=people["manager"])
    job.refresh_from_db()
    assert (job.status, job.progress, job.result, job.error) == ("queued", 0.0, None, "")
    task = DBTaskResult.objects.get()
    assert str(task.id) == job.task_id and task.status == "READY"
    assert JobFile.objects.filter(job=job).count() == 2

    worker()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 1.0
    assert job.result.items() >= {"documents": 2, "spans": 1, "suggestions": 0}.items()
    assert job.started_at <= job.finished_at
    assert not JobFile.objects.filter(job=job).exists()  # the uploads go with the job's end
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert sorted(project.documents.values_list("title", flat=True)) == ["", "putin"]
    assert Span.objects.get().annotator == people["manager"]


def test_progress_is_written_as_the_job_goes(project, people, worker, monkeypatch):
    monkeypatch.setattr(Job, "ADVANCE_EVERY", 0.0)
    monkeypatch.setattr(uploads, "CHECK_CHUNK", 2)
    rows = [{"text": f"Document {n}.", "external_id": f"d{n}"} for n in range(10)]
    job = import_later(
        project=project, uploads=[Upload("many.jsonl", jsonl(*rows))], uploader=people["manager"]
    )
    with CaptureQueriesContext(connection) as queries:
        worker()
    written = [
        float(found)
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "annotator_job"')
        for found in re.findall(r'"progress" = ([0-9.e-]+)', query["sql"])
    ]
    # Started at 0, then the files read (5%), each chunk checked (up to 60%), then done.
    assert written[0] == 0.0 and written[-1] == 1.0
    steps = written[1:-1]
    assert len(steps) >= 5 and steps == sorted(steps)
    assert steps[0] == pytest.approx(imports.READ_SHARE)
    assert steps[-1] == pytest.approx(imports.CHECKED_SHARE)
    job.refresh_from_db()
    assert job.status == "done"


def test_advance_writes_a_few_times_a_second_at_most(project, people, django_assert_num_queries):
    job = Job.objects.create(project=project, kind="import", created_by=people["manager"])
    with django_assert_num_queries(1):
        for done in range(1, 5001):
            job.advance(done, 5000)
    assert 0 < Job.objects.get(pk=job.pk).progress < 0.01


def test_a_refused_import_fails_the_job_with_each_file_and_line(project, people, worker):
    files = [
        Upload("good.txt", b"A fine document."),
        Upload("bad.jsonl", jsonl({"text": "One."}, "{not json", {"text": "Three."})),
    ]
    job = import_later(project=project, uploads=files, uploader=people["manager"])
    worker()
    job.refresh_from_db()
    assert job.status == "failed" and job.result is None
    assert job.error.splitlines() == [
        "Import refused: 1 problem; nothing was stored.",
        "bad.jsonl:2: not valid JSON (Expecting property name enclosed in double quotes at "
        "column 2)",
    ]
    assert not Document.objects.exists()
    assert not JobFile.objects.exists()


def test_a_crash_while_storing_leaves_nothing_half_written(project, people, worker, monkeypatch):
    """The documents are inserted, then storing the spans fails: the job fails with a
    sentence (no traceback), nothing of the import is left, and the task's own record
    keeps the traceback for an operator."""
    from annotator.services import documents

    def broken(*args, **kwargs):
        assert Document.objects.exists()  # half-way: the documents are in
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(documents, "spans_insert", broken)
    job = import_later(project=project, uploads=good_files(), uploader=people["manager"])
    worker()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == (
        "The job stopped on an error in Margin, not in your data (RuntimeError); nothing was "
        f"stored. Tell an administrator: job {job.pk}."
    )
    assert not Document.objects.exists() and not Span.objects.exists()
    task = DBTaskResult.objects.get()
    assert task.status == "FAILED" and "disk on fire" in task.traceback


def test_a_job_runs_once(project, people, worker):
    job = import_later(project=project, uploads=good_files(), uploader=people["manager"])
    worker()
    assert import_files.call(job.pk) is None  # run again by hand: nothing happens
    assert project.documents.count() == 2


def test_a_job_whose_user_is_gone_fails_in_words(project, people, worker):
    job = import_later(project=project, uploads=good_files(), uploader=people["bob"])
    people["bob"].delete()
    worker()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "The user who started this import no longer exists; nothing was stored."
